"""`sefa-desktop compare A.npz B.npz -o report.html`: two direction sets side by side.

Any two sets of one model (SeFa, PCA, supervised boundaries, text directions, imported files): the
|cos| matrix of their top K directions, each A direction's best match in B, and strips of both on the
same seeds. `--json` writes the matrix (key "cos", rows = A, columns = B) and the matches.
"""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare two direction sets (|cos| matrix, best matches, strips)",
                       description="Compare two direction sets of the same model: |cos| between their top K "
                                   "directions, each A direction's best match in B, and strips of both on the "
                                   "same seeds in an HTML report.")
    p.add_argument("a", metavar="A", help="first directions file (rows of the matrix)")
    p.add_argument("b", metavar="B", help="second directions file (columns)")
    p.add_argument("--model", default=None,
                   help="model for the strips and for reading other tools' files (default: the one A names)")
    p.add_argument("--device", default="cpu", help="torch device (default cpu)")
    p.add_argument("--top", type=int, default=10, metavar="K", help="top K directions of each set (default 10)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2], metavar="S")
    p.add_argument("--range", type=float, nargs=2, default=[-3.0, 3.0], metavar=("LO", "HI"))
    p.add_argument("--steps", type=int, default=5)
    p.add_argument("--size", type=int, default=64, help="strip cell size in px (default 64)")
    p.add_argument("--no-strips", action="store_true", help="matrix and matches only (no rendering)")
    p.add_argument("--allow-other-model", action="store_true",
                   help="accept sets computed for another model of the same latent size")
    p.add_argument("--json", default=None, metavar="FILE", help="also write the |cos| matrix as JSON")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-o", "--output", required=True, help="output .html")
    p.set_defaults(func=run)


def _resolve_model(args: argparse.Namespace):
    from pathlib import Path

    from ..core.directions import DirectionSet
    from ..models import ModelLoadError, load_model

    if args.model:
        return load_model(args.model, device=args.device)
    for f in (args.a, args.b):
        if Path(f).suffix.lower() != ".npz":
            continue
        try:
            name = DirectionSet.load(f).model_name
        except ValueError:
            continue  # not ours (e.g. GANSpace): try the other file
        if name:
            try:
                return load_model(name, device=args.device)
            except ModelLoadError:
                raise ValueError(f"{Path(f).name} was made for '{name}', which cannot be opened by that name: "
                                 "give --model MODEL") from None
    raise ValueError("neither file names its model: give --model MODEL")


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from tqdm import tqdm

    from ..core.compare import comparison_json, signed_cosines, write_compare_json, write_compare_report
    from .common import check_output, load_directions

    out = check_output(args.output, (".html", ".htm"))
    if args.json:
        check_output(args.json, (".json",))
    if args.top < 1:
        raise ValueError("--top must be ≥ 1")
    if not 1 <= args.steps <= 15:
        raise ValueError("--steps must be between 1 and 15")
    if not 16 <= args.size <= 512:
        raise ValueError("--size must be between 16 and 512")
    for f in (args.a, args.b):
        if not Path(f).is_file():
            raise ValueError(f"{f}: no such file")
    model = _resolve_model(args)
    a = load_directions(args.a, model, args.allow_other_model).top(args.top)
    b = load_directions(args.b, model, args.allow_other_model).top(args.top)
    names = (Path(args.a).name, Path(args.b).name)
    cos = signed_cosines(a, b)
    with tqdm(total=len(a), desc="strips", unit="dir", disable=args.quiet or args.no_strips) as bar:
        write_compare_report(out, a, b, names, None if args.no_strips else model, args.seeds,
                             tuple(args.range), args.steps, args.size, progress=lambda d, t: bar.update(1))
    if args.json:
        write_compare_json(args.json, comparison_json(a, b, cos, names))
    print(f"wrote {out}" + (f" and {args.json}" if args.json else "")
          + f" ({len(a)}×{len(b)} |cos|; mean best match {abs(cos).max(axis=1).mean():.3f})")
    return 0
