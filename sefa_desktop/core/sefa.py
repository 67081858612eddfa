"""Closed-form factorization (SeFa) and the sampling-PCA baseline.

SeFa: the directions n that change y = A z + b most are the top eigenvectors of AᵀA, with A's rows
(one per output unit of the selector) normalized to unit length, as the official code does.

Speed: because rows are normalized one by one, AᵀA is the sum over W+ rows of per-row Gram matrices
Gᵢ = Aᵢᵀ Aᵢ. The Gram of all rows comes from one matrix product; each Gᵢ is computed the first time
a selection needs it.
Both are cached weakly on the model, so a later layer selection is a sum of d×d matrices — or the
full Gram minus the unselected rows' ones, whichever touches fewer rows — plus one symmetric
eigendecomposition (`torch.linalg.eigh`). Grams are kept in float64 so those sums and differences
lose nothing that matters.
"""

from __future__ import annotations

import weakref
from typing import Any

import numpy as np
import torch

from .directions import DirectionSet

METHODS = ("sefa", "pca")
COMPAT_MODES = (None, "genforce", "rosinality")
# rosinality's closed_form_factorization.py stacks the raw weights: no row normalization.
_UNNORMALIZED = {"rosinality"}

# model → {(compat, row): Gram (d, d) float64 on CPU; row -1 = all rows}. Weak keys: a closed
# model frees its cache.
_GRAM_CACHE: weakref.WeakKeyDictionary[Any, dict[tuple[str | None, int], torch.Tensor]] = \
    weakref.WeakKeyDictionary()
_ALL = -1


def normalized_rows(a: torch.Tensor) -> torch.Tensor:
    """Each row of the (rows × d) selector matrix scaled to unit L2 norm (zero rows stay zero)."""
    a = a.detach().to("cpu", torch.float32)
    return a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)


def _selector(model: Any, layers: list[int] | None, compat: str | None) -> torch.Tensor:
    # compat is passed only when set, so any object with selector_weight(layers) can be factorized.
    if compat is None:
        return model.selector_weight(layers)
    return model.selector_weight(layers, compat=compat)


def _cache(model: Any) -> dict[tuple[str | None, int], torch.Tensor]:
    try:
        return _GRAM_CACHE.setdefault(model, {})
    except TypeError:  # not weak-referenceable: compute without caching
        return {}


def _gram(model: Any, rows: list[int] | None, compat: str | None) -> torch.Tensor:
    a = _selector(model, rows, compat)
    a = a.detach().to("cpu", torch.float32) if compat in _UNNORMALIZED else normalized_rows(a)
    # torch, not numpy, even though numpy's A.T @ A would run syrk: numpy's BLAS threads keep
    # spinning after the call and then slow torch's eigh down by 3-4× on a 2-core machine.
    return (a.t() @ a).to(torch.float64)


def layer_gram(model: Any, row: int, compat: str | None = None) -> torch.Tensor:
    """Gᵢ = ÂᵢᵀÂᵢ for one W+ row (normalized rows), float64, cached per model."""
    cache = _cache(model)
    key = (compat, int(row))
    if key not in cache:
        cache[key] = _gram(model, [int(row)], compat)
    return cache[key]


def selection_gram(model: Any, rows: list[int], compat: str | None = None) -> torch.Tensor:
    """ÂᵀÂ over the chosen W+ rows, from the cached Grams, computing only what is missing."""
    cache = _cache(model)
    everything = list(range(int(model.num_layers)))
    if rows == everything:
        if (compat, _ALL) not in cache:
            cache[(compat, _ALL)] = _gram(model, None, compat)
        return cache[(compat, _ALL)]
    others = [r for r in everything if r not in rows]
    if (compat, _ALL) in cache and len(others) < len(rows):
        gram = cache[(compat, _ALL)].clone()
        for r in others:
            gram -= layer_gram(model, r, compat)
        return gram
    gram = layer_gram(model, rows[0], compat).clone()
    for r in rows[1:]:
        gram += layer_gram(model, r, compat)
    return gram


