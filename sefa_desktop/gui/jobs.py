"""Long exports off the GUI thread: a model copy of their own, progress, Cancel.

Why a copy: the RenderWorker owns the window's model on its thread and uses it for every preview and
thumbnail; a torch module is not made for concurrent forward passes from two threads (families keep
per-model caches: prefix states, noise buffers, hooks). Routing a video through the worker instead
would freeze the preview and the gallery for the whole export (minutes at 256 px and up) or need the
encoder loop cut into worker-sized slices. So an export thread loads its own copy from the same
source (`ModelCopy.load`, same loader and device as the worker) and drops it when done: the app stays
fully interactive, at the price of one load and one more model in memory while an export runs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QThread, Signal, SignalInstance, Slot

if TYPE_CHECKING:  # torch loads in the job's thread, not at import
    from ..models.base import GanModel

Progress = Callable[[int, int], None]


class JobCancelled(Exception):
    """Raised from a job's progress callback when the user pressed Cancel."""


@dataclass(frozen=True)
class ModelCopy:
    """Where the export thread gets its own model: the worker's source, loader hook and device. Has the
    two attributes the dialogs read before anything is loaded (`name`, `resolution`)."""

    source: str
    name: str
    resolution: int
    device: str = "cpu"
    loader: Callable[[str, str], GanModel] | None = None

    def load(self) -> GanModel:
        if self.loader is not None:
            return self.loader(self.source, self.device)
        from ..models import load_model

        return load_model(self.source, device=self.device)


def resolve_model(model: ModelCopy | GanModel) -> GanModel:
    """A ModelCopy is loaded (on the calling thread: call it from the job); a model is used as it is."""
    return model.load() if isinstance(model, ModelCopy) else model


class _JobWorker(QObject):
    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, fn: Callable[[Progress], str], cancel: threading.Event,
                 describe: Callable[[Exception], str]) -> None:
        super().__init__()
        self.fn, self.cancel, self.describe = fn, cancel, describe

    def _report(self, done: int, total: int) -> None:
        if self.cancel.is_set():
            raise JobCancelled
        self.progress.emit(int(done), int(total))

    @Slot()
    def run(self) -> None:
        try:
            if self.cancel.is_set():
                raise JobCancelled
            message = self.fn(self._report)
        except JobCancelled:
            self.cancelled.emit()
        except Exception as e:  # every failure becomes a message in the UI
            self.failed.emit(self.describe(e))
        else:
            self.finished.emit(message)


def first_line(e: Exception) -> str:
    """A failure as one line: the first line of its message, else its type's name."""
    return str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__


def whole_message(e: Exception) -> str:
    """A failure's whole message, else its type's name."""
    return str(e) or type(e).__name__


class JobRunner(QObject):
    """Runs one `fn(progress) -> status line` at a time in a QThread. `progress(done, total)` raises
    JobCancelled once `cancel()` was called, so a job stops at its next step; a job that hands the
    cancel on to a library call reads `cancel_event`. A failure is reported as `describe(exception)`.
    Signals arrive on the thread that owns the runner (the GUI thread)."""

    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, parent: QObject | None = None, describe: Callable[[Exception], str] = first_line) -> None:
        super().__init__(parent)
        self.describe = describe
        self._thread: QThread | None = None
        self._worker: _JobWorker | None = None
        self._cancel = threading.Event()

    def is_running(self) -> bool:
        return self._thread is not None

    @property
    def cancel_event(self) -> threading.Event:
        """The running (or last) job's cancel flag: set by `cancel()`."""
        return self._cancel

    def start(self, fn: Callable[[Progress], str]) -> bool:
        if self._thread is not None:
            return False
        self._cancel = threading.Event()
        self._worker = _JobWorker(fn, self._cancel, self.describe)
        self._thread = QThread(self)
        self._thread.setObjectName("sefa-export-job")
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self.progress)
        # Bound slots of this QObject (not lambdas): queued onto the GUI thread, where joining is safe.
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self._thread.start()
        return True

    def cancel(self) -> None:
        self._cancel.set()

    def wait(self) -> None:
        """Cancel and join (closing a dialog must not leave a thread behind)."""
        if self._thread is not None:
            self.cancel()
            self._thread.quit()
            self._thread.wait()
            self._thread, self._worker = None, None  # the job's own queued end signal is ignored now
            self.cancelled.emit()

    @Slot(str)
    def _on_finished(self, message: str) -> None:
        self._end(self.finished, message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._end(self.failed, message)

    @Slot()
    def _on_cancelled(self) -> None:
        self._end(self.cancelled)

    def _end(self, signal: SignalInstance, *args: object) -> None:
        if self._thread is None:
            return  # already joined by wait()
        self._thread.quit()
        self._thread.wait()
        self._thread, self._worker = None, None
        signal.emit(*args)
