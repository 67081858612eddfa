"""Throughput of the procedural face renderer (sefa_desktop/demo/faces.py) and of the demo GAN's
training step, on CPU with 1 thread by default.

Renderer: images/s when rendering one image per call (the baseline) vs vectorised batches, measured
in the same run, with the speed-up ratio. The issue asks for ≥ 1,000 images/s.

    PYTHONPATH=. python bench/demo_faces.py [--threads 1] [--repeats 3] [--train]
"""

from __future__ import annotations

import argparse
import time

import torch

from sefa_desktop.demo import faces


def _rate(n: int, batch: int, size: int, repeats: int) -> float:
    best = 0.0
    for r in range(repeats):
        t = time.perf_counter()
        for i in range(n // batch):
            faces.sample(batch, seed=r * 100_000 + i, size=size)
        best = max(best, (n // batch) * batch / (time.perf_counter() - t))
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--train", action="store_true", help="also time the GAN training step (slow)")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    print(f"torch {torch.__version__}, {a.threads} thread(s)")
    print(f"{'size':>5} {'batch':>6} {'images/s':>10} {'vs batch 1':>11}")
    for size in (32, 64):
        base = _rate(200, 1, size, a.repeats)
        print(f"{size:>5} {1:>6} {base:>10.0f} {1.0:>10.1f}×")
        for batch in (64, 256, 1024):
            rate = _rate(2048, batch, size, a.repeats)
            print(f"{size:>5} {batch:>6} {rate:>10.0f} {rate / base:>10.1f}×")
    if a.train:
        from sefa_desktop.demo import training as T
        st = T.new_state(T.TrainOptions())
        T.train_step(st)
        t = time.perf_counter()
        for _ in range(5):
            T.train_step(st)
        dt = time.perf_counter() - t
        print(f"training step (batch {st.opts.batch}, default config): {5 * st.opts.batch / dt:.1f} images/s")


if __name__ == "__main__":
    main()
