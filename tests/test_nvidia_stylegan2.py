"""NVIDIA StyleGAN2 / StyleGAN2-ADA pickles reproduced through the public contract."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch

from sefa_desktop.core import factorize
from sefa_desktop.models import ModelLoadError, load_model
from sefa_desktop.models.nets.stylegan2 import StyleGAN2Generator, StyleGAN2Model, stylegan2_config_from_nvidia
from tests.conftest import shared_dir

SG2_FIXTURES = ["stylegan2", "stylegan2_ada"]


def fixture(name: str) -> tuple[Path, dict[str, np.ndarray]]:
    base = shared_dir()
    if base is None:
        pytest.skip("../shared/fixtures is not present next to the checkout")
    folder = base / "fixtures" / "nvidia" / name
    if not folder.is_dir():
        pytest.skip(f"fixture {folder} is missing")
    return folder / f"network-snapshot-{name}.pkl", dict(np.load(folder / "expected.npz", allow_pickle=False))


pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module", params=SG2_FIXTURES)
def loaded(request: pytest.FixtureRequest) -> tuple[StyleGAN2Model, dict[str, np.ndarray]]:
    path, exp = fixture(request.param)
    return load_model(path), exp


def test_contract_attributes(loaded) -> None:
    model, exp = loaded
    meta = json.loads(str(exp["meta_json"]))
    assert model.family == "stylegan2" and model.edit_space == "w"
    assert model.num_layers == meta["num_ws"] and model.w_dim == meta["w_dim"] and model.z_dim == meta["z_dim"]
    assert model.resolution == meta["img_resolution"]
    assert [li.index for li in model.layers] == list(range(meta["num_ws"]))
    # rows read by a block's conv take that block's resolution; the last row is the final toRGB
    assert [li.resolution for li in model.layers] == [4, 8, 8, 16, 16, 32, 32, 32]


@pytest.mark.parametrize("psi,key", [(1.0, "psi1"), (0.7, "psi0_7")])
def test_codes_and_images_match(loaded, psi: float, key: str) -> None:
    model, exp = loaded
    z = torch.from_numpy(exp["z"])
    ws = model.codes(z, truncation_psi=psi)
    assert ws.shape == exp[f"ws_{key}"].shape
    np.testing.assert_allclose(ws.numpy(), exp[f"ws_{key}"], atol=1e-4, rtol=0)
    img = model.synthesize(ws, noise_mode="const")
    assert np.abs(img.numpy() - exp[f"img_{key}"]).max() <= 1e-3


def test_noise_none_matches(loaded) -> None:
    model, exp = loaded
    img = model.synthesize(model.codes(torch.from_numpy(exp["z"])), noise_mode="none")
    assert np.abs(img.numpy() - exp["img_psi1_noise_none"]).max() <= 1e-3


def test_selectors_and_sefa(loaded) -> None:
    model, exp = loaded
    a = model.selector_weight(compat="genforce").numpy()
    np.testing.assert_array_equal(a, exp["sefa_weight"])
    # default selection: every affine reading the rows, intermediate toRGBs included
    all_rows = sum(exp[f"affine_weight_{i:02d}"].shape[0] for i in range(len(exp["affine_names"])))
    assert model.selector_weight().shape[0] == all_rows
    row1 = model.selector_weight([1]).numpy()  # b4.torgb + b8.conv0
    np.testing.assert_array_equal(row1, np.concatenate([exp["affine_weight_01"], exp["affine_weight_02"]]))
    np.testing.assert_array_equal(model.selector_weight([1], compat="genforce").numpy(), exp["affine_weight_02"])
    dirs = factorize(model, compat="genforce")
    np.testing.assert_allclose(dirs.values[:10], exp["sefa_eigvals"][:10], rtol=1e-4, atol=1e-4)
    dots = np.abs((dirs.vectors[:10].astype(np.float64) * exp["sefa_eigvecs"][:10]).sum(1))
    assert np.all(dots > 1 - 1e-4)


def test_early_exit_and_prefix_reuse(loaded) -> None:
    model, exp = loaded
    ws = model.codes(torch.from_numpy(exp["z"]))
    full = model.synthesize(ws)
    assert model.synthesize(ws, max_resolution=8).shape[-1] == 8
    assert torch.equal(model.synthesize(ws, max_resolution=32), full)
    for row in range(model.num_layers + 1):
        prefix = model.prefix_state(ws, row)
        edited = ws.clone()
        edited[:, row:] += 0.5
        direct = model.synthesize(edited)
        resumed = model.synthesize_from(prefix, edited)
        assert torch.allclose(resumed, direct, atol=1e-5), row
    prefix = model.prefix_state(ws, 4)
    bad = ws.clone()
    bad[:, 3] += 1
    with pytest.raises(ValueError):
        model.synthesize_from(prefix, bad)
    with pytest.raises(ValueError):
        model.synthesize(ws, max_resolution=12)


def test_prefix_stops_between_a_blocks_two_convs(loaded) -> None:
    model, exp = loaded
    ws = model.codes(torch.from_numpy(exp["z"]))
    steps = model.net.synthesis.steps
    for row in range(1, model.num_layers):
        prefix = model.prefix_state(ws, row)
        done = [r for st in steps[:prefix.step] for r in st.rows]
        todo = [r for st in steps[prefix.step:] for r in st.rows]
        # Everything reading only rows < row is cached, nothing reading a row ≥ row is.
        assert max(done, default=-1) < row <= min(todo)
        assert all(max(st.rows) < row for st in steps[:prefix.step])
    # A preview smaller than where the prefix stopped still has the size asked for.
    prefix = model.prefix_state(ws, model.num_layers - 1)
    small = model.synthesize_from(prefix, ws, max_resolution=8)
    assert small.shape[-1] == 8


def _random_generator(arch: str, c_dim: int = 0, variant: str = "ada", seed: int = 0) -> tuple[StyleGAN2Generator,
                                                                                               dict]:
    kw: dict = dict(z_dim=16, w_dim=16, c_dim=c_dim, img_resolution=16, img_channels=3,
                    mapping_kwargs=dict(num_layers=2))
    syn = dict(channel_base=256, channel_max=32, architecture=arch, conv_clamp=256)
    if variant == "ada":
        kw["synthesis_kwargs"] = syn
    else:
        kw.update(syn)
    g = StyleGAN2Generator(stylegan2_config_from_nvidia(kw, variant))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in g.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * (0.2 if name.endswith("noise_strength") else 1.0))
        for name, b in g.named_buffers():
            if name.endswith("noise_const"):
                b.copy_(torch.randn(b.shape, generator=gen))
    return g.eval(), kw


@pytest.mark.parametrize("arch", ["skip", "orig", "resnet"])
def test_architectures_match_textbook_reference(arch: str) -> None:
    from bench.sg2_reference import reference_synthesis

    g, _ = _random_generator(arch)
    ws = g.mapping(torch.randn(2, 16), None)
    with torch.inference_mode():
        ours = g.synthesis(ws, "const")
        ref = reference_synthesis(g, ws)
    assert torch.allclose(ours, ref, atol=1e-4 * ref.abs().max().item())


@pytest.mark.parametrize("arch", ["orig", "resnet"])
def test_orig_resnet_layout_and_selectors(arch: str, tmp_path: Path) -> None:
    from bench.nvpickle import write_network_pickle

    g, kw = _random_generator(arch, variant="sg3repo")
    keys = set(g.state_dict())
    assert "synthesis.b16.torgb.weight" in keys and "synthesis.b8.torgb.weight" not in keys
    assert ("synthesis.b8.skip.weight" in keys) == (arch == "resnet")
    model = load_model(write_network_pickle(tmp_path / "g.pkl", g, kw))
    assert model.num_layers == 6
    # without intermediate toRGBs the default selection equals the official one
    assert torch.equal(model.selector_weight(), model.selector_weight(compat="genforce"))
    ws = model.codes(torch.randn(1, 16))
    small = model.synthesize(ws, max_resolution=8)
    assert small.shape[-1] == 8


def test_conditional_model(tmp_path: Path) -> None:
    from bench.nvpickle import write_network_pickle

    g, kw = _random_generator("skip", c_dim=3)
    model = load_model(write_network_pickle(tmp_path / "cond.pkl", g, kw, protocol=2))
    assert model.num_classes == 3
    z = torch.randn(2, 16)
    w0 = model.codes(z, c=torch.eye(3)[[0, 0]])
    w1 = model.codes(z, c=torch.eye(3)[[1, 1]])
    assert not torch.allclose(w0, w1)
    assert model.synthesize(w0).shape == (2, 3, 16, 16)
    # a class index, or none (the default class 0, as BigGAN): what the app and --class pass
    assert torch.equal(model.codes(z), w0) and torch.equal(model.codes(z, c=0), w0)
    assert torch.equal(model.codes(z, c=1), w1) and torch.equal(model.sample_codes(2, seed=5, c=1),
                                                                 model.codes(model.sample_z(2, seed=5), c=1))
    with pytest.raises(ValueError, match="out of range"):
        model.codes(z, c=3)
    from sefa_desktop.models.classes import is_class_conditional

    assert is_class_conditional(model)


def test_wrong_shapes_are_model_load_errors(tmp_path: Path) -> None:
    from bench.nvpickle import write_network_pickle

    g, kw = _random_generator("skip")
    kw = dict(kw, synthesis_kwargs=dict(kw["synthesis_kwargs"], channel_max=64))  # lies about widths
    with pytest.raises(ModelLoadError, match="shape"):
        load_model(write_network_pickle(tmp_path / "lie.pkl", g, kw))


def test_building_style_networks_does_not_import_dynamo(tmp_path) -> None:
    """Arithmetic on meta tensors pulls in torch._dynamo (>1 s holding the GIL, a frozen UI)."""
    import os
    import subprocess
    import sys

    from conftest import fixture_path

    paths = [str(fixture_path("nvidia", "stylegan2_ada", "network-snapshot-stylegan2_ada.pkl")),
             str(fixture_path("nvidia", "stylegan3_t", "network-snapshot-stylegan3_t.pkl"))]
    code = ("import sys; from sefa_desktop.models import load_model\n"
            f"for p in {paths!r}: load_model(p)\n"
            "print('torch._dynamo' in sys.modules)")
    repo = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                         env=dict(os.environ, PYTHONPATH=str(repo)))
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
