"""`sefa-desktop render MODEL -o out.png`: one image, optionally edited along directions."""

from __future__ import annotations

import argparse

from .common import (
    add_class_arg,
    add_hold_arg,
    add_latent_arg,
    add_model_arg,
    check_output,
    chosen_class,
    hold_directions,
    latent_codes,
    load_directions,
    parse_edit,
)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("render", help="render one (edited) image to PNG",
                       description="Render the sample of a seed, with edits along directions "
                                   "(--directions F --edit I=ALPHA ...). The PNG carries the recipe.")
    add_model_arg(p)
    p.add_argument("--seed", type=int, default=0)
    add_latent_arg(p)
    p.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    add_class_arg(p)
    p.add_argument("--noise", choices=["const", "random", "none"], default="const")
    p.add_argument("--directions", metavar="F", help="directions file")
    p.add_argument("--edit", type=parse_edit, action="append", default=[], metavar="I=ALPHA",
                   help="move along direction I by ALPHA (repeatable)")
    p.add_argument("--allow-other-model", action="store_true",
                   help="use directions computed for another model of the same latent size")
    add_hold_arg(p)
    p.add_argument("-o", "--output", required=True, help="output .png")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.editing import DirectionEdit, apply_edits, seed_codes
    from ..core.exports import edit_recipe, save_preview
    from ..core.imaging import to_uint8
    from ..models import load_model

    out = check_output(args.output, (".png",))
    if (args.edit or args.hold) and not args.directions:
        raise ValueError("--edit and --hold need --directions")
    model = load_model(args.model, device=args.device)
    class_index = chosen_class(args, model)
    codes = latent_codes(args, model)
    if codes is not None and class_index is not None:
        raise ValueError("--latent gives the whole code, class included: drop --class")
    if codes is None:
        codes = seed_codes(model, args.seed, args.truncation, class_index)
    edits = []
    if args.directions:
        dirs = load_directions(args.directions, model, args.allow_other_model)
        dirs = hold_directions(dirs, args.hold, [i for i, _ in args.edit if 0 <= i < len(dirs)])
        for i, alpha in args.edit:
            if not 0 <= i < len(dirs):
                raise ValueError(f"direction {i} does not exist (the file has 0..{len(dirs) - 1})")
            edits.append(DirectionEdit(dirs.vectors[i], alpha, tuple(dirs.layers) or None))
    codes = apply_edits(codes, edits)
    img = to_uint8(model.synthesize(codes, noise_mode=args.noise, truncation_psi=args.truncation),
                   model.image_range)[0]
    recipe = edit_recipe(args.model, args.seed, args.truncation, args.noise, args.directions, args.edit,
                         labels=[dirs.label(i) for i, _ in args.edit] if args.directions else None,
                         **({"hold": sorted(set(args.hold))} if args.hold else {}),
                         **({"class": class_index} if class_index is not None else {}),
                         **({"latent": args.latent, "latent_index": args.latent_index} if args.latent else {}))
    save_preview(img, out, recipe)
    print(f"wrote {out} ({img.shape[1]}×{img.shape[0]})")
    return 0
