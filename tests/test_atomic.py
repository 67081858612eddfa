"""util/atomic.py: temp file beside the target, renamed at the end, with the usual file mode."""

from __future__ import annotations

import os
import stat
import threading

import pytest

from sefa_desktop.util import atomic
from sefa_desktop.util.atomic import WriteError, atomic_path, atomic_write_bytes


def test_writes_never_change_the_process_umask(tmp_path, monkeypatch):
    """Another thread creating a file while a write runs must never see a umask of 0."""
    calls: list[int] = []
    real = os.umask
    monkeypatch.setattr(atomic.os, "umask", lambda mask: calls.append(mask) or real(mask))
    atomic_write_bytes(tmp_path / "a.bin", b"x")
    with atomic_path(tmp_path / "b.png") as tmp:
        tmp.write_bytes(b"y")
    assert calls == []


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_new_files_get_the_mode_the_umask_allows(tmp_path, mask):
    old = os.umask(mask)
    try:
        atomic_write_bytes(tmp_path / "f.txt", b"data")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "f.txt").stat().st_mode) == 0o666 & ~mask


def test_a_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path):
    target = tmp_path / "keep.txt"
    target.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(target) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("cancelled")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keep.txt"]


def test_missing_folder_is_a_write_error(tmp_path):
    with pytest.raises(WriteError, match="does not exist"):
        atomic_write_bytes(tmp_path / "nope" / "f.txt", b"")


def test_parallel_writes_to_one_folder_get_distinct_temp_files(tmp_path):
    errors: list[BaseException] = []

    def write(i: int) -> None:
        try:
            for j in range(20):
                atomic_write_bytes(tmp_path / f"t{i}-{j}.bin", bytes([i, j]))
        except BaseException as e:  # noqa: BLE001 - reported below
            errors.append(e)

    threads = [threading.Thread(target=write, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(list(tmp_path.iterdir())) == 80
