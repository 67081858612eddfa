"""Projection speed and quality: PSNR reached on the model's own images (from seeds, so an exact code
exists) and time per step, against one forward+backward pass of the same model measured in the same run.

    python bench/projection.py [--models cartoon-faces-sg2-32 digiface-dcgan64 random-sg2-256]
                               [--seeds 1 2] [--steps N] [--steps-256 N] [--repeats 3]

`random-sg2-256` is a config-f StyleGAN2 at 256 px with random weights (as bench/render.py builds it).
The projection runs with the default settings (its thread choice included); the forward+backward
baseline runs with the same number of threads, best of --repeats. "s/step at 32 px" is the median step
of the coarsest stage (the restarts' runs included); DCGAN has no early exit, so its 32 px steps render
64 px and shrink.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.core.imaging import to_uint8  # noqa: E402
from sefa_desktop.core.projection import ProjectionSettings, project  # noqa: E402


def load(name: str):
    if name == "random-sg2-256":
        from bench.render import random_model

        torch.manual_seed(0)
        return random_model(256)
    from sefa_desktop.models import load_model

    return load_model(name)


def fwd_bwd(model, res: int | None, repeats: int) -> float:
    """Best time of one differentiable render (at `res`, None = full) plus its backward pass."""
    codes = model.sample_codes(1, seed=0).clone().requires_grad_(True)
    best = float("inf")
    for _ in range(repeats + 1):  # the first call warms up
        t0 = time.perf_counter()
        img = model.synthesize_differentiable(codes, max_resolution=res)
        img.square().mean().backward()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", nargs="+", default=["cartoon-faces-sg2-32", "digiface-dcgan64", "random-sg2-256"])
    ap.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--steps", type=int, default=None, help="steps (default: the projection's default)")
    ap.add_argument("--steps-256", type=int, default=100, help="steps for models above 128 px (default 100)")
    ap.add_argument("--repeats", type=int, default=15, help="baseline repeats, best of (default 15; 3 above 128 px)")
    args = ap.parse_args()
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}; torch {torch.__version__}, "
          f"{torch.get_num_threads()} threads by default")
    rows = []
    for name in args.models:
        model = load(name)
        res = int(model.resolution)
        steps = args.steps or (args.steps_256 if res > 128 else ProjectionSettings().steps)
        s = ProjectionSettings(steps=steps)
        threads = 1 if res <= 128 else torch.get_num_threads()  # what project() picks by default
        before = torch.get_num_threads()
        torch.set_num_threads(threads)
        reps = args.repeats if res <= 128 else min(args.repeats, 3)
        base = fwd_bwd(model, None, reps)
        base32 = fwd_bwd(model, 32, reps) if res > 32 else base
        torch.set_num_threads(before)
        for seed in args.seeds:
            target = to_uint8(model.synthesize(model.sample_codes(1, seed=seed)), model.image_range)[0]
            stamps: list[tuple[int, float]] = []
            t0 = time.perf_counter()
            def stamp(st, out=stamps) -> None:
                out.append((st.resolution, time.perf_counter()))

            r = project(model, target, s, progress=stamp)
            total = time.perf_counter() - t0
            per = {}
            prev = t0
            for rr, t in stamps:
                per.setdefault(rr, []).append(t - prev)
                prev = t
            full_step = statistics.median(per[max(per)])
            rows.append((name, res, seed, steps, threads, r.psnr, total, full_step, base, base32,
                         statistics.median(per[min(per)])))
            print(f"  {name} seed {seed}: {r.psnr:.2f} dB in {total:.1f} s", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}\n")
    print("| model | px | seed | steps | threads | PSNR dB | total s | s/step at full size | fwd+bwd s "
          "| ratio | s/step at 32 px | fwd+bwd at 32 px s |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, res, seed, steps, threads, p, total, full_step, base, base32, coarse_step in rows:
        print(f"| {name} | {res} | {seed} | {steps} | {threads} | {p:.2f} | {total:.1f} | {full_step:.3f} "
              f"| {base:.3f} | {full_step / base:.2f}× | {coarse_step:.3f} | {base32:.3f} |")


if __name__ == "__main__":
    main()
