"""Export dialog: an edit video of the current model and directions, with progress and Cancel.

Thin: core/video.export_video does the work in a QThread; this dialog only collects the settings,
shows progress and passes Cancel on as a threading.Event. Default format WebM (VP9): it depends on
no GPL library (see docs/exports.md). The main window opens it with
`VideoExportDialog(ModelCopy(…), dirs, index=…, seed=…, base_edits=…, parent=self)`: the export
thread loads its own copy of the model (gui/jobs.py says why); a model object is used as it is.
With `base_edits` ({direction index: α}, the active edits) the video can sweep on top of them, or
animate them from 0 to their α (a keyframe path).
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QThread, Signal, Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ..core.directions import DirectionSet
from .jobs import resolve_model

MOTIONS = [("sweep", "Sweep the direction"), ("sweep-on-edits", "Sweep it on top of the active edits"),
           ("edits", "Active edits: from 0 to their α")]
FORMATS = [("WebM (VP9)", ".webm"), ("MP4 (H.264)", ".mp4"), ("GIF", ".gif"), ("Animated WebP", ".webp")]


class _ExportWorker(QObject):
    progress = Signal(int, int)
    finished = Signal(str)
    failed = Signal(str)
    cancelled = Signal()

    def __init__(self, model: Any, spec: Any, path: Path, cancel: threading.Event) -> None:
        super().__init__()
        self.model, self.spec, self.path, self.cancel = model, spec, path, cancel

    @Slot()
    def run(self) -> None:
        from ..core.video import ExportCancelled, export_video

        try:
            model = resolve_model(self.model)  # this thread's own copy (never the render worker's)
            if self.cancel.is_set():
                raise ExportCancelled
            res = export_video(model, self.spec, self.path, progress=self.progress.emit, cancel=self.cancel)
        except ExportCancelled:
            self.cancelled.emit()
        except Exception as e:  # every failure is shown as one line in the dialog
            self.failed.emit(str(e) or type(e).__name__)
        else:
            self.finished.emit(f"wrote {res.path.name}: {res.width}×{res.height}, {res.frames} frames, "
                               f"{res.codec}, {res.seconds:.1f} s")


class VideoExportDialog(QDialog):
    """Settings → Export → progress bar + Cancel. `last_result` holds the final status line."""

    def __init__(self, model: Any, dirs: DirectionSet, index: int = 0, seed: int = 0, truncation_psi: float = 1.0,
                 noise_mode: str = "const", base_edits: dict[int, float] | None = None,
                 edit_layers: dict[int, tuple[int, ...]] | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoExportDialog")
        self.setWindowTitle("Export video")
        self.setMinimumWidth(560)
        self.model, self.dirs = model, dirs
        self.truncation_psi, self.noise_mode = truncation_psi, noise_mode
        self.base_edits = dict(base_edits or {})
        self.edit_layers = dict(edit_layers or {})
        self._thread: QThread | None = None
        self._worker: _ExportWorker | None = None
        self._cancel = threading.Event()
        self.last_result = ""

        self.direction = QComboBox()
        for i in range(len(dirs)):
            self.direction.addItem(f"#{i} {dirs.label(i)}", i)
        self.direction.setCurrentIndex(max(0, min(index, len(dirs) - 1)))
        self.motion = QComboBox()
        self.motion.setObjectName("videoMotion")
        for key, text in MOTIONS:
            self.motion.addItem(text, key)
        if self.base_edits:
            self.motion.setCurrentIndex(1)
            n = len(self.base_edits)
            self.motion.setToolTip(f"{n} active edit{'s' if n != 1 else ''} in the preview")
        else:
            self.motion.setEnabled(False)
            self.motion.setToolTip("No active edits in the preview")
        self.motion.currentIndexChanged.connect(self._on_motion)
        self.lo, self.hi = QDoubleSpinBox(), QDoubleSpinBox()
        for box, v in ((self.lo, -3.0), (self.hi, 3.0)):
            box.setRange(-100, 100)
            box.setSingleStep(0.5)
            box.setValue(v)
        rng = QHBoxLayout()
        rng.addWidget(self.lo)
        rng.addWidget(QLabel("to"))
        rng.addWidget(self.hi)
        self.seeds = QLineEdit(str(seed))
        self.seeds.setToolTip("one seed, or several separated by spaces or commas (shown side by side)")
        self.frames = QSpinBox()
        self.frames.setRange(1, 100_000)
        self.frames.setValue(60)
        self.fps = QDoubleSpinBox()
        self.fps.setRange(1, 240)
        self.fps.setValue(30)
        self.size = QSpinBox()
        self.size.setRange(8, 4096)
        self.size.setValue(int(model.resolution))
        self.pingpong = QCheckBox("there and back (loops seamlessly)")
        self.caption = QCheckBox("direction name and α on each frame")
        self.format = QComboBox()
        for name, suffix in FORMATS:
            self.format.addItem(name, suffix)
        self.format.currentIndexChanged.connect(self._on_format)
        self.path = QLineEdit(str(Path.home() / f"sefa-{getattr(model, 'name', 'model')}.webm"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out = QHBoxLayout()
        out.addWidget(self.path, 1)
        out.addWidget(browse)

        form = QFormLayout()
        form.addRow("Motion", self.motion)
        form.addRow("Direction", self.direction)
        form.addRow("α range", rng)
        form.addRow("Seeds", self.seeds)
        form.addRow("Frames", self.frames)
        form.addRow("Frames per second", self.fps)
        form.addRow("Size per seed (px)", self.size)
        form.addRow("Loop", self.pingpong)
        form.addRow("Caption", self.caption)
        form.addRow("Format", self.format)
        form.addRow("File", out)

        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Cancel)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self._cancel_or_close)

        n = len(self.base_edits)
        what = f"{n} active edit{'s' if n != 1 else ''} in the preview" if n else "no active edits"
        self.summary = QLabel(f"<b>{getattr(model, 'name', 'model')}</b> · {what} · ψ {truncation_psi:g}")
        self.summary.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    # -- settings ----------------------------------------------------------------------------------
    @Slot(int)
    def _on_motion(self, _: int) -> None:
        sweep = self.motion.currentData() != "edits"
        for w in (self.direction, self.lo, self.hi):
            w.setEnabled(sweep)

    @Slot(int)
    def _on_format(self, _: int) -> None:
        p = Path(self.path.text())
        self.path.setText(str(p.with_suffix(self.format.currentData())))

    @Slot()
    def _browse(self) -> None:
        suffix = self.format.currentData()
        path, _ = QFileDialog.getSaveFileName(self, "Export video", self.path.text(), f"Video (*{suffix})")
        if path:
            self.path.setText(path if path.lower().endswith(suffix) else path + suffix)

    def spec(self) -> Any:
        from ..core.video import VideoSpec, sweep_spec

        text = self.seeds.text().replace(",", " ").split()
        try:
            seeds = [int(s) for s in text] or [0]
        except ValueError:
            raise ValueError(f"seeds must be whole numbers, not '{self.seeds.text()}'") from None
        kw = dict(seeds=seeds, frames=self.frames.value(), fps=self.fps.value(), pingpong=self.pingpong.isChecked(),
                  size=self.size.value(), caption=self.caption.isChecked(), truncation_psi=self.truncation_psi,
                  noise_mode=self.noise_mode, layers=dict(self.edit_layers))
        index, motion = int(self.direction.currentData()), self.motion.currentData()
        if motion == "edits" and self.base_edits:
            return VideoSpec(self.dirs, [{i: 0.0 for i in self.base_edits}, dict(self.base_edits)], **kw)
        if motion == "sweep-on-edits" and self.base_edits:
            return VideoSpec(self.dirs, [{**self.base_edits, index: self.lo.value()},
                                         {**self.base_edits, index: self.hi.value()}], **kw)
        return sweep_spec(self.dirs, index, self.lo.value(), self.hi.value(), **kw)

    # -- running -------------------------------------------------------------------------------------
    def is_running(self) -> bool:
        return self._thread is not None

    @Slot()
    def start(self) -> None:
        if self._thread is not None:
            return
        try:
            spec = self.spec()
            spec.validate()
        except ValueError as e:
            self.status.setText(str(e))
            return
        self._cancel = threading.Event()
        self._worker = _ExportWorker(self.model, spec, Path(self.path.text()).expanduser(), self._cancel)
        self._thread = QThread(self)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.cancelled.connect(self._on_cancelled)
        self.bar.setRange(0, spec.frames)
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.export_button.setEnabled(False)
        self.status.setText("rendering…")
        self._thread.start()

    def cancel(self) -> None:
        self._cancel.set()

    @Slot()
    def _cancel_or_close(self) -> None:
        if self._thread is not None:
            self.cancel()
        else:
            self.reject()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.bar.setValue(done)
        self.status.setText(f"{done}/{total} frames")

    @Slot(str)
    def _on_finished(self, message: str) -> None:
        self._done(message)

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self._done(f"failed: {message}")

    @Slot()
    def _on_cancelled(self) -> None:
        self._done("cancelled: nothing was written")

    def _done(self, message: str) -> None:
        self.last_result = message
        self.status.setText(message)
        self.export_button.setEnabled(True)
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
            self._thread = None
        self._worker = None

    def shutdown(self) -> None:
        """Cancel a running export and join its thread (the window calls this when it closes)."""
        if self._thread is not None:
            self.cancel()
            self._thread.quit()
            self._thread.wait()
            self._done("cancelled: nothing was written")

    def reject(self) -> None:  # Esc while exporting cancels the export and keeps its progress in view
        if self._thread is not None:
            self.cancel()
            return
        super().reject()

    def closeEvent(self, event: Any) -> None:  # never leave a render thread behind
        self.shutdown()
        super().closeEvent(event)
