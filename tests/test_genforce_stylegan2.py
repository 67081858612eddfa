"""genforce StyleGAN2 .pth → our StyleGAN2 network: the official fixture through the public contract."""

from __future__ import annotations

import pytest
import torch
from conftest import fixture_path
from genforce_helpers import (
    assert_same_directions,
    expected,
    max_err,
    official_edit_codes,
    official_sefa,
    write_state,
)

from sefa_desktop.models import ModelLoadError, load_model
from sefa_desktop.models.formats.genforce import convert_genforce_stylegan2

TOL = 1e-3
FILE = "stylegan2_random64.pth"


@pytest.fixture(scope="module")
def fx():
    torch.set_num_threads(1)
    d = fixture_path("genforce", "stylegan2")
    return d, expected(d), load_model(d / FILE)


def _raw(d):
    return torch.load(d / FILE, weights_only=True)


def test_config_from_shapes(fx):
    _, _, m = fx
    assert (m.family, m.resolution, m.z_dim, m.w_dim, m.num_layers) == ("stylegan2", 64, 128, 128, 10)
    assert m.net.synthesis.channels == {4: 64, 8: 64, 16: 64, 32: 64, 64: 32}
    assert [li.resolution for li in m.layers] == [4, 8, 8, 16, 16, 32, 32, 64, 64, 64]


def test_codes_and_images(fx):
    _, e, m = fx
    z = torch.from_numpy(e["z"])
    wp = m.codes(z)
    assert max_err(wp, e["wp"]) <= TOL
    assert max_err(m.synthesize(wp), e["image"]) <= TOL
    wp_t = m.codes(z, truncation_psi=float(e["trunc_psi"]), truncation_layers=int(e["trunc_layers"]))
    assert max_err(wp_t, e["wp_trunc"]) <= TOL
    assert max_err(m.synthesize(wp_t), e["image_trunc"]) <= TOL


def test_generator_not_used(fx):
    d, e, _ = fx
    from sefa_desktop.models.formats.genforce import build_genforce_stylegan2
    wrong = build_genforce_stylegan2(_raw(d)["generator"], "g", "g")
    assert max_err(wrong.synthesize(torch.from_numpy(e["wp"])), e["image"]) > 0.01


@pytest.mark.parametrize("edit", ["a", "b"])
def test_official_edits(fx, edit):
    _, e, m = fx
    codes = official_edit_codes(e, edit)
    assert max_err(codes, e[f"edit_{edit}_codes"]) <= TOL
    assert max_err(m.synthesize(codes), e[f"edit_{edit}_image"]) <= TOL


@pytest.mark.parametrize("which", ["all", "sub"])
def test_factorize_matches_official(fx, which):
    _, e, m = fx
    dirs, layers = official_sefa(m, e, which)
    assert_same_directions(dirs.vectors, dirs.values, e[f"sefa_{which}_boundaries"], e[f"sefa_{which}_values"])
    assert dirs.values.sum() == pytest.approx(m.selector_weight(layers, compat="genforce").shape[0], rel=1e-3)


def test_noise_modes_use_stored_buffers(fx):
    _, e, m = fx
    wp = torch.from_numpy(e["wp"])
    assert max_err(m.synthesize(wp, noise_mode="const"), e["image"]) <= TOL
    assert max_err(m.synthesize(wp, noise_mode="none"), e["image"]) > 1e-2


def test_early_exit_and_prefix(fx):
    _, e, m = fx
    wp = torch.from_numpy(e["wp_trunc"][:1])
    assert m.synthesize(wp, max_resolution=16).shape == (1, 3, 16, 16)
    prefix = m.prefix_state(wp, 5)
    edited = wp.clone()
    edited[:, 5:] += 2.0 * torch.from_numpy(e["edit_b_boundary"])
    assert max_err(m.synthesize_from(prefix, edited), m.synthesize(edited).numpy()) <= TOL


def test_missing_key_names_key_and_shape(fx, tmp_path):
    d, _, _ = fx
    state = dict(_raw(d)["generator_smooth"])
    del state["synthesis.layer7.noise"]
    with pytest.raises(ModelLoadError, match=r"synthesis\.layer7\.noise.*\(1, 1, 64, 64\)"):
        load_model(write_state(tmp_path, {"generator_smooth": state}))


def test_misshapen_key_names_key_and_shape(fx, tmp_path):
    d, _, _ = fx
    state = dict(_raw(d)["generator_smooth"])
    state["synthesis.output2.style.weight"] = torch.zeros(32, 128)
    with pytest.raises(ModelLoadError, match=r"synthesis\.output2\.style\.weight.*\(64, 128\)"):
        load_model(write_state(tmp_path, {"generator_smooth": state}))


def test_nonstandard_fir_refused(fx):
    d, _, _ = fx
    state = dict(_raw(d)["generator_smooth"])
    state["synthesis.layer3.filter.kernel"] = torch.ones(1, 1, 4, 4)
    with pytest.raises(ModelLoadError, match="layer3.filter.kernel"):
        convert_genforce_stylegan2(state)
