"""Export dialog for the gallery as a grid image (.png) or as an HTML page with its images beside it.

Thin: core/exports.save_gallery_grid / write_direction_page do the work in a JobRunner thread with
their own model copy (gui/jobs.py); this dialog collects the settings and shows progress and Cancel.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
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
from .jobs import JobRunner, Progress, resolve_model

KINDS = {
    "grid": ("Export gallery grid", "PNG image (*.png)", ".png", "grid"),
    "page": ("Export HTML page", "HTML page (*.html)", ".html", "page"),
}


class ImageExportDialog(QDialog):
    """`kind` "grid" (one PNG: rows = directions per seed, columns = α, recipe in the PNG) or "page"
    (HTML table, images in `<name>_files/`). `last_result` holds the final status line."""

    def __init__(self, kind: str, model: Any, dirs: DirectionSet, seed: int = 0, truncation_psi: float = 1.0,
                 noise_mode: str = "const", amplitude: float = 3.0, steps: int = 5, model_ref: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, self._filter, self._suffix, stem = KINDS[kind]
        self.kind = kind
        self.setObjectName(f"{kind}ExportDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.model, self.dirs, self.model_ref = model, dirs, model_ref
        self.truncation_psi, self.noise_mode = truncation_psi, noise_mode
        self.last_result = ""
        self.runner = JobRunner(self)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(lambda m: self._done(m))
        self.runner.failed.connect(lambda m: self._done(f"failed: {m}"))
        self.runner.cancelled.connect(lambda: self._done("cancelled: nothing was written"))

        self.count = QSpinBox()
        self.count.setRange(1, max(1, len(dirs)))
        self.count.setValue(min(10, len(dirs)))
        self.count.setSuffix(f" of {len(dirs)}")
        self.count.setToolTip("The first directions of the gallery, by eigenvalue")
        self.seeds = QLineEdit(str(seed))
        self.seeds.setToolTip("one seed, or several separated by spaces or commas (rows per seed)")
        self.amplitude = QDoubleSpinBox()
        self.amplitude.setRange(0.1, 100)
        self.amplitude.setSingleStep(0.5)
        self.amplitude.setDecimals(1)
        self.amplitude.setPrefix("± ")
        self.amplitude.setValue(amplitude)
        self.steps = QSpinBox()
        self.steps.setRange(2, 21)
        self.steps.setValue(steps)
        self.cell = QSpinBox()
        self.cell.setRange(16, 1024)
        self.cell.setSuffix(" px")
        self.cell.setValue(min(int(model.resolution), 256))
        self.path = QLineEdit(str(Path.home() / f"sefa-{getattr(model, 'name', 'model')}-{stem}{self._suffix}"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out = QHBoxLayout()
        out.addWidget(self.path, 1)
        out.addWidget(browse)

        self.summary = QLabel(f"<b>{getattr(model, 'name', 'model')}</b> · rows: directions"
                              f"{' per seed' if kind == 'grid' else ' × seeds'} · columns: α steps"
                              f" · ψ {truncation_psi:g}")
        self.summary.setObjectName("hint")
        form = QFormLayout()
        form.addRow("Directions", self.count)
        form.addRow("Seeds", self.seeds)
        form.addRow("α range", self.amplitude)
        form.addRow("Columns (α steps)", self.steps)
        form.addRow("Image size", self.cell)
        form.addRow("File", out)
        self.bar = QProgressBar()
        self.bar.setVisible(False)
        self.status = QLabel("")
        self.status.setObjectName("exportStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox()
        self.export_button = self.buttons.addButton("Export", QDialogButtonBox.ButtonRole.AcceptRole)
        self.cancel_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.export_button.setDefault(True)
        self.buttons.accepted.connect(self.start)
        self.buttons.rejected.connect(self._cancel_or_close)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 14, 16, 12)
        layout.setSpacing(10)
        layout.addWidget(self.summary)
        layout.addLayout(form)
        layout.addWidget(self.bar)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    def is_running(self) -> bool:
        return self.runner.is_running()

    @Slot()
    def _browse(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, self.windowTitle(), self.path.text(), self._filter)
        if path:
            self.path.setText(path if path.lower().endswith(self._suffix) else path + self._suffix)

    def _seeds(self) -> list[int]:
        try:
            return [int(s) for s in self.seeds.text().replace(",", " ").split()] or [0]
        except ValueError:
            raise ValueError(f"seeds must be whole numbers, not '{self.seeds.text()}'") from None

    @Slot()
    def start(self) -> None:
        if self.runner.is_running():
            return
        try:
            seeds = self._seeds()
        except ValueError as e:
            self.status.setText(str(e))
            return
        path = Path(self.path.text()).expanduser()
        if not path.parent.is_dir():
            self.status.setText(f"folder {path.parent} does not exist")
            return
        indices = list(range(self.count.value()))
        a, steps, cell = float(self.amplitude.value()), int(self.steps.value()), int(self.cell.value())
        model, dirs, kind = self.model, self.dirs, self.kind
        psi, noise, ref = self.truncation_psi, self.noise_mode, self.model_ref

        def job(progress: Progress) -> str:
            from ..core.exports import save_gallery_grid, write_direction_page

            m = resolve_model(model)  # the job thread's own copy
            progress(0, len(seeds) * len(indices))
            if kind == "grid":
                img = save_gallery_grid(m, dirs, indices, seeds, (-a, a), steps, path, model_ref=ref,
                                        truncation_psi=psi, noise_mode=noise, cell=cell, progress=progress)
                return f"wrote {path.name}: {img.width}×{img.height}"
            write_direction_page(m, dirs, indices, seeds, (-a, a), steps, path, truncation_psi=psi,
                                 noise_mode=noise, cell=cell, progress=progress)
            return f"wrote {path.name} and {path.stem}_files/ ({len(seeds) * len(indices) * steps} images)"

        self.bar.setRange(0, len(seeds) * len(indices))
        self.bar.setValue(0)
        self.bar.setVisible(True)
        self.export_button.setEnabled(False)
        self.cancel_button.setText("Cancel")
        self.status.setText("preparing…")
        self.runner.start(job)

    def cancel(self) -> None:
        self.runner.cancel()

    @Slot()
    def _cancel_or_close(self) -> None:
        if self.runner.is_running():
            self.cancel()
            self.status.setText("cancelling…")
        else:
            self.reject()

    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.bar.setValue(done)
        self.status.setText(f"{done}/{total} rows")

    def _done(self, message: str) -> None:
        self.last_result = message
        self.status.setText(message)
        self.export_button.setEnabled(True)
        self.cancel_button.setText("Close")

    def shutdown(self) -> None:
        """Cancel a running export and join its thread (the window calls this when it closes)."""
        self.runner.wait()

    def closeEvent(self, event: Any) -> None:  # never leave a render thread behind
        self.shutdown()
        super().closeEvent(event)

    def reject(self) -> None:  # Esc while exporting cancels the export and keeps its progress in view
        if self.runner.is_running():
            self._cancel_or_close()
            return
        super().reject()
