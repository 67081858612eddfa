"""Photo mode: edit your own photo. File ▸ Open Photo… (or drop an image on the window) → the crop
dialog → projection in the background (progress, live intermediate images, Cancel) → the result is the
session's base code, so the preview and every gallery thumbnail show the photo edited. File ▸ Import
Latent… takes an encoder's (or our) latent file instead; Back to Seed returns to the seed it left.

Projection runs on a model copy of its own (see gui/jobs.py for why), kept between jobs; the photo's
latent is saved in presets (gui/presets_menu.py) and with File ▸ Save Photo Latent….
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from PySide6.QtCore import QObject, QSize, Qt, Signal, Slot
from PySide6.QtGui import QImage, QPixmap, QResizeEvent
from PySide6.QtWidgets import (
    QDialog,
    QDockWidget,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..core.photos import PHOTO_SUFFIXES, CropBox, PhotoError, crop_record, crop_square, open_photo
from ..session import EditSession, SessionEditor
from ..session.state import MODEL, SAMPLE, Change, LatentBase, SeedBase
from .jobs import JobCancelled, JobRunner, ModelCopy, first_line
from .photo_crop import CropDialog, pil_to_qimage
from .window_menus import add_action

if TYPE_CHECKING:  # torch: loaded by the projection job, not at import
    from PIL import Image

    from ..core.perceptual import LPIPS
    from ..core.projection import ProjectionResult, ProjectionSettings, ProjectionStep
    from ..models.base import GanModel

LIVE_SIZE = 128  # px of the live images in the panel (at most)
LIVE_MIN = 88  # they shrink to this in a short window, so that the preview above keeps the height


def array_pixmap(img: np.ndarray, size: int = LIVE_SIZE) -> QPixmap:
    """uint8 (H, W, 3) → a pixmap scaled to `size` (GUI thread only)."""
    a = np.ascontiguousarray(img[..., :3], dtype=np.uint8)
    q = QImage(a.data, a.shape[1], a.shape[0], 3 * a.shape[1], QImage.Format.Format_RGB888).copy()
    return QPixmap.fromImage(q).scaled(size, size, Qt.AspectRatioMode.KeepAspectRatio,
                                       Qt.TransformationMode.SmoothTransformation)


class FittedImage(QLabel):
    """A square picture of at most LIVE_SIZE px that shrinks with the pane (down to LIVE_MIN): the
    Photo tab then asks less height of the column the preview image shares with it."""

    def __init__(self, text: str = "", parent: QWidget | None = None) -> None:
        super().__init__(text, parent)
        self._source: QPixmap | None = None
        self.setMinimumSize(LIVE_MIN, LIVE_MIN)
        self.setAlignment(Qt.AlignmentFlag.AlignCenter)

    def sizeHint(self) -> QSize:  # noqa: N802 — constant, or a smaller pixmap would shrink the label
        return QSize(LIVE_SIZE, LIVE_SIZE)

    def setPixmap(self, pixmap: QPixmap) -> None:  # noqa: N802
        self._source = pixmap
        self._fit()

    def resizeEvent(self, event: QResizeEvent) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        if self._source is None or self._source.isNull():
            return
        side = max(1, min(self.width(), self.height(), LIVE_SIZE))
        super().setPixmap(self._source.scaled(side, side, Qt.AspectRatioMode.KeepAspectRatio,
                                              Qt.TransformationMode.SmoothTransformation))


class PhotoPanel(QWidget):
    """The Photo dock: the crop, the live projection, its progress and PSNR, Cancel, Back to Seed."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoPanel")
        self.target = FittedImage("Open a photo: File ▸ Open Photo… or drop one on the window", self)
        self.target.setObjectName("photoTarget")
        self.target.setWordWrap(True)
        self.live = FittedImage("", self)
        self.live.setObjectName("photoLive")
        self.status = QLabel("", self)
        self.status.setObjectName("photoStatus")
        self.status.setWordWrap(True)
        self.bar = QProgressBar(self)
        self.bar.setObjectName("photoProgress")
        self.cancel = QPushButton("Cancel", self)
        self.cancel.setObjectName("photoCancel")
        self.back = QPushButton("Back to Seed", self)
        self.back.setObjectName("photoBack")
        images = QHBoxLayout()
        images.addWidget(self.target)
        images.addWidget(self.live)
        buttons = QHBoxLayout()
        buttons.addWidget(self.bar, 1)
        buttons.addWidget(self.cancel)
        lay = QVBoxLayout(self)
        lay.addLayout(images)
        lay.addWidget(self.status)
        lay.addLayout(buttons)
        lay.addWidget(self.back)
        lay.addStretch(1)
        self.set_running(False)
        self.back.setEnabled(False)

    def set_running(self, running: bool) -> None:
        self.bar.setVisible(running)
        self.cancel.setVisible(running)
        self.cancel.setEnabled(running)


