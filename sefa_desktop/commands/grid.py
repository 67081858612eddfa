"""`sefa-desktop grid MODEL --directions F -o grid.png`: the paper's figure.

Rows = directions (for each seed), columns = α steps.
"""

from __future__ import annotations

import argparse

from .common import add_model_arg, check_output, load_directions


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grid", help="write a grid: rows = directions, columns = α steps",
                       description="The paper's figure: for each seed, one row per direction, one "
                                   "column per α step, as a PNG.")
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
    p.add_argument("--size", type=int, default=None, help="cell size in px (default: model resolution, "
                                                          "at most 256)")
    p.add_argument("--allow-other-model", action="store_true")
    p.add_argument("-o", "--output", required=True, help="output .png")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.grids import render_direction_grid
    from ..core.imaging import save_png
    from ..models import load_model

    out = check_output(args.output, (".png",))
    if args.steps < 1 or args.steps > 64:
        raise ValueError("--steps must be between 1 and 64")
    model = load_model(args.model, device=args.device)
    dirs = load_directions(args.directions, model, args.allow_other_model)
    indices = args.index if args.index else list(range(min(args.top, len(dirs))))
    bad = [i for i in indices if not 0 <= i < len(dirs)]
    if bad:
        raise ValueError(f"direction {bad[0]} does not exist (the file has 0..{len(dirs) - 1})")
    image = render_direction_grid(model, dirs, indices, args.seeds, tuple(args.range), args.steps,
                                  truncation_psi=args.truncation, noise_mode=args.noise, cell=args.size)
    save_png(image, out)
    print(f"wrote {out} ({image.width}×{image.height}: {len(indices)} directions × {args.steps} steps, "
          f"{len(args.seeds)} seed(s))")
    return 0
