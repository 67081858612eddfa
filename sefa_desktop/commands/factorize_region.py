"""`sefa-desktop factorize MODEL --region X0,Y0,X1,Y1 | --mask FILE`: region directions (core/region.py).

Not a sub-command of its own: factorize.py adds these options and hands over here."""

from __future__ import annotations

import argparse
import math
import time
from typing import Any


def add_arguments(p: argparse.ArgumentParser) -> None:
    g = p.add_argument_group("region directions (change one area, keep the rest; Jacobian-based)")
    where = g.add_mutually_exclusive_group()
    where.add_argument("--region", metavar="X0,Y0,X1,Y1", default=None,
                       help="the area to change: a box in fractions of the image width and height (0..1, "
                            "origin top-left), e.g. 0.2,0.38,0.8,0.58")
    where.add_argument("--mask", metavar="PNG", default=None, help="the area to change as a picture: white = region")
    g.add_argument("--seed", type=int, default=None, metavar="S", help="the sample to analyse (default 0)")
    g.add_argument("--seeds", type=int, nargs="+", default=None, metavar="S",
                   help="several samples: directions that hold across them (their Jacobians averaged)")
    g.add_argument("--truncation", type=float, default=1.0, metavar="PSI", help="truncation of the samples")
    g.add_argument("--class", dest="class_", metavar="N|NAME", default=None,
                   help="class-conditional models (BigGAN): the samples' class — an index, or a name or a unique part "
                        "of one (default: the model's default class)")
    g.add_argument("--resolution", type=int, default=None, metavar="PX",
                   help="differentiate at this early-exit resolution (default: the coarsest the region allows)")
    g.add_argument("--rank", type=int, default=None, metavar="M",
                   help="solve in a randomised subspace of this size (default: exact up to 128 dimensions, "
                        "else max(4·K, 48))")
    g.add_argument("--power-iters", type=int, default=0, metavar="Q",
                   help="power iterations that sharpen the randomised subspace (each costs about as much "
                        "as the sketch; default 0)")
    g.add_argument("--reg", type=float, default=None, metavar="R",
                   help="regulariser: λ relative to the largest change inside (default 0.01); larger = "
                        "stronger edits that may spill over, smaller = more local")


def wants_region(args: argparse.Namespace) -> bool:
    return args.region is not None or args.mask is not None


def check_plain_factorize(args: argparse.Namespace) -> None:
    """The region options mean nothing to SeFa/PCA: say so instead of ignoring them."""
    used = [name for name, val in (("--seed", args.seed), ("--seeds", args.seeds), ("--resolution", args.resolution),
                                   ("--rank", args.rank), ("--reg", args.reg), ("--class", args.class_))
            if val is not None]
    if used:
        raise ValueError(f"{used[0]} applies to region directions only: add --region X0,Y0,X1,Y1 or --mask FILE")


def parse_region(text: str) -> Any:
    from ..core.region import Region

    parts = text.replace(" ", "").split(",")
    try:
        vals = [float(v) for v in parts]
    except ValueError:
        vals = []
    if len(vals) != 4 or not all(math.isfinite(v) for v in vals):
        raise ValueError(f"bad --region '{text}': use X0,Y0,X1,Y1 as fractions 0..1, e.g. 0.2,0.38,0.8,0.58")
    return Region.from_box(*vals)


def run(args: argparse.Namespace, model: Any, layers: list[int] | None) -> Any:
    """Compute the region directions; returns the DirectionSet (the caller writes it)."""
    import torch
    from tqdm import tqdm

    from ..core.region import Region, region_directions

    if args.method is not None or args.compat is not None:
        raise ValueError("--region/--mask compute region directions: --method and --compat do not apply")
    region = parse_region(args.region) if args.region is not None else Region.from_image(args.mask)
    if args.seed is not None and args.seeds is not None:
        raise ValueError("give either --seed S or --seeds S1 S2 …, not both")
    seeds = args.seeds if args.seeds is not None else [0 if args.seed is None else args.seed]
    if len(set(seeds)) != len(seeds):
        raise ValueError("--seeds has a seed twice")
    if len(seeds) > 64:
        raise ValueError("at most 64 --seeds")
    if layers is not None and getattr(model, "edit_space", "w") != "w":
        raise ValueError(f"{model.name} edits Z: --layers does not apply to its region directions")
    if args.top is not None and args.top < 1:
        raise ValueError("--top must be at least 1")
    if args.rank is not None and args.rank < 1:
        raise ValueError("--rank must be at least 1")
    if not 0 <= args.power_iters <= 5:
        raise ValueError("--power-iters must be between 0 and 5")
    if args.reg is not None and not (math.isfinite(args.reg) and args.reg > 0):
        raise ValueError("--reg must be a positive number")
    if args.resolution is not None:
        r = args.resolution
        if not (4 <= r <= model.resolution and r & (r - 1) == 0) and r != model.resolution:
            raise ValueError(f"--resolution must be a power of two between 4 and {model.resolution}")
    from ..core.editing import seed_codes
    from .common import chosen_class

    class_index = chosen_class(args, model)
    codes = torch.cat([seed_codes(model, s, args.truncation, class_index) for s in seeds])
    psi = args.truncation if getattr(model, "family", "") == "biggan" else None
    with tqdm(total=1, desc="region directions", unit="batch", leave=False, dynamic_ncols=True) as bar:
        def progress(done: int, total: int) -> None:
            if bar.total != total:
                bar.total = total
                bar.refresh()
            bar.update(done - bar.n)

        t0 = time.perf_counter()
        reg = {} if args.reg is None else {"reg": args.reg}
        dirs = region_directions(model, codes, region, layers=layers, k=args.top or 10, resolution=args.resolution,
                                 rank=args.rank, power_iters=args.power_iters, truncation_psi=psi, seeds=seeds,
                                 progress=progress, **reg)
    meta = dirs.metadata
    print(f"{dirs.name}: {len(dirs)} directions from {len(seeds)} sample(s), analysed at "
          f"{meta['analysis_resolution']} px in a {meta['subspace']}-dimensional subspace, "
          f"{time.perf_counter() - t0:.1f} s")
    ratios = ", ".join(f"{v:.3g}" for v in meta["ratio"][:5])
    print(f"change inside/outside (mean square per pixel, linearised), top {min(5, len(dirs))}: {ratios}")
    return dirs
