"""`sefa-desktop label MODEL --directions F`: name directions automatically, and find text directions.

Renders −α/+α along each direction on fixed seeds and judges the change: with the model's own
attribute predictors when it ships them (the demo model), else with CLIP against a vocabulary of
attribute phrases (the model's saved one, or the default list for its domain). `--text PHRASE` adds
the combination of the directions whose change best matches the phrase.
"""

from __future__ import annotations

import argparse

from .common import add_class_arg, add_model_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("label", help="label directions (CLIP or the model's predictors); text → direction",
                       description="Top-3 labels for each direction from how images change along it, judged "
                                   "by the model's predictors (demo model) or by CLIP; --text adds directions "
                                   "named after the text.")
    add_model_arg(p)
    p.add_argument("--directions", metavar="F", required=True, help="directions file")
    p.add_argument("--top", type=int, default=10, metavar="K", help="first K directions (default 10)")
    p.add_argument("--judge", choices=["auto", "clip", "predictors"], default="auto",
                   help="auto (default): the model's predictors when it ships them, else CLIP")
    p.add_argument("--clip-weights", metavar="FILE", default=None,
                   help="CLIP safetensors (default: the downloaded catalogue entry clip-vit-b-32-laion2b)")
    p.add_argument("--clip-arch", default="ViT-B-32", help="open_clip architecture of the weights")
    p.add_argument("--vocabulary", metavar="FILE", default=None,
                   help="phrases (.txt, one a line, or .json); default: the model's saved list or its domain's")
    p.add_argument("--domain", choices=["faces", "animals", "cars", "scenes"], default=None,
                   help="default phrase list to use (default: guessed from the model's name)")
    p.add_argument("--seeds", type=int, nargs="+", default=list(range(8)), metavar="S")
    add_class_arg(p)
    p.add_argument("--alpha", type=float, default=3.0, help="render at −ALPHA and +ALPHA (default 3)")
    p.add_argument("--text", action="append", default=[], metavar="PHRASE",
                   help="add the direction that best changes PHRASE (repeatable)")
    p.add_argument("--allow-other-model", action="store_true")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-o", "--output", default=None,
                   help="write the set (.npz) with each direction named by its top label, text directions appended")
    p.add_argument("--json", default=None, metavar="FILE", help="write all labels and scores as JSON")
    p.set_defaults(func=run)


def make_judge(args: argparse.Namespace, model: object):
    """The judge the options ask for (shared with the app's labelling job)."""
    from pathlib import Path

    from ..core.vocabulary import default_vocabulary, load_vocabulary, read_vocabulary_file
    from ..demo.labels import predictor_judge, ships_predictors
    from ..models.clip import default_clip_path, load_clip
    from ..settings import config_dir

    kind = args.judge
    if kind == "auto":
        kind = "predictors" if ships_predictors(model) else "clip"
    if kind == "predictors":
        if not ships_predictors(model):
            raise ValueError(f"'{model.name}' ships no attribute predictors: use --judge clip")
        return predictor_judge()
    from ..core.labelling import ClipJudge

    if args.vocabulary:
        vocab = read_vocabulary_file(args.vocabulary, args.domain or "faces")
    elif args.domain:
        vocab = default_vocabulary(args.domain)
    else:
        vocab = load_vocabulary(config_dir() / "vocabularies", model.name, model.fingerprint)
    weights = Path(args.clip_weights) if args.clip_weights else default_clip_path()
    if weights is None:
        raise ValueError("no CLIP weights: give --clip-weights FILE")
    return ClipJudge(load_clip(weights, args.clip_arch, device=args.device), vocab)


def run(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    import numpy as np
    from tqdm import tqdm

    from ..core.directions import DirectionSet
    from ..core.labelling import label_directions, text_direction
    from ..models import load_model
    from ..util.atomic import atomic_write_bytes
    from .common import check_output, chosen_class, load_directions

    out = check_output(args.output, (".npz",)) if args.output else None
    if args.json:
        check_output(args.json, (".json",))
    if args.top < 1:
        raise ValueError("--top must be ≥ 1")
    model = load_model(args.model, device=args.device)
    class_index = chosen_class(args, model)
    dirs = load_directions(args.directions, model, args.allow_other_model)
    indices = list(range(min(args.top, len(dirs))))
    judge = make_judge(args, model)
    with tqdm(total=len(indices), desc=f"labelling ({judge.name})", unit="dir", disable=args.quiet) as bar:
        labels, deltas = label_directions(model, dirs, indices, judge, seeds=args.seeds, alpha=args.alpha,
                                          progress=lambda d, t: bar.update(1), class_index=class_index)
    texts = [text_direction(t, judge, dirs, indices, deltas) for t in args.text]
    for i, row in zip(indices, labels, strict=True):
        print(f"#{i:<3d} " + "   ".join(f"{lab.text} ({lab.score:+.2f})" for lab in row))
    for t in texts:
        top = np.argsort(-np.abs(t.coefficients))[:3]
        mix = ", ".join(f"{t.coefficients[j]:+.2f}·#{indices[j]}" for j in top)
        print(f"text '{t.text}': fit {t.fit:.3f}, mostly {mix}")
    if out is not None:
        names = list(dirs.labels)
        for i, row in zip(indices, labels, strict=True):
            names[i] = row[0].text
        vectors = np.concatenate([dirs.vectors] + [t.vector[None] for t in texts])
        values = np.concatenate([dirs.values, np.zeros(len(texts), np.float32)])
        DirectionSet(vectors, values, dirs.layers, dirs.method, dirs.model_name, dirs.model_family,
                     dirs.model_fingerprint, dirs.created_at, names + [t.text for t in texts]).save(out)
        print(f"wrote {out}")
    if args.json:
        data = {"judge": judge.name, "seeds": list(args.seeds), "alpha": args.alpha,
                "directions": [{"index": i, "labels": [{"phrase": x.phrase, "text": x.text, "score": round(x.score, 4)}
                                                       for x in row]} for i, row in zip(indices, labels, strict=True)],
                "text": [{"text": t.text, "fit": round(t.fit, 4), "coefficients": t.coefficients.round(4).tolist()}
                         for t in texts]}
        atomic_write_bytes(args.json, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
        print(f"wrote {Path(args.json)}")
    return 0
