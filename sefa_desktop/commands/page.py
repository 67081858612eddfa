"""`sefa-desktop page MODEL --directions F -o page.html`: the official tool's HTML page.

Rows = directions (for each seed), columns = α steps; the images go to `<page>_files/` beside it.
"""

from __future__ import annotations

import argparse

from .common import add_model_arg, check_output, load_directions


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("page", help="write an HTML page: rows = directions, columns = α steps",
                       description="Like the official SeFa tool's page: a table with one row per direction "
                                   "(for each seed) and one column per α, images in PAGE_files/.")
    add_model_arg(p)
    p.add_argument("--directions", metavar="F", required=True, help="directions file")
    p.add_argument("--top", type=int, default=5, metavar="K", help="first K directions (default 5)")
    p.add_argument("--index", type=int, action="append", default=None, metavar="I",
                   help="only these directions (repeatable; overrides --top)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="S")
    p.add_argument("--range", type=float, nargs=2, default=[-3.0, 3.0], metavar=("LO", "HI"))
    p.add_argument("--steps", type=int, default=7)
    p.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    p.add_argument("--noise", choices=["const", "random", "none"], default="const")
    p.add_argument("--size", type=int, default=None, help="image size in px (default: model resolution)")
    p.add_argument("--allow-other-model", action="store_true")
    p.add_argument("-o", "--output", required=True, help="output .html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.exports import write_direction_page
    from ..models import load_model

    out = check_output(args.output, (".html", ".htm"))
    if not 1 <= args.steps <= 64:
        raise ValueError("--steps must be between 1 and 64")
    if args.size is not None and not 8 <= args.size <= 2048:
        raise ValueError("--size must be between 8 and 2048")
    model = load_model(args.model, device=args.device)
    dirs = load_directions(args.directions, model, args.allow_other_model)
    indices = args.index if args.index else list(range(min(args.top, len(dirs))))
    bad = [i for i in indices if not 0 <= i < len(dirs)]
    if bad:
        raise ValueError(f"direction {bad[0]} does not exist (the file has 0..{len(dirs) - 1})")
    write_direction_page(model, dirs, indices, args.seeds, tuple(args.range), args.steps, out,
                         truncation_psi=args.truncation, noise_mode=args.noise, cell=args.size)
    n = len(indices) * len(args.seeds) * args.steps
    print(f"wrote {out} and {n} images in {out.stem}_files/")
    return 0
