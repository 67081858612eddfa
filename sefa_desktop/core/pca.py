"""The sampling baseline (GANSpace-style PCA) that `factorize(method="pca")` compares SeFa with."""

from __future__ import annotations

from typing import Any

import torch


def pca_directions(model: Any, rows: list[int], num_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(values descending, unit directions as rows).

    Style models: PCA of N sampled w. w is the same for every W+ row, so the rows do not change the
    components; they say which rows an edit moves (GANSpace's layer ranges), as for SeFa.
    Others: PCA of the selector's output y = A z over N sampled z, with A the chosen rows' selector
    (BigGAN: gen_z and the chosen blocks' class-conditional BN), each component mapped back to z by
    regression, as GANSpace does for activations. Because y is linear in z, that PCA is computed
    exactly from the sampled covariance Σ of z (d × d) instead of the (rows × rows) covariance of y:
    with M = Σ^½ AᵀA Σ^½ = U Λ Uᵀ, the y-components are A Σ^½ u and the regression of z on each
    component's coordinate is ∝ Σ^½ u.
    """
    w_space = getattr(model, "edit_space", "z") == "w"
    batch = 10_000
    total = int(num_samples)
    if total < 2:
        raise ValueError("PCA needs at least 2 samples")
    s1: torch.Tensor | None = None
    s2: torch.Tensor | None = None
    done = 0
    with torch.inference_mode():
        while done < total:
            n = min(batch, total - done)
            z = model.sample_z(n, seed=seed + done // batch)
            x = model.codes(z)[:, 0, :] if w_space else z  # w before the W+ broadcast, or z
            x = x.to("cpu", torch.float64)
            s1 = x.sum(0) if s1 is None else s1 + x.sum(0)
            s2 = x.t() @ x if s2 is None else s2 + x.t() @ x
            done += n
    assert s1 is not None and s2 is not None
    mean = s1 / total
    cov = (s2 - total * torch.outer(mean, mean)) / (total - 1)
    if w_space:
        values, comps = torch.linalg.eigh(cov)
        return values.flip(0).to(torch.float32), comps.flip(1).t().to(torch.float32)
    a = model.selector_weight(rows).to("cpu", torch.float64)
    ev, evec = torch.linalg.eigh(cov)
    sqrt_cov = (evec * ev.clamp_min(0).sqrt()) @ evec.t()
    m = sqrt_cov @ (a.t() @ a) @ sqrt_cov
    values, u = torch.linalg.eigh(m)
    dirs = (sqrt_cov @ u.flip(1)).t()
    dirs = dirs / dirs.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return values.flip(0).to(torch.float32), dirs.to(torch.float32)
