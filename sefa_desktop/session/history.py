"""Undo and redo: a stack of command objects, each knowing how to do and undo itself.

A command pushed with the same `merge_key` as the one on top (and while that one is still open)
merges into it: the top keeps its undo and takes the newcomer's redo. A drag therefore is one step,
however many pointer moves it had; `close()` ends the merging (the pointer was released).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class Command:
    text: str  # "Edit α", "Change seed", … (shown as "Undo Edit α")
    redo: Callable[[], None]
    undo: Callable[[], None]
    merge_key: Hashable | None = None
    open: bool = field(default=True, compare=False)


class History:
    def __init__(self, limit: int = 500) -> None:
        self.limit = limit
        self._done: list[Command] = []
        self._undone: list[Command] = []
        self._observers: list[Callable[[], None]] = []

    def subscribe(self, observer: Callable[[], None]) -> None:
        self._observers.append(observer)

    def _changed(self) -> None:
        for observer in list(self._observers):
            observer()

    def push(self, command: Command) -> None:
        """Do `command` and record it (merged into the top one when it continues it)."""
        top = self._done[-1] if self._done else None
        command.redo()
        if top is not None and top.open and command.merge_key is not None and top.merge_key == command.merge_key:
            top.redo = command.redo
        else:
            if top is not None:
                top.open = False
            self._done.append(command)
            del self._done[:-self.limit]
        self._undone.clear()
        self._changed()

    def close(self, merge_key: Hashable | None = None) -> None:
        """Stop merging into the top command (only if it has `merge_key`, when given)."""
        if self._done and (merge_key is None or self._done[-1].merge_key == merge_key):
            self._done[-1].open = False

    def undo(self) -> bool:
        if not self._done:
            return False
        command = self._done.pop()
        command.open = False
        command.undo()
        self._undone.append(command)
        self._changed()
        return True

    def redo(self) -> bool:
        if not self._undone:
            return False
        command = self._undone.pop()
        command.redo()
        self._done.append(command)
        self._changed()
        return True

    def clear(self) -> None:
        self._done.clear()
        self._undone.clear()
        self._changed()

    @property
    def can_undo(self) -> bool:
        return bool(self._done)

    @property
    def can_redo(self) -> bool:
        return bool(self._undone)

    @property
    def undo_text(self) -> str:
        return self._done[-1].text if self._done else ""

    @property
    def redo_text(self) -> str:
        return self._undone[-1].text if self._undone else ""
