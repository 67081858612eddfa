"""rosinality StyleGAN2 .pt (train.py and convert_weight.py files) → our StyleGAN2 network."""

from __future__ import annotations

import argparse

import numpy as np
import pytest
import torch
from conftest import fixture_path
from genforce_helpers import expected, max_err, write_state

from sefa_desktop.core import factorize
from sefa_desktop.models import ModelLoadError, load_model
from sefa_desktop.models.formats.rosinality import W_AVG_SAMPLES

TOL = 1e-3
FILE = "stylegan2_tiny.pt"


def _raw(d):
    with torch.serialization.safe_globals([argparse.Namespace]):
        return torch.load(d / FILE, weights_only=True)


@pytest.fixture(scope="module")
def fx():
    torch.set_num_threads(1)
    d = fixture_path("rosinality")
    return d, expected(d), load_model(d / FILE)


@pytest.fixture()
def converted(fx, tmp_path):
    """A convert_weight.py-style file: g_ema + latent_avg (here the fixture's mean_latent)."""
    d, e, _ = fx
    raw = _raw(d)
    p = write_state(tmp_path, {"g_ema": raw["g_ema"], "latent_avg": torch.from_numpy(e["mean_latent"][0])},
                    "converted.pt")
    return load_model(p)


def test_train_file_loads_with_namespace_and_optimizers(fx):
    _, _, m = fx
    # widths come from shapes ({4: 64, 8: 64, 16: 32, 32: 32}), which no channel_multiplier gives
    assert (m.family, m.resolution, m.z_dim, m.w_dim, m.num_layers) == ("stylegan2", 32, 64, 64, 8)
    assert m.net.synthesis.channels == {4: 64, 8: 64, 16: 32, 32: 32}
    assert m.net.mapping.num_layers == 3


def test_w_and_images(fx):
    _, e, m = fx
    wp = m.codes(torch.from_numpy(e["z"]))
    assert max_err(wp[:, 0], e["w"]) <= TOL
    assert max_err(wp, e["latent_wplus_trunc1"]) <= TOL
    assert max_err(m.synthesize(wp), e["images_trunc1"]) <= TOL
    assert max_err(m.synthesize(wp), e["images_from_g_not_ema_trunc1"]) > 0.01


def test_truncation_with_latent_avg(fx, converted):
    _, e, _ = fx
    wp = converted.codes(torch.from_numpy(e["z"]), truncation_psi=0.7)
    assert max_err(wp, e["latent_wplus_trunc07"]) <= TOL
    assert max_err(converted.synthesize(wp), e["images_trunc07"]) <= TOL


def test_w_avg_estimated_without_latent_avg(fx):
    d, e, m = fx
    # train.py files carry no latent_avg: we estimate it like mean_latent(4096), from a fixed seed
    assert W_AVG_SAMPLES == 4096
    assert max_err(m.net.mapping.w_avg, e["mean_latent"][0]) < 0.25
    again = load_model(d / FILE)
    assert torch.equal(again.net.mapping.w_avg, m.net.mapping.w_avg)


@pytest.mark.parametrize("sign", ["plus", "minus"])
def test_apply_factor_edits(fx, converted, sign):
    _, e, _ = fx
    d = float(e["apply_factor_degree"]) * e["eigvec"][:, int(e["apply_factor_index"])]
    # apply_factor.py adds d in W before truncation: the W+ step is ψ·d on every row
    wp = converted.codes(torch.from_numpy(e["z"]), truncation_psi=0.7)
    assert max_err(converted.synthesize(wp), e["apply_factor_base"]) <= TOL
    step = torch.from_numpy(d * 0.7).float() * (1 if sign == "plus" else -1)
    assert max_err(converted.synthesize(wp + step), e[f"apply_factor_{sign}"]) <= TOL


def test_factorization_matches_factor_pt(fx):
    d, e, m = fx
    dirs = factorize(m, compat="rosinality")
    ref = torch.load(d / "factor.pt", weights_only=True)["eigvec"].numpy().T  # rows = directions
    assert np.abs(ref - e["eigvec"].T).max() == 0
    got = dirs.vectors[:10]
    signs = np.sign((got * ref[:10]).sum(axis=1, keepdims=True))
    assert np.abs(got * signs - ref[:10]).max() <= TOL
    assert np.abs(np.sqrt(dirs.values[:10]) - e["singular_values"][:10]).max() <= TOL * e["singular_values"][0]
    # rosinality's selection: every conv modulation plus to_rgb1 only
    assert m.selector_weight(None, compat="rosinality").shape[0] == \
        sum(int(np.prod(_raw(d)["g_ema"][k].shape[:1])) for k in e["modulation_keys"])


def test_cuda_saved_tensors_load_on_cpu(fx, tmp_path):
    d, e, _ = fx
    raw = _raw(d)
    # A file written on a GPU machine records 'cuda:0' storages; rewrite the fixture's storage
    # locations in the zip so we can test without a GPU.
    import io
    import zipfile
    buf = io.BytesIO()
    torch.save({"g_ema": raw["g_ema"], "args": raw["args"]}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = tmp_path / "cuda.pt"
    with zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.endswith("data.pkl"):
                assert b"cpu" in data
                data = data.replace(b"\x58\x03\x00\x00\x00cpu", b"\x58\x06\x00\x00\x00cuda:0")
                assert b"cuda:0" in data
            dst.writestr(info, data)
    m = load_model(out)
    assert max_err(m.synthesize(m.codes(torch.from_numpy(e["z"]))), e["images_trunc1"]) <= TOL


def test_missing_and_misshapen_keys(fx, tmp_path):
    d, _, _ = fx
    g = dict(_raw(d)["g_ema"])
    del g["noises.noise_3"]
    with pytest.raises(ModelLoadError, match=r"noises\.noise_3.*\(1, 1, r, r\)"):
        load_model(write_state(tmp_path, {"g_ema": g}, "a.pt"))
    g = dict(_raw(d)["g_ema"])
    g["convs.3.conv.modulation.weight"] = torch.zeros(64, 64)
    with pytest.raises(ModelLoadError, match=r"convs\.3\.conv\.modulation\.weight.*\(32, 64\)"):
        load_model(write_state(tmp_path, {"g_ema": g}, "b.pt"))


def test_swagan_refused(fx, tmp_path):
    d, _, _ = fx
    g = dict(_raw(d)["g_ema"])
    g["to_rgb1.conv.weight"] = torch.zeros(1, 12, 64, 1, 1)
    with pytest.raises(ModelLoadError, match="SWAGAN"):
        load_model(write_state(tmp_path, {"g_ema": g}, "s.pt"))
