"""The worker's latest-wins mailbox: one slot per purpose, most urgent purpose served first.

The GUI thread overwrites a slot and, if the worker is idle, posts one queued wake-up; the worker
drains the newest request of the most urgent purpose first. A burst of 200 drag events therefore
renders a handful of frames and never a stale one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

# Most urgent first: a device switch or load invalidates everything after it; the preview is what the
# user is looking at while dragging; thumbnails fill in behind it, one batch at a time.
PRIORITY = ("device", "load", "factorize", "preview", "thumbs")


class Mailbox:
    """Latest-wins slots, one per purpose, guarded by a lock; tells the caller when to wake the worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, tuple[int, Any]] = {}
        self._gens: dict[str, int] = {}
        self._scheduled = False

    def put(self, purpose: str, params: Any) -> tuple[int, bool]:
        """Store a request; returns (its generation, whether a wake-up must be posted)."""
        with self._lock:
            gen = self._gens.get(purpose, 0) + 1
            self._gens[purpose] = gen
            self._slots[purpose] = (gen, params)
            wake = not self._scheduled
            self._scheduled = True
            return gen, wake

    def put_back(self, purpose: str, gen: int, params: Any) -> None:
        """Re-queue the rest of a multi-step job unless a newer request took its slot."""
        with self._lock:
            if purpose not in self._slots and self._gens.get(purpose) == gen:
                self._slots[purpose] = (gen, params)

    def take(self, defer: Callable[[str, Any, dict[str, Any]], bool] | None = None) -> tuple[str, int, Any] | None:
        """The most urgent waiting request. `defer(purpose, params, waiting)` may let a request wait
        behind less urgent ones (`waiting`: purpose → params of every waiting request); a deferred
        request is still served when nothing else waits."""
        with self._lock:
            waiting = {p: v[1] for p, v in self._slots.items()}
            order = [p for p in PRIORITY if p in self._slots]
            if defer is not None and len(order) > 1:
                order = [p for p in order if not defer(p, waiting[p], waiting)] + \
                    [p for p in order if defer(p, waiting[p], waiting)]
            for purpose in order:
                gen, params = self._slots.pop(purpose)
                return purpose, gen, params
            self._scheduled = False
            return None

    def cancel(self, purpose: str) -> None:
        """Drop a pending request and make a running one stale (its result is discarded)."""
        with self._lock:
            self._slots.pop(purpose, None)
            self._gens[purpose] = self._gens.get(purpose, 0) + 1

    def latest(self, purpose: str) -> int:
        with self._lock:
            return self._gens.get(purpose, 0)

    def peek(self, purpose: str) -> Any:
        """The params of the request waiting for `purpose`, or None (it stays in its slot)."""
        with self._lock:
            slot = self._slots.get(purpose)
            return None if slot is None else slot[1]

    def waiting(self, purpose: str) -> bool:
        """Is a request of `purpose` waiting in its slot?"""
        with self._lock:
            return purpose in self._slots

    def urgent_waiting(self, than: str) -> bool:
        """Is a request more urgent than `than` waiting?"""
        with self._lock:
            rank = PRIORITY.index(than)
            return any(p in self._slots for p in PRIORITY[:rank])
