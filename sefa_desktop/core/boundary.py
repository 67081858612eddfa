"""Supervised directions: a linear boundary in the model's edit space, fitted on labelled seeds
(InterFaceGAN's recipe, with scikit-learn).

The edit space is where directions live: w for style-based models (one row of W+: at ψ = 1 every row
of `codes(z)` is the same w, so one row is the whole code) and the generator's z otherwise (for
BigGAN the z part of [z, class]). Labels are numbers: 0/1 gives a classifier (a linear SVM, as
InterFaceGAN, or logistic regression), anything else a ridge regression. The result is the unit
normal of the boundary, pointing towards larger labels.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ..util.text_files import read_user_text

METHODS = ("auto", "svm", "logistic", "ridge")
MIN_SAMPLES = 4


@dataclass(frozen=True)
class BoundaryFit:
    vector: np.ndarray  # (dim,) float32, unit, towards larger labels
    method: str  # the method used ("svm", "logistic" or "ridge")
    score: float  # training accuracy (classifiers) or R² (ridge)
    samples: int


def read_labels_csv(path: str | Path) -> tuple[list[int], np.ndarray]:
    """`seed,label` rows under that header → (seeds, labels). ValueError with one line on bad input."""
    path = Path(path)
    text = read_user_text(path, "labels")
    rows = [r for r in csv.reader(text.splitlines()) if r and any(c.strip() for c in r)]
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["seed", "label"]:
        raise ValueError(f"{path.name}: the first line must be the header 'seed,label'")
    seeds: list[int] = []
    labels: list[float] = []
    seen: set[int] = set()
    for n, row in enumerate(rows[1:], start=2):
        if len(row) < 2:
            raise ValueError(f"{path.name}, line {n}: expected 'seed,label'")
        try:
            seed = int(row[0].strip())
        except ValueError:
            raise ValueError(f"{path.name}, line {n}: seed '{row[0].strip()}' is not an integer") from None
        try:
            label = float(row[1].strip())
        except ValueError:
            raise ValueError(f"{path.name}, line {n}: label '{row[1].strip()}' is not a number") from None
        if not np.isfinite(label):
            raise ValueError(f"{path.name}, line {n}: label must be finite")
        if seed < 0:
            raise ValueError(f"{path.name}, line {n}: seeds are ≥ 0")
        if seed in seen:
            raise ValueError(f"{path.name}, line {n}: seed {seed} is labelled twice")
        seen.add(seed)
        seeds.append(seed)
        labels.append(label)
    return seeds, np.asarray(labels, dtype=np.float64)


def edit_space_codes(model: Any, seeds: Sequence[int], truncation_psi: float = 1.0,
                     progress: Callable[[int, int], None] | None = None) -> np.ndarray:
    """(n, latent_dim) edit-space codes of `codes(sample_z(1, seed))`, one seed at a time (that is how
    the app and `render` draw a seed's sample)."""
    out = []
    dim = int(model.latent_dim)
    for k, seed in enumerate(seeds):
        with torch.inference_mode():
            code = model.codes(model.sample_z(1, seed=int(seed)), truncation_psi=truncation_psi)
        code = code[:, 0, :] if code.ndim == 3 else code[:, :dim]
        out.append(code.to("cpu", torch.float64).numpy()[0])
        if progress is not None:
            progress(k + 1, len(seeds))
    return np.stack(out) if out else np.zeros((0, dim))


def is_binary(labels: np.ndarray) -> bool:
    return bool(np.all((labels == 0) | (labels == 1)))


def fit_boundary(codes: np.ndarray, labels: np.ndarray, method: str = "auto") -> BoundaryFit:
    """The unit normal of a linear boundary separating / predicting `labels` from `codes` (n, dim)."""
    x = np.asarray(codes, dtype=np.float64)
    y = np.asarray(labels, dtype=np.float64).reshape(-1)
    if method not in METHODS:
        raise ValueError(f"unknown boundary method '{method}' (use one of {', '.join(METHODS)})")
    if x.ndim != 2 or len(x) != len(y):
        raise ValueError("one label per code expected")
    if len(y) < MIN_SAMPLES:
        raise ValueError(f"need at least {MIN_SAMPLES} labelled samples, got {len(y)}")
    if np.ptp(y) == 0:
        raise ValueError("all labels are the same: nothing to separate")
    binary = is_binary(y)
    if method == "auto":
        method = "svm" if binary else "ridge"
    if method in ("svm", "logistic") and not binary:
        raise ValueError(f"--method {method} needs labels 0 or 1 (use ridge for continuous labels)")
    # centre and scale the codes so the regulariser treats every coordinate alike; the normal is then
    # mapped back to the codes' own coordinates (a boundary there is n·x = b with n = coef / scale)
    mean, scale = x.mean(axis=0), x.std(axis=0)
    scale[scale < 1e-12] = 1.0
    xs = (x - mean) / scale
    if method == "ridge":
        from sklearn.linear_model import Ridge

        est = Ridge(alpha=1e-3 * len(y)).fit(xs, y)
        coef = est.coef_.reshape(-1)
        score = float(est.score(xs, y))
    else:
        if method == "svm":
            from sklearn.svm import LinearSVC

            est = LinearSVC(C=1.0, max_iter=20_000)
        else:
            from sklearn.linear_model import LogisticRegression

            est = LogisticRegression(C=100.0, max_iter=5_000)
        yi = y.astype(int)
        est.fit(xs, yi)
        coef = est.coef_.reshape(-1)
        score = float(est.score(xs, yi))
    normal = coef / scale
    norm = float(np.linalg.norm(normal))
    if norm < 1e-12:
        raise ValueError("the labels do not depend linearly on the codes: no boundary found")
    normal /= norm
    # towards larger labels, whatever convention the estimator used
    if np.dot((x - mean) @ normal, y - y.mean()) < 0:
        normal = -normal
    return BoundaryFit(normal.astype(np.float32), method, score, len(y))
