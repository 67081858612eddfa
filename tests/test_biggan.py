"""BigGAN-deep (pytorch-pretrained-biggan layout): fixture images through the public contract, truncation
semantics, class vectors, the z-only selector and edits, and load errors."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import shared_dir

from sefa_desktop.core import factorize
from sefa_desktop.core.editing import DirectionEdit, apply_edits
from sefa_desktop.models import ModelLoadError, load_model
from sefa_desktop.models.nets.biggan import stats_row

TAGS = {"t04": 0.4, "t0625": 0.625, "t058": 0.58, "t1": 1.0}


@pytest.fixture(scope="module")
def folder() -> Path:
    base = shared_dir()
    if base is None or not (base / "fixtures" / "biggan" / "expected.npz").is_file():
        pytest.skip("../shared/fixtures/biggan is not present next to the checkout")
    return base / "fixtures" / "biggan"


@pytest.fixture(scope="module")
def expected(folder: Path) -> dict[str, np.ndarray]:
    with np.load(folder / "expected.npz") as f:
        return {k: f[k] for k in f.files}


@pytest.fixture(scope="module")
def model(folder: Path):
    return load_model(folder)


def test_facts(model) -> None:
    assert model.family == "biggan"
    assert model.resolution == 32 and model.z_dim == 32 and model.num_classes == 1000
    assert model.code_shape == (32 + 1000,) and model.latent_dim == 32
    assert model.num_layers == 7 and model.layers[0].name.startswith("gen_z")
    assert [li.resolution for li in model.layers] == [4, 4, 8, 8, 16, 16, 32]


@pytest.mark.parametrize("route", ["dir", "bin"])
@pytest.mark.parametrize("tag", list(TAGS))
def test_fixture_images(folder: Path, expected, route: str, tag: str) -> None:
    m = load_model(folder if route == "dir" else folder / "pytorch_model.bin")
    codes = m.codes(torch.from_numpy(expected[f"z_{tag}"]), c=torch.from_numpy(expected["class_vectors"]))
    images = m.synthesize(codes, truncation_psi=TAGS[tag]).numpy()
    assert images.shape == expected[f"images_{tag}"].shape
    assert np.abs(images - expected[f"images_{tag}"]).max() <= 1e-3


def test_statistics_row_quirks() -> None:
    assert stats_row(0.625, 51) == (31, pytest.approx(0.25))
    i, frac = stats_row(0.58, 51)  # float error: row 28 with weight ≈ 1, not row 29
    assert i == 28 and frac == pytest.approx(1.0, abs=1e-9)
    assert stats_row(0.4, 51) == (20, 0.0)
    assert stats_row(1.0, 51) == (50, 0.0)


def test_interpolation_direction_matters(model, expected) -> None:
    """Ordinary interpolation (0.75·row31 + 0.25·row32) must give a visibly different image at t = 0.625."""
    codes = model.codes(torch.from_numpy(expected["z_t0625"]), c=torch.from_numpy(expected["class_vectors"]))
    ref = expected["images_t0625"]
    alt = model.synthesize(codes, truncation_psi=0.635).numpy()  # 0.75·row31 + 0.25·row32
    assert np.abs(alt - ref).max() > 1e-2


def test_class_indices_equal_one_hot(model, expected) -> None:
    z = torch.from_numpy(expected["z_t1"])
    by_index = model.codes(z, c=torch.from_numpy(expected["class_indices"]))
    by_vector = model.codes(z, c=torch.from_numpy(expected["class_vectors"]))
    assert torch.equal(by_index, by_vector)
    default = model.codes(z)  # c=None → default_class one-hot
    assert torch.all(default[:, 32 + model.default_class] == 1) and float(default[:, 32:].sum()) == 4
    soft = torch.zeros(1000)
    soft[[3, 5]] = 0.5  # one mixed class vector broadcast to every code
    mixed = model.codes(z, c=soft)
    assert torch.equal(mixed[:, 32:], soft.expand(4, -1)) and torch.equal(mixed[:, :32], z)
    with pytest.raises(ValueError, match="class"):
        model.codes(z, c=torch.zeros(4, 10))
    with pytest.raises(ValueError, match="out of range"):
        model.codes(z, c=torch.tensor([0, 1, 2, 1000]))


def test_truncation_bounds(model) -> None:
    codes = model.codes(model.sample_z(1))
    for bad in (0.0, 1.5, -0.3):
        with pytest.raises(ValueError, match="truncation"):
            model.synthesize(codes, truncation_psi=bad)
    assert torch.equal(model.synthesize(codes), model.synthesize(codes, truncation_psi=1.0))


def test_sample_z_truncated_normal(model) -> None:
    z = model.sample_z(4000, seed=3)
    assert z.shape == (4000, 32) and z.dtype == torch.float32
    assert float(z.abs().max()) <= 2.0
    assert torch.equal(z, model.sample_z(4000, seed=3)) and not torch.equal(z, model.sample_z(4000, seed=4))
    # truncnorm(−2, 2) has standard deviation 0.8796
    assert float(z.std()) == pytest.approx(0.8796, abs=0.02)
    zt = model.sample_z(4000, seed=3, truncation_psi=0.4)
    assert torch.allclose(zt, z * 0.4)


def test_selector_is_spectral_normalized_z_columns(model, folder: Path) -> None:
    sd = torch.load(folder / "pytorch_model.bin", weights_only=True)
    w, u, v = (sd[f"generator.gen_z.weight_{s}"] for s in ("orig", "u", "v"))
    sigma = torch.dot(u, w @ v)
    a0 = model.selector_weight([0])
    assert a0.shape == (2048, 32)
    assert torch.allclose(a0, (w / sigma)[:, :32], atol=1e-6)
    a1 = model.selector_weight([1])  # block 0: 4 BNs × (scale, offset)
    assert a1.shape == (2 * (128 + 32 * 3), 32)
    assert model.selector_weight().shape[0] == sum(model.selector_weight([i]).shape[0] for i in range(7))


def test_factorize_and_edit_only_z(model, expected) -> None:
    dirs = factorize(model, layers=[0], k=5)
    assert dirs.vectors.shape == (5, 32)
    dirs.check_fits(model)
    codes = model.codes(torch.from_numpy(expected["z_t04"]), c=torch.from_numpy(expected["class_vectors"]))
    edited = apply_edits(codes, [DirectionEdit(dirs.vectors[0], 3.0, tuple(dirs.layers))])
    assert torch.equal(edited[:, 32:], codes[:, 32:])
    assert torch.allclose(edited[:, :32] - codes[:, :32], torch.from_numpy(dirs.vectors[0]) * 3.0, atol=1e-6)
    moved = model.synthesize(edited, truncation_psi=0.4)
    assert float((moved - model.synthesize(codes, truncation_psi=0.4)).abs().max()) > 1e-2
    # layer-wise selections factorize other weights, still in z
    assert factorize(model, layers=[3, 4], k=3).vectors.shape == (3, 32)


def _copy(folder: Path, dest: Path, state: dict | None = None, config: dict | None = None) -> Path:
    dest.mkdir()
    if state is None:
        shutil.copy(folder / "pytorch_model.bin", dest / "pytorch_model.bin")
    else:
        torch.save(state, dest / "pytorch_model.bin")
    if config is not False:
        text = (folder / "config.json").read_text() if config is None else json.dumps(config)
        (dest / "config.json").write_text(text)
    return dest


def test_missing_and_misshapen_keys(folder: Path, tmp_path: Path) -> None:
    sd = torch.load(folder / "pytorch_model.bin", weights_only=True)
    broken = dict(sd)
    del broken["generator.layers.2.bn_1.running_vars"]
    with pytest.raises(ModelLoadError, match=r"generator\.layers\.2\.bn_1\.running_vars.*\(51, 16\)"):
        load_model(_copy(folder, tmp_path / "a", broken))
    bad = dict(sd)
    bad["generator.gen_z.weight_orig"] = torch.zeros(2048, 60)
    with pytest.raises(ModelLoadError, match=r"generator\.gen_z\.weight_orig.*\(2048, 64\)"):
        load_model(_copy(folder, tmp_path / "b", bad))


def test_config_problems(folder: Path, tmp_path: Path) -> None:
    d = _copy(folder, tmp_path / "noconf", config=False)
    with pytest.raises(ModelLoadError, match="config.json"):
        load_model(d)
    with pytest.raises(ModelLoadError, match="config.json"):
        load_model(d / "pytorch_model.bin")
    cfg = json.loads((folder / "config.json").read_text())
    del cfg["layers"]
    with pytest.raises(ModelLoadError, match="config"):
        load_model(_copy(folder, tmp_path / "nolayers", config=cfg))
    cfg = json.loads((folder / "config.json").read_text())
    cfg["channel_width"] = 16  # disagrees with the tensors: the shape error names the key
    with pytest.raises(ModelLoadError, match="expected"):
        load_model(_copy(folder, tmp_path / "wide", config=cfg))


def test_legacy_torch_file(folder: Path, expected, tmp_path: Path) -> None:
    """The published weights predate torch's zip format: a legacy-serialized .bin loads the same."""
    d = tmp_path / "legacy"
    d.mkdir()
    sd = torch.load(folder / "pytorch_model.bin", weights_only=True)
    torch.save(sd, d / "pytorch_model.bin", _use_new_zipfile_serialization=False)
    shutil.copy(folder / "config.json", d / "config.json")
    m = load_model(d / "pytorch_model.bin")
    codes = m.codes(torch.from_numpy(expected["z_t1"]), c=torch.from_numpy(expected["class_vectors"]))
    assert np.abs(m.synthesize(codes, truncation_psi=1.0).numpy() - expected["images_t1"]).max() <= 1e-3
