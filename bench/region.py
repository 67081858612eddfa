"""Region directions: time against one forward + backward pass of the same model (same run).

    python bench/region.py [--models cartoon-faces-sg2-32 digiface-dcgan64 sg2-256] [--repeats 3]

`sg2-256` (and `sg2-1024`) is a StyleGAN2 config-f generator with random weights (bench/load.py's
config). The region is a band over where a face's eyes are (0.2,0.38 – 0.8,0.58), one sample, top 10
directions, default options: exact for edit spaces up to 128 dimensions, else a randomised subspace
(48 dimensions, no power iteration) at the early-exit resolution the band allows. The baseline is
`synthesize_differentiable` at full resolution plus one backward pass to the codes, best of
--repeats; the region computation runs --region-repeats times (best). One torch thread: the machine
is shared. Prints a Markdown table with the ratio and the JVP/VJP products counted.
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import config_f  # noqa: E402
from sefa_desktop.core.region import Region, region_directions  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402


def random_stylegan2(resolution: int):
    from sefa_desktop.models.nets.stylegan2 import StyleGAN2Generator, StyleGAN2Model, stylegan2_config_from_nvidia

    gen = StyleGAN2Generator(stylegan2_config_from_nvidia(config_f(resolution), "ada"))
    torch.manual_seed(0)
    with torch.no_grad():
        for p in gen.parameters():
            if p.ndim > 1:  # weights random, biases as initialised: keeps the image finite
                p.normal_()
    return StyleGAN2Model(gen, f"stylegan2-config-f-{resolution}-random")


def best(fn, repeats: int) -> float:
    out = float("inf")
    for _ in range(repeats):
        gc.collect()
        t0 = time.perf_counter()
        fn()
        out = min(out, time.perf_counter() - t0)
    return out


def measure(model, region: Region, args: argparse.Namespace) -> tuple:
    codes = model.sample_codes(1, seed=0).clone()

    def fwd_bwd() -> None:
        c = codes.clone().requires_grad_(True)
        model.synthesize_differentiable(c).square().mean().backward()

    base = best(fwd_bwd, args.repeats)
    result = {}

    def region_run() -> None:
        result["dirs"] = region_directions(model, codes, region, k=args.top)

    t = best(region_run, args.region_repeats)
    meta = result["dirs"].metadata
    prods = meta["products"]
    return (model.name, model.resolution, model.latent_dim, meta["analysis_resolution"], meta["subspace"],
            prods["jvp"], prods["vjp"], base, t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--models", nargs="+", default=["cartoon-faces-sg2-32", "digiface-dcgan64", "sg2-256"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--region-repeats", type=int, default=1)
    ap.add_argument("--top", type=int, default=10)
    args = ap.parse_args()
    torch.set_num_threads(1)
    region = Region.from_box(0.2, 0.38, 0.8, 0.58)
    rows = []
    for name in args.models:
        model = random_stylegan2(int(name.split("-")[1])) if name.startswith("sg2-") else load_model(name)
        rows.append(measure(model, region, args))
        print(f"done {model.name}: {rows[-1][-1]:.1f} s", file=sys.stderr)
    load = os.getloadavg()
    print(f"Region directions, eye band, 1 sample, top {args.top}; 1 torch thread; load average "
          f"{load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} on {os.cpu_count()} cores")
    print("| model | px | edit dim | analysed at | subspace | JVPs | VJPs | fwd+bwd (s) | region (s) | × fwd+bwd |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for name, res, dim, ares, sub, nj, nv, base, t in rows:
        print(f"| {name} | {res} | {dim} | {ares} | {sub} | {nj} | {nv} | {base:.3f} | {t:.2f} | {t / base:.0f} |")


if __name__ == "__main__":
    main()
