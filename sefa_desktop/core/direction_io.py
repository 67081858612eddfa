"""Reading and writing direction files, by extension and content.

Ours: `.npz` with format "sefa-desktop-directions". Other tools' formats register here
(WRITERS / READERS keyed by lower-case suffix); each reader returns a DirectionSet.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from .directions import DirectionFileError, DirectionSet

Writer = Callable[[DirectionSet, Path], None]
Reader = Callable[[Path, Any], DirectionSet | None]  # None: "not mine, try the next"


def _write_ours(dirs: DirectionSet, path: Path) -> None:
    dirs.save(path)


def _read_ours(path: Path, model: Any) -> DirectionSet | None:
    return DirectionSet.load(path)


WRITERS: dict[str, Writer] = {".npz": _write_ours}
READERS: dict[str, list[Reader]] = {".npz": [_read_ours]}
# Writers by format name, for callers that choose the format explicitly (sefa, rosinality, …).
FORMAT_WRITERS: dict[str, Writer] = {"sefa": _write_ours}


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


# Other tools' formats register themselves on import (kept last: it imports the tables above).
from . import direction_formats as _direction_formats  # noqa: E402,F401
