"""One background job at a time for the gallery's meaning features (labels, text search, boundaries from
marks), with the bar that shows it and a model copy of their own (see gui/jobs.py for why a copy).

The copy is kept between jobs (loaded once per model and device) because labelling, a text search and
a boundary usually follow each other; jobs never overlap, so one copy is never used by two threads.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from .job_bar import JobBar
from .jobs import JobRunner, ModelCopy, Progress, first_line

if TYPE_CHECKING:  # torch: loaded by the jobs, not at import
    from ..models.base import GanModel


class MeaningJobs(QObject):
    failed = Signal(str)  # one line, for the window's message

    def __init__(self, bar: JobBar, copy_for: Callable[[], ModelCopy], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.bar = bar
        self.copy_for = copy_for
        self.runner = JobRunner(self, first_line)
        self.runner.progress.connect(bar.progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        bar.cancelRequested.connect(self.runner.cancel)
        self._model: tuple[tuple[str, str], GanModel] | None = None
        self._done: Callable[[], None] | None = None
        self.last_message = ""

    def busy(self) -> bool:
        return self.runner.is_running()

    def model(self) -> GanModel:
        """The job's model copy (call from a job): loaded once per source and device."""
        copy = self._copy
        key = (copy.source, copy.device)
        if self._model is None or self._model[0] != key:
            self._model = None  # drop the old copy before loading the next
            self._model = (key, copy.load())
        return self._model[1]

    def forget_model(self) -> None:
        if not self.busy():
            self._model = None

    def start(self, text: str, job: Callable[[Progress], str], done: Callable[[], None] | None = None) -> bool:
        """Run `job(progress) -> status line` in the background; `done()` on the GUI thread after it
        succeeded (it reads what the job left behind). False when another job is running."""
        if self.busy():
            return False
        self._copy = self.copy_for()
        self._done = done
        self.bar.start(text)
        return self.runner.start(job)

    def cancel_and_wait(self) -> None:
        self.runner.wait()

    @Slot(str)
    def _on_finished(self, message: str) -> None:
        self.bar.stop()
        self.last_message = message
        done, self._done = self._done, None
        if done is not None:
            done()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.bar.stop()
        self._done = None
        self.last_message = message
        self.failed.emit(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self.bar.stop()
        self._done = None
        self.last_message = "cancelled"
