"""Argument helpers shared by the sub-commands."""

from __future__ import annotations

import argparse
from pathlib import Path

from ..core.directions import DirectionSet


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
