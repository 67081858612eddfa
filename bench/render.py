"""StyleGAN2 render speed on the CPU: our generator against the official genforce/SeFa code on the
same weights, with the FLOP count and the fraction of this machine's sgemm rate, all in one run;
plus early-exit previews and prefix reuse on the largest model, each against its FLOP prediction.

    python bench/render.py --official /work/ext/sefa [--resolutions 256 1024] [--batches 1]
                           [--threads 2] [--repeats 3] [--layouts] [--reference] [--preview-repeats 5]

Models: config-f StyleGAN2s with random weights (tools/make_random_stylegan2.py, genforce format),
opened by our loader; 'const' noise. `--official DIR` is a checkout of github.com/genforce/sefa (or
genforce/genforce): its `models/stylegan2_generator.py` is built for the same resolution and loads
the same file strictly; without it the column is skipped (the official code is never part of this
repository). Every timed thing runs once per round, rounds interleaved, best of `--repeats`: on a
shared machine background load then hits all columns alike. sgemm = a 2048² float32 matmul timed in
the same rounds. `--layouts` adds our generator with NHWC (channels-last) feature maps, to
show what channels-last buys; `--reference` the textbook per-sample synthesis (bench/sg2_reference).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.sg2_reference import reference_synthesis  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402
from tools.make_random_stylegan2 import cached_random_stylegan2  # noqa: E402

SGEMM_N = 2048


def official_generator(folder: Path, resolution: int, checkpoint: Path) -> torch.nn.Module:
    """The official genforce StyleGAN2Generator from `folder`, loaded strictly from `checkpoint`."""
    sys.path.insert(0, str(folder))
    try:
        mod = importlib.import_module("models.stylegan2_generator")
    finally:
        sys.path.remove(str(folder))
    g = mod.StyleGAN2Generator(resolution)  # class defaults = config-f, as the zoo builds them
    g.load_state_dict(torch.load(checkpoint, weights_only=True)["generator_smooth"], strict=True)
    return g.eval().requires_grad_(False)


def flops(fn: Callable[[], object]) -> int:
    with FlopCounterMode(display=False) as fc:
        fn()
    return fc.get_total_flops()


def interleaved_best(fns: dict[str, Callable[[], object]], repeats: int) -> dict[str, float]:
    for fn in fns.values():  # warm-up: allocator, oneDNN primitive caches
        fn()
    best = dict.fromkeys(fns, float("inf"))
    for _ in range(repeats):
        for name, fn in fns.items():
            t0 = time.perf_counter()
            fn()
            best[name] = min(best[name], time.perf_counter() - t0)
    return best


def load_str() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} CPUs"


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolutions", type=int, nargs="+", default=[256, 1024])
    ap.add_argument("--batches", type=int, nargs="+", default=[1])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--official", type=Path, default=None, help="folder of a genforce/sefa checkout")
    ap.add_argument("--layouts", action="store_true", help="also time our generator with NHWC feature maps")
    ap.add_argument("--reference", action="store_true", help="also time the textbook per-sample synthesis")
    ap.add_argument("--preview-repeats", type=int, default=5, help="interleaved rounds for the preview table")
    args = ap.parse_args(argv)
    torch.set_num_threads(args.threads)
    official_ok = args.official is not None and (args.official / "models" / "stylegan2_generator.py").is_file()
    if args.official is not None and not official_ok:
        print(f"note: {args.official}/models/stylegan2_generator.py not found: official column skipped")
    print(f"torch {torch.__version__}, {args.threads} threads, best of {args.repeats} interleaved rounds; "
          f"before: {load_str()}")

    a, b = torch.randn(SGEMM_N, SGEMM_N), torch.randn(SGEMM_N, SGEMM_N)
    fns: dict[str, Callable[[], object]] = {"sgemm": lambda: a @ b}
    rows = []
    models = {}
    for res in args.resolutions:
        path = cached_random_stylegan2(res)
        model = models[res] = load_model(path)
        og = official_generator(args.official, res, path) if official_ok else None
        for n in args.batches:
            ws = model.codes(model.sample_z(n, seed=n))
            key = f"{res}/{n}"
            fns[f"ours {key}"] = lambda m=model, ws=ws: m.synthesize(ws)
            if og is not None:
                fns[f"official {key}"] = lambda og=og, ws=ws: _official(og, ws)
                diff = (_official(og, ws) - model.synthesize(ws)).abs().max().item()
                print(f"{res}² batch {n}: ours vs official max |Δ| = {diff:.2e}")
            if args.layouts:
                fns[f"nhwc {key}"] = lambda m=model, ws=ws: _nhwc(m, ws)
            if args.reference:
                fns[f"reference {key}"] = lambda m=model, ws=ws: _reference(m, ws)
            rows.append((res, n, key, flops(lambda m=model, ws=ws: m.synthesize(ws))))
    best = interleaved_best(fns, args.repeats)
    sgemm_rate = 2 * SGEMM_N ** 3 / best["sgemm"]
    print(f"after: {load_str()}")
    print(f"sgemm {SGEMM_N}² on {args.threads} threads: {sgemm_rate / 1e9:.0f} GFLOP/s (same rounds)\n")
    extra = (["NHWC ms/img", "NHWC / NCHW time"] if args.layouts else []) + \
        (["textbook ms/img"] if args.reference else [])
    head = ["model", "batch", "ours ms/img", "official ms/img", "× official", "GFLOP/img", "ours GFLOP/s",
            "% of sgemm"] + extra
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    for res, n, key, fl in rows:
        t = best[f"ours {key}"]
        off = best.get(f"official {key}")
        cells = [f"{res}²", str(n), f"{t / n * 1e3:.0f}",
                 f"{off / n * 1e3:.0f}" if off else "–", f"{off / t:.2f}×" if off else "–",
                 f"{fl / n / 1e9:.1f}", f"{fl / t / 1e9:.0f}", f"{fl / t / sgemm_rate:.0%}"]
        if args.layouts:
            tn = best[f"nhwc {key}"]
            cells += [f"{tn / n * 1e3:.0f}", f"{tn / t:.2f}"]
        if args.reference:
            cells.append(f"{best[f'reference {key}'] / n * 1e3:.0f}")
        print("| " + " | ".join(cells) + " |")
    _preview_table(models[max(args.resolutions)], args.preview_repeats)


def _official(og: torch.nn.Module, ws: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return og.synthesis(ws)["image"]


def _nhwc(model, ws: torch.Tensor) -> torch.Tensor:
    syn = model.net.synthesis
    syn.channels_last = True
    try:
        return model.synthesize(ws)
    finally:
        syn.channels_last = False


def _reference(model, ws: torch.Tensor) -> torch.Tensor:
    with torch.inference_mode():
        return reference_synthesis(model.net, ws)


def _preview_table(model, repeats: int) -> None:
    res = model.resolution
    ws = model.codes(model.sample_z(1, seed=0))
    row = 8
    prefix = model.prefix_state(ws, row)
    edited = ws.clone()
    edited[:, row:] += 0.5
    variants: dict[str, Callable[[], object]] = {"full": lambda: model.synthesize(edited)}
    for r in (32, 64, 128, 256):
        if r < res:
            variants[f"early-exit preview {r}²"] = lambda r=r: model.synthesize(ws, max_resolution=r)
    variants[f"edit rows ≥ {row} from cached prefix"] = lambda: model.synthesize_from(prefix, edited)
    best = interleaved_best(variants, repeats)
    full_t, full_f = best["full"], flops(variants["full"])
    print(f"\n{res}² batch 1: full render {full_t * 1e3:.0f} ms, {full_f / 1e9:.1f} GFLOP (conv/matmul), "
          f"best of {repeats} interleaved rounds")
    print("| variant | ms | time saved | FLOP-predicted saving | saved / predicted |")
    print("|---|---|---|---|---|")
    for name, fn in variants.items():
        if name == "full":
            continue
        saved, predicted = 1 - best[name] / full_t, 1 - flops(fn) / full_f
        print(f"| {name} | {best[name] * 1e3:.0f} | {saved:.1%} | {predicted:.1%} | {saved / predicted:.0%} |")


if __name__ == "__main__":
    main()
