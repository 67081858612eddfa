"""Shared checks for the genforce / rosinality fixture tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch


def expected(d: Path) -> dict[str, np.ndarray]:
    with np.load(d / "expected.npz", allow_pickle=False) as f:
        return {k: f[k] for k in f.files}


def max_err(a: torch.Tensor | np.ndarray, b: np.ndarray) -> float:
    a = a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else np.asarray(a)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.abs(a.astype(np.float64) - b.astype(np.float64)).max())


def assert_same_directions(vectors: np.ndarray, values: np.ndarray, ref_vectors: np.ndarray,
                           ref_values: np.ndarray, top: int = 10, tol: float = 1e-3) -> None:
    """Compare top-`top` directions after sorting the reference by value and aligning signs."""
    order = np.argsort(-ref_values)[:top]
    ref_v, ref_b = ref_values[order], ref_vectors[order]
    assert np.abs(values[:top] - ref_v).max() <= tol * max(1.0, float(np.abs(ref_v).max()))
    got = vectors[:top]
    signs = np.sign((got * ref_b).sum(axis=1, keepdims=True))
    assert np.abs(got * signs - ref_b).max() <= tol


def write_state(tmp_path: Path, state: dict, name: str = "bad.pth") -> Path:
    p = tmp_path / name
    torch.save(state, p)
    return p


def official_edit_codes(e: dict[str, np.ndarray], edit: str) -> torch.Tensor:
    """genforce's recorded edit `edit` (boundary, distance, layers) applied to its `wp_trunc` codes."""
    from sefa_desktop.core.editing import DirectionEdit, apply_edits

    ed = DirectionEdit(e[f"edit_{edit}_boundary"][0], float(e[f"edit_{edit}_distance"]),
                       tuple(int(i) for i in e[f"edit_{edit}_layers"]))
    return apply_edits(torch.from_numpy(e["wp_trunc"]), [ed])


def official_sefa(m: Any, e: dict[str, np.ndarray], which: str) -> tuple[Any, list[int]]:
    """Our factorization of `m` on the layers genforce recorded for `which`, in genforce's convention."""
    from sefa_desktop.core import factorize

    layers = [int(i) for i in e[f"sefa_{which}_layers"]]
    return factorize(m, layers=layers, compat="genforce"), layers
