"""Recognise a checkpoint's container and open torch files without executing anything."""

from __future__ import annotations

import argparse
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

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
        return "torch" if _is_torch_zip(path) else "unknown"
    if head[0] == 0x80 and head[1] in (2, 3, 4, 5):
        return "torch" if _is_torch_legacy(path) else "pickle"
    n = int.from_bytes(head[:8], "little")
    if 2 <= n < 100_000_000 and head[8:9] == b"{":
        return "safetensors"
    return "unknown"


def _is_torch_zip(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            return any(n.endswith("/data.pkl") or n == "data.pkl" for n in zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False


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
    """torch.load with weights_only=True (plus a small allow-list), mapped to CPU."""
    try:
        with torch.serialization.safe_globals(SAFE_EXTRA_GLOBALS):
            return torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelLoadError(f"{path.name}: refused to load: it needs code we do not execute ({first})") from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, OSError, ValueError) as e:
        msg = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise ModelLoadError(f"{path.name}: not a readable torch checkpoint (truncated or corrupt?): {msg}") \
            from None
