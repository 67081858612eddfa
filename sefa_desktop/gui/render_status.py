"""Honest progress in the window: draft thumbnails into the gallery, "thumbnails 12/25" while the
visible cards fill, and a busy mark on the preview whenever the frame shown is not the current one.

Wires the render client, the gallery model, the preview and the status bar together; the window
creates one (`RenderStatus(window)`) and keeps no state of its own for this.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QLabel

from ..session.state import DIRECTIONS, EDITS, HOLDS, MODEL, SAMPLE, Change
from .render_plan import thumbnail_progress


class RenderStatus(QObject):
    def __init__(self, window: Any) -> None:  # the MainWindow (not imported: it imports this module)
        super().__init__(window)
        self.w = window
        self.progress = QLabel("")
        self.progress.setObjectName("thumbnailProgress")
        window.statusBar().addPermanentWidget(self.progress)
        model = window.gallery.model
        window.render.thumbnailDraftsReady.connect(lambda ctx, rows: model.add_thumbnails(ctx, rows, draft=True))
        model.rowsChanged.connect(self._later)
        model.modelReset.connect(self._later)
        window.gallery.view.verticalScrollBar().valueChanged.connect(self._later)
        window.render.previewShown.connect(self._on_preview)
        window.render.loadFailed.connect(lambda *_: window.preview.image.set_busy(""))
        window.worker.failed.connect(lambda purpose, _msg: self._on_failed(purpose))
        window.session.subscribe(self._on_change)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(50)  # one label update per burst of arriving strips
        self._timer.timeout.connect(self.update_progress)

    def _later(self, *_args: object) -> None:
        self._timer.start()

    def update_progress(self) -> None:
        g = self.w.gallery
        visible = list(g.visible_rows()) if g.model.context is not None else []
        self.progress.setText(thumbnail_progress(visible, g.model.sharp_rows()))

    def loading(self, name: str) -> None:
        """A model is loading: the frame shown belongs to the previous one."""
        self.w.preview.image.set_busy(f"Loading {name}…")

    def _on_change(self, change: Change) -> None:
        a = change.aspects
        if self.w.session.model_info is None:
            return
        if a & {MODEL, SAMPLE, DIRECTIONS, HOLDS}:
            self.w.preview.image.set_busy("Rendering…")  # another image is coming: this one is stale
        elif EDITS in a and not change.draft:
            self.w.preview.image.set_busy("Rendering full frame…", veil=False)

    def _on_preview(self, image: QImage, ms: float, draft: bool) -> None:
        image_view = self.w.preview.image
        if not self.w.render.frame_current:
            image_view.set_busy("Rendering…", veil=False)  # a newer frame is on its way
        elif draft:
            image_view.set_busy("")  # the drag's freshest frame: the sharp one follows when it rests
        else:
            image_view.set_busy("")
            if self.w.statusBar().currentMessage().startswith("Rendering"):
                self.w.statusBar().clearMessage()

    def _on_failed(self, purpose: str) -> None:
        if purpose == "preview":
            self.w.preview.image.set_busy("")
