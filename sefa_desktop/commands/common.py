"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from ..core.directions import DirectionSet

if TYPE_CHECKING:
    import torch


def parse_layers(spec: str | None, num_layers: int) -> list[int] | None:
    """'all' / None → None; '0-3,8' → [0, 1, 2, 3, 8] (inclusive ranges, as the official tool)."""
    if spec is None or spec.strip().lower() in ("", "all"):
        return None
    out: set[int] = set()
    for part in spec.replace(" ", "").split(","):
        if not part:
            continue
        try:
            if "-" in part:
                lo, hi = part.split("-", 1)
                out.update(range(int(lo), int(hi) + 1))
            else:
                out.add(int(part))
        except ValueError:
            raise ValueError(f"bad layer spec '{spec}': use e.g. 0-3,8 or all") from None
    bad = sorted(i for i in out if not 0 <= i < num_layers)
    if bad:
        raise ValueError(f"layer {bad[0]} out of range: this model has rows 0..{num_layers - 1}")
    if not out:
        raise ValueError(f"bad layer spec '{spec}': no layers")
    return sorted(out)


def parse_edit(text: str) -> tuple[int, float]:
    """'I=ALPHA' → (I, ALPHA)."""
    try:
        i, a = text.split("=", 1)
        return int(i), float(a)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad edit '{text}': use INDEX=ALPHA, e.g. 0=2.5") from None


def add_model_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("model", metavar="MODEL", help="bundled model name or checkpoint path")
    p.add_argument("--device", default="cpu", help="torch device: cpu, cuda, mps (default cpu)")


def add_latent_arg(p: argparse.ArgumentParser) -> None:
    """--latent FILE: start from a latent file instead of a seed's sample."""
    p.add_argument("--latent", metavar="FILE", default=None,
                   help="start from this latent file (ours from `project`, or an encoder's .npy/.npz/.pt) "
                        "instead of a seed")
    p.add_argument("--latent-index", type=int, default=0, metavar="I",
                   help="which code, when the latent file holds several (default 0)")


def add_class_arg(p: argparse.ArgumentParser) -> None:
    """--class N|NAME: the class of a class-conditional model's samples (BigGAN)."""
    p.add_argument("--class", dest="class_", metavar="N|NAME", default=None,
                   help="class-conditional models (BigGAN): render this class — an index, or a class name or a "
                        "unique part of one, e.g. 'golden retriever' (default: the model's default class, 0)")


def chosen_class(args: argparse.Namespace, model: object) -> int | None:
    """The class index --class names for this model, None when not given. A model without classes, or
    a class it does not have (unknown, ambiguous, out of range), is a usage error (exit status 2)."""
    from ..models.classes import class_names, is_class_conditional, resolve_class
    from . import UsageError

    text = getattr(args, "class_", None)
    if text is None:
        return None
    if not is_class_conditional(model):
        raise UsageError(f"--class: {getattr(model, 'name', 'this model')} is not class-conditional "
                         f"(family {getattr(model, 'family', '?')}): it has no classes to choose")
    try:
        return resolve_class(text, class_names(model))
    except ValueError as e:
        raise UsageError(f"--class: {e}") from None


def latent_codes(args: argparse.Namespace, model: object) -> torch.Tensor | None:
    """The codes (1, *code_shape) of --latent, or None when it was not given."""
    if not getattr(args, "latent", None):
        return None
    from ..core.latents import load_latent_codes

    return load_latent_codes(args.latent, model, index=args.latent_index,
                             allow_other_model=bool(getattr(args, "allow_other_model", False)))


def load_directions(path: str, model: object, allow_other_model: bool = False) -> DirectionSet:
    from ..core.direction_io import read_directions

    dirs = read_directions(Path(path), model)
    dirs.check_fits(model, strict_model=not allow_other_model)
    return dirs


def check_output(path: str, suffixes: tuple[str, ...]) -> Path:
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise ValueError(f"output '{out}' must end in one of: {', '.join(suffixes)}")
    if not out.parent.exists() and str(out.parent):
        raise ValueError(f"output folder '{out.parent}' does not exist")
    return out


