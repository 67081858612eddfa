"""Atomic file writes: write to a temp file in the target folder, fsync, then rename.

A crash, a full disk or a cancelled export never leaves a half-written file under the final name,
and never touches the previous file there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Iterator
from pathlib import Path


class WriteError(OSError):
    """A file could not be written; the message says where and why."""


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside `target`; on success it replaces `target`, on error it vanishes."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"cannot write {target}: folder {folder} does not exist")
    try:
        tmp_path = _create_temp(folder, f".{target.name}.", suffix or target.suffix or ".tmp")
    except OSError as e:
        raise WriteError(f"cannot write {target}: {e.strerror or e}") from None
    try:
        yield tmp_path
        with open(tmp_path, "rb+") as f:
            os.fsync(f.fileno())
        os.replace(tmp_path, target)
    except BaseException as e:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        if isinstance(e, OSError) and not isinstance(e, WriteError):
            raise WriteError(f"cannot write {target}: {e.strerror or e}") from None
        raise


def atomic_write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        tmp.write_bytes(data)


def _create_temp(folder: Path, prefix: str, suffix: str) -> Path:
    """A new empty file with a unique name, created with mode 0666 so the kernel applies the umask:
    the file gets the usual mode without reading the umask (os.umask would have to set it to 0 for a
    moment, and files that other threads create then would be world-writable)."""
    for _ in range(100):
        path = folder / f"{prefix}{secrets.token_hex(6)}{suffix}"
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return path
    raise FileExistsError(f"no free temporary name in {folder}")
