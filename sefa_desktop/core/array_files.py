"""Header checks for the .npy/.npz/.pt files users import (directions, latents) before reading them.

A 128-byte `.npy` header can declare a (2²⁴, 1024) float32 array; a 2 MB deflated `.npz` can hold
gigabytes of zeros. Both are caught here from the headers alone, under the one budget rule of
util/budget.py (declared bytes ≤ 4 × file size + 64 MiB) plus a stricter one for plain `.npy`: its
declared data must actually be in the file.
"""

from __future__ import annotations

import math
import zipfile
from pathlib import Path
from typing import BinaryIO

import numpy as np

from ..util.budget import human, over_budget, zip_declared_bytes


class ArrayFileError(ValueError):
    """A file declares more data than it holds or than the budget allows; one line."""


def _npy_header(f: BinaryIO) -> tuple[tuple[int, ...], np.dtype, int]:
    """(shape, dtype, data offset) from an open .npy stream, reading only the header."""
    try:
        version = np.lib.format.read_magic(f)
        if version == (1, 0):
            shape, _, dtype = np.lib.format.read_array_header_1_0(f, max_header_size=10_000)
        elif version in ((2, 0), (3, 0)):
            shape, _, dtype = np.lib.format.read_array_header_2_0(f, max_header_size=10_000)
        else:
            raise ValueError(f"unknown .npy version {version}")
    except (ValueError, EOFError, OSError, SyntaxError, TypeError) as e:
        raise ArrayFileError(f"not a readable .npy array ({str(e).strip().splitlines()[0][:120] if str(e) else e})") \
            from None
    if dtype.hasobject:
        raise ArrayFileError("holds Python objects (a pickle), which are never loaded")
    return tuple(int(s) for s in shape), dtype, f.tell()


def declared_bytes(shape: tuple[int, ...], dtype: np.dtype) -> int:
    return math.prod(shape) * dtype.itemsize


def check_npy(path: Path) -> tuple[tuple[int, ...], np.dtype]:
    """The array's shape and dtype; refuses a header declaring more data than the file holds."""
    size = path.stat().st_size
    with open(path, "rb") as f:
        shape, dtype, offset = _npy_header(f)
    need = declared_bytes(shape, dtype)
    if need > size - offset:
        raise ArrayFileError(f"its header declares a {shape} {dtype} array ({human(need)}) but the file holds "
                             f"only {human(size)}; truncated or crafted")
    return shape, dtype


def check_npz(path: Path) -> dict[str, tuple[tuple[int, ...], np.dtype]]:
    """{member: (shape, dtype)} of an .npz, from the zip directory and each member's header only
    (deflate bombs and header bombs are refused before any array is inflated)."""
    size = path.stat().st_size
    found = zip_declared_bytes(path)
    if found is None:
        raise ArrayFileError("not a readable .npz (zip) file")
    declared, n, compressed = found
    why = over_budget(f"its {n} arrays ({compressed} compressed)", declared, size)
    if why:
        raise ArrayFileError(why)
    out: dict[str, tuple[tuple[int, ...], np.dtype]] = {}
    try:
        with zipfile.ZipFile(path) as zf:
            for info in zf.infolist():
                if not info.filename.endswith(".npy"):
                    continue
                with zf.open(info) as member:
                    shape, dtype, offset = _npy_header(member)
                need = declared_bytes(shape, dtype)
                if need > info.file_size - offset:
                    raise ArrayFileError(f"array '{info.filename[:-4]}' declares {shape} {dtype} ({human(need)}) "
                                         f"but holds only {human(info.file_size)}")
                out[info.filename[:-4]] = (shape, dtype)
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError) as e:
        raise ArrayFileError(f"not a readable .npz file ({e})") from None
    return out


def check_torch_zip(path: Path) -> None:
    """The declared member sizes of a torch zip (factor.pt) against the budget."""
    found = zip_declared_bytes(path)
    if found is None:
        return  # legacy or damaged: torch.load says what is wrong
    declared, n, compressed = found
    why = over_budget(f"its {n} members ({compressed} compressed)", declared, path.stat().st_size)
    if why:
        raise ArrayFileError(why)
