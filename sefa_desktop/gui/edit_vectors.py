"""An edit's direction as the render moves along it: the pinned directions held fixed, padded to the
code's length. Shared by the render worker (gui/worker.py) and the features that must reproduce what
it shows (marks → codes, the region tool's image on show)."""

from __future__ import annotations

import numpy as np


def fit_to_code(vector: np.ndarray, code_dim: int) -> np.ndarray:
    """A direction padded with zeros to the code's length: BigGAN's codes are [z, class], its directions
    live in z (the first `latent_dim` entries)."""
    v = np.asarray(vector, np.float32)
    if v.shape[-1] < code_dim:
        v = np.concatenate([v, np.zeros(code_dim - v.shape[-1], np.float32)])
    return v


def held_direction(vector: np.ndarray, holds: tuple[np.ndarray, ...]) -> np.ndarray:
    """The edit direction with the pinned directions' components removed (unit length again). A pinned
    direction itself is held against the others only (its own card still moves along it); one that is
    a combination of the others has nothing left to move: zero."""
    v = np.asarray(vector, np.float32)
    unit = v / max(float(np.linalg.norm(v)), 1e-12)
    others = [np.asarray(h, np.float32) for h in holds
              if abs(float(unit @ (h / max(float(np.linalg.norm(h)), 1e-12)))) < 1 - 1e-6]
    if not others:
        return vector
    from ..core.editing import hold_fixed

    try:
        return hold_fixed(v, np.stack(others))
    except ValueError:
        return np.zeros_like(v)
