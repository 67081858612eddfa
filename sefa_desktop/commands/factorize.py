"""`sefa-desktop factorize MODEL -o FILE`: compute directions and save them."""

from __future__ import annotations

import argparse
import time

from . import factorize_region as region_cmd
from .common import add_model_arg, parse_layers


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("factorize", help="compute SeFa (or PCA) directions and save them",
                       description="Closed-form factorization of the model's selector weights on the "
                                   "chosen W+ rows; writes a directions file. With --region or --mask: the "
                                   "directions that change that area of the image and leave the rest alone.")
    add_model_arg(p)
    p.add_argument("--layers", default="all", help="W+ rows, e.g. 0-3,8 or all (default all)")
    p.add_argument("--top", type=int, default=None, metavar="K", help="keep the top K directions")
    p.add_argument("--method", choices=["sefa", "pca"], default=None,
                   help="sefa (closed form, default) or pca (the sampling baseline)")
    p.add_argument("--compat", choices=["genforce"], default=None,
                   help="reproduce the official genforce/sefa weight selection exactly")
    p.add_argument("--samples", type=int, default=100_000, help="samples for --method pca")
    p.add_argument("-o", "--output", required=True,
                   help="output file; the extension picks the format: .npz ours (keeps labels), "
                        ".pt rosinality factor.pt, .npy InterFaceGAN boundaries (one file per direction: "
                        "FILE_00.npy …), .ganspace.npz GANSpace components")
    p.add_argument("--index", type=int, default=None, metavar="I",
                   help="with .npy: write only direction I, to FILE itself")
    region_cmd.add_arguments(p)
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..core.direction_io import WRITERS, write_directions
    from ..core.sefa import factorize
    from ..models import load_model

    if Path(args.output).suffix.lower() not in WRITERS:
        raise ValueError(f"output '{args.output}' must end in one of: {', '.join(sorted(WRITERS))}")
    model = load_model(args.model, device=args.device)
    layers = parse_layers(args.layers, model.num_layers)
    if region_cmd.wants_region(args):
        dirs = region_cmd.run(args, model, layers)
        dt = None
    else:
        region_cmd.check_plain_factorize(args)
        t0 = time.perf_counter()
        dirs = factorize(model, layers=layers, k=args.top, method=args.method or "sefa", compat=args.compat,
                         num_samples=args.samples)
        dt = time.perf_counter() - t0
    if args.index is not None or Path(args.output).suffix.lower() == ".npy":
        from ..core.direction_formats import write_boundaries

        if Path(args.output).suffix.lower() != ".npy":
            raise ValueError("--index applies to .npy (InterFaceGAN boundary) output only")
        written = write_boundaries(dirs, Path(args.output), args.index)
        target = written[0].name if len(written) == 1 else f"{written[0].name} … {written[-1].name}"
    else:
        write_directions(dirs, args.output)
        target = args.output
    if dt is None:
        print(f"rows {_rows(dirs.layers)} → {target}")
        return 0
    print(f"{len(dirs)} directions ({dirs.method}, rows {_rows(dirs.layers)}) in {dt * 1000:.1f} ms "
          f"→ {target}")
    top = ", ".join(f"{v:.3g}" for v in dirs.values[:5])
    print(f"top eigenvalues: {top}")
    return 0


def _rows(layers: list[int]) -> str:
    return f"{layers[0]}-{layers[-1]}" if layers == list(range(layers[0], layers[-1] + 1)) else str(layers)
