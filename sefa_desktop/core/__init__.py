"""The method and its files: factorization, directions, edits, images (no Qt).

Importing this package is cheap (no torch, no numpy): the names below are loaded from their
modules on first use, so the GUI can import core types at module level and stay quick to start.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# name → module that defines it (relative to this package)
_LAZY = {
    "DirectionSet": "directions",
    "DirectionFileError": "directions",
    "factorize": "sefa",
    "DirectionEdit": "editing",
    "apply_edits": "editing",
    "hold_fixed": "editing",
    "read_directions": "direction_io",
    "write_directions": "direction_io",
}

__all__ = [
    "DirectionEdit",
    "DirectionFileError",
    "DirectionSet",
    "apply_edits",
    "factorize",
    "hold_fixed",
    "read_directions",
    "write_directions",
]

if TYPE_CHECKING:  # static tools see the real names
    from .direction_io import read_directions, write_directions
    from .directions import DirectionFileError, DirectionSet
    from .editing import DirectionEdit, apply_edits, hold_fixed
    from .sefa import factorize


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # later look-ups skip this function
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
