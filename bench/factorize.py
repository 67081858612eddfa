"""Benchmark: our SeFa factorization vs the official algorithm, same weights, same run.

Weights: random values with StyleGAN2-1024 (config-f) selector shapes: w 512, 18 W+ rows; row i < 17
is conv layer i's style affine (C_in_i × 512), row 17 the final ToRGB's (32 × 512), i.e. the
official genforce selection. The official algorithm (genforce/sefa `factorize_weight`): concatenate,
normalize columns, `np.linalg.eig` of the Gram matrix, then sort.

    python bench/factorize.py [--repeats 7] [--threads N]

Prints median times and ratios for (a) a first factorization of all rows on a fresh model (our
per-row Gram cache cold) and (b) a change of layer selection (cache warm), and checks that the
top-10 directions agree (|cos| ≥ 0.999).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path


def _threads_from_argv() -> int:
    """Thread count for BLAS and torch (default: one per core); read before numpy/torch import,
    when their pools start."""
    argv = sys.argv[1:]
    return int(argv[argv.index("--threads") + 1]) if "--threads" in argv else (os.cpu_count() or 1)


THREADS = _threads_from_argv()
for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[var] = str(THREADS)

import numpy as np  # noqa: E402
import torch  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.core import factorize  # noqa: E402

W_DIM = 512


def nf(res: int) -> int:
    return min(32768 // res, 512)


def stylegan2_1024_shapes() -> list[tuple[int, int]]:
    shapes = [(nf(4), W_DIM)]  # layer0: the 4×4 conv
    for i in range(1, 17):
        b = (i + 1) // 2
        res = 4 * 2**b
        cin = nf(res // 2) if i % 2 == 1 else nf(res)  # odd: upsampling conv reads the lower res
        shapes.append((cin, W_DIM))
    shapes.append((nf(1024), W_DIM))  # final ToRGB
    return shapes


class BenchModel:
    """The minimum factorize() needs: selector_weight(layers), num_layers, layers."""

    def __init__(self, weights: list[np.ndarray]) -> None:
        # Held as parameters of a torch module, like a loaded model's: the Gram cache then checks
        # for changed weights by their version counters instead of comparing every element.
        self.net = torch.nn.ParameterList([torch.nn.Parameter(torch.from_numpy(w), requires_grad=False)
                                           for w in weights])
        self.weights = list(self.net)
        self.num_layers = len(weights)
        self.layers = list(range(self.num_layers))

    def modules(self) -> list[torch.nn.Module]:
        return [self.net]

    def selector_weight(self, layers=None):
        rows = range(self.num_layers) if layers is None else layers
        return torch.cat([self.weights[i].detach() for i in rows])


def official(weights: list[np.ndarray], layers: list[int]) -> tuple[np.ndarray, np.ndarray]:
    mat = np.concatenate([weights[i].T for i in layers], axis=1).astype(np.float32)  # (w, cols)
    mat = mat / np.linalg.norm(mat, axis=0, keepdims=True)
    values, vectors = np.linalg.eig(mat.dot(mat.T))
    vectors = vectors.T  # rows
    order = np.argsort(-values.real)
    return values.real[order], vectors.real[order]


def median_time(fn, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--threads", type=int, default=None, help="BLAS/torch threads for both (default: one "
                    "per core; on a busy machine use 1, as spinning thread pools distort the figures)")
    args = ap.parse_args()
    torch.set_num_threads(THREADS)
    rng = np.random.default_rng(0)
    weights = [rng.standard_normal(s).astype(np.float32) for s in stylegan2_1024_shapes()]
    all_rows = list(range(18))
    change_a, change_b = list(range(0, 2)), list(range(2, 6))

    # Warm both code paths once (BLAS threads, torch lazy init) before timing.
    official(weights, all_rows)
    factorize(BenchModel(weights))

    t_off_all = median_time(lambda: official(weights, all_rows), args.repeats)
    t_ours_first = median_time(lambda: factorize(BenchModel(weights)), args.repeats)  # fresh: cold cache

    warm = BenchModel(weights)
    factorize(warm)  # fills the per-row Gram cache, as the app does once per model
    selections = [change_a, change_b]
    k = iter(range(10**9))
    t_off_change = median_time(lambda: official(weights, selections[next(k) % 2]), args.repeats)
    k = iter(range(10**9))
    t_ours_change = median_time(lambda: factorize(warm, layers=selections[next(k) % 2]), args.repeats)

    # Agreement of the top-10 directions, for all rows and for a sub-selection.
    worst = 1.0
    for layers in (all_rows, change_b):
        _, off_vecs = official(weights, layers)
        ours = factorize(BenchModel(weights), layers=layers)
        cos = np.abs(np.sum(off_vecs[:10] * ours.vectors[:10], axis=1))
        worst = min(worst, float(cos.min()))

    print(f"SeFa factorization, StyleGAN2-1024 selector shapes (w {W_DIM}, 18 rows, "
          f"{sum(s[0] for s in stylegan2_1024_shapes())} weight rows), torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads, median of {args.repeats}")
    print(f"{'case':40s} {'official (s)':>13s} {'ours (s)':>10s} {'speed-up':>9s}")
    print(f"{'first factorization, all rows':40s} {t_off_all:13.4f} {t_ours_first:10.4f} "
          f"{t_off_all / t_ours_first:8.1f}×")
    print(f"{'change of layer selection (0-1 ↔ 2-5)':40s} {t_off_change:13.4f} {t_ours_change:10.4f} "
          f"{t_off_change / t_ours_change:8.1f}×")
    print(f"top-10 directions vs official: min |cos| = {worst:.6f} ({'OK' if worst >= 0.999 else 'MISMATCH'})")


if __name__ == "__main__":
    main()
