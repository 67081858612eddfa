"""What the export dialogs share: settings on top, then a progress bar, a status line and Export +
Cancel/Close buttons, with one export at a time running in a JobRunner (gui/jobs.py).

A subclass builds its settings widgets, calls `_lay_out(summary, form)` and implements `_make_job()`.
Cancel, Esc and closing the dialog stop a running export; `last_result` holds the final status line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QProgressBar,
    QVBoxLayout,
    QWidget,
)

from .jobs import JobRunner, Progress, first_line

CANCELLED = "cancelled: nothing was written"


class JobDialog(QDialog):
    progress_unit = "steps"  # "12/60 frames"
    starting_text = "starting…"  # the status line from Export until the first progress
    cancelling_text = ""  # the status line from Cancel until the job stops ("" keeps the last one)
    close_when_idle = False  # True: the second button reads Close while no job runs, Cancel while one does

    def __init__(self, parent: QWidget | None = None, describe: Callable[[Exception], str] = first_line) -> None:
        super().__init__(parent)
        self.last_result = ""
        self.runner = JobRunner(self, describe)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)

        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        button = QDialogButtonBox.StandardButton
        self.cancel_button = self.buttons.addButton(button.Close if self.close_when_idle else button.Cancel)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self._cancel_or_close)

    def _lay_out(self, summary: QWidget, form: QFormLayout) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(summary)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def _make_job(self) -> tuple[Callable[[Progress], str], int]:
        """The job for the current settings and its number of progress steps; ValueError: a message
        for the status line (nothing starts)."""
        raise NotImplementedError

    # -- running -------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self.runner.is_running()

    @Slot()
    def start(self) -> None:
        if self.runner.is_running():
            return
        try:
            job, total = self._make_job()
        except ValueError as e:
            self.status.setText(str(e))
            return
        self.bar.setRange(0, total)
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.export_button.setEnabled(False)
        if self.close_when_idle:
            self.cancel_button.setText("Cancel")
        self.status.setText(self.starting_text)
        self.runner.start(job)

    def cancel(self) -> None:
        self.runner.cancel()

    @Slot()
    def _cancel_or_close(self) -> None:
        if self.runner.is_running():
            self.cancel()
            if self.cancelling_text:
                self.status.setText(self.cancelling_text)
        else:
            self.reject()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.bar.setValue(done)
        self.status.setText(f"{done}/{total} {self.progress_unit}")

    @Slot(str)
    def _on_finished(self, message: str) -> None:
        self._done(message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._done(f"failed: {message}")

    @Slot()
    def _on_cancelled(self) -> None:
        self._done(CANCELLED)

    def _done(self, message: str) -> None:
        self.last_result = message
        self.status.setText(message)
        self.export_button.setEnabled(True)
        if self.close_when_idle:
            self.cancel_button.setText("Close")

    def shutdown(self) -> None:
        """Cancel a running export and join its thread (the window calls this when it closes)."""
        self.runner.wait()

    def reject(self) -> None:  # Esc while exporting cancels the export and keeps its progress in view
        if self.runner.is_running():
            self._cancel_or_close()
            return
        super().reject()

    def closeEvent(self, event: Any) -> None:  # never leave a render thread behind
        self.shutdown()
        super().closeEvent(event)
