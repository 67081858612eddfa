"""The declared-size budget every reader of a user's file applies (docs/robustness.md):

    bytes a file may make us materialise  ≤  FACTOR × its size on disk  +  SLACK

Files declare sizes (zip members, tensor and array shapes, configs); a declaration that breaks this
rule is refused before anything is read or allocated. FACTOR = 4 covers float16 data that doubles
as float32 and the copies a converter makes; SLACK = 64 MiB covers what an architecture adds by
itself (filters, noise buffers, statistics) and tiny files. models/budget.py applies it to
checkpoints, core/array_files.py to direction and latent files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

FACTOR = 4
SLACK = 64 << 20


def limit_for(file_bytes: int) -> int:
    return FACTOR * max(0, int(file_bytes)) + SLACK


def human(n: int) -> str:
    """'2,074 MiB' for big sizes, '5,687 bytes' for small ones."""
    return f"{n / (1 << 20):,.0f} MiB" if n >= 1 << 20 else f"{n:,} bytes"


def over_budget(what: str, nbytes: int, file_bytes: int) -> str:
    """The one-line reason for refusing `what`, or '' when it fits."""
    if nbytes <= limit_for(file_bytes):
        return ""
    return (f"{what} would need {human(nbytes)} but the file holds only {human(file_bytes)} "
            f"(limit {FACTOR}× the file size + {SLACK >> 20} MiB); a corrupt or crafted file?")


def zip_declared_bytes(path: Path) -> tuple[int, int, int] | None:
    """(declared uncompressed bytes, members, compressed members) of a zip, or None if unreadable."""
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    declared = sum(max(0, i.file_size) for i in infos)
    return declared, len(infos), sum(1 for i in infos if i.compress_type != zipfile.ZIP_STORED)
