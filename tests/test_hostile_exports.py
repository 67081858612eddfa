"""Load, import and export failures of issue 18: one line (CLI) and nothing half-written.

MemoryError and unexpected errors in a command end as one stderr line; SIGTERM during an export
removes its temp file; a multi-file export on a full disk writes none of its files; an export to a
symbolic link writes the file the link points to and keeps the link.
"""

from __future__ import annotations

import errno
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from sefa_desktop.core.direction_formats import boundary_paths, write_boundaries
from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.util import atomic
from sefa_desktop.util.atomic import WriteError, atomic_write_all, atomic_write_bytes

REPO = Path(__file__).resolve().parents[1]


def _dirs(k: int = 100, dim: int = 8) -> DirectionSet:
    v = np.random.default_rng(0).standard_normal((k, dim)).astype(np.float32)
    return DirectionSet(v, np.arange(k, 0, -1, dtype=np.float32), [0])


def _cli(capsys, *args: str) -> tuple[int, str]:
    from sefa_desktop.cli import main

    rc = main(list(args))
    return rc, capsys.readouterr().err


@pytest.mark.parametrize("exc, words", [(MemoryError(), "out of memory"),
                                        (RuntimeError("boom\nsecond line"), "unexpected RuntimeError: boom"),
                                        (PermissionError(13, "Permission denied", "/x/y"), "/x/y: Permission denied")])
def test_any_failure_in_a_command_is_one_line(capsys, monkeypatch, exc, words) -> None:
    import sefa_desktop.models as models

    def fail(*a, **k):
        raise exc

    monkeypatch.setattr(models, "load_model", fail)
    monkeypatch.delenv("SEFA_DEBUG", raising=False)
    rc, err = _cli(capsys, "info", "digiface-dcgan64")
    assert rc == 1 and err.count("\n") == 1 and words in err and "Traceback" not in err, err


def test_full_disk_during_a_100_file_export_writes_none(tmp_path: Path, monkeypatch) -> None:
    target = tmp_path / "b.npy"
    real = atomic._create_temp
    created = []

    def create_temp(*a, **k):  # the 9th file hits a full disk
        created.append(1)
        if len(created) == 9:
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(*a, **k)

    monkeypatch.setattr(atomic, "_create_temp", create_temp)
    with pytest.raises(WriteError, match="No space left on device; nothing was written"):
        write_boundaries(_dirs(), target)
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []
    paths = write_boundaries(_dirs(), target)  # and with room, all 100 land
    assert len(paths) == 100 and paths == boundary_paths(target, 100) and all(p.is_file() for p in paths)


def test_failed_rename_rolls_back_to_the_previous_files(tmp_path: Path, monkeypatch) -> None:
    a, b = tmp_path / "a.bin", tmp_path / "b.bin"
    a.write_bytes(b"old a")
    real = os.replace
    calls = []

    def replace(src, dst):
        calls.append(dst)
        if Path(dst) == b and len(calls) == 2:
            raise OSError(errno.EIO, "Input/output error")
        return real(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    with pytest.raises(WriteError):
        atomic_write_all([(a, b"new a"), (b, b"new b")])
    monkeypatch.undo()
    assert a.read_bytes() == b"old a" and not b.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.bin"]


def test_export_through_a_symlink_writes_the_target(tmp_path: Path) -> None:
    real = tmp_path / "real" / "d.npz"
    real.parent.mkdir()
    real.write_bytes(b"old")
    link = tmp_path / "link.npz"
    link.symlink_to(real)
    _dirs(3).save(link)
    assert link.is_symlink() and DirectionSet.load(real).vectors.shape == (3, 8)
    chain = tmp_path / "chain.npz"
    chain.symlink_to(link)  # a link to a link: followed to the end
    atomic_write_bytes(chain, b"x")
    assert chain.is_symlink() and link.is_symlink() and real.read_bytes() == b"x"
    # several files at once, one of them a link
    write_boundaries(_dirs(2), tmp_path / "bb.npy")
    first = tmp_path / "bb_00.npy"
    target = tmp_path / "elsewhere.npy"
    first.rename(target)
    first.symlink_to(target)
    write_boundaries(_dirs(2), tmp_path / "bb.npy")
    assert first.is_symlink() and np.load(target).shape == (1, 8)


@pytest.mark.skipif(os.name != "posix", reason="SIGTERM is POSIX")
def test_sigterm_during_an_export_removes_its_temp_file(tmp_path: Path, model) -> None:
    d = tmp_path / "d.npz"
    _dirs(4, model.latent_dim).save(d)
    out = tmp_path / "sweep.gif"
    proc = subprocess.Popen([sys.executable, "-m", "sefa_desktop", "video", "digiface-dcgan64", "--directions",
                             str(d), "--index", "0", "--frames", "2000", "-o", str(out)],
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        deadline = time.monotonic() + 120  # a guard against a hang, not a timing assertion
        while not list(tmp_path.glob(".sweep.gif.*")):
            assert proc.poll() is None, proc.stderr.read()
            assert time.monotonic() < deadline, "the export never started"
            time.sleep(0.05)
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 143 and "terminated" in err and "Traceback" not in err, err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["d.npz"]
