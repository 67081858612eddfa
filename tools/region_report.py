"""Region directions against global SeFa on cartoon-faces-sg2-32: the numbers and pictures of docs/regions.md.

    python tools/region_report.py [--seeds 0 1 2 3 4 5 6 7] [--out docs]

For each region (a band over the eyes, a background corner) and seed: the top region direction of
that seed, and the best of the top-20 global SeFa directions (all W+ rows) by the same measure —
mean |Δ pixel| per pixel between α = −2 and +2 along the unit direction on every W+ row, inside vs
outside the region, at full resolution. Also one direction computed from all seeds together and
measured on each. Prints Markdown tables; writes docs/regions-<name>.png (rows = seeds; columns =
the sample with the region outlined, region direction at −2 / +2 / |Δ|, best SeFa at −2 / +2 / |Δ|;
|Δ| is white from a change of 0.5, a quarter of the [−1, 1] range).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.core.editing import DirectionEdit, apply_edits  # noqa: E402
from sefa_desktop.core.imaging import compose_grid, save_png, to_uint8  # noqa: E402
from sefa_desktop.core.region import Region, region_change, region_directions  # noqa: E402
from sefa_desktop.core.sefa import factorize  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402

REGIONS = {
    "eyes": Region.from_box(0.2, 0.38, 0.8, 0.58),
    "corner": Region.from_box(0.0, 0.0, 0.22, 0.22),
}
ALPHA = 2.0
CELL = 96


def _big(img: np.ndarray) -> np.ndarray:
    return np.asarray(Image.fromarray(img).resize((CELL, CELL), Image.Resampling.NEAREST))


def _outlined(img: np.ndarray, region: Region) -> np.ndarray:
    pic = Image.fromarray(_big(img))
    x0, y0, x1, y1 = region.bounds
    ImageDraw.Draw(pic).rectangle([x0 * CELL, y0 * CELL, x1 * CELL - 1, y1 * CELL - 1], outline=(255, 40, 200))
    return np.asarray(pic)


def _sweep(model, codes: torch.Tensor, v: np.ndarray) -> list[np.ndarray]:
    lo = model.synthesize(apply_edits(codes, [DirectionEdit(v, -ALPHA)]))
    hi = model.synthesize(apply_edits(codes, [DirectionEdit(v, ALPHA)]))
    diff = (hi - lo).abs().mean(dim=1, keepdim=True)  # (1, 1, H, W); white = a change of 0.5 or more
    heat = (diff / 0.5).clamp(0, 1).expand(-1, 3, -1, -1) * 2 - 1
    return [_big(to_uint8(x)[0]) for x in (lo, hi, heat)]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, nargs="+", default=list(range(8)))
    ap.add_argument("--picture-seeds", type=int, default=3)
    ap.add_argument("--out", default="docs")
    ap.add_argument("--regs", type=float, nargs="*", default=[0.003, 0.01, 0.03, 0.1],
                    help="also tabulate these regularisers (their effect on locality and strength)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    model = load_model("cartoon-faces-sg2-32")
    sefa = factorize(model, k=20)
    for name, region in REGIONS.items():
        rows, cells, labels = [], [], []
        t_total = 0.0
        all_codes = torch.cat([model.sample_codes(1, seed=s) for s in args.seeds])
        together = region_directions(model, all_codes, region, k=1, seeds=args.seeds).vectors[0]
        for i, s in enumerate(args.seeds):
            codes = model.sample_codes(1, seed=s)
            t0 = time.perf_counter()
            mine = region_directions(model, codes, region, k=1, seeds=[s]).vectors[0]
            t_total += time.perf_counter() - t0
            ours = region_change(model, codes, mine, region, alpha=ALPHA)
            avg = region_change(model, codes, together, region, alpha=ALPHA)
            theirs = [region_change(model, codes, v, region, alpha=ALPHA) for v in sefa.vectors]
            j = int(np.argmax([c.ratio for c in theirs]))
            rows.append((s, ours, avg, j, theirs[j]))
            if i < args.picture_seeds:
                base = to_uint8(model.synthesize(codes))[0]
                cells.append([_outlined(base, region), *_sweep(model, codes, mine),
                              *_sweep(model, codes, sefa.vectors[j])])
                labels.append(f"seed {s}")
        print(f"\n### {name}: {region.describe()} ({region.fraction:.0%} of the image)\n")
        print("| seed | region top: in / out = ratio | from all seeds: ratio | best SeFa of 20 (index): "
              "in / out = ratio | gain |")
        print("|---|---|---|---|---|")
        gains = []
        for s, ours, avg, j, th in rows:
            gains.append(ours.ratio / th.ratio)
            print(f"| {s} | {ours.inside:.3f} / {ours.outside:.3f} = {ours.ratio:.2f} | {avg.ratio:.2f} | "
                  f"({j}) {th.inside:.3f} / {th.outside:.3f} = {th.ratio:.2f} | {gains[-1]:.2f}× |")
        mean_in = np.mean([r[1].inside for r in rows])
        print(f"| mean | in {mean_in:.3f}, ratio {np.mean([r[1].ratio for r in rows]):.2f} | "
              f"{np.mean([r[2].ratio for r in rows]):.2f} | ratio {np.mean([r[4].ratio for r in rows]):.2f} | "
              f"{np.mean(gains):.2f}× |")
        print(f"\n{len(rows)} seeds, {t_total / len(rows):.2f} s per region computation (1 thread)")
        print("\n| reg | mean inside | mean ratio | mean gain over best SeFa |")
        print("|---|---|---|---|")
        for reg in args.regs:
            ins, rats, gains = [], [], []
            for s, _, _, _, th in rows:
                codes = model.sample_codes(1, seed=s)
                v = region_directions(model, codes, region, k=1, reg=reg).vectors[0]
                c = region_change(model, codes, v, region, alpha=ALPHA)
                ins.append(c.inside)
                rats.append(c.ratio)
                gains.append(c.ratio / th.ratio)
            print(f"| {reg:g} | {np.mean(ins):.3f} | {np.mean(rats):.2f} | {np.mean(gains):.2f}× |")
        cols = ["sample", "region -2", "region +2", "|diff|", "SeFa -2", "SeFa +2", "|diff|"]
        save_png(compose_grid(cells, labels, cols, cell=CELL), Path(args.out) / f"regions-{name}.png")


if __name__ == "__main__":
    main()
