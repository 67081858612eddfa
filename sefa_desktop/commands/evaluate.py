"""`sefa-desktop evaluate MODEL`: the paper's SeFa-vs-PCA-vs-supervised comparison on a model whose
samples the face predictors can label (the bundled demo model) → evaluation.md (+ two figures).

`--quick` is a first look in under a minute; the full sizes are the paper's protocol (docs/evaluation.md)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import add_model_arg, check_output
from .progress import Progress

# The sizes of a full run (the paper's protocol, ~9 min on 2 CPU cores) and of --quick (under a minute).
FULL = {"samples": 5000, "pca_samples": 100_000, "rescore": 2000, "pca_seeds": 5}
QUICK = {"samples": 300, "pca_samples": 10_000, "rescore": 50, "pca_seeds": 2}


def _sizes_text(sizes: dict[str, int]) -> str:
    return ", ".join(f"--{k.replace('_', '-')} {v}" for k, v in sizes.items())


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="SeFa vs PCA vs supervised boundaries, measured with the face predictors",
                       description="Reproduce the paper's Table 1 (nearest direction to supervised "
                                   "boundaries), Table 2 (re-scoring), a layer-wise analysis and PCA's "
                                   "seed stability on MODEL, and write them as Markdown.")
    add_model_arg(p)
    p.add_argument("-o", "--output", default="evaluation.md",
                   help="Markdown file (default evaluation.md in the current folder; the figures go beside it)")
    p.add_argument("--quick", action="store_true",
                   help=f"small sizes for a first look in under a minute ({_sizes_text(QUICK)}); "
                        "the findings are noisier")
    p.add_argument("--samples", type=int, default=None, help=f"labelled w for the supervised boundaries "
                                                              f"(default {FULL['samples']})")
    p.add_argument("--pca-samples", type=int, default=None, help=f"w samples per PCA (default "
                                                                  f"{FULL['pca_samples']}; paper: 500k)")
    p.add_argument("--rescore", type=int, default=None, help=f"samples moved per direction (default "
                                                              f"{FULL['rescore']}, as the paper)")
    p.add_argument("--pca-seeds", type=int, default=None, help=f"PCA repeats (default {FULL['pca_seeds']})")
    p.add_argument("--sigmas", type=float, default=2.0, help="step size in standard deviations of w")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--predictors", default=None, help="predictor weights (default: the bundled ones)")
    p.add_argument("--no-figures", action="store_true", help="do not write the direction grids beside the file")
    # Batches of 32-px images are too small to share between threads: on 2 busy cores --quick took 2 min
    # 56 s with torch's default threads and 46 s with one.
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1: faster for small images)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..core.directions import DirectionSet
    from ..core.grids import render_direction_grid
    from ..core.imaging import save_png
    from ..demo.evaluation import EvalConfig, evaluate, planned_images
    from ..demo.predictors import load_predictor
    from ..demo.report import render_markdown
    from ..models import load_model
    from ..util.atomic import atomic_write_bytes

    out = check_output(args.output, (".md",))
    if args.threads:
        torch.set_num_threads(args.threads)
    pred, heldout = load_predictor(Path(args.predictors) if args.predictors else None)
    model = load_model(args.model, device=args.device)
    sizes = {k: getattr(args, k) if getattr(args, k) is not None else v
             for k, v in (QUICK if args.quick else FULL).items()}
    cfg = EvalConfig(**sizes, step_sigmas=args.sigmas, seed=args.seed)
    with Progress("evaluate", unit="img", total=planned_images(model, cfg), quiet=args.quiet) as bar:
        res = evaluate(model, pred, cfg, heldout, log=lambda s: bar.describe(f"evaluate: {s.split()[0]}"),
                       tick=bar.advance)

    figures: dict[str, str] = {}
    if not args.no_figures:
        from ..core.sefa import factorize
        sefa = factorize(model, None)
        idx = [i for i, _ in res.nearest["SeFa"]]
        labels = list(sefa.labels)
        for f, i in zip(res.factors, idx, strict=True):
            labels[i] = (labels[i] + "/" if labels[i] else "") + f
        sefa = DirectionSet(sefa.vectors, sefa.values, sefa.layers, labels=labels, method="sefa")
        w = model.codes(model.sample_z(2000, seed=args.seed))[:, 0].numpy()
        sig = float(np.median([np.std(w @ sefa.vectors[i]) for i in idx]))
        order = list(dict.fromkeys(idx))
        for caption, ids in (("SeFa directions nearest to each factor", order),
                             ("Top-8 SeFa directions", list(range(min(8, len(sefa)))))):
            img = render_direction_grid(model, sefa, ids, [args.seed], (-3 * sig, 3 * sig), 7, cell=64)
            name = f"{out.stem}-{'nearest' if 'nearest' in caption else 'top'}.png"
            save_png(img, out.parent / name)
            figures[f"{caption} (α in ±3σ of w along the direction)"] = name
    cmd = "sefa-desktop evaluate " + " ".join(sys.argv[2:] if len(sys.argv) > 2 else [args.model])
    atomic_write_bytes(out, render_markdown(res, model.name, cmd, figures).encode("utf-8"))
    print(f"wrote {out}")
    return 0
