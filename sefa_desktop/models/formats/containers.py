"""Recognise a checkpoint's container and open torch files without executing anything."""

from __future__ import annotations

import argparse
import pickle
import re
import zipfile
from pathlib import Path
from typing import Any

import torch

from .. import budget
from ..errors import ModelLoadError

TORCH_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C


class ConfigBag:
    """Inert stand-in for attribute-bag config objects inside checkpoints (pytorch_GAN_zoo's
    `models.utils.config.BaseConfig`): unpickling only fills its __dict__, nothing of theirs runs."""

    def __repr__(self) -> str:
        return f"ConfigBag({vars(self)!r})"


# Globals that real torch checkpoints in our formats carry besides tensors (train.py's args; GAN-zoo's
# config, mapped by name onto the stand-in above).
SAFE_EXTRA_GLOBALS: list[Any] = [argparse.Namespace, (ConfigBag, "models.utils.config.BaseConfig")]


def sniff_container(path: Path) -> str:
    """'dir', 'safetensors', 'torch' (zip or legacy), 'pickle', or 'unknown'."""
    if path.is_dir():
        return "dir"
    with path.open("rb") as f:
        head = f.read(16)
    if len(head) < 8:
        return "unknown"
    if head[:4] == b"PK\x03\x04":
        return _zip_kind(path)
    if head[0] == 0x80 and head[1] in (2, 3, 4, 5):
        return "torch" if _is_torch_legacy(path) else "pickle"
    n = int.from_bytes(head[:8], "little")
    if 2 <= n < 100_000_000 and head[8:9] == b"{":
        return "safetensors"
    return "unknown"


def _zip_kind(path: Path) -> str:
    """'torch' for a torch zip, and for a zip too damaged to list (a truncated .pth: torch.load then
    says what is wrong with it); 'unknown' for an intact zip of something else."""
    try:
        with zipfile.ZipFile(path) as zf:
            return "torch" if any(n.endswith("/data.pkl") or n == "data.pkl" for n in zf.namelist()) else "unknown"
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return "torch"


def _is_torch_legacy(path: Path) -> bool:
    """Legacy torch.save files start with a pickled magic number; bare pickles do not."""
    try:
        with path.open("rb") as f:
            first = _LegacyMagicReader(f).load()
        return first == TORCH_LEGACY_MAGIC
    except Exception:
        return False


class _LegacyMagicReader(pickle.Unpickler):
    def find_class(self, module: str, name: str) -> Any:  # the magic is a plain int: no globals
        raise pickle.UnpicklingError("not a legacy torch file")


def torch_load_safely(path: Path) -> Any:
    """torch.load with weights_only=True (plus a small allow-list), mapped to CPU.

    The zip members' declared sizes are checked against the load budget first (deflate bombs), and
    the tensors it returns after (stride-0 / overlapping views count at their materialised size)."""
    budget.check_zip_members(path)
    if budget.current() is not None and not _starts_with_zip(path):
        declared = legacy_declared_bytes(path)
        if declared is not None:
            budget.check(declared, f"the storages {path.name} declares")
    try:
        with torch.serialization.safe_globals(SAFE_EXTRA_GLOBALS):
            obj = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        raise ModelLoadError(f"{path.name}: refused to load: it needs code we do not execute "
                             f"({torch_refusal(e)})") from None
    except MemoryError:
        raise ModelLoadError(f"{path.name}: out of memory while reading (a corrupt file declaring huge "
                             "tensors?)") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError, TypeError, KeyError,
            AttributeError, IndexError, OverflowError, AssertionError) as e:
        raise ModelLoadError(f"{path.name}: not a readable torch checkpoint (truncated or corrupt?): "
                             f"{first_line(e)}") from None
    budget.check_container_tensors(obj)
    return obj


_ITEM_SIZES = {"Double": 8, "Float": 4, "Half": 2, "BFloat16": 2, "Long": 8, "Int": 4, "Short": 2, "Char": 1,
               "Byte": 1, "Bool": 1, "ComplexFloat": 8, "ComplexDouble": 16}


def _starts_with_zip(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(4) == b"PK\x03\x04"


class _Bag(dict):
    """What calling a marker builds: accepts the items, appends and state pickle adds, keeps nothing
    of meaning."""

    def append(self, item: Any) -> None:
        pass

    def extend(self, items: Any) -> None:
        pass

    def __setstate__(self, state: Any) -> None:
        pass


class _Marker:
    """What the declared-size scan gets for any global: a name, never the real object."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __call__(self, *args: Any, **kwargs: Any) -> _Bag:
        return _Bag()  # a REDUCE of a marker runs nothing of the file's

    def __getattr__(self, item: str) -> Any:
        return _Marker(f"{self.name}.{item}")


class _DeclaredStorageScan(pickle.Unpickler):
    """Walks a legacy torch file's main pickle only to collect the storages it declares
    (persistent ids: ('storage', type, key, location, numel)); every global is an inert marker."""

    def __init__(self, f: Any) -> None:
        super().__init__(f)
        self.storages: dict[str, int] = {}

    def find_class(self, module: str, name: str) -> Any:
        return _Marker(name)

    def persistent_load(self, pid: Any) -> Any:
        if isinstance(pid, tuple) and len(pid) >= 5 and pid[0] == "storage":
            kind = pid[1].name if isinstance(pid[1], _Marker) else str(pid[1])
            item = _ITEM_SIZES.get(kind.removesuffix("Storage"), 8)
            numel = pid[4] if isinstance(pid[4], int) else 0
            self.storages[str(pid[2])] = max(0, numel) * max(4, item)
        return None


def legacy_declared_bytes(path: Path) -> int | None:
    """Bytes the storages of a legacy (non-zip) torch file declare, read from its pickles without
    executing anything; torch.load would allocate each at that size before reading it. None when
    the file is not a legacy torch file we can scan (torch.load then says what is wrong)."""
    try:
        with path.open("rb") as f:
            if _LegacyMagicReader(f).load() != TORCH_LEGACY_MAGIC:
                return None
            for _ in range(2):  # protocol version, sys info: plain data
                _LegacyMagicReader(f).load()
            scan = _DeclaredStorageScan(f)
            scan.load()
        return sum(scan.storages.values())
    except Exception:
        return None


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def first_line(e: BaseException) -> str:
    """The first line of an exception's message, without terminal colour codes, at most 200 chars."""
    s = _ANSI.sub("", str(e)).strip()
    return s.splitlines()[0][:200] if s else type(e).__name__


def torch_refusal(e: BaseException) -> str:
    """Name the forbidden global in torch's long weights-only refusal (never its advice to use
    weights_only=False, which would execute the file's code)."""
    text = _ANSI.sub("", str(e))
    m = re.search(r"(?:Unsupported global: GLOBAL|Unsupported class|GLOBAL)\s+([\w.]+)", text)
    if m:
        return f"forbidden global '{m.group(1)}'"
    m = re.search(r"Unsupported operand (\d+)", text)
    if m:
        return f"unsupported pickle opcode {m.group(1)}"
    line = next((ln.strip() for ln in text.splitlines() if ln.strip() and "weights_only" not in ln
                 and "torch.load" not in ln), "")
    return line[:160] or "the file needs code we do not execute"
