"""StyleGAN2 render speed on CPU: our generator vs the textbook per-sample reference (same run),
plus early-exit previews and prefix reuse on the 1024² model, each against its FLOP prediction.

    python bench/render.py [--resolutions 256 1024] [--batches 1 8] [--threads 1] [--repeats 1]
                           [--preview-repeats 5] [--skip-reference-above PIXELS]

Random config-f weights (channel_base 32768, channel_max 512, w 512); 'const' noise.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.load import config_f  # noqa: E402
from bench.sg2_reference import reference_synthesis  # noqa: E402
from sefa_desktop.models.nets.stylegan2 import (  # noqa: E402
    StyleGAN2Generator,
    StyleGAN2Model,
    stylegan2_config_from_nvidia,
)


def random_model(res: int) -> StyleGAN2Model:
    g = StyleGAN2Generator(stylegan2_config_from_nvidia(config_f(res), "ada"))
    with torch.no_grad():
        for p in g.parameters():
            p.normal_(0, 0.5)
    return StyleGAN2Model(g.eval(), f"random-{res}")


def timed(fn, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def flops(fn) -> int:
    with FlopCounterMode(display=False) as fc:
        fn()
    return fc.get_total_flops()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolutions", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--batches", type=int, nargs="+", default=[1, 8])
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--preview-repeats", type=int, default=5, help="interleaved rounds for the preview table")
    ap.add_argument("--skip-reference-above", type=int, default=1 << 30,
                    help="skip the slow reference for batch×resolution² above this many pixels")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print(f"threads={args.threads}, best of {args.repeats}, torch {torch.__version__}")
    print("| model | batch | ours ms/img | reference ms/img | speed-up |")
    print("|---|---|---|---|---|")
    models = {}
    for res in args.resolutions:
        model = models[res] = random_model(res)
        for n in args.batches:
            ws = model.codes(torch.randn(n, 512, generator=torch.Generator().manual_seed(n)))
            model.synthesize(ws[:1], max_resolution=min(res, 16))  # warm-up of the allocator paths
            t_ours = timed(lambda: model.synthesize(ws), args.repeats) / n  # noqa: B023
            if n * res * res > args.skip_reference_above:
                print(f"| {res}² | {n} | {t_ours * 1e3:.0f} | (skipped) | – |")
                continue
            with torch.inference_mode():
                t_ref = timed(lambda: reference_synthesis(model.net, ws), args.repeats) / n  # noqa: B023
            print(f"| {res}² | {n} | {t_ours * 1e3:.0f} | {t_ref * 1e3:.0f} | {t_ref / t_ours:.2f}× |")
    res = max(args.resolutions)
    model = models[res]
    ws = model.codes(torch.randn(1, 512, generator=torch.Generator().manual_seed(0)))
    row = 8
    prefix = model.prefix_state(ws, row)
    edited = ws.clone()
    edited[:, row:] += 0.5
    variants: dict[str, Callable[[], object]] = {"full": lambda: model.synthesize(edited)}
    for r in (64, 256):
        if r < res:
            variants[f"early-exit preview {r}²"] = lambda r=r: model.synthesize(ws, max_resolution=r)
    variants[f"edit rows ≥ {row} from cached prefix"] = lambda: model.synthesize_from(prefix, edited)
    # Interleaved rounds, best of each: the savings (a few % for the prefix) are smaller than the
    # drift of a shared machine between two separately timed blocks.
    best = dict.fromkeys(variants, float("inf"))
    for _ in range(args.preview_repeats):
        for name, fn in variants.items():
            best[name] = min(best[name], timed(fn, 1))
    full_t, full_f = best["full"], flops(variants["full"])
    print(f"\n{res}² batch 1: full render {full_t * 1e3:.0f} ms, {full_f / 1e9:.1f} GFLOP (conv/matmul), "
          f"best of {args.preview_repeats} interleaved rounds")
    print("| variant | ms | time saved | FLOP-predicted saving | saved / predicted |")
    print("|---|---|---|---|---|")
    for name, fn in variants.items():
        if name == "full":
            continue
        saved, predicted = 1 - best[name] / full_t, 1 - flops(fn) / full_f
        print(f"| {name} | {best[name] * 1e3:.0f} | {saved:.1%} | {predicted:.1%} | {saved / predicted:.0%} |")

if __name__ == "__main__":
    main()
