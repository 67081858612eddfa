"""genforce PGGAN .pth: the fixture made by the official code, reproduced through the public contract."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from conftest import fixture_path
from genforce_helpers import assert_same_directions, expected, max_err, write_state

from sefa_desktop.core import factorize
from sefa_desktop.models import ModelLoadError, load_model

TOL = 1e-3


@pytest.fixture(scope="module")
def fx():
    d = fixture_path("genforce", "pggan")
    return d, expected(d), load_model(d / "pggan_random32.pth")


def test_config_from_shapes(fx):
    _, _, m = fx
    assert (m.family, m.resolution, m.z_dim, m.w_dim, m.num_layers, m.edit_space) == ("pggan", 32, 512, None, 1, "z")
    assert [(li.index, li.resolution) for li in m.layers] == [(0, 4)]
    assert m.resolutions == [4, 8, 16, 32]


def test_codes_and_image(fx):
    _, e, m = fx
    codes = m.codes(torch.from_numpy(e["z"]))
    assert max_err(codes, e["code"]) <= TOL
    assert max_err(m.synthesize(codes), e["image"]) <= TOL


def test_uses_generator_smooth_not_generator(fx):
    d, e, _ = fx
    raw = torch.load(d / "pggan_random32.pth", weights_only=True)
    from sefa_desktop.models.nets.pggan import PGGANModel, build_pggan
    wrong = PGGANModel(build_pggan(raw["generator"]), "g")
    assert max_err(wrong.synthesize(wrong.codes(torch.from_numpy(e["z"]))), e["image"]) > 0.01


@pytest.mark.parametrize("edit", ["a", "b"])
def test_official_edits(fx, edit):
    _, e, m = fx
    codes = m.codes(torch.from_numpy(e["z"]))
    # sefa.py: code + distance·boundary, then G (which pixel-normalizes again)
    edited = codes + float(e[f"edit_{edit}_distance"]) * torch.from_numpy(e[f"edit_{edit}_boundary"])
    assert max_err(edited, e[f"edit_{edit}_codes"]) <= TOL
    assert max_err(m.synthesize(edited), e[f"edit_{edit}_image"]) <= TOL


@pytest.mark.parametrize("which", ["all", "sub"])
def test_factorize_matches_official(fx, which):
    _, e, m = fx
    dirs = factorize(m, layers=[0], compat="genforce")
    assert_same_directions(dirs.vectors, dirs.values, e[f"sefa_{which}_boundaries"], e[f"sefa_{which}_values"])
    # eigenvalues of the row-normalized Gram sum to the number of rows (out·16)
    assert dirs.values.sum() == pytest.approx(32 * 16, rel=1e-3)


def test_early_exit_is_that_blocks_rgb(fx):
    _, e, m = fx
    codes = m.codes(torch.from_numpy(e["z"]))
    small = m.synthesize(codes, max_resolution=16)
    assert small.shape == (4, 3, 16, 16)
    net = m.net
    with torch.inference_mode():
        from sefa_desktop.models.nets.pggan import pixel_norm
        x = pixel_norm(codes).reshape(4, -1, 1, 1)
        for b in range(3):
            x = net.block(b, x)
        ref = net.to_rgb(2, x)
    assert max_err(small, ref.numpy()) == 0.0
    assert max_err(m.synthesize(codes, max_resolution=32), e["image"]) <= TOL
    with pytest.raises(ValueError, match="power of two"):
        m.synthesize(codes, max_resolution=24)


def test_fractional_lod_blends_last_two_outputs(fx, tmp_path):
    d, e, m = fx
    raw = torch.load(d / "pggan_random32.pth", weights_only=True)
    state = dict(raw["generator_smooth"])
    state["lod"] = torch.tensor(0.25)
    m2 = load_model(write_state(tmp_path, {"generator_smooth": state}))
    codes = m2.codes(torch.from_numpy(e["z"]))
    img = m2.synthesize(codes)
    prev = torch.nn.functional.interpolate(m.synthesize(codes, max_resolution=16), scale_factor=2)
    ref = 0.75 * torch.from_numpy(e["image"]) + 0.25 * prev
    assert max_err(img, ref.numpy()) <= TOL


def test_missing_key_names_key_and_shape(fx, tmp_path):
    d, _, _ = fx
    state = dict(torch.load(d / "pggan_random32.pth", weights_only=True)["generator_smooth"])
    del state["layer3.bias"]
    with pytest.raises(ModelLoadError, match=r"layer3\.bias.*\(32,\)"):
        load_model(write_state(tmp_path, {"generator_smooth": state}))


def test_misshapen_key_names_key_and_shape(fx, tmp_path):
    d, _, _ = fx
    state = dict(torch.load(d / "pggan_random32.pth", weights_only=True)["generator_smooth"])
    state["layer5.weight"] = torch.zeros(32, 32, 5, 5)
    with pytest.raises(ModelLoadError, match=r"layer5\.weight.*\(32, 32, 3, 3\)"):
        load_model(write_state(tmp_path, {"generator_smooth": state}))


def test_unknown_layout_lists_what_was_recognised(tmp_path):
    p = write_state(tmp_path, {"generator_smooth": {"foo.weight": torch.zeros(2)}, "epoch": torch.tensor(3)})
    with pytest.raises(ModelLoadError, match="generator_smooth.*epoch"):
        load_model(p)


def test_codes_are_deterministic_numpy_inputs(fx):
    _, e, m = fx
    assert max_err(m.codes(e["z"]), e["code"]) <= TOL
    assert np.isfinite(m.selector_weight().numpy()).all()


def test_damaged_generator_smooth_never_falls_back_to_generator(fx, tmp_path):
    d, _, _ = fx
    raw = torch.load(d / "pggan_random32.pth", weights_only=True)
    smooth = dict(raw["generator_smooth"])
    del smooth["lod"]
    p = write_state(tmp_path, {"generator": raw["generator"], "generator_smooth": smooth})
    with pytest.raises(ModelLoadError, match="missing key 'lod'"):
        load_model(p)
    smooth = {"foo": torch.zeros(1)}
    p = write_state(tmp_path, {"generator": raw["generator"], "generator_smooth": smooth}, "b.pth")
    with pytest.raises(ModelLoadError, match="unknown layout"):
        load_model(p)
