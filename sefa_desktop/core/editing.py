"""Edits: base codes + Σ αᵢ·nᵢ, on chosen W+ rows for style-based models, in Z otherwise."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch


@dataclass(frozen=True)
class DirectionEdit:
    vector: np.ndarray  # (dim,)
    alpha: float
    layers: tuple[int, ...] | None = None  # W+ rows it moves; None = the set's layers / all


def apply_edits(codes: torch.Tensor, edits: Sequence[DirectionEdit]) -> torch.Tensor:
    """New codes with every edit added. codes: (n, dim) or W+ (n, L, dim); not modified in place.

    A vector of length d < dim edits the first d entries (BigGAN: z of the [z, class] code)."""
    out = codes.clone()
    for e in edits:
        if e.alpha == 0:
            continue
        vec = torch.as_tensor(np.asarray(e.vector), dtype=out.dtype, device=out.device) * float(e.alpha)
        # A direction shorter than the code moves its leading entries only: BigGAN codes are [z, class]
        # and its directions live in z (model.latent_dim), so the class part stays as it is.
        d = vec.shape[-1]
        if d > out.shape[-1]:
            raise ValueError(f"direction has {d} entries but the codes have {out.shape[-1]}")
        if out.ndim == 3:
            rows = list(range(out.shape[1])) if e.layers is None else list(e.layers)
            out[:, rows, :d] += vec
        else:
            out[:, :d] += vec
    return out


def seed_codes(model: Any, seed: int, truncation_psi: float = 1.0, class_index: int | None = None) -> torch.Tensor:
    """(1, *code_shape): the sample of `seed` as the app and every command draw it; `class_index` picks
    the class of a class-conditional model (BigGAN; None = its default), other models never see it."""
    kw = {} if class_index is None else {"c": int(class_index)}
    return model.sample_codes(1, seed=int(seed), truncation_psi=truncation_psi, **kw)


def alpha_steps(lo: float, hi: float, steps: int) -> list[float]:
    if steps < 1:
        raise ValueError("steps must be ≥ 1")
    if steps == 1:
        return [(lo + hi) / 2]
    return [float(a) for a in np.linspace(lo, hi, steps)]


def sweep_codes(base: torch.Tensor, vector: np.ndarray, alphas: Sequence[float],
                layers: Sequence[int] | None) -> torch.Tensor:
    """(len(alphas), *code) codes of one sample (base: (1, *code)) moved along one direction."""
    rows = tuple(layers) if layers is not None else None
    return torch.cat([apply_edits(base, [DirectionEdit(vector, a, rows)]) for a in alphas])


def hold_fixed(vector: np.ndarray, held: Sequence[np.ndarray] | np.ndarray) -> np.ndarray:
    """`vector` with its component in span(held) removed, renormalised to unit length.

    InterFaceGAN's conditional manipulation, for any number of held directions: moving along the
    result changes none of the held directions' projections. The span is orthonormalised first (held
    directions need not be orthogonal); a vector that lies inside the span has nothing left to edit.
    """
    v = np.asarray(vector, dtype=np.float64).reshape(-1)
    h = np.asarray(held, dtype=np.float64).reshape(-1, v.shape[0]) if len(held) else np.zeros((0, v.shape[0]))
    if h.shape[0]:
        q, r = np.linalg.qr(h.T)  # columns of q: orthonormal basis of span(held)
        q = q[:, np.abs(np.diag(r)) > 1e-10 * max(1.0, float(np.abs(r).max()))]
        v = v - q @ (q.T @ v)
    norm = float(np.linalg.norm(v))
    if norm < 1e-8:
        raise ValueError("the direction lies in the span of the held directions: nothing is left to edit")
    return (v / norm).astype(np.float32)
