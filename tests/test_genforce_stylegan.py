"""genforce StyleGAN (v1) .pth: fixture made by the official code, reproduced through the public contract."""

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

TOL = 1e-3


@pytest.fixture(scope="module")
def fx():
    torch.set_num_threads(1)
    d = fixture_path("genforce", "stylegan")
    return d, expected(d), load_model(d / "stylegan_random128.pth")


def _state(d):
    return dict(torch.load(d / "stylegan_random128.pth", weights_only=True)["generator_smooth"])


def test_config_from_shapes(fx):
    _, _, m = fx
    assert (m.family, m.resolution, m.z_dim, m.w_dim, m.num_layers, m.edit_space) == \
        ("stylegan", 128, 128, 128, 12, "w")
    assert [li.resolution for li in m.layers] == [4, 4, 8, 8, 16, 16, 32, 32, 64, 64, 128, 128]
    assert [li.channels for li in m.layers][-2:] == [8, 8]
    # fused (transposed-conv) upsampling only at ≥ 128, the class default
    kinds = [m.net.synthesis.layer(i).kind for i in range(0, 12, 2)]
    assert kinds == ["const", "up", "up", "up", "up", "up_fused"]


def test_codes_and_images(fx):
    _, e, m = fx
    z = torch.from_numpy(e["z"])
    wp = m.codes(z)
    assert max_err(wp, e["wp"]) <= TOL
    assert max_err(m.synthesize(wp), e["image"]) <= TOL


def test_truncation_layers(fx):
    _, e, m = fx
    wp_t = m.codes(torch.from_numpy(e["z"]), truncation_psi=float(e["trunc_psi"]),
                   truncation_layers=int(e["trunc_layers"]))
    assert max_err(wp_t, e["wp_trunc"]) <= TOL
    assert max_err(m.synthesize(wp_t), e["image_trunc"]) <= TOL
    # None = all rows truncated
    all_rows = m.codes(torch.from_numpy(e["z"]), truncation_psi=0.7)
    assert max_err(all_rows[:, 8:], e["wp_trunc"][:, 0:4]) <= TOL


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
    rows = sum(m.net.synthesis.layer(i).style.weight.shape[0] for i in layers)
    assert dirs.values.sum() == pytest.approx(rows, rel=1e-3)


def test_noise_modes(fx):
    _, e, m = fx
    wp = torch.from_numpy(e["wp"])
    const = m.synthesize(wp, noise_mode="const")
    none = m.synthesize(wp, noise_mode="none")
    torch.manual_seed(0)
    r1 = m.synthesize(wp, noise_mode="random")
    r2 = m.synthesize(wp, noise_mode="random")
    assert max_err(const, e["image"]) <= TOL
    assert max_err(none, e["image"]) > 1e-2 and max_err(r1, r2.numpy()) > 1e-2
    with pytest.raises(ValueError, match="noise_mode"):
        m.synthesize(wp, noise_mode="fresh")


def test_early_exit_returns_block_rgb(fx):
    _, e, m = fx
    wp = torch.from_numpy(e["wp"])
    img = m.synthesize(wp, max_resolution=32)
    assert img.shape == (4, 3, 32, 32)
    with torch.inference_mode():
        syn = m.net.synthesis
        x = None
        for i in range(8):
            x = syn.layer(i)(x, wp[:, i], "const")
        ref = syn.output3(x)
    assert max_err(img, ref.numpy()) <= 1e-5


@pytest.mark.parametrize("row", [0, 3, 6, 11, 12])
def test_prefix_reuse_equals_full_synthesis(fx, row):
    _, e, m = fx
    base = torch.from_numpy(e["wp_trunc"][:2])
    prefix = m.prefix_state(base, row)
    vec = torch.from_numpy(e["edit_b_boundary"][0])
    variants = base.repeat_interleave(3, dim=0)
    for j, a in enumerate((-2.0, 0.0, 3.0)):
        variants[j::3, row:] += a * vec
    got = m.synthesize_from(prefix, variants)
    ref = torch.cat([m.synthesize(variants[i:i + 1]) for i in range(6)])
    assert max_err(got, ref.numpy()) <= TOL


def test_prefix_rejects_changed_rows(fx):
    _, e, m = fx
    base = torch.from_numpy(e["wp_trunc"][:1])
    prefix = m.prefix_state(base, 6)
    moved = base.clone()
    moved[:, 2] += 1.0
    with pytest.raises(ValueError, match="rows < 6"):
        m.synthesize_from(prefix, moved)


def test_prefix_with_early_exit(fx):
    _, e, m = fx
    base = torch.from_numpy(e["wp"][:1])
    prefix = m.prefix_state(base, 4)
    edited = base.clone()
    edited[:, 5:] -= 1.0
    assert max_err(m.synthesize_from(prefix, edited, max_resolution=64),
                   m.synthesize(edited, max_resolution=64).numpy()) <= TOL
    # an early exit above the prefix's row cannot use it and still gives the right image
    late = m.prefix_state(base, 10)
    assert max_err(m.synthesize_from(late, base, max_resolution=32), m.synthesize(base, max_resolution=32).numpy()) \
        <= TOL


def test_missing_key_names_key_and_shape(fx, tmp_path):
    d, _, _ = fx
    state = _state(d)
    del state["synthesis.layer7.apply_noise.noise"]
    with pytest.raises(ModelLoadError, match=r"synthesis\.layer7\.apply_noise\.noise.*\(1, 1, 32, 32\)"):
        load_model(write_state(tmp_path, {"generator_smooth": state}))


def test_misshapen_key_names_key_and_shape(fx, tmp_path):
    d, _, _ = fx
    state = _state(d)
    state["synthesis.layer3.style.weight"] = torch.zeros(64, 128)
    with pytest.raises(ModelLoadError, match=r"synthesis\.layer3\.style\.weight.*\(128, 128\)"):
        load_model(write_state(tmp_path, {"generator": state}))
