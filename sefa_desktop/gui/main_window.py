"""The main window: model browser | layer tree | direction gallery | preview, menus, status bar.

The truth lives in an EditSession (sefa_desktop/session/): the widgets show it and turn what the user
does into SessionEditor actions (undoable); the RenderClient (gui/render_client.py) turns the session
into worker requests. This module wires them together. It imports neither torch nor anything that
does, so the window can show before torch has loaded.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QTimer, Signal, Slot
from PySide6.QtGui import QCloseEvent, QDragEnterEvent, QDropEvent, QImage
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QWidget,
)

from .. import __version__, settings
from ..core.layer_presets import row_ranges
from ..session import EditSession, History, SessionEditor
from ..session.state import AMPLITUDE, DIRECTIONS, EDITS, LABELS, LAYERS, MODEL, Change, DirectionSetState
from . import file_dialogs, file_exports
from .elided_label import ElidedLabel
from .export_menu import ExportAction, ExportController, fill_export_menu
from .gallery import THUMB_RADIUS, DirectionGallery, alphas_for
from .jobs import ModelCopy
from .layer_tree import LayerTree
from .model_browser import ModelBrowser
from .model_loading import ModelLoading
from .presets_menu import PresetsController
from .preview import PreviewPane
from .render_client import RenderClient
from .requests import DirectionsResult
from .theme_menu import install_theme_menu
from .window_layout import default_dock_widths, default_preview_share, restore_layout, save_layout, window_settings
from .window_menus import build_menus
from .worker import RenderWorker, WorkerThread

__all__ = ["CHECKPOINT_FILTER", "ExportAction", "MainWindow"]

CHECKPOINT_FILTER = "Generator checkpoints (*.pt *.pth *.pkl *.safetensors *.ckpt);;All files (*)"
THUMB_STEPS = 5


class MainWindow(QMainWindow):
    modelChanged = Signal(dict)  # after a model was loaded and shown (its info dict)
    directionsChanged = Signal()  # after a new direction set reached the gallery
    modelLoadFailed = Signal(str)  # the model the user asked for could not be opened

    def __init__(self, initial_model: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("SeFa Desktop")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        self.initial_model = initial_model
        self.qsettings = window_settings()

        # the truth, its history, and the worker that renders it
        self.session = EditSession()
        self.history = History()
        self.editor = SessionEditor(self.session, self.history)
        self.worker = RenderWorker()
        self.worker_thread = WorkerThread(self.worker, self)
        self.render = RenderClient(self.session, self.worker, self)
        self.render.thumb_alphas = alphas_for(self.session.amplitude, THUMB_STEPS)

        self.devices: list[str] = []
        self.engine_ready = False  # the worker has imported torch and listed the bundled models
        self._started = False
        self.export_actions: list[ExportAction] = []
        # Keyword arguments for the Catalogue tab's CatalogueView (tests inject a 127.0.0.1 catalogue and
        # a download policy here before the window is shown).
        self.catalogue_options: dict = {}
        self.catalogue_view = None
        self._docks_below: dict[int, QDockWidget] = {}  # id(pane) → the first dock put below it

        # panes
        self.browser = ModelBrowser()
        self.layer_tree = LayerTree()
        self.gallery = DirectionGallery()
        self.preview = PreviewPane(self.session, self.editor)
        self.preview.class_picker.message.connect(lambda text: self.show_status(text, 8000))
        self._build_gallery_header()
        # First run: a dismissable welcome above the gallery (gui/welcome.py, owned by packaging).
        from .welcome import install_welcome

        self.welcome = install_welcome(self)
        self.setCentralWidget(self.gallery)
        self.browser_dock = self._dock("Model", "modelDock", self.browser, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.layers_dock = self._dock("Layers", "layerDock", self.layer_tree, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.preview_dock = self._dock("Preview", "previewDock", self.preview, Qt.DockWidgetArea.RightDockWidgetArea)
        self.resizeDocks([self.browser_dock, self.preview_dock], [270, 470], Qt.Orientation.Horizontal)
        self.resizeDocks([self.browser_dock, self.layers_dock], [330, 470], Qt.Orientation.Vertical)
        self._build_status_bar()

        # worker → window (what is not a render result: readiness, devices, failures)
        self.worker.ready.connect(self._on_ready)
        self.worker.failed.connect(self._on_failed)
        self.worker.notice.connect(self._on_notice)
        self.worker.deviceChanged.connect(self._on_device_changed)
        # render results
        self.loading = ModelLoading(self.render, self.browser, self.qsettings, self)
        self.loading.loaded.connect(self._on_model_loaded)
        self.loading.failed.connect(self._on_load_failed)
        self.render.directionsReady.connect(self._on_directions)
        self.render.previewShown.connect(self._on_preview)
        self.render.thumbnailsReady.connect(self.gallery.model.add_thumbnails)
        self.render.thumbnailsInvalidated.connect(self._on_thumbnails_invalidated)
        # user actions → session (undoable) or loads
        self.browser.openRequested.connect(self.open_model)
        self.browser.openDialogRequested.connect(self.open_dialog)
        self.browser.cancelRequested.connect(self.cancel_load)
        self.layer_tree.selectionChanged.connect(self.editor.select_layers)
        self.gallery.thumbnailsWanted.connect(self._request_thumbnails)
        self.gallery.alphaDragged.connect(self._on_alpha_dragged)
        self.gallery.alphaCommitted.connect(self._on_alpha_committed)
        self.gallery.model.renamed.connect(self.editor.rename)
        # session → widgets
        self.session.subscribe(self._on_session_change)

        from .render_status import RenderStatus  # drafts, "thumbnails k/n", the preview's busy mark

        self.render_status = RenderStatus(self)
        build_menus(self)
        self.theme_menu = install_theme_menu(self, self.view_menu)  # View ▸ Theme: system / light / dark
        self.history.subscribe(self._update_undo_actions)
        self._update_undo_actions()
        # Exports, imports and presets: thin controllers over core/ (they import torch only when used).
        self.exports = ExportController(self, self)
        self.presets = PresetsController(self, self)
        self.modelLoadFailed.connect(self.presets.on_load_failed)
        # Labels, text search, pins, comparison and marks → boundaries (gui/meaning.py).
        from .meaning import install_meaning

        self.labels, self.marks = install_meaning(self, self)
        # Photo mode: open/drop a photo, crop, project in the background; import latents (gui/photo_mode.py).
        from .photo_mode import install_photo_mode

        self.photo = install_photo_mode(self)
        # Region tool on the preview → region directions in the gallery (gui/region_tool.py).
        from .region_tool import install_region_tool

        self.region_tool = install_region_tool(self)
        self.session.subscribe(self.render.schedule)  # last: renders see the widgets already updated
        self.resize(1400, 900)
        self._layout_restored = restore_layout(self, self.qsettings)
        self._set_busy("Starting… loading the rendering engine")

    # -- what the controllers see (gui/export_menu.py, gui/presets_menu.py) ---------------------------------
    @property
    def model_info(self) -> dict | None:
        return self.session.model_info

    @property
    def model_gen(self) -> int:
        return self.session.model_gen

    @property
    def dirs(self) -> DirectionSetState | None:
        """The direction set the gallery shows (vectors, values, layers, labels, dirset)."""
        return self.session.directions

    @property
    def dirs_gen(self) -> int:
        d = self.session.directions
        return 0 if d is None else d.id

    @property
    def directions_source(self) -> str:
        """The file the shown set was imported from; "" = factorized here."""
        d = self.session.directions
        return "" if d is None else d.source

    @property
    def frame_latencies_ms(self) -> list[float]:
        return self.render.frame_latencies_ms

    def model_copy(self) -> ModelCopy:
        """How an export job opens its own copy of the loaded model."""
        info = self.session.model_info
        assert info is not None
        return ModelCopy(source=info["source"], name=info["name"], resolution=int(info["resolution"]),
                         device=self.worker.device, loader=self.worker.loader)

    def current_row(self) -> int:
        """The focused gallery card, else the last active edit's direction, else the first."""
        idx = self.gallery.view.currentIndex()
        if idx.isValid():
            return idx.row()
        rows = [e.key[1] for e in self.session.edits if e.key[0] == self.dirs_gen]
        return rows[-1] if rows else 0

    def thumb_steps(self) -> int:
        return len(self.gallery.alphas)

    def cancel_factorize(self) -> None:
        self.render.cancel_factorize()

    def show_status(self, message: str, ms: int = 5000) -> None:
        self.statusBar().showMessage(message, ms)

    def add_dock(self, dock: QDockWidget, below: QDockWidget | None = None) -> None:
        """A controller's dock: where it was last time, else on the right (below `below`); View menu entry."""
        if not self.restoreDockWidget(dock):
            self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
            first = self._docks_below.get(id(below)) if below is not None else None
            if first is not None:  # panes below the same one share a tabbed area: a 700-px window fits
                self.tabifyDockWidget(first, dock)
                first.raise_()
            elif below is not None:
                self.splitDockWidget(below, dock, Qt.Orientation.Vertical)
                self._docks_below[id(below)] = dock
        self.view_menu.insertAction(self.view_menu.actions()[3], dock.toggleViewAction())

    # -- construction --------------------------------------------------------------------------------
    def _dock(self, title: str, name: str, widget: QWidget, area: Qt.DockWidgetArea) -> QDockWidget:
        dock = QDockWidget(title, self)
        dock.setObjectName(name)
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable)
        self.addDockWidget(area, dock)
        return dock

    def _build_gallery_header(self) -> None:
        header = QWidget(self.gallery)
        header.setObjectName("galleryHeader")
        self.gallery_title = QLabel("<b>Directions</b>", header)
        self.gallery_sub = ElidedLabel("", header)  # gives way in a narrow window (full text in its tooltip)
        self.gallery_sub.setObjectName("hint")
        self.range_spin = QDoubleSpinBox(header)
        self.range_spin.setObjectName("alphaRange")
        self.range_spin.setRange(0.5, 20.0)
        self.range_spin.setSingleStep(0.5)
        self.range_spin.setDecimals(1)
        self.range_spin.setPrefix("α ±")
        self.range_spin.setValue(self.session.amplitude)
        self.range_spin.setToolTip("The α range shown by the thumbnail strips (and reached by a full drag)")
        self.range_spin.valueChanged.connect(lambda v: self.session.set_amplitude(float(v)))
        row = QHBoxLayout(header)
        row.setContentsMargins(12, 10, 12, 4)
        row.addWidget(self.gallery_title)
        row.addWidget(self.gallery_sub, 1)
        row.addWidget(self.range_spin)
        self.gallery.layout().insertWidget(0, header)

    def _build_status_bar(self) -> None:
        self.device_label = QLabel("device: —")
        self.model_label = QLabel("no model")
        self.timing_label = QLabel("")
        self.error_label = QLabel("")
        self.error_label.setObjectName("statusError")
        self.error_label.setStyleSheet("color: #e5484d;")
        sb = self.statusBar()
        sb.setSizeGripEnabled(True)
        sb.addWidget(self.error_label, 1)
        for w in (self.model_label, self.timing_label, self.device_label):
            sb.addPermanentWidget(w)
        self._error_timer = QTimer(self)
        self._error_timer.setSingleShot(True)
        self._error_timer.timeout.connect(lambda: self.error_label.setText(""))

    def _update_undo_actions(self) -> None:
        h = self.history
        self.undo_action.setEnabled(h.can_undo)
        self.redo_action.setEnabled(h.can_redo)
        self.undo_action.setText(f"&Undo {h.undo_text}".rstrip())
        self.redo_action.setText(f"&Redo {h.redo_text}".rstrip())

    def add_export_action(self, action: ExportAction) -> None:
        self.export_actions.append(action)

    def fill_export_menu(self) -> None:
        fill_export_menu(self.export_menu, self.export_actions, has_directions=self.dirs is not None)

    def fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recents = settings.recent_models()
        for path in recents:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(lambda _=False, p=path: self.open_model(p))
        if not recents:
            self.recent_menu.addAction("No recent checkpoints").setEnabled(False)

    # -- window state ------------------------------------------------------------------------------
    def save_layout(self) -> None:
        save_layout(self, self.qsettings)

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._started:
            self._started = True
            if not self._layout_restored:  # first run, or a layout from a version with other docks
                self.first_run_layout()
            # Start after this show has been painted: the worker's first act is importing torch.
            QTimer.singleShot(0, self.worker_thread.start)

    def first_run_layout(self) -> None:
        """Docks sized for this screen when no layout was saved: the gallery widest, the preview image
        tallest (the tabbed panes below it start at about a fifth of the height)."""
        left, right = default_dock_widths(self.width())
        self.resizeDocks([self.browser_dock, self.preview_dock], [left, right], Qt.Orientation.Horizontal)
        lower = self._docks_below.get(id(self.preview_dock))
        if lower is not None:
            self.resizeDocks([self.preview_dock, lower], list(default_preview_share(self.height())),
                             Qt.Orientation.Vertical)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self.exports.shutdown()
        self.labels.shutdown()
        if self.catalogue_view is not None:
            self.catalogue_view.shutdown()
        self.render.shutdown()  # the render in flight stops at its next synthesis block
        if self.worker_thread.isRunning():
            self.worker_thread.quit()
            self.worker_thread.wait(10_000)  # one block (≤ ~1 s); a load in torch.load cannot stop sooner

    # -- drag and drop of checkpoints ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            from .photo_mode import is_photo

            if is_photo(files[0]):  # a photo to edit, not a checkpoint
                self.photo.open_photo(files[0])
            else:
                self.open_model(files[0])

    # -- models --------------------------------------------------------------------------------------
    @Slot(object)
    def _on_ready(self, info: dict) -> None:
        self.engine_ready = True
        self.devices = info["devices"]
        self.browser.set_bundled(info["bundled"])
        for dev in self.devices:
            act = self.device_menu.addAction(dev.upper())
            act.setCheckable(True)
            act.setChecked(dev == info["device"])
            act.triggered.connect(lambda _=False, d=dev: self.set_device(d))
            self.device_group.addAction(act)
        self._on_device_changed(info["device"])
        self._add_catalogue()
        self.presets.check_store()  # damaged preset files are moved aside and reported now
        # If the remembered model is gone, the loader says so and opens the bundled default instead.
        self.loading.open_first(self.initial_model, info["default"])

    def _add_catalogue(self) -> None:
        """The public-checkpoint catalogue, tabbed with the model browser. Built only now: it imports the
        models package (and so torch), which the worker has just loaded."""
        try:
            from .catalogue_view import CatalogueView

            view = CatalogueView(**self.catalogue_options)
        except Exception as e:  # a broken catalogue must not take the app down
            self.show_error(f"Catalogue unavailable: {e}")
            return
        view.open_requested.connect(self.open_model)
        self.catalogue_view = view
        self.catalogue_dock = QDockWidget("Catalogue", self)
        self.catalogue_dock.setObjectName("catalogueDock")
        self.catalogue_dock.setWidget(view)
        if not self.restoreDockWidget(self.catalogue_dock):
            self.tabifyDockWidget(self.browser_dock, self.catalogue_dock)
            self.browser_dock.raise_()
        self.view_menu.insertAction(self.view_menu.actions()[3], self.catalogue_dock.toggleViewAction())
        # Bundled and local checkpoints first (the Model pane), the public catalogue one click below them.
        browse = QPushButton("Download from the catalogue…", self.browser)
        browse.setObjectName("catalogueButton")
        browse.setToolTip("Public GAN checkpoints by family and dataset: download, then open")
        browse.clicked.connect(self.show_catalogue)
        self.browser.layout().addWidget(browse)

    def show_catalogue(self) -> None:
        if self.catalogue_view is not None:
            self.catalogue_dock.show()
            self.catalogue_dock.raise_()
            self.catalogue_view.filter_edit.setFocus()

    def open_dialog(self) -> None:
        start = str(Path(settings.recent_models()[0]).parent) if settings.recent_models() else str(Path.home())
        path, _ = QFileDialog.getOpenFileName(self, "Open generator checkpoint", start, CHECKPOINT_FILTER)
        if path:
            self.open_model(path)

    def open_model(self, source: str) -> None:
        """Open a checkpoint path or bundled name, as File ▸ Open does."""
        if not self.engine_ready:
            self.initial_model = source
            return
        source = self.loading.open(source)
        self.statusBar().showMessage(f"Loading {Path(source).name}…")
        self.render_status.loading(Path(source).name)

    def cancel_load(self) -> None:
        self.loading.cancel()
        self.statusBar().showMessage("Loading cancelled", 4000)

    @Slot(int, dict)
    def _on_model_loaded(self, gen: int, info: dict) -> None:
        self.history.clear()  # the steps of another model's session cannot be undone on this one
        self.session.set_model(info, gen)
        self.model_label.setText(f"{info['name']} · {info['family']} · {info['resolution']} px")
        self.setWindowTitle(f"{info['name']} — SeFa Desktop")
        self.statusBar().clearMessage()
        self.preview.image.set_message("Factorizing…")
        self.gallery_sub.setText("factorizing…")
        self.modelChanged.emit(info)

    @Slot(str)
    def _on_load_failed(self, message: str) -> None:
        self.statusBar().clearMessage()  # "Loading X…" is over; the error line and panel say why
        self.show_error(message)
        self.modelLoadFailed.emit(message)
        if self.session.model_info is None and not self.loading.fallback:
            self.preview.image.set_message("No model loaded.\nPick one on the left or open a checkpoint.")

    def set_device(self, device: str) -> None:
        self.render.set_device(device)

    @Slot(str)
    def _on_device_changed(self, device: str) -> None:
        self.device_label.setText(f"device: {device.upper()}")
        for act in self.device_group.actions():
            act.setChecked(act.text().lower() == device)
        if self.dirs is not None:
            self.render.request_preview()

    # -- directions ------------------------------------------------------------------------------------
    def refactorize(self, layers: list[int]) -> None:
        """Factorize these W+ rows now (presets, benches; the user's own selection goes through the
        layer tree and is undoable)."""
        rows = sorted({int(r) for r in layers})
        if rows == self.session.layers:
            self.render.factorize(rows)
            self.gallery_sub.setText("factorizing…")
        else:
            self.session.set_layers(rows)  # the render client factorizes on the change

    @Slot(object)
    def _on_directions(self, result: DirectionsResult) -> None:
        self.set_direction_result(result)

    def set_direction_result(self, result: DirectionsResult, names: list[str] | None = None,
                             source: str = "") -> None:
        """Show a direction set in the gallery: factorized by the worker, or imported from `source`."""
        self.session.add_direction_set("imported" if source else "sefa", result.vectors, result.values,
                                       result.layers, names or list(result.dirset.labels), source=source,
                                       dirset=result.dirset, model_gen=result.model_gen)

    # -- session → widgets ---------------------------------------------------------------------------------
    def _on_session_change(self, change: Change) -> None:
        s, a = self.session, change.aspects
        if MODEL in a and s.model_info is not None:
            self.layer_tree.set_layers(s.model_info["layers"])
            self.gallery.set_directions([])
            self.timing_label.setText("")  # the last frame time was the previous model's
        if LAYERS in a and MODEL not in a:
            self.layer_tree.show_selected(s.layers)
            self.gallery_sub.setText("factorizing…")
        if DIRECTIONS in a and s.directions is not None:
            self._show_directions(s.directions)
        elif LABELS in a and s.directions is not None:
            self.gallery.model.set_names(list(s.directions.labels))
        if EDITS in a or DIRECTIONS in a:
            self.gallery.model.set_alphas(s.row_alphas())
        if AMPLITUDE in a:
            self.gallery.set_amplitude(s.amplitude, THUMB_STEPS)
            self.render.thumb_alphas = self.gallery.alphas
            if self.range_spin.value() != s.amplitude:
                self.range_spin.setValue(s.amplitude)

    def _show_directions(self, d: DirectionSetState) -> None:
        self.gallery.set_directions(d.values, list(d.labels), d.kind)
        if self.session.num_layers > 1:
            self.layer_tree.show_selected(d.layers)  # an imported set shows its own rows
        multi = self.session.num_layers > 1
        where = f" · W+ rows {row_ranges(d.layers)}" if multi and d.layers else ""
        what = (f"imported from {Path(d.source).name}" if d.source else
                "for the region, most local first" if d.kind == "region" else "by eigenvalue")
        self.gallery_sub.setText(f"{len(d.values)} {what}{where} · drag a card sideways to edit")
        self.directionsChanged.emit()

    @Slot(tuple)
    def _on_thumbnails_invalidated(self, context: tuple) -> None:
        self.gallery.model.set_context(context)
        self.gallery.view.viewport().update()
        self.gallery.request_visible()

    def _request_thumbnails(self, rows: list[int]) -> None:
        dpr = self.gallery.view.devicePixelRatioF()
        self.render.request_thumbnails(rows, int(round(self.gallery.model.thumb_px * dpr)), THUMB_RADIUS * dpr,
                                       drafted=self.gallery.model.drafted_rows(rows))

    # -- edits ---------------------------------------------------------------------------------------------
    def _on_alpha_dragged(self, row: int, alpha: float) -> None:
        self.editor.set_row_alpha(row, alpha, drag=("gallery", self.gallery.drag_serial), draft=True)

    def _on_alpha_committed(self, row: int, alpha: float) -> None:
        self.editor.set_row_alpha(row, alpha, drag=("gallery", self.gallery.drag_serial), draft=False)

    @Slot(QImage, float, bool)
    def _on_preview(self, image: QImage, ms: float, draft: bool) -> None:
        self.preview.image.set_image(image)
        self.timing_label.setText(f"{ms:.0f} ms/frame{' (draft)' if draft else ''}")
        self._set_busy("")

    # -- file exports ---------------------------------------------------------------------------------------
    def export_directions(self) -> None:
        d = self.session.directions
        if d is None:
            return
        path, _ = file_dialogs.save_file(self, "Export directions", "directions.npz", "SeFa directions (*.npz)")
        if not path:
            return
        try:
            file_exports.save_directions(d, path)
        except (OSError, ValueError) as e:
            self.show_error(str(e))
            return
        self.statusBar().showMessage(f"Saved {Path(path).name}", 4000)

    def export_preview(self) -> None:
        image = self.preview.image.image
        if image is None:
            return
        path, _ = file_dialogs.save_file(self, "Export preview image", "preview.png", "PNG image (*.png)")
        if not path:
            return
        try:
            file_exports.save_image(image, path)
        except (OSError, ValueError) as e:
            self.show_error(str(e))
            return
        self.statusBar().showMessage(f"Saved {Path(path).name}", 4000)

    # -- messages -----------------------------------------------------------------------------------------
    @Slot(str, str)
    def _on_failed(self, purpose: str, message: str) -> None:
        what = {"preview": "Preview", "thumbs": "Thumbnails", "factorize": "Factorization",
                "device": "Device switch"}.get(purpose, purpose)
        self.show_error(f"{what} failed: {message}")
        if purpose == "factorize":
            self.gallery_sub.setText("factorization failed")

    @Slot(str)
    def _on_notice(self, message: str) -> None:
        self.statusBar().showMessage(message, 8000)

    def show_error(self, message: str) -> None:
        self.error_label.setText(f"⚠ {message}")
        self.error_label.setToolTip(message)
        self._error_timer.start(15_000)

    def _set_busy(self, message: str) -> None:
        if message:
            self.preview.image.set_message(message)
            self.statusBar().showMessage(message)
        elif self.statusBar().currentMessage().startswith("Starting"):
            self.statusBar().clearMessage()

    def about(self) -> None:
        QMessageBox.about(self, "About SeFa Desktop",
                          f"<b>SeFa Desktop {__version__}</b><p>Closed-form factorization of latent "
                          "semantics in GANs (Shen &amp; Zhou, CVPR 2021), as a desktop tool.</p>")
