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

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Slot
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
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
from .jobs import JobCancelled, ModelCopy, Progress, resolve_model, whole_message

if TYPE_CHECKING:  # torch: loaded by the export job, not at import
    from ..core.video import VideoSpec
    from ..models.base import GanModel

MOTIONS = [("sweep", "Sweep the direction"), ("sweep-on-edits", "Sweep it on top of the active edits"),
           ("edits", "Active edits: from 0 to their α")]
VIDEO_MIN_SIZE = 256
FORMATS = [("WebM (VP9)", ".webm"), ("MP4 (H.264)", ".mp4"), ("GIF", ".gif"), ("Animated WebP", ".webp")]


class VideoExportDialog(JobDialog):
    """Settings → Export → progress bar + Cancel. `last_result` holds the final status line."""

    progress_unit = "frames"
    starting_text = "rendering…"
    close_when_idle = True  # after the export the button closes the dialog (Cancel only while it runs)

    def __init__(self, model: ModelCopy | GanModel, dirs: DirectionSet, index: int = 0, seed: int = 0,
                 truncation_psi: float = 1.0, noise_mode: str = "const", base_edits: dict[int, float] | None = None,
                 edit_layers: dict[int, tuple[int, ...]] | None = None, parent: QWidget | None = None,
                 class_index: int | None = None, class_text: str = "") -> None:
        super().__init__(parent, describe=whole_message)  # the whole message of a failure, not its first line
        self.setObjectName("videoExportDialog")
        self.setWindowTitle("Export video")
        self.setMinimumWidth(560)
        self.model, self.dirs = model, dirs
        self.truncation_psi, self.noise_mode = truncation_psi, noise_mode
        self.class_index = class_index  # the preview's class (class-conditional models)
        self.base_edits = dict(base_edits or {})
        self.edit_layers = dict(edit_layers or {})

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
        # a small model's native size is a thumbnail: default to at least 256 px (upscaled)
        self.size.setValue(max(int(model.resolution), VIDEO_MIN_SIZE))
        self.pingpong = QCheckBox("there and back (loops seamlessly)")
        self.caption = QCheckBox("direction name and α on each frame")
        self.format = QComboBox()
        for name, suffix in FORMATS:
            self.format.addItem(name, suffix)
        self.format.currentIndexChanged.connect(self._on_format)
        self.path = QLineEdit(file_dialogs.default_path(f"sefa-{getattr(model, 'name', 'model')}.webm"))
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

        n = len(self.base_edits)
        what = f"{n} active edit{'s' if n != 1 else ''} in the preview" if n else "no active edits"
        self.summary = QLabel(f"<b>{getattr(model, 'name', 'model')}</b> · {what} · ψ {truncation_psi:g}"
                              + (f" · class {class_text}" if class_text else ""))
        self.summary.setObjectName("hint")
        self._lay_out(self.summary, form)

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
        path, _ = file_dialogs.save_file(self, "Export video", self.path.text(), f"Video (*{suffix})")
        if path:
            self.path.setText(path if path.lower().endswith(suffix) else path + suffix)

    def spec(self) -> VideoSpec:
        from ..core.video import VideoSpec, sweep_spec

        text = self.seeds.text().replace(",", " ").split()
        try:
            seeds = [int(s) for s in text] or [0]
        except ValueError:
            raise ValueError(f"seeds must be whole numbers, not '{self.seeds.text()}'") from None
        kw = dict(seeds=seeds, frames=self.frames.value(), fps=self.fps.value(), pingpong=self.pingpong.isChecked(),
                  size=self.size.value(), caption=self.caption.isChecked(), truncation_psi=self.truncation_psi,
                  noise_mode=self.noise_mode, layers=dict(self.edit_layers), class_index=self.class_index)
        index, motion = int(self.direction.currentData()), self.motion.currentData()
        if motion == "edits" and self.base_edits:
            return VideoSpec(self.dirs, [{i: 0.0 for i in self.base_edits}, dict(self.base_edits)], **kw)
        if motion == "sweep-on-edits" and self.base_edits:
            return VideoSpec(self.dirs, [{**self.base_edits, index: self.lo.value()},
                                         {**self.base_edits, index: self.hi.value()}], **kw)
        return sweep_spec(self.dirs, index, self.lo.value(), self.hi.value(), **kw)

    # -- running -------------------------------------------------------------------------------------
    def _make_job(self) -> tuple[Callable[[Progress], str], int]:
        spec = self.spec()
        spec.validate()
        model, path, runner = self.model, Path(self.path.text()).expanduser(), self.runner
        file_dialogs.remember(path)

        def job(progress: Progress) -> str:
            from ..core.video import ExportCancelled, export_video

            cancel = runner.cancel_event
            try:
                m = resolve_model(model)  # this thread's own copy (never the render worker's)
                if cancel.is_set():
                    raise ExportCancelled
                res = export_video(m, spec, path, progress=progress, cancel=cancel)
            except ExportCancelled:
                raise JobCancelled from None
            return (f"wrote {res.path.name}: {res.width}×{res.height}, {res.frames} frames, "
                    f"{res.codec}, {res.seconds:.1f} s")

        return job, spec.frames
