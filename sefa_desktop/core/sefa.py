"""Closed-form factorization (SeFa) and `factorize()`, which also offers the sampling-PCA baseline.

SeFa: the directions n that change y = A z + b most are the top eigenvectors of AᵀA, with A's rows
(one per output unit of the selector) normalized to unit length, as the official code does. `sefa()`
below is the whole method. `factorize()` computes the same thing for a model's chosen W+ rows, with
AᵀA assembled from per-row Grams cached on the model (core/gram_cache.py) so that changing the layer
selection in the app costs one eigendecomposition.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

from .directions import DirectionSet
from .gram_cache import GRAMS, layer_gram, normalized_rows, selection_gram
from .pca import pca_directions

METHODS = ("sefa", "pca")
COMPAT_MODES = (None, "genforce", "rosinality")

__all__ = ["COMPAT_MODES", "METHODS", "eigen_directions", "factorize", "layer_gram", "normalized_rows", "sefa",
           "selection_gram", "sign_fixed"]


def sefa(a: torch.Tensor, normalize: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
    """The method: (eigenvalues descending, unit directions as rows) of the selector matrix `a`."""
    a = a.detach().to("cpu", torch.float32)
    if normalize:
        a = normalized_rows(a)  # each output unit counts once, however large its weights
    return eigen_directions(a.t() @ a)  # AᵀA, d × d


def eigen_directions(gram: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Eigen-decompose the symmetric Gram, sort by eigenvalue (largest first), fix each sign."""
    values, vectors = torch.linalg.eigh(gram.to(torch.float32))  # ascending, as columns
    values, vectors = values.flip(0), vectors.flip(1).t().contiguous()  # descending, as rows
    return values, sign_fixed(vectors)


def sign_fixed(vectors: torch.Tensor) -> torch.Tensor:
    """Deterministic arrows: the entry of largest magnitude in each direction is positive."""
    idx = vectors.abs().argmax(dim=1, keepdim=True)
    signs = torch.sign(torch.gather(vectors, 1, idx))
    signs[signs == 0] = 1
    return vectors * signs


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
    method="pca": PCA of `num_samples` sampled codes (GANSpace-style baseline, core/pca.py); values
    are variances.
    compat="genforce": the official code's exact choice of weights (see docs/factorization.md).
    compat="rosinality": rosinality's closed_form_factorization.py (its weight choice, rows not
    normalized; values are then squared singular values). Both apply to SeFa only.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}, not {method!r}")
    if compat not in COMPAT_MODES:
        raise ValueError(f"compat must be one of {COMPAT_MODES}, not {compat!r}")
    if method == "pca" and compat is not None:
        raise ValueError(f"compat={compat!r} reproduces another tool's SeFa; it does not apply to method='pca'")
    rows = _check_layers(model, layers)
    if method == "pca":
        values, vectors = pca_directions(model, rows, num_samples, seed)
        vectors = sign_fixed(vectors)
    else:
        # = sefa(A of these rows), with AᵀA assembled from the cached per-row Grams
        values, vectors = eigen_directions(GRAMS.selection(model, rows, compat))
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

