"""Forward-mode AD (torch.func.jvp, batched with vmap) through every family's nets: region directions
need J·v, and ops.py has in-place fast paths that must not drop or corrupt tangents.

The check is the adjoint identity ⟨Jᵀ(J v), v⟩ = ‖J v‖², with J v from forward mode and Jᵀ from
reverse-mode autograd: a wrong tangent breaks it. vmap over tangents must equal one-by-one JVPs.
"""

from __future__ import annotations

import pytest
import torch
from conftest import fixture_path
from test_differentiable import CASES


@pytest.mark.parametrize("kind,name", CASES, ids=[c[1].split("/")[0] for c in CASES])
def test_jvp_agrees_with_reverse_mode(kind: str, name: str, one_torch_thread) -> None:
    from torch.func import jvp, vmap

    from sefa_desktop.models import load_model

    source = name if kind == "bundled" else str(fixture_path(*name.split("/")))
    m = load_model(source)
    codes = m.sample_codes(1, seed=3).clone()
    if m.family == "biggan":
        codes[:, m.z_dim:] = 0
        codes[:, m.z_dim] = 1  # class 0

    def f(c: torch.Tensor) -> torch.Tensor:
        return m.synthesize_differentiable(c)

    gen = torch.Generator().manual_seed(5)
    v = torch.randn(codes.shape, generator=gen)
    img, tangent = jvp(f, (codes,), (v,))
    assert torch.allclose(img, m.synthesize(codes), atol=1e-5)
    c = codes.clone().requires_grad_(True)
    (back,) = torch.autograd.grad(f(c), c, tangent)
    assert (back * v).sum().item() == pytest.approx(tangent.square().sum().item(), rel=1e-4)
    w = torch.randn(codes.shape, generator=gen)
    _, both = vmap(lambda t: jvp(f, (codes,), (t,)))(torch.stack([v, w]))
    scale = tangent.abs().max().item()
    assert (both[0] - tangent).abs().max().item() <= 1e-4 * scale
    assert (both[1] - jvp(f, (codes,), (w,))[1]).abs().max().item() <= 1e-4 * scale
