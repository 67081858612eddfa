"""`sefa-desktop info MODEL`: family, resolution, latent sizes, layers."""

from __future__ import annotations

import argparse
import json

from .common import add_model_arg


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("info", help="show a model's family, resolution, latent sizes and layers",
                       description="Show what a checkpoint is: family, resolution, latent sizes and "
                                   "the layers (W+ rows) SeFa can factorize.")
    add_model_arg(p)
    p.add_argument("--json", action="store_true", help="print machine-readable JSON")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..models import load_model

    model = load_model(args.model, device=args.device)
    d = model.describe()
    if args.json:
        print(json.dumps(d, indent=2))
        return 0
    print(f"name:        {d['name']}")
    print(f"family:      {d['family']}")
    print(f"resolution:  {d['resolution']}×{d['resolution']}")
    print(f"z_dim:       {d['z_dim']}")
    print(f"w_dim:       {d['w_dim'] if d['w_dim'] is not None else '-'}")
    print(f"edits in:    {d['edit_space'].upper()}{'+' if d['edit_space'] == 'w' else ''} "
          f"({d['num_layers']} row{'s' if d['num_layers'] != 1 else ''})")
    if d["num_classes"]:
        print(f"classes:     {d['num_classes']}")
    print("layers:")
    for index, name, res in d["layers"]:
        print(f"  {index:3d}  {res:5d}px  {name}")
    return 0
