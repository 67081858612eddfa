"""`sefa-desktop evaluate MODEL`: the paper's SeFa-vs-PCA-vs-supervised comparison on a model whose
samples the face predictors can label (the bundled demo model) → docs/evaluation.md."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import add_model_arg, check_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("evaluate", help="SeFa vs PCA vs supervised boundaries, measured with the face predictors",
                       description="Reproduce the paper's Table 1 (nearest direction to supervised "
                                   "boundaries), Table 2 (re-scoring), a layer-wise analysis and PCA's "
                                   "seed stability on MODEL, and write them as Markdown.")
    add_model_arg(p)
    p.add_argument("-o", "--output", default="docs/evaluation.md", help="Markdown file (default docs/evaluation.md)")
    p.add_argument("--samples", type=int, default=5000, help="labelled w for the supervised boundaries")
    p.add_argument("--pca-samples", type=int, default=100_000, help="w samples per PCA (paper: 500k)")
    p.add_argument("--rescore", type=int, default=2000, help="samples moved per direction (paper: 2000)")
    p.add_argument("--pca-seeds", type=int, default=5)
    p.add_argument("--sigmas", type=float, default=2.0, help="step size in standard deviations of w")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--predictors", default=None, help="predictor weights (default: the bundled ones)")
    p.add_argument("--no-figures", action="store_true", help="do not write the direction grids beside the file")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np
    import torch

    from ..core.directions import DirectionSet
    from ..core.grids import render_direction_grid
    from ..core.imaging import save_png
    from ..demo.evaluation import EvalConfig, evaluate
    from ..demo.predictors import load_predictor
    from ..demo.report import render_markdown
    from ..models import load_model
    from ..util.atomic import atomic_write_bytes

    out = check_output(args.output, (".md",))
    if args.threads:
        torch.set_num_threads(args.threads)
    pred, heldout = load_predictor(Path(args.predictors) if args.predictors else None)
    model = load_model(args.model, device=args.device)
    cfg = EvalConfig(samples=args.samples, pca_samples=args.pca_samples, rescore=args.rescore,
                     pca_seeds=args.pca_seeds, step_sigmas=args.sigmas, seed=args.seed)
    res = evaluate(model, pred, cfg, heldout, log=lambda s: print(s, file=sys.stderr, flush=True))

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
