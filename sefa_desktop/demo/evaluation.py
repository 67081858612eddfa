"""The paper's quantitative comparison (SeFa vs sampling PCA vs a supervised boundary), reproduced on a
model whose generated images the face predictors can label (the bundled demo model).

Everything runs in W (the style models' edit space): a w is broadcast to all W+ rows unless a
layer range is given. Directions have no meaningful sign, so "nearest" uses the cosine distance
1 − |cos|, and a found direction is flipped to agree with the supervised one before moving samples.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from ..core.sefa import factorize
from . import faces
from .predictors import FacePredictor

METHODS = ("Supervised", "SeFa", "PCA")


@dataclass
class EvalConfig:
    samples: int = 5000          # labelled w for the supervised boundaries (and the distribution check)
    pca_samples: int = 100_000   # sampled w for PCA (the paper uses 500k; W here is only 64-D)
    rescore: int = 2000          # samples moved along each direction (as the paper)
    pca_seeds: int = 5
    step_sigmas: float = 2.0     # move by this many standard deviations of w along the direction
    seed: int = 0
    batch: int = 500


@dataclass
class EvalResult:
    factors: list[str]
    config: EvalConfig
    r2: np.ndarray                                  # (F,) linear fit quality of each factor from w
    nearest: dict[str, list[tuple[int, float]]]     # method → per factor (index, cosine distance)
    chance: float                                   # expected nearest distance for a random orthonormal basis
    rescore: dict[str, np.ndarray]                  # method → (F moved, F measured) mean score change
    layer_groups: list[tuple[str, list[int]]]
    layerwise: np.ndarray                           # (groups, F) change of factor f moving its boundary on group
    pca_stability: list[list[tuple[int, float]]]    # per seed, per factor (index, distance)
    pca_top_agreement: list[float]                  # per seed ≥ 1: mean |cos| of top-5 with seed 0's
    sefa_repeat_max_diff: float
    dist_generated: np.ndarray                      # (F,) W1(pred on generated, pred on data)
    dist_reference: np.ndarray                      # (F,) W1(pred on data, true labels)
    predictor_heldout: dict[str, float]
    w_dim: int = 0
    num_layers: int = 0
    resolution: int = 0
    seconds: dict[str, float] = field(default_factory=dict)


def _scores(model: Any, codes: torch.Tensor, pred: FacePredictor, batch: int) -> torch.Tensor:
    out = []
    for i in range(0, len(codes), batch):
        out.append(pred.scores(model.synthesize(codes[i:i + batch], noise_mode="const")))
    return torch.cat(out)


def _w_samples(model: Any, n: int, seed: int) -> torch.Tensor:
    return model.codes(model.sample_z(n, seed=seed))[:, 0, :].to("cpu", torch.float32)


def _nearest(vectors: np.ndarray, target: np.ndarray) -> tuple[int, float]:
    cos = np.abs(vectors @ target) / (np.linalg.norm(vectors, axis=1) * np.linalg.norm(target) + 1e-12)
    i = int(np.argmax(cos))
    return i, float(1 - cos[i])


def _chance_distance(dim: int, k: int, seed: int, trials: int = 200) -> float:
    """Mean nearest-direction distance of a fixed unit vector to k random orthonormal directions in
    `dim` dimensions: what a method with no relation to the factor scores."""
    g = torch.Generator().manual_seed(seed)
    target = np.zeros(dim)
    target[0] = 1.0
    out = []
    for _ in range(trials):
        q, _ = torch.linalg.qr(torch.randn(dim, dim, generator=g, dtype=torch.float64))
        out.append(_nearest(q.t()[:k].numpy(), target)[1])
    return float(np.mean(out))


def _w1(a: np.ndarray, b: np.ndarray) -> float:
    """1-D Wasserstein-1 distance between two equally sized samples (mean gap of sorted values)."""
    return float(np.abs(np.sort(a) - np.sort(b)).mean())


def layer_groups(model: Any) -> list[tuple[str, list[int]]]:
    """W+ rows grouped by the resolution of the layer they modulate (coarse → fine)."""
    groups: dict[int, list[int]] = {}
    for info in model.layers:
        groups.setdefault(int(info.resolution), []).append(int(info.index))
    return [(f"{r}×{r} (rows {rows[0]}–{rows[-1]})" if len(rows) > 1 else f"{r}×{r} (row {rows[0]})", rows)
            for r, rows in sorted(groups.items())]


def evaluate(model: Any, pred: FacePredictor, cfg: EvalConfig, heldout: dict[str, float] | None = None,
             log: Callable[[str], None] = lambda s: None) -> EvalResult:
    if getattr(model, "edit_space", "z") != "w":
        raise ValueError(f"evaluate needs a style-based model (W+ codes); {model.name} edits in z")
    if min(cfg.samples, cfg.rescore) < 10 or cfg.pca_samples < 10 or cfg.pca_seeds < 1:
        raise ValueError("evaluation sizes are too small (samples, rescore, pca-samples ≥ 10; pca-seeds ≥ 1)")
    F_ = list(faces.FACTORS)
    nf, L = len(F_), int(model.num_layers)
    secs: dict[str, float] = {}

    # 1. supervised boundaries: linear least squares of predicted scores on w
    t = time.perf_counter()
    log(f"labelling {cfg.samples} generated samples")
    w = _w_samples(model, cfg.samples, cfg.seed)
    y = _scores(model, w[:, None, :].expand(-1, L, -1).contiguous(), pred, cfg.batch)
    wc = (w - w.mean(0)).double()
    yc = (y - y.mean(0)).double()
    lam = 1e-3 * float(wc.square().sum(0).mean())
    coef = torch.linalg.solve(wc.t() @ wc + lam * torch.eye(wc.shape[1], dtype=torch.float64), wc.t() @ yc)
    resid = yc - wc @ coef
    r2 = (1 - resid.square().sum(0) / yc.square().sum(0).clamp_min(1e-12)).numpy()
    boundaries = (coef / coef.norm(dim=0, keepdim=True)).t().numpy()  # (F, d), sign = factor increases
    secs["supervised"] = time.perf_counter() - t

    # 2. SeFa (all layers) and PCA; nearest direction to each boundary
    t = time.perf_counter()
    sefa = factorize(model, None, method="sefa").vectors
    sefa_again = factorize(model, None, method="sefa").vectors
    log(f"PCA of {cfg.pca_samples} w × {cfg.pca_seeds} seeds")
    pcas = [factorize(model, None, method="pca", num_samples=cfg.pca_samples, seed=cfg.seed + 1000 * s).vectors
            for s in range(cfg.pca_seeds)]
    secs["factorize"] = time.perf_counter() - t
    nearest = {"Supervised": [(0, 0.0)] * nf,
               "SeFa": [_nearest(sefa, boundaries[f]) for f in range(nf)],
               "PCA": [_nearest(pcas[0], boundaries[f]) for f in range(nf)]}
    chance = _chance_distance(int(sefa.shape[1]), int(sefa.shape[0]), cfg.seed)
    stability = [[_nearest(p, boundaries[f]) for f in range(nf)] for p in pcas]
    k = min(5, pcas[0].shape[0])
    agree = [float(np.mean([abs(float(pcas[0][i] @ p[i])) for i in range(k)])) for p in pcas[1:]]

    def direction(method: str, f: int) -> np.ndarray:
        if method == "Supervised":
            return boundaries[f]
        vecs = sefa if method == "SeFa" else pcas[0]
        d = vecs[nearest[method][f][0]]
        return d if float(d @ boundaries[f]) >= 0 else -d

    # 3. re-scoring: move `rescore` samples by step_sigmas·σ along each method's direction per factor
    t = time.perf_counter()
    log(f"re-scoring {cfg.rescore} samples × {nf} factors × 3 methods")
    w0 = _w_samples(model, cfg.rescore, cfg.seed + 1)
    codes0 = w0[:, None, :].expand(-1, L, -1).contiguous()
    base = _scores(model, codes0, pred, cfg.batch)
    spread = w.numpy()

    def moved(d: np.ndarray, rows: list[int] | None) -> torch.Tensor:
        sigma = float(np.std(spread @ d))
        delta = torch.from_numpy((cfg.step_sigmas * sigma * d).astype(np.float32))
        codes = codes0.clone()
        codes[:, rows if rows is not None else slice(None)] += delta
        return (_scores(model, codes, pred, cfg.batch) - base).mean(0)

    rescore = {m: torch.stack([moved(direction(m, f), None) for f in range(nf)]).numpy() for m in METHODS}
    secs["rescore"] = time.perf_counter() - t

    # 4. layer-wise: the supervised boundary applied to one resolution group of W+ rows at a time
    t = time.perf_counter()
    groups = layer_groups(model)
    log(f"layer-wise analysis over {len(groups)} row groups")
    layerwise = np.zeros((len(groups), nf))
    for g, (_, rows) in enumerate(groups):
        for f in range(nf):
            layerwise[g, f] = float(moved(boundaries[f], rows)[f])
    secs["layerwise"] = time.perf_counter() - t

    # 5. do the generated images look like the data? predictor distributions, generated vs data
    data_img, data_lab = faces.sample(cfg.samples, seed=cfg.seed + 424_242)
    data_pred = pred.scores(data_img).numpy()
    yn = y.numpy()
    dist_gen = np.array([_w1(yn[:, f], data_pred[:, f]) for f in range(nf)])
    dist_ref = np.array([_w1(data_pred[:, f], data_lab.numpy()[:, f]) for f in range(nf)])

    return EvalResult(F_, cfg, r2, nearest, chance, rescore, groups, layerwise, stability, agree,
                      float(np.abs(sefa - sefa_again).max()), dist_gen, dist_ref, dict(heldout or {}),
                      int(model.w_dim), L, int(model.resolution), secs)