def add_sweep_table_args(p: argparse.ArgumentParser, size_help: str) -> None:
    """Arguments of the direction × α tables (`grid`, `page`)."""
    p.add_argument("--directions", metavar="F", required=True, help="directions file")
    p.add_argument("--top", type=int, default=5, metavar="K", help="first K directions (default 5)")
    p.add_argument("--index", type=int, action="append", default=None, metavar="I",
                   help="only these directions (repeatable; overrides --top)")
    p.add_argument("--seeds", type=int, nargs="+", default=[0], metavar="S")
    add_latent_arg(p)
    p.add_argument("--range", type=float, nargs=2, default=[-3.0, 3.0], metavar=("LO", "HI"))
    p.add_argument("--steps", type=int, default=7)
    p.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    add_class_arg(p)
    p.add_argument("--noise", choices=["const", "random", "none"], default="const")
    p.add_argument("--size", type=int, default=None, help=size_help)
    p.add_argument("--allow-other-model", action="store_true",
                   help="use directions computed for another model of the same latent size")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    add_hold_arg(p)


def load_sweep_table(args: argparse.Namespace) -> tuple[object, DirectionSet, list[int]]:
    """Validate the table arguments, then load the model, its directions and the chosen indices
    (`args.class_index`: the --class index, or None)."""
    from ..models import load_model

    if not 1 <= args.steps <= 64:
        raise ValueError("--steps must be between 1 and 64")
    if args.size is not None and not 8 <= args.size <= 2048:
        raise ValueError("--size must be between 8 and 2048")
    model = load_model(args.model, device=args.device)
    args.class_index = chosen_class(args, model)
    dirs = load_directions(args.directions, model, args.allow_other_model)
    hold = getattr(args, "hold", None) or []
    # --top K with --hold: the held directions are left out of the rows, the others fill up to K
    indices = args.index if args.index else [i for i in range(len(dirs)) if i not in hold][:args.top]
    bad = [i for i in indices if not 0 <= i < len(dirs)]
    if bad:
        raise ValueError(f"direction {bad[0]} does not exist (the file has 0..{len(dirs) - 1})")
    return model, hold_directions(dirs, hold, indices), indices


def parse_hold(text: str) -> list[int]:
    """'0,3' → [0, 3]: directions held fixed while editing along the others."""
    try:
        out = [int(p) for p in text.replace(" ", "").split(",") if p]
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad --hold '{text}': use indices, e.g. 0,3") from None
    if not out:
        raise argparse.ArgumentTypeError("--hold needs at least one direction index")
    return out


def add_hold_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--hold", type=parse_hold, default=None, metavar="J,K,…",
                   help="hold these directions (indices into the same file) fixed: every edited direction "
                        "is orthogonalised against their span and renormalised (InterFaceGAN's conditional edit)")


def hold_directions(dirs: DirectionSet, hold: list[int] | None, edited: list[int]) -> DirectionSet:
    """A copy of `dirs` whose `edited` directions are replaced by `hold_fixed(n_i, held)`; the others
    are unchanged. A held direction cannot also be edited (nothing would be left of it)."""
    from ..core.editing import hold_fixed

    if not hold:
        return dirs
    bad = [j for j in hold if not 0 <= j < len(dirs)]
    if bad:
        raise ValueError(f"--hold: direction {bad[0]} does not exist (the file has 0..{len(dirs) - 1})")
    both = sorted(set(hold) & set(edited))
    if both:
        raise ValueError(f"direction {both[0]} is both held (--hold) and edited: hold other directions")
    held = dirs.vectors[sorted(set(hold))]
    vectors = dirs.vectors.copy()
    labels = list(dirs.labels)
    tag = "⊥" + ",".join(str(j) for j in sorted(set(hold)))
    for i in sorted(set(edited)):
        vectors[i] = hold_fixed(dirs.vectors[i], held)
        labels[i] = f"{dirs.label(i)} {tag}"
    return DirectionSet(vectors, dirs.values, dirs.layers, dirs.method, dirs.model_name, dirs.model_family,
                        dirs.model_fingerprint, dirs.created_at, labels)