class PhotoHost(Protocol):
    """What photo mode needs of the window, and nothing more."""

    session: EditSession
    editor: SessionEditor
    file_menu: QMenu  # Open Photo… and the latent actions go into it
    preview_dock: QDockWidget  # the Photo dock goes below it

    def show_error(self, message: str) -> None: ...
    def show_status(self, message: str, ms: int = 5000) -> None: ...
    def model_copy(self) -> ModelCopy: ...
    def add_dock(self, dock: QDockWidget, below: QDockWidget | None = None) -> None: ...


class PhotoController(QObject):
    stepReady = Signal(object)  # a ProjectionStep with an image, emitted on the job's thread

    def __init__(self, host: PhotoHost, window: QMainWindow) -> None:
        super().__init__(window)
        self.host = host
        self.session = host.session
        self.editor = host.editor
        # what a projection runs with (tests use fewer steps)
        self.settings_factory: Callable[[], ProjectionSettings] = _default_settings
        # LPIPS when its catalogue weights are downloaded (called on the job's thread: it loads ~60 MB)
        self.perceptual_loader: Callable[[], LPIPS | None] = find_catalogue_lpips
        self.runner = JobRunner(self, first_line)
        self.runner.progress.connect(self._on_progress)
        self.runner.finished.connect(self._on_finished)
        self.runner.failed.connect(self._on_failed)
        self.runner.cancelled.connect(self._on_cancelled)
        self.stepReady.connect(self._on_step, Qt.ConnectionType.QueuedConnection)
        self._model: tuple[tuple[str, str], GanModel] | None = None
        self._job: dict[str, Any] = {}
        self.seed_before = 0  # the seed to go back to
        self.last_result: ProjectionResult | None = None  # the last projection and its crop record
        self.last_crop: dict[str, Any] | None = None

        self.panel = PhotoPanel()
        self.panel.cancel.clicked.connect(self.cancel)
        self.panel.back.clicked.connect(self.back_to_seed)
        self.dock = QDockWidget("Photo", window)
        self.dock.setObjectName("photoDock")
        self.dock.setWidget(self.panel)
        host.add_dock(self.dock, below=host.preview_dock)

        menu = host.file_menu
        first = menu.actions()[2] if len(menu.actions()) > 2 else None  # after Open Checkpoint / Open Recent
        self.open_action = add_action(window, menu, "Open &Photo…", self.open_photo_dialog, "Ctrl+Shift+O")
        self.import_action = add_action(window, menu, "Import &Latent…", self.import_latent_dialog)
        self.save_action = add_action(window, menu, "Save Photo Latent…", self.save_latent_dialog)
        self.back_action = add_action(window, menu, "Back to &Seed", self.back_to_seed)
        if first is not None:
            for act in (self.open_action, self.import_action, self.save_action, self.back_action):
                menu.removeAction(act)
                menu.insertAction(first, act)
        self.session.subscribe(self._on_change)
        self._update_actions()

    # -- state ---------------------------------------------------------------------------------------
    def busy(self) -> bool:
        return self.runner.is_running()

    def _update_actions(self) -> None:
        photo = isinstance(self.session.base, LatentBase)
        self.back_action.setEnabled(photo)
        self.panel.back.setEnabled(photo)
        self.save_action.setEnabled(photo and self.last_result is not None
                                    and self._job.get("key") == self.session.base.key)

    def _on_change(self, change: Change) -> None:
        if MODEL in change.aspects and self.busy():
            self.cancel()  # the projection was for the previous model
        if MODEL in change.aspects:
            self._model = None
        if SAMPLE in change.aspects or MODEL in change.aspects:
            self._update_actions()

    def model(self, copy: ModelCopy) -> GanModel:
        """The job's model copy (from a job): loaded once per source and device."""
        key = (copy.source, copy.device)
        if self._model is None or self._model[0] != key:
            self._model = None
            self._model = (key, copy.load())
        return self._model[1]

    # -- opening a photo -------------------------------------------------------------------------------
    def open_photo_dialog(self) -> None:
        exts = " ".join(f"*{e}" for e in PHOTO_SUFFIXES)
        path, _ = QFileDialog.getOpenFileName(self.host, "Open a photo to edit", "", f"Images ({exts})")
        if path:
            self.open_photo(path)

    def open_photo(self, path: str, box: CropBox | None = None) -> bool:
        """Crop `path` (the dialog, unless `box` is given) and project it in the background."""
        info = self.session.model_info
        if info is None:
            self.host.show_status("Open a model first")
            return False
        if self.busy():
            self.host.show_status("A projection is running: wait for it or press Cancel")
            return False
        try:
            photo = open_photo(path)
            if box is None:
                dlg = CropDialog(photo, int(info["resolution"]), str(info["name"]), self.host)
                if dlg.exec() != QDialog.DialogCode.Accepted:
                    return False
                box = dlg.box()
            square, box = crop_square(photo, box)
        except PhotoError as e:
            self.host.show_error(str(e))
            return False
        self.panel.target.setPixmap(QPixmap.fromImage(pil_to_qimage(square)).scaled(
            LIVE_SIZE, LIVE_SIZE, Qt.AspectRatioMode.KeepAspectRatio, Qt.TransformationMode.SmoothTransformation))
        return self.project(square, crop_record(path, box, photo.size), Path(path).name)

    def project(self, square: Image.Image, crop: dict[str, Any], name: str) -> bool:
        from ..core.projection import ProjectionCancelled

        copy, gen = self.host.model_copy(), self.session.model_gen
        settings = self.settings_factory()
        out: dict[str, Any] = {}

        def job(progress) -> str:
            from ..core.projection import project

            model = self.model(copy)
            if settings.perceptual is None:
                settings.perceptual = self.perceptual_loader()

            def on_step(step) -> None:
                progress(step.step, step.total)  # raises JobCancelled after Cancel
                if step.image is not None:
                    self.stepReady.emit(step)

            try:
                out["result"] = project(model, square, settings, progress=on_step, cancel=self.runner.cancel_event)
            except ProjectionCancelled:
                raise JobCancelled from None
            return f"Projected {name}: PSNR {out['result'].psnr:.2f} dB"

        self._job = {"kind": "project", "gen": gen, "out": out, "name": name, "crop": crop}
        self.panel.status.setText(f"Projecting {name} into {self.session.model_info['name']}…")
        self.panel.bar.setRange(0, 0)
        self.panel.set_running(True)
        self.dock.show()
        self.dock.raise_()
        return self.runner.start(job)

    def cancel(self) -> None:
        self.runner.cancel()

    # -- latent files ------------------------------------------------------------------------------------
    def import_latent_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.host, "Import a latent code", "",
                                              "Latent files (*.npz *.npy *.pt *.pth)")
        if path:
            self.import_latent(path)

    def import_latent(self, path: str, index: int = 0) -> bool:
        """Read an encoder's (or our) latent file for the open model, in the background; it becomes the base."""
        if self.session.model_info is None:
            self.host.show_status("Open a model first")
            return False
        if self.busy():
            self.host.show_status("A projection is running: wait for it or press Cancel")
            return False
        copy, gen = self.host.model_copy(), self.session.model_gen
        out: dict[str, Any] = {}

        def job(progress) -> str:
            from ..core.latents import load_latent_codes

            out["codes"] = load_latent_codes(path, self.model(copy), index=index).cpu().numpy()[0]
            return f"Imported {Path(path).name}"

        self._job = {"kind": "import", "gen": gen, "out": out, "name": Path(path).name}
        return self.runner.start(job)

    def save_latent_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self.host, "Save the photo's latent", "photo-latent.npz",
                                              "Latent files (*.npz)")
        if path:
            self.save_latent(path if path.endswith(".npz") else path + ".npz")

    def save_latent(self, path: str) -> bool:
        from ..core.latents import write_latent
        from ..util.atomic import WriteError

        r = self.last_result
        if r is None or self._model is None:
            self.host.show_status("Project a photo first")
            return False
        try:
            write_latent(path, r.codes, self._model[1], r.space, crop=self.last_crop, psnr=r.psnr, steps=r.steps)
        except (WriteError, ValueError) as e:
            self.host.show_error(first_line(e))
            return False
        self.host.show_status(f"Saved {path}")
        return True

    # -- back to seeds ---------------------------------------------------------------------------------------
    def back_to_seed(self) -> None:
        if isinstance(self.session.base, LatentBase):
            self.editor.set_base(SeedBase(self.seed_before), "Back to seed")

    # -- job results (GUI thread) ----------------------------------------------------------------------------
    @Slot(int, int)
    def _on_progress(self, done: int, total: int) -> None:
        self.panel.bar.setRange(0, max(1, total))
        self.panel.bar.setValue(done)

    @Slot(object)
    def _on_step(self, step: ProjectionStep) -> None:
        if not self.busy():
            return  # a late image from a cancelled run
        self.panel.live.setPixmap(array_pixmap(step.image))
        lp = f", LPIPS {step.lpips:.3f}" if step.lpips is not None else ""
        self.panel.status.setText(f"{step.stage}: step {step.step}/{step.total}, PSNR {step.psnr:.2f} dB{lp}")

    def _set_base(self, name: str, codes: np.ndarray, text: str) -> None:
        if isinstance(self.session.base, SeedBase):
            self.seed_before = self.session.base.seed
        base = LatentBase(name, codes)
        self._job["key"] = base.key
        self.editor.set_base(base, text)

    @Slot(str)
    def _on_finished(self, message: str) -> None:
        job = self._job
        self.panel.set_running(False)
        if job.get("gen") != self.session.model_gen:
            self.panel.status.setText("The model changed while it ran: the result was dropped")
            return
        if job["kind"] == "project":
            result = job["out"]["result"]
            self.last_result, self.last_crop = result, job["crop"]
            self.panel.live.setPixmap(array_pixmap(result.image))
            self.panel.status.setText(f"{message}. Every card now edits the photo; Back to Seed returns.")
            self._set_base(f"photo {job['name']}", result.codes.cpu().numpy()[0], "Project photo")
        else:
            self.last_result = None
            self.panel.status.setText(f"{message}: every card now edits it.")
            self._set_base(f"latent {job['name']}", job["out"]["codes"], "Import latent")
        self.host.show_status(message)
        self._update_actions()

    @Slot(str)
    def _on_failed(self, message: str) -> None:
        self.panel.set_running(False)
        self.panel.status.setText(message)
        self.host.show_error(message)

    @Slot()
    def _on_cancelled(self) -> None:
        self.panel.set_running(False)
        self.panel.status.setText("Projection cancelled: the base code is unchanged")
        self.host.show_status("Projection cancelled")


def _default_settings() -> ProjectionSettings:
    from ..core.projection import ProjectionSettings

    return ProjectionSettings()


def find_catalogue_lpips() -> LPIPS | None:
    """LPIPS from the catalogue's download folder, or None when its two files are not there."""
    from ..core.perceptual import LINEAR_ENTRY, VGG_ENTRY, PerceptualWeightsError, find_lpips
    from ..models.catalogue import CatalogueError, load_catalogue, models_cache_dir

    try:
        cat = load_catalogue()
        return find_lpips(models_cache_dir(), cat.require(VGG_ENTRY).filename, cat.require(LINEAR_ENTRY).filename)
    except (CatalogueError, PerceptualWeightsError):
        return None


def is_photo(path: str) -> bool:
    return Path(path).suffix.lower() in PHOTO_SUFFIXES


def install_photo_mode(window: QMainWindow) -> PhotoController:
    """`window` (gui/main_window.MainWindow) is both the PhotoHost and the owner of the dock, the
    actions and the dialogs."""
    return PhotoController(window, window)
