"""Qt widgets (PySide6). Nothing outside this package imports it except app.py.

All torch work of the main window runs in gui/worker.py's thread."""

from __future__ import annotations

import ctypes
import sys


def _guard_none_refcount() -> None:
    """Work around a PySide6 6.12 binding bug on Python < 3.12.

    There, every Qt method that returns void (p.save(), w.setEnabled(), …) hands back `None` without
    taking a reference, and reading an invalid QVariant does the same; after ~10,000 such calls the
    interpreter aborts with "none_dealloc: deallocating None". Python 3.12+ makes None immortal, so the
    bug is invisible there. None is a static singleton that is never freed, so giving it a huge reference
    count is harmless and keeps the count from ever reaching zero (2**48 calls ≈ years of use).
    """
    if sys.version_info >= (3, 12):
        return
    refcnt = ctypes.c_ssize_t.from_address(id(None))
    if refcnt.value < 1 << 40:
        refcnt.value += 1 << 48


_guard_none_refcount()
