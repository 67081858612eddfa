"""What the cheap previews save: early exit (`synthesize(codes, max_resolution=r)`) and prefix reuse
(`prefix_state` + `synthesize_from`) on 1024 px generators with random weights, CPU, batch 1.

For every variant it prints the measured time, the time saved against the full image measured in
the same run, the saving its FLOP count predicts (torch's FlopCounterMode over the same call), and
the ratio measured / predicted saving (the issue asks for ≥ 75 %).

    PYTHONPATH=. python bench/previews.py [--repeats 5] [--threads 1] [--families stylegan2,stylegan]
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable

import torch
from torch.utils.flop_counter import FlopCounterMode

from sefa_desktop.models.base import BaseGanModel


def stylegan2_1024() -> BaseGanModel:
    """Config-f StyleGAN2 (channel_base 32768, max 512) with random weights."""
    from sefa_desktop.models.nets.stylegan2 import StyleGAN2Generator, StyleGAN2Model
    net = StyleGAN2Generator({"z_dim": 512, "w_dim": 512, "img_resolution": 1024})
    _randomize(net, ("affine.bias",))
    return StyleGAN2Model(net.eval(), "stylegan2-1024-random")


def stylegan_1024() -> BaseGanModel:
    """genforce StyleGAN defaults at 1024 (fmaps_base 16384, max 512, fused upsampling ≥ 128)."""
    from sefa_desktop.models.nets.stylegan import StyleGANConfig, StyleGANGenerator, StyleGANModel
    chans = tuple(min(16384 // (4 * 2 ** b), 512) for b in range(9))
    net = StyleGANGenerator(StyleGANConfig(1024, 512, 512, (512,) * 8, chans))
    _randomize(net, ())
    with torch.no_grad():
        for i in range(18):
            layer = net.synthesis.layer(i)
            if hasattr(layer, "blur"):
                k = torch.tensor([1.0, 2.0, 1.0])
                layer.blur.kernel.copy_((k.outer(k) / 16).expand_as(layer.blur.kernel))
    return StyleGANModel(net.eval(), "stylegan-1024-random")


def _randomize(net: torch.nn.Module, ones: tuple[str, ...]) -> None:
    gen = torch.Generator().manual_seed(0)
    with torch.no_grad():
        for name, p in net.named_parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * (0.1 if p.ndim <= 1 else 1.0))
            if name.endswith(ones):
                p.add_(1.0)


def timed_all(fns: list[Callable[[], torch.Tensor]], repeats: int) -> list[float]:
    """Best-of-`repeats` seconds per function, run round-robin so load changes on a shared machine
    hit every variant alike (the minimum is the least disturbed run)."""
    for fn in fns:
        fn()  # warm-up (allocator, kernels)
    best = [math.inf] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            t = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t)
    return best


def flops(fn: Callable[[], torch.Tensor]) -> int:
    with FlopCounterMode(display=False) as counter:
        fn()
    return int(counter.get_total_flops())


def run(model: BaseGanModel, repeats: int) -> list[tuple[str, float, float, float]]:
    codes = model.codes(model.sample_z(1, seed=1), truncation_psi=0.7)
    vec = torch.randn(model.w_dim or 0, generator=torch.Generator().manual_seed(2))
    row = 8
    edited = codes.clone()
    edited[:, row:] += 3.0 * vec
    prefix = model.prefix_state(codes, row)  # type: ignore[attr-defined]
    variants: list[tuple[str, Callable[[], torch.Tensor]]] = [
        ("full 1024", lambda: model.synthesize(edited)),
        ("early exit 64", lambda: model.synthesize(edited, max_resolution=64)),
        ("early exit 256", lambda: model.synthesize(edited, max_resolution=256)),
        (f"prefix reuse, rows ≥ {row}", lambda: model.synthesize_from(prefix, edited)),  # type: ignore
    ]
    times = timed_all([fn for _, fn in variants], repeats)
    full_t, full_f = times[0], flops(variants[0][1])
    rows = [("full 1024", full_t, 0.0, 0.0)]
    for (label, fn), t in zip(variants[1:], times[1:], strict=True):
        predicted = full_t * (1 - flops(fn) / full_f)
        rows.append((label, t, full_t - t, predicted))
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--families", default="stylegan2,stylegan")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    builders = {"stylegan2": stylegan2_1024, "stylegan": stylegan_1024}
    print(f"CPU, {args.threads} thread(s), batch 1, best of {args.repeats} (round-robin)")
    for fam in args.families.split(","):
        model = builders[fam]()
        print(f"\n{model.name}")
        print(f"{'variant':<26}{'ms':>9}{'saved ms':>11}{'FLOP-predicted saved ms':>25}{'measured/predicted':>20}")
        for label, t, saved, pred in run(model, args.repeats):
            ratio = f"{saved / pred:.0%}" if pred > 0 else "—"
            if math.isclose(saved, 0.0) and pred == 0:
                print(f"{label:<26}{t * 1e3:>9.0f}{'':>11}{'':>25}{'':>20}")
            else:
                print(f"{label:<26}{t * 1e3:>9.0f}{saved * 1e3:>11.0f}{pred * 1e3:>25.0f}{ratio:>20}")


if __name__ == "__main__":
    main()
