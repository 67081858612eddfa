"""`sefa-desktop page MODEL --directions F -o page.html`: the official tool's HTML page.

Rows = directions (for each seed), columns = α steps; the images go to `<page>_files/` beside it.
"""

from __future__ import annotations

import argparse

from .common import add_model_arg, add_sweep_table_args, check_output, load_sweep_table
from .progress import Progress


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("page", help="write an HTML page: rows = directions, columns = α steps",
                       description="Like the official SeFa tool's page: a table with one row per direction "
                                   "(for each seed) and one column per α, images in PAGE_files/.")
    add_model_arg(p)
    add_sweep_table_args(p, "image size in px (default: model resolution)")
    p.add_argument("-o", "--output", required=True, help="output .html")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.exports import write_direction_page

    out = check_output(args.output, (".html", ".htm"))
    model, dirs, indices = load_sweep_table(args)
    with Progress(out.name, unit="row", total=len(indices) * len(args.seeds), quiet=args.quiet) as bar:
        write_direction_page(model, dirs, indices, args.seeds, tuple(args.range), args.steps, out,
                             truncation_psi=args.truncation, noise_mode=args.noise, cell=args.size, progress=bar,
                             class_index=args.class_index)
    n = len(indices) * len(args.seeds) * args.steps
    print(f"wrote {out} and {n} images in {out.stem}_files/")
    return 0
