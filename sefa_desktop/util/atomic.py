"""Atomic file writes: write to a temp file in the target folder, fsync, then rename.

A crash, a full disk or a cancelled export never leaves a half-written file under the final name,
and never touches the previous file there.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from collections.abc import Iterator, Sequence
from pathlib import Path

_live_temps: set[Path] = set()  # temp files being written now, removed by remove_live_temps()


def remove_live_temps() -> list[Path]:
    """Delete every temp file an atomic write has open right now (a SIGTERM handler calls this
    before exiting: no hidden temp file is left beside an export). Returns what was removed."""
    gone = []
    for p in list(_live_temps):
        with contextlib.suppress(OSError):
            if p.is_dir():
                shutil.rmtree(p)
            else:
                p.unlink()
            gone.append(p)
        _live_temps.discard(p)
    return gone


def track_temp(path: Path, live: bool = True) -> None:
    """Register (or forget) a temp file or folder another writer builds aside (see remove_live_temps)."""
    if live:
        _live_temps.add(Path(path))
    else:
        _live_temps.discard(Path(path))


class WriteError(OSError):
    """A file could not be written; the message says where and why."""


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temp path beside `target`; on success it replaces `target`, on error it vanishes.

    A `target` that is a symbolic link is written through: the file it points to is replaced and
    the link stays a link."""
    target = resolve_link(Path(target))
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"cannot write {target}: folder {folder} does not exist")
    try:
        tmp_path = _create_temp(folder, f".{target.name}.", suffix or target.suffix or ".tmp")
    except OSError as e:
        raise WriteError(f"cannot write {target}: {e.strerror or e}") from None
    _live_temps.add(tmp_path)
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
    finally:
        _live_temps.discard(tmp_path)


def resolve_link(target: Path) -> Path:
    """The file a symbolic link points to (followed to the end), else `target` itself."""
    if target.is_symlink():
        return Path(os.path.realpath(target))
    return target


def atomic_write_all(files: Sequence[tuple[str | Path, bytes]]) -> None:
    """Write several files all-or-nothing: every temp file is written and synced first; only then
    are they renamed into place, and if a rename fails the ones already renamed are rolled back
    (their previous files restored). A full disk leaves no new file and no temp file behind."""
    targets = [resolve_link(Path(t)) for t, _ in files]
    temps: list[Path] = []
    backups: dict[int, Path] = {}
    done: list[int] = []
    try:
        for target, (_, data) in zip(targets, files, strict=True):
            folder = target.parent if str(target.parent) else Path(".")
            if not folder.is_dir():
                raise WriteError(f"cannot write {target}: folder {folder} does not exist")
            tmp = _create_temp(folder, f".{target.name}.", target.suffix or ".tmp")
            temps.append(tmp)
            _live_temps.add(tmp)
            with open(tmp, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        for i, target in enumerate(targets):
            if target.exists():  # keep the previous file until every rename has worked
                backup = target.with_name(f".{target.name}.{os.getpid()}.old")
                try:
                    os.link(target, backup)
                except OSError:  # no hard links here: a copy keeps it as well
                    shutil.copyfile(target, backup)
                backups[i] = backup
                _live_temps.add(backup)
        for i, (tmp, target) in enumerate(zip(temps, targets, strict=True)):
            os.replace(tmp, target)
            done.append(i)
    except BaseException as e:
        for i in reversed(done):  # roll back what was renamed
            with contextlib.suppress(OSError):
                if i in backups:
                    os.replace(backups.pop(i), targets[i])
                else:
                    targets[i].unlink()
        for p in [*temps, *backups.values()]:
            with contextlib.suppress(OSError):
                p.unlink()
        if isinstance(e, OSError) and not isinstance(e, WriteError):
            where = targets[len(temps) - 1] if temps else (targets[0] if targets else "files")
            raise WriteError(f"cannot write {where}: {e.strerror or e}; nothing was written") from None
        raise
    finally:
        _live_temps.difference_update([*temps, *backups.values()])
    for p in backups.values():
        with contextlib.suppress(OSError):
            p.unlink()


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
