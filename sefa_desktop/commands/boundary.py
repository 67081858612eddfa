"""`sefa-desktop boundary MODEL --labels labels.csv -o b.npy|.npz`: a supervised direction from labels.

labels.csv has the header `seed,label`; each seed's code is `codes(sample_z(1, seed))` at ψ = 1, taken
in the model's edit space (w for style-based models, z otherwise; see core/boundary.py).
"""

from __future__ import annotations

import argparse

from .common import add_model_arg, check_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("boundary", help="fit a supervised direction (linear boundary) from labelled seeds",
                       description="InterFaceGAN's recipe: fit a linear boundary in the model's edit space "
                                   "to labelled seeds (CSV with header seed,label; labels 0/1 or continuous) "
                                   "and write its unit normal, pointing towards larger labels.")
    add_model_arg(p)
    p.add_argument("--labels", required=True, metavar="CSV", help="CSV file with header 'seed,label'")
    p.add_argument("--method", choices=["auto", "svm", "logistic", "ridge"], default="auto",
                   help="auto (default): linear SVM for 0/1 labels, ridge regression otherwise")
    p.add_argument("--name", default=None, help="the direction's label (default: the CSV's name)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-o", "--output", required=True,
                   help="output .npy (InterFaceGAN's (1, dim) boundary) or .npz (ours, with the label)")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import numpy as np
    from tqdm import tqdm

    from ..core.boundary import edit_space_codes, fit_boundary, read_labels_csv
    from ..core.direction_formats import write_boundaries
    from ..core.directions import DirectionSet
    from ..models import load_model

    out = check_output(args.output, (".npy", ".npz"))
    seeds, labels = read_labels_csv(args.labels)
    if len(seeds) < 4:
        raise ValueError(f"{Path(args.labels).name}: need at least 4 labelled seeds, got {len(seeds)}")
    model = load_model(args.model, device=args.device)
    with tqdm(total=len(seeds), desc="codes", unit="seed", disable=args.quiet) as bar:
        codes = edit_space_codes(model, seeds, progress=lambda done, total: bar.update(1))
    fit = fit_boundary(codes, labels, args.method)
    name = args.name or Path(args.labels).stem
    rows = list(range(model.num_layers)) if model.edit_space == "w" else []
    dirs = DirectionSet(fit.vector[None, :], np.asarray([fit.score], np.float32), rows, method=f"boundary-{fit.method}",
                        model_name=model.name, model_family=model.family, model_fingerprint=model.fingerprint,
                        labels=[name])
    if out.suffix.lower() == ".npy":
        write_boundaries(dirs, out, 0)
    else:
        dirs.save(out)
    what = "training accuracy" if fit.method != "ridge" else "R²"
    print(f"boundary '{name}' from {fit.samples} seeds ({fit.method}, {what} {fit.score:.3f}, "
          f"{model.edit_space}, {dirs.dim}-d) → {out}")
    return 0
