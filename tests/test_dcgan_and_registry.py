"""DCGAN family against the shared fixture, the bundled model, and load_model's error handling."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import fixture_path

from sefa_desktop.core import factorize
from sefa_desktop.models import DEFAULT_MODEL, ModelLoadError, bundled_models, load_model


def test_dcgan_fixture_images_match():
    path = fixture_path("dcgan", "netG.pth")
    exp = np.load(path.parent / "expected.npz", allow_pickle=False)
    model = load_model(str(path))
    assert model.family == "dcgan"
    assert model.z_dim == int(exp["nz"]) and model.resolution == 64 and model.w_dim is None
    z = torch.from_numpy(exp["z"]).reshape(4, -1)
    codes = model.codes(z)
    assert torch.equal(codes, z)
    images = model.synthesize(codes).numpy()
    assert images.shape == exp["images"].shape
    assert np.abs(images - exp["images"]).max() <= 1e-3


def test_dcgan_selector_is_first_layer():
    model = load_model(str(fixture_path("dcgan", "netG.pth")))
    a = model.selector_weight()
    assert tuple(a.shape) == (16 * 8 * 16, 100)
    # y = A z reproduces the first ConvTranspose's output for a 1×1 input.
    z = torch.randn(2, 100)
    y = model.net.main[0](z[:, :, None, None]).reshape(2, -1)
    assert torch.allclose(y, z @ a.T, atol=1e-5)


def test_bundled_model_offline():
    names = [m.name for m in bundled_models()]
    assert DEFAULT_MODEL in names
    model = load_model(DEFAULT_MODEL)
    assert (model.name, model.family, model.resolution, model.z_dim) == ("digiface-dcgan64", "dcgan", 64, 100)
    img = model.synthesize(model.codes(model.sample_z(2, seed=3)))
    assert img.shape == (2, 3, 64, 64)
    assert float(img.min()) >= -1 and float(img.max()) <= 1
    assert torch.equal(model.sample_z(2, seed=3), model.sample_z(2, seed=3))
    d = factorize(model, k=10)
    assert len(d) == 10 and d.values[0] > d.values[9]


@pytest.mark.parametrize("content", [b"", b"hello world, not a checkpoint at all", bytes(range(256)) * 40])
def test_non_checkpoints_are_clear_errors(tmp_path, content):
    p = tmp_path / "model.pth"
    p.write_bytes(content)
    with pytest.raises(ModelLoadError) as e:
        load_model(str(p))
    assert "\n" not in str(e.value)


def test_missing_file_and_truncated_checkpoint(tmp_path):
    with pytest.raises(ModelLoadError, match="no such file"):
        load_model(str(tmp_path / "nope.pth"))
    data = fixture_path("dcgan", "netG.pth").read_bytes()
    p = tmp_path / "cut.pth"
    p.write_bytes(data[: len(data) // 2])
    with pytest.raises(ModelLoadError):
        load_model(str(p))


def test_misshapen_and_missing_keys_are_named(tmp_path):
    state = torch.load(fixture_path("dcgan", "netG.pth"), weights_only=True)
    bad = dict(state)
    bad["main.1.running_mean"] = torch.zeros(7)
    torch.save(bad, tmp_path / "bad.pth")
    with pytest.raises(ModelLoadError, match=r"main\.1\.running_mean.*\(7,\).*\(128,\)"):
        load_model(str(tmp_path / "bad.pth"))
    missing = {k: v for k, v in state.items() if k != "main.4.bias"}
    torch.save(missing, tmp_path / "missing.pth")
    with pytest.raises(ModelLoadError, match=r"main\.4\.bias"):
        load_model(str(tmp_path / "missing.pth"))


def test_unknown_layout_lists_what_was_recognised(tmp_path):
    torch.save({"encoder.weight": torch.zeros(2, 2), "step": 3}, tmp_path / "x.pt")
    with pytest.raises(ModelLoadError, match="unknown layout.*encoder.weight"):
        load_model(str(tmp_path / "x.pt"))


def test_hostile_torch_file_executes_nothing(tmp_path):
    sentinel = tmp_path / "pwned"

    class Evil:
        def __reduce__(self):
            import os
            return (os.system, (f"touch {sentinel}",))

    torch.save({"main.0.weight": Evil()}, tmp_path / "evil.pth")
    with pytest.raises(ModelLoadError, match="refused"):
        load_model(str(tmp_path / "evil.pth"))
    assert not sentinel.exists()
