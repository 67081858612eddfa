"""Export dialog for the gallery as a grid image (.png) or as an HTML page with its images beside it.

Thin: core/exports.save_gallery_grid / write_direction_page do the work in a JobRunner thread with
their own model copy (gui/jobs.py); this dialog collects the settings and shows progress and Cancel.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ..core.directions import DirectionSet
from . import file_dialogs
from .job_dialog import JobDialog
from .jobs import ModelCopy, Progress, resolve_model

if TYPE_CHECKING:  # torch: loaded by the export job, not at import
    from ..models.base import GanModel

KINDS = {
    "grid": ("Export gallery grid", "PNG image (*.png)", ".png", "grid"),
    "page": ("Export HTML page", "HTML page (*.html)", ".html", "page"),
}


class ImageExportDialog(JobDialog):
    """`kind` "grid" (one PNG: rows = directions per seed, columns = α, recipe in the PNG) or "page"
    (HTML table, images in `<name>_files/`). `last_result` holds the final status line."""

    progress_unit = "rows"
    starting_text = "preparing…"
    cancelling_text = "cancelling…"
    close_when_idle = True

    def __init__(self, kind: str, model: ModelCopy | GanModel, dirs: DirectionSet, seed: int = 0,
                 truncation_psi: float = 1.0, noise_mode: str = "const", amplitude: float = 3.0, steps: int = 5,
                 model_ref: str = "", parent: QWidget | None = None, class_index: int | None = None,
                 class_text: str = "") -> None:
        super().__init__(parent)
        title, self._filter, self._suffix, stem = KINDS[kind]
        self.kind = kind
        self.setObjectName(f"{kind}ExportDialog")
        self.setWindowTitle(title)
        self.setMinimumWidth(520)
        self.model, self.dirs, self.model_ref = model, dirs, model_ref
        self.truncation_psi, self.noise_mode = truncation_psi, noise_mode
        self.class_index = class_index  # the preview's class (class-conditional models)

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
        # at least 128 px a cell (a 32 px model's native size is too small to see), at most 256
        self.cell.setValue(min(max(int(model.resolution), 128), 256))
        self.path = QLineEdit(file_dialogs.default_path(f"sefa-{getattr(model, 'name', 'model')}-{stem}{self._suffix}"))
        browse = QPushButton("Browse…")
        browse.clicked.connect(self._browse)
        out = QHBoxLayout()
        out.addWidget(self.path, 1)
        out.addWidget(browse)

        self.summary = QLabel(f"<b>{getattr(model, 'name', 'model')}</b> · rows: directions"
                              f"{' per seed' if kind == 'grid' else ' × seeds'} · columns: α steps"
                              f" · ψ {truncation_psi:g}" + (f" · class {class_text}" if class_text else ""))
        self.summary.setObjectName("hint")
        form = QFormLayout()
        form.addRow("Directions", self.count)
        form.addRow("Seeds", self.seeds)
        form.addRow("α range", self.amplitude)
        form.addRow("Columns (α steps)", self.steps)
        form.addRow("Image size", self.cell)
        form.addRow("File", out)
        self._lay_out(self.summary, form)

    @Slot()
    def _browse(self) -> None:
        path, _ = file_dialogs.save_file(self, self.windowTitle(), self.path.text(), self._filter)
        if path:
            self.path.setText(path if path.lower().endswith(self._suffix) else path + self._suffix)

    def _seeds(self) -> list[int]:
        try:
            return [int(s) for s in self.seeds.text().replace(",", " ").split()] or [0]
        except ValueError:
            raise ValueError(f"seeds must be whole numbers, not '{self.seeds.text()}'") from None

    def _make_job(self) -> tuple[Callable[[Progress], str], int]:
        seeds = self._seeds()
        path = Path(self.path.text()).expanduser()
        if not path.parent.is_dir():
            raise ValueError(f"folder {path.parent} does not exist")
        file_dialogs.remember(path)
        indices = list(range(self.count.value()))
        a, steps, cell = float(self.amplitude.value()), int(self.steps.value()), int(self.cell.value())
        model, dirs, kind = self.model, self.dirs, self.kind
        psi, noise, ref, c = self.truncation_psi, self.noise_mode, self.model_ref, self.class_index

        def job(progress: Progress) -> str:
            from ..core.exports import save_gallery_grid, write_direction_page

            m = resolve_model(model)  # the job thread's own copy
            progress(0, len(seeds) * len(indices))
            if kind == "grid":
                img = save_gallery_grid(m, dirs, indices, seeds, (-a, a), steps, path, model_ref=ref,
                                        truncation_psi=psi, noise_mode=noise, cell=cell, progress=progress,
                                        class_index=c)
                return f"wrote {path.name}: {img.width}×{img.height}"
            write_direction_page(m, dirs, indices, seeds, (-a, a), steps, path, truncation_psi=psi,
                                 noise_mode=noise, cell=cell, progress=progress, class_index=c)
            return f"wrote {path.name} and {path.stem}_files/ ({len(seeds) * len(indices) * steps} images)"

        return job, len(seeds) * len(indices)
