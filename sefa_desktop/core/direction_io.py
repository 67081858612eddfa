"""Reading and writing direction files, by extension and content.

Ours: `.npz` with format "sefa-desktop-directions"; other tools' readers and writers live in
core/direction_formats.py. This module owns the one table that maps lower-case suffixes (WRITERS,
READERS) and format names (FORMAT_WRITERS) to them; each reader returns a DirectionSet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import direction_formats as fmt
from .directions import DirectionFileError, DirectionSet

Writer = Callable[[DirectionSet, Path], None]
Reader = Callable[[Path, Any], DirectionSet | None]  # None: "not mine, try the next"


def _write_ours(dirs: DirectionSet, path: Path) -> None:
    dirs.save(path)


def _read_ours(path: Path, model: Any) -> DirectionSet | None:
    return DirectionSet.load(path)


WRITERS: dict[str, Writer] = {
    ".npz": fmt.write_npz,  # ours, or GANSpace's when the name ends in .ganspace.npz
    ".pt": fmt.write_rosinality,
    ".npy": fmt.write_boundary_files,
}
# Tried in order; a reader returns None for "not mine" (GANSpace and ours share .npz).
READERS: dict[str, list[Reader]] = {
    ".npz": [fmt.read_ganspace, _read_ours],
    ".pt": [fmt.read_rosinality],
    ".pth": [fmt.read_rosinality],
    ".npy": [fmt.read_boundary],
}
# Writers by format name, for callers that choose the format explicitly (sefa, rosinality, …).
FORMAT_WRITERS: dict[str, Writer] = {
    "sefa": _write_ours,
    "rosinality": fmt.write_rosinality,
    "interfacegan": fmt.write_boundary_files,
    "ganspace": fmt.write_ganspace,
}


def write_directions(dirs: DirectionSet, path: str | Path, fmt: str | None = None) -> None:
    """Write by format name when given, else by the file's extension."""
    path = Path(path)
    if fmt is not None:
        if fmt not in FORMAT_WRITERS:
            raise DirectionFileError(f"unknown directions format '{fmt}': use one of "
                                     f"{', '.join(sorted(FORMAT_WRITERS))}")
        FORMAT_WRITERS[fmt](dirs, path)
        return
    writer = WRITERS.get(path.suffix.lower())
    if writer is None:
        raise DirectionFileError(f"cannot write directions as '{path.suffix}': use one of "
                                 f"{', '.join(sorted(WRITERS))}")
    writer(dirs, path)


def read_directions(path: str | Path, model: Any = None) -> DirectionSet:
    path = Path(path)
    if not path.is_file():
        raise DirectionFileError(f"{path}: no such file")
    readers = READERS.get(path.suffix.lower())
    if not readers:
        raise DirectionFileError(f"{path.name}: unknown directions file type '{path.suffix}' "
                                 f"(readable: {', '.join(sorted(READERS))})")
    last: DirectionFileError | None = None
    for reader in readers:
        try:
            out = reader(path, model)
        except DirectionFileError as e:
            last = last or e  # the first reader that recognised the file knows best what is wrong
            continue
        if out is not None:
            return out
    raise last or DirectionFileError(f"{path.name}: not a directions file we can read")

