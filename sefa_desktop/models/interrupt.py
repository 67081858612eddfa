"""Interruptible renders: a caller marks a stretch of work as interruptible with a stop test, and
long-running networks call `checkpoint()` between synthesis blocks.

The app's worker uses it so that a thumbnail batch in flight delays a drag's preview by at most one
block, and so that closing the window while a 1024² frame renders stops within one block. Thread-local:
each thread has its own stop test; without one, `checkpoint()` costs a dictionary look-up.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator

_local = threading.local()


class Interrupted(Exception):
    """The render stopped at a checkpoint because its stop test said so; nothing was produced."""


@contextlib.contextmanager
def interruptible(should_stop: Callable[[], bool]) -> Iterator[None]:
    """Within this block, `checkpoint()` raises Interrupted as soon as `should_stop()` is true."""
    previous = getattr(_local, "should_stop", None)
    _local.should_stop = should_stop
    try:
        yield
    finally:
        _local.should_stop = previous


def checkpoint() -> None:
    """Raise Interrupted if the current thread's stop test says so (no-op outside `interruptible`)."""
    test = getattr(_local, "should_stop", None)
    if test is not None and test():
        raise Interrupted