def _sign_fix(vectors: torch.Tensor) -> torch.Tensor:
    """Deterministic arrows: the entry of largest magnitude in each direction is positive."""
    idx = vectors.abs().argmax(dim=1, keepdim=True)
    signs = torch.sign(torch.gather(vectors, 1, idx))
    signs[signs == 0] = 1
    return vectors * signs


def _check_layers(model: Any, layers: list[int] | None) -> list[int]:
    n = int(model.num_layers)
    if layers is None:
        return list(range(n))
    out = sorted({int(i) for i in layers})
    if not out:
        raise ValueError("no layers selected")
    if out[0] < 0 or out[-1] >= n:
        raise ValueError(f"layer index out of range 0..{n - 1}: {out}")
    return out


def factorize(
    model: Any,
    layers: list[int] | None = None,
    k: int | None = None,
    method: str = "sefa",
    compat: str | None = None,
    num_samples: int = 100_000,
    seed: int = 0,
) -> DirectionSet:
    """Directions for `model` on W+ rows `layers` (None = all), top `k` (None = all).

    method="sefa": eigenvectors of AᵀA (row-normalized A), values are its eigenvalues, descending.
    method="pca": PCA of `num_samples` sampled codes (GANSpace-style baseline); values are variances.
    compat="genforce": the official code's exact choice of weights (see docs/factorization.md).
    compat="rosinality": rosinality's closed_form_factorization.py (its weight choice, rows not
    normalized; values are then squared singular values).
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if compat not in COMPAT_MODES:
        raise ValueError(f"compat must be one of {COMPAT_MODES}, not {compat!r}")
    rows = _check_layers(model, layers)
    if method == "pca":
        vectors, values = _pca(model, num_samples, seed)
    else:
        gram = selection_gram(model, rows, compat).to(torch.float32)
        values, vectors = torch.linalg.eigh(gram)  # ascending, columns
        values = values.flip(0)
        vectors = vectors.flip(1).t().contiguous()
    vectors = _sign_fix(vectors)
    if k is not None:
        k = max(1, min(int(k), vectors.shape[0]))
        vectors, values = vectors[:k], values[:k]
    return DirectionSet(
        vectors=vectors.numpy().astype(np.float32),
        values=values.clamp_min(0).numpy().astype(np.float32),
        layers=rows,
        method=method if compat is None else f"{method}-{compat}",
        model_name=str(getattr(model, "name", "")),
        model_family=str(getattr(model, "family", "")),
        model_fingerprint=str(getattr(model, "fingerprint", "")),
    )


def _pca(model: Any, num_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Sampling baseline (GANSpace-style).

    Style models: PCA of N sampled w. Others: PCA of the selector's output y = A z over N sampled z,
    each component mapped back to z by regression, as GANSpace does for activations. Because y is
    linear in z, that PCA is computed exactly from the sampled covariance Σ of z (d × d) instead of
    the (rows × rows) covariance of y: with M = Σ^½ AᵀA Σ^½ = U Λ Uᵀ, the y-components are A Σ^½ u
    and the regression of z on each component's coordinate is ∝ Σ^½ u.
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
        return comps.flip(1).t().to(torch.float32), values.flip(0).to(torch.float32)
    a = model.selector_weight(None).to("cpu", torch.float64)
    ev, evec = torch.linalg.eigh(cov)
    sqrt_cov = (evec * ev.clamp_min(0).sqrt()) @ evec.t()
    m = sqrt_cov @ (a.t() @ a) @ sqrt_cov
    values, u = torch.linalg.eigh(m)
    dirs = (sqrt_cov @ u.flip(1)).t()
    dirs = dirs / dirs.norm(dim=1, keepdim=True).clamp_min(1e-12)
    return dirs.to(torch.float32), values.flip(0).to(torch.float32)
