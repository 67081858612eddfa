"""`sefa-desktop grid MODEL --directions F -o grid.png`: the paper's figure.

Rows = directions (for each seed), columns = α steps.
"""

from __future__ import annotations

import argparse

from .common import add_model_arg, add_sweep_table_args, check_output, latent_codes, load_sweep_table
from .progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("grid", help="write a grid: rows = directions, columns = α steps",
                       description="The paper's figure: for each seed, one row per direction, one "
                                   "column per α step, as a PNG.")
    add_model_arg(p)
    add_sweep_table_args(p, "cell size in px (default: model resolution, at most 256)")
    p.add_argument("-o", "--output", required=True, help="output .png")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.grids import render_direction_grid
    from ..core.imaging import save_png

    out = check_output(args.output, (".png",))
    model, dirs, indices = load_sweep_table(args)
    base = latent_codes(args, model)
    if base is not None and args.class_index is not None:
        raise ValueError("--latent gives the whole code, class included: drop --class")
    with Progress(out.name, unit="row", total=len(indices) * (1 if base is not None else len(args.seeds)),
                  quiet=args.quiet) as bar:
        image = render_direction_grid(model, dirs, indices, args.seeds, tuple(args.range), args.steps,
                                      truncation_psi=args.truncation, noise_mode=args.noise, cell=args.size,
                                      base_codes=base, progress=bar, class_index=args.class_index)
    save_png(image, out)
    what = "the latent" if base is not None else f"{len(args.seeds)} seed(s)"
    print(f"wrote {out} ({image.width}×{image.height}: {len(indices)} directions × {args.steps} steps, {what})")
    return 0
