"""`sefa-desktop presets list|show|save|delete|export|import`: named editing set-ups.

Presets live as JSON files in the user data folder (see sefa_desktop/presets.py). `list` always exits 0:
unreadable preset files are moved aside with a message on stderr.
"""

from __future__ import annotations

import argparse
import json
import sys

from .common import parse_edit, parse_layers


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("presets", help="list, show, save, delete, export or import presets",
                       description="Presets: a model, layers, method, named directions with α, seeds, "
                                   "truncation and noise mode, saved under a name.")
    ps = p.add_subparsers(dest="action", metavar="ACTION", required=True)

    ls = ps.add_parser("list", help="list saved presets")
    ls.set_defaults(func=run_list)

    sh = ps.add_parser("show", help="print a preset as JSON")
    sh.add_argument("name")
    sh.set_defaults(func=run_show)

    sv = ps.add_parser("save", help="save a preset")
    sv.add_argument("name")
    sv.add_argument("--model", required=True, help="bundled model name or checkpoint path")
    sv.add_argument("--seed", type=int, default=None, metavar="S")
    sv.add_argument("--seeds", type=int, nargs="+", default=None, metavar="S")
    sv.add_argument("--layers", default=None, help="W+ rows, e.g. 0-3,8 or all")
    sv.add_argument("--method", choices=["sefa", "pca"], default="sefa")
    sv.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    sv.add_argument("--noise", choices=["const", "random", "none"], default="const")
    sv.add_argument("--directions", metavar="F", help="directions file the edits refer to")
    sv.add_argument("--edit", type=parse_edit, action="append", default=[], metavar="I=ALPHA")
    sv.add_argument("--allow-other-model", action="store_true")
    sv.add_argument("--force", action="store_true", help="replace a preset of the same name")
    sv.add_argument("--device", default="cpu")
    sv.set_defaults(func=run_save)

    de = ps.add_parser("delete", help="delete a preset (its last version stays as a .bak)")
    de.add_argument("name")
    de.set_defaults(func=run_delete)

    ex = ps.add_parser("export", help="write a preset to a JSON file")
    ex.add_argument("name")
    ex.add_argument("-o", "--output", required=True)
    ex.set_defaults(func=run_export)

    im = ps.add_parser("import", help="add a preset from a JSON file")
    im.add_argument("file")
    im.add_argument("--name", default=None, help="save it under this name")
    im.add_argument("--force", action="store_true", help="replace a preset of the same name")
    im.set_defaults(func=run_import)


def _store():
    from ..presets import PresetStore

    return PresetStore()


def run_list(args: argparse.Namespace) -> int:
    from ..presets import model_status

    presets, messages = _store().load_all()
    for m in messages:
        print(f"sefa-desktop: warning: {m}", file=sys.stderr)
    if not presets:
        print("no presets")
        return 0
    for p in presets:
        try:
            status = model_status(p)
        except OSError:
            status = "unreadable"
        flag = "" if status == "ok" else f"  [model {status}]"
        print(f"{p.name:24s} {p.model.ref:28s} {len(p.edits)} edit(s), seeds {p.seeds}{flag}")
    return 0


def run_show(args: argparse.Namespace) -> int:
    from ..presets import model_status

    p = _store().get(args.name)
    print(json.dumps(p.to_json(), indent=2, ensure_ascii=False))
    status = model_status(p)
    if status != "ok":
        print(f"sefa-desktop: warning: the model file is {status} since the preset was saved", file=sys.stderr)
    return 0


def run_save(args: argparse.Namespace) -> int:
    from ..presets import Preset, PresetEdit, model_ref

    if args.edit and not args.directions:
        raise ValueError("--edit needs --directions")
    ref = model_ref(args.model)
    layers = None
    edits: list[PresetEdit] = []
    if (args.layers and args.layers.strip().lower() != "all") or args.directions:
        from ..models import load_model
        from .common import load_directions

        model = load_model(args.model, device=args.device)
        layers = parse_layers(args.layers, model.num_layers)
        if args.directions:
            dirs = load_directions(args.directions, model, args.allow_other_model)
            for i, alpha in args.edit:
                if not 0 <= i < len(dirs):
                    raise ValueError(f"direction {i} does not exist (the file has 0..{len(dirs) - 1})")
                edits.append(PresetEdit(name=dirs.label(i), index=i, alpha=alpha, layers=list(dirs.layers) or None,
                                        vector=[float(x) for x in dirs.vectors[i]]))
    from pathlib import Path

    seeds = args.seeds or [args.seed if args.seed is not None else 0]
    preset = Preset(name=args.name, model=ref, layers=layers, method=args.method, edits=edits, seeds=seeds,
                    truncation=args.truncation, noise_mode=args.noise,
                    directions_file=str(Path(args.directions).resolve()) if args.directions else None)
    path = _store().save(preset, overwrite=args.force)
    print(f"saved preset '{args.name}' → {path}")
    return 0


def run_delete(args: argparse.Namespace) -> int:
    _store().delete(args.name)
    print(f"deleted preset '{args.name}'")
    return 0


def run_export(args: argparse.Namespace) -> int:
    path = _store().export(args.name, args.output)
    print(f"wrote {path}")
    return 0


def run_import(args: argparse.Namespace) -> int:
    p = _store().import_file(args.file, name=args.name, overwrite=args.force)
    print(f"imported preset '{p.name}'")
    return 0
