"""`synthesize_differentiable`: the same image as `synthesize`, with gradients that reach the codes.

Projection and region directions depend on it for every family; the check is a directional derivative
against a central finite difference of the inference path.
"""

from __future__ import annotations

import pytest
import torch
from conftest import fixture_path

CASES = [
    ("bundled", "cartoon-faces-sg2-32"),
    ("bundled", "digiface-dcgan64"),
    ("fixture", "genforce/pggan/pggan_random32.pth"),
    ("fixture", "genforce/stylegan/stylegan_random128.pth"),
    ("fixture", "genforce/stylegan2/stylegan2_random64.pth"),
    ("fixture", "nvidia/stylegan3_t/network-snapshot-stylegan3_t.pkl"),
    ("fixture", "rosinality/stylegan2_tiny.pt"),
    ("fixture", "biggan"),
]


@pytest.mark.parametrize("kind,name", CASES, ids=[c[1].split("/")[0] for c in CASES])
def test_gradients_match_finite_differences(kind: str, name: str, one_torch_thread) -> None:
    from sefa_desktop.models import load_model

    source = name if kind == "bundled" else str(fixture_path(*name.split("/")))
    m = load_model(source)
    codes = m.sample_codes(1, seed=3).clone()  # codes() may hand out inference tensors
    if m.family == "biggan":
        codes[:, m.z_dim:] = 0
        codes[:, m.z_dim] = 1  # class 0
    ref = m.synthesize(codes)
    c = codes.clone().requires_grad_(True)
    img = m.synthesize_differentiable(c)
    assert torch.allclose(img.detach(), ref, atol=1e-5)
    probe = torch.randn(img.shape, generator=torch.Generator().manual_seed(1))
    (grad,) = torch.autograd.grad((img * probe).mean(), c)
    d = torch.randn(codes.shape, generator=torch.Generator().manual_seed(2))
    d /= d.norm()
    eps = 1e-3  # ReLU kinks make larger steps disagree by >10% on DCGAN/BigGAN
    fd = ((m.synthesize(codes + eps * d) * probe).mean() - (m.synthesize(codes - eps * d) * probe).mean()) / (2 * eps)
    assert (grad * d).sum().item() == pytest.approx(fd.item(), rel=0.1, abs=1e-5)
    assert not any(p.requires_grad for mod in m.modules() for p in mod.parameters())


def test_early_exit_is_differentiable() -> None:
    from sefa_desktop.models import load_model

    m = load_model("cartoon-faces-sg2-32")
    c = m.sample_codes(1, seed=0).clone().requires_grad_(True)
    img = m.synthesize_differentiable(c, max_resolution=16)
    assert img.shape[-1] == 16
    (g,) = torch.autograd.grad(img.square().mean(), c)
    assert torch.isfinite(g).all() and g.abs().sum() > 0
