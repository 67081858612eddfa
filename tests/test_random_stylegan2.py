"""tools/make_random_stylegan2.py and the genforce writer it uses (the inverse of our genforce reader)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch
from conftest import fixture_path

from sefa_desktop.models import load_model
from sefa_desktop.models.formats.genforce import genforce_stylegan2_state

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.make_random_stylegan2 import build_random_stylegan2, main, save_genforce  # noqa: E402


def test_writer_inverts_the_reader_on_the_official_fixture():
    """Official file → our net → genforce state again: every key, shape and value of the original."""
    path = fixture_path("genforce", "stylegan2") / "stylegan2_random64.pth"
    official = torch.load(path, weights_only=True)["generator_smooth"]
    ours = genforce_stylegan2_state(load_model(path).net)
    assert list(ours) == list(official)  # the official state_dict's own key order
    for k, v in official.items():
        assert ours[k].shape == v.shape, k
        torch.testing.assert_close(ours[k], v.float(), rtol=0, atol=1e-6, msg=k)


def test_random_model_round_trips_through_the_loader(tmp_path):
    net = build_random_stylegan2(32, seed=5, channel_base=512, channel_max=32, w_dim=32)
    path = save_genforce(net, tmp_path / "r.pth")
    m = load_model(path)
    assert (m.family, m.resolution, m.num_layers, m.w_dim) == ("stylegan2", 32, 8, 32)
    codes = m.codes(m.sample_z(3, seed=1), truncation_psi=0.7)
    with torch.inference_mode():
        want = net.synthesis(codes)
    got = m.synthesize(codes)
    assert torch.isfinite(got).all() and got.std() > 0.05  # a real image, not zeros
    torch.testing.assert_close(got, want, rtol=0, atol=1e-4)
    # the seeded build is reproducible and w_avg is the mapping's mean, not zero
    again = build_random_stylegan2(32, seed=5, channel_base=512, channel_max=32, w_dim=32)
    assert torch.equal(again.synthesis.b8.conv0.weight, net.synthesis.b8.conv0.weight)
    assert net.mapping.w_avg.abs().max() > 0


def test_writer_refuses_what_genforce_cannot_hold():
    net = build_random_stylegan2(16, channel_base=128, channel_max=16, w_dim=16)
    net.synthesis.b8.conv0.conv_clamp = 256.0
    with pytest.raises(ValueError, match="clamp"):
        genforce_stylegan2_state(net)


def test_cli(tmp_path, capsys):
    out = tmp_path / "m.pth"
    assert main(["--resolution", "16", "--channel-base", "128", "--channel-max", "16", "--w-dim", "16",
                 "-o", str(out)]) == 0
    assert "6 W+ rows" in capsys.readouterr().out and load_model(out).resolution == 16
    assert main(["--resolution", "48", "-o", str(tmp_path / "x.pth")]) == 2
    assert "power of two" in capsys.readouterr().err and not (tmp_path / "x.pth").exists()
