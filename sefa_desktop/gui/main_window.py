"""The main window: model browser | layer tree | direction gallery | preview, menus, status bar.

All torch work goes through the RenderWorker (gui/worker.py); this module imports neither torch nor
anything that does, so the window can show before torch has loaded.
"""

from __future__ import annotations

import time
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QActionGroup, QCloseEvent, QDragEnterEvent, QDropEvent, QImage, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QMenu,
    QMessageBox,
    QPushButton,
    QTabWidget,
    QWidget,
)

from .. import __version__, settings
from .export_menu import ExportAction, ExportController
from .gallery import THUMB, THUMB_RADIUS, DirectionGallery, alphas_for
from .layer_tree import PRESETS, LayerTree, _ranges
from .model_browser import ModelBrowser
from .presets_menu import PresetsController
from .preview import ActiveEdit, PreviewPane
from .worker import EditSpec, PreviewRequest, RenderWorker, SampleSpec, ThumbRequest, WorkerThread

CHECKPOINT_FILTER = "Generator checkpoints (*.pt *.pth *.pkl *.safetensors *.ckpt);;All files (*)"
REST_MS = 120  # pointer resting this long during a drag → render the full-resolution frame
THUMB_STEPS = 5


class MainWindow(QMainWindow):
    modelChanged = Signal(dict)  # after a model was loaded and shown (its info dict)
    directionsChanged = Signal()  # after a new direction set reached the gallery

    def __init__(self, initial_model: str | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("mainWindow")
        self.setWindowTitle("SeFa Desktop")
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setTabPosition(Qt.DockWidgetArea.AllDockWidgetAreas, QTabWidget.TabPosition.North)
        self.initial_model = initial_model
        self.qsettings = QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)

        # state mirrored from the worker
        self.model_info: dict | None = None
        self.model_gen = 0
        self.dirs = None  # worker.DirectionsResult
        self.dirs_gen = 0
        self.devices: list[str] = []
        self._load_gen = 0
        self._fact_gen = 0
        self._preview_gen = 0
        self._shown_gen = 0
        self._requested_at: dict[int, float] = {}
        self.frame_latencies_ms: list[float] = []  # request → displayed, for the status bar and benches
        self._started = False
        self._ready = False
        self.export_actions: list[ExportAction] = []
        self._fallback = ""
        self.directions_source = ""  # "" = factorized here; else the file the set was imported from
        # Keyword arguments for the Catalogue tab's CatalogueView (tests inject a 127.0.0.1 catalogue and
        # a download policy here before the window is shown).
        self.catalogue_options: dict = {}
        self.catalogue_view = None

        # panes
        self.browser = ModelBrowser()
        self.layer_tree = LayerTree()
        self.gallery = DirectionGallery()
        self.preview = PreviewPane()
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

        # status bar
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

        # worker (started on first show, so torch is imported after the window appears)
        self.worker = RenderWorker()
        self.worker_thread = WorkerThread(self.worker, self)
        self.worker.ready.connect(self._on_ready)
        self.worker.modelLoaded.connect(self._on_model_loaded)
        self.worker.loadFailed.connect(self._on_load_failed)
        self.worker.directionsReady.connect(self._on_directions)
        self.worker.thumbnailsReady.connect(self._on_thumbnails)
        self.worker.previewReady.connect(self._on_preview)
        self.worker.failed.connect(self._on_failed)
        self.worker.notice.connect(self._on_notice)
        self.worker.deviceChanged.connect(self._on_device_changed)

        # wiring
        self.browser.openRequested.connect(self.open_model)
        self.browser.openDialogRequested.connect(self.open_dialog)
        self.browser.cancelRequested.connect(self.cancel_load)
        self.layer_tree.selectionChanged.connect(self.refactorize)
        self.gallery.thumbnailsWanted.connect(self._request_thumbnails)
        self.gallery.alphaDragged.connect(self._on_alpha_dragged)
        self.gallery.alphaCommitted.connect(self._on_alpha_committed)
        self.gallery.model.renamed.connect(self._on_renamed)
        self.preview.sampleChanged.connect(self._on_sample_changed)
        self.preview.editsChanged.connect(self._on_edits_changed)
        self._rest_timer = QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(REST_MS)
        self._rest_timer.timeout.connect(lambda: self.request_preview(draft=False))

        self._build_menus()
        # Exports, imports and presets: thin controllers over core/ (they import torch only when used).
        self.exports = ExportController(self)
        self.presets = PresetsController(self)
        self.resize(1400, 900)
        self._restore_layout()
        self._set_busy("Starting… loading the rendering engine")

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
        self.gallery_sub = QLabel("", header)
        self.gallery_sub.setObjectName("hint")
        self.range_spin = QDoubleSpinBox(header)
        self.range_spin.setObjectName("alphaRange")
        self.range_spin.setRange(0.5, 20.0)
        self.range_spin.setSingleStep(0.5)
        self.range_spin.setDecimals(1)
        self.range_spin.setPrefix("α ±")
        self.range_spin.setValue(self.gallery.amplitude)
        self.range_spin.setToolTip("The α range shown by the thumbnail strips (and reached by a full drag)")
        self.range_spin.valueChanged.connect(self._on_range_changed)
        row = QHBoxLayout(header)
        row.setContentsMargins(12, 10, 12, 4)
        row.addWidget(self.gallery_title)
        row.addWidget(self.gallery_sub, 1)
        row.addWidget(self.range_spin)
        self.gallery.layout().insertWidget(0, header)

    def _build_menus(self) -> None:
        mb = self.menuBar()
        file_menu = self.file_menu = mb.addMenu("&File")
        self._action(file_menu, "&Open Checkpoint…", self.open_dialog, QKeySequence.StandardKey.Open)
        self.recent_menu = file_menu.addMenu("Open &Recent")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        file_menu.addSeparator()
        self.export_menu = file_menu.addMenu("&Export")
        self.export_menu.aboutToShow.connect(self._fill_export_menu)
        self.export_actions += [
            ExportAction("Directions (.npz)…", self.export_directions, "Ctrl+E"),
            ExportAction("Preview Image (.png)…", self.export_preview, "Ctrl+Shift+S", needs_directions=False),
        ]
        file_menu.addSeparator()
        self._action(file_menu, "&Quit", self.close, QKeySequence.StandardKey.Quit)

        edit_menu = mb.addMenu("&Edit")
        self._action(edit_menu, "&Reset Edits", self.preview.clear_edits, "Ctrl+Backspace")
        edit_menu.addSeparator()
        self._action(edit_menu, "Random &Seed", self.preview.random_seed, "Ctrl+R")
        self._action(edit_menu, "&Previous Seed", lambda: self.preview.step_seed(-1), "Alt+Left")
        self._action(edit_menu, "&Next Seed", lambda: self.preview.step_seed(1), "Alt+Right")
        edit_menu.addSeparator()
        layers = edit_menu.addMenu("Select &Layers")
        for i, name in enumerate(PRESETS):
            self._action(layers, name.capitalize(), lambda _=False, n=name: self.layer_tree.apply_preset(n),
                         f"Ctrl+{i + 1}")

        # Presets: filled by gui/presets_menu.PresetsController (saved presets, save, manage).
        self.presets_menu = mb.addMenu("&Presets")

        view_menu = self.view_menu = mb.addMenu("&View")
        for dock in (self.browser_dock, self.layers_dock, self.preview_dock):
            view_menu.addAction(dock.toggleViewAction())
        view_menu.addSeparator()
        self.device_menu = view_menu.addMenu("&Device")
        self.device_group = QActionGroup(self)
        self.device_group.setExclusive(True)

        help_menu = mb.addMenu("&Help")
        self._action(help_menu, "&About SeFa Desktop", self._about)

    def _action(self, menu: QMenu, text: str, slot, shortcut=None) -> QAction:
        act = QAction(text, self)
        if shortcut is not None:
            act.setShortcut(QKeySequence(shortcut))
        act.triggered.connect(slot)
        menu.addAction(act)
        self.addAction(act)  # shortcuts work even while the menu bar is hidden/native
        return act

    def add_export_action(self, action: ExportAction) -> None:
        self.export_actions.append(action)

    def _fill_export_menu(self) -> None:
        self.export_menu.clear()
        for ea in self.export_actions:
            act = self.export_menu.addAction(ea.label)
            if ea.shortcut:
                act.setShortcut(QKeySequence(ea.shortcut))
            act.setEnabled(self.dirs is not None or not ea.needs_directions)
            act.triggered.connect(ea.callback)

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recents = settings.recent_models()
        for path in recents:
            act = self.recent_menu.addAction(Path(path).name)
            act.setToolTip(path)
            act.triggered.connect(lambda _=False, p=path: self.open_model(p))
        if not recents:
            self.recent_menu.addAction("No recent checkpoints").setEnabled(False)

    # -- window state ------------------------------------------------------------------------------
    def _restore_layout(self) -> None:
        # Always pass a default: a missing key would come back as an invalid QVariant (see docs/gui.md).
        geo = self.qsettings.value("window/geometry", QByteArray())
        state = self.qsettings.value("window/state", QByteArray())
        if isinstance(geo, QByteArray) and not geo.isEmpty():
            self.restoreGeometry(geo)
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def save_layout(self) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/state", self.saveState())
        self.qsettings.sync()

    def showEvent(self, event) -> None:  # noqa: N802
        super().showEvent(event)
        if not self._started:
            self._started = True
            # Start after this show has been painted: the worker's first act is importing torch.
            QTimer.singleShot(0, self.worker_thread.start)

    def closeEvent(self, event: QCloseEvent) -> None:  # noqa: N802
        self.save_layout()
        self.shutdown()
        super().closeEvent(event)

    def shutdown(self) -> None:
        self.exports.shutdown()
        if self.catalogue_view is not None:
            self.catalogue_view.shutdown()
        for purpose in ("load", "factorize", "preview", "thumbs"):
            self.worker.cancel(purpose)
        if self.worker_thread.isRunning():
            self.worker_thread.quit()
            self.worker_thread.wait(10_000)

    # -- drag and drop of checkpoints ---------------------------------------------------------------
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:  # noqa: N802
        if any(u.isLocalFile() for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:  # noqa: N802
        files = [u.toLocalFile() for u in event.mimeData().urls() if u.isLocalFile()]
        if files:
            event.acceptProposedAction()
            self.open_model(files[0])

    # -- models --------------------------------------------------------------------------------------
    @Slot(object)
    def _on_ready(self, info: dict) -> None:
        self._ready = True
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
        last = self.qsettings.value("model/last", "")
        first = self.initial_model or (str(last) if last else "") or info["default"]
        # If the remembered model is gone, say so and open the bundled default instead.
        self._fallback = info["default"] if first != info["default"] and not self.initial_model else ""
        self.open_model(first)

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
        if not self._ready:
            self.initial_model = source
            return
        bundled = {m["name"] for m in self.browser.bundled}
        path = Path(source).expanduser()
        if source not in bundled and path.exists():
            source = str(path.resolve())  # recents and "last model" must survive a change of directory
        self._load_gen = self.worker.submit("load", source)
        self.browser.set_loading(source)
        self.statusBar().showMessage(f"Loading {Path(source).name}…")

    def cancel_load(self) -> None:
        self.worker.cancel("load")
        self._load_gen = -1
        self.browser.set_idle()
        self.statusBar().showMessage("Loading cancelled", 4000)

    @Slot(int, object)
    def _on_model_loaded(self, gen: int, info: dict) -> None:
        if gen != self._load_gen:
            return
        self.model_info, self.model_gen = info, gen
        self._fallback = ""
        self.browser.set_loaded(info)
        self.layer_tree.set_layers(info["layers"])
        style = info["edit_space"] == "w"
        self.preview.set_model(style=style, truncation=style or info["family"] == "biggan")
        # BigGAN's truncation scales a truncated normal and must stay in (0, 1].
        self.preview.psi.setRange(*((0.05, 1.0) if info["family"] == "biggan" else (0.0, 1.5)))
        self.model_label.setText(f"{info['name']} · {info['family']} · {info['resolution']} px")
        self.setWindowTitle(f"{info['name']} — SeFa Desktop")
        self.statusBar().clearMessage()
        self.qsettings.setValue("model/last", info["source"])
        if Path(info["source"]).exists():  # a path: the worker has added it to the recents
            self.browser.refresh_recent()
        self.dirs = None
        self.directions_source = ""
        self.gallery.set_directions([])
        self.preview.image.set_message("Factorizing…")
        self.refactorize(self.layer_tree.selected())
        self.modelChanged.emit(info)

    @Slot(int, str)
    def _on_load_failed(self, gen: int, message: str) -> None:
        if gen != self._load_gen:
            return
        self.browser.set_failed(message)
        self.show_error(message)
        if self._fallback:
            fallback, self._fallback = self._fallback, ""
            self.open_model(fallback)
            self.browser.error.show()  # keep the explanation visible while the fallback loads
            return
        if self.model_info is None:
            self.preview.image.set_message("No model loaded.\nPick one on the left or open a checkpoint.")

    def set_device(self, device: str) -> None:
        self.worker.submit("device", device)

    @Slot(str)
    def _on_device_changed(self, device: str) -> None:
        self.device_label.setText(f"device: {device.upper()}")
        for act in self.device_group.actions():
            act.setChecked(act.text().lower() == device)
        if self.dirs is not None:
            self.request_preview()

    # -- directions ------------------------------------------------------------------------------------
    def refactorize(self, layers: list[int]) -> None:
        if self.model_info is None or not layers:
            return
        self._fact_gen = self.worker.submit("factorize", (self.model_gen, list(layers)))
        self.gallery_sub.setText("factorizing…")

    @Slot(int, object)
    def _on_directions(self, gen: int, result) -> None:
        if gen != self._fact_gen or result.model_gen != self.model_gen:
            return
        self.set_direction_result(result)

    def set_direction_result(self, result, names: list[str] | None = None, source: str = "") -> None:
        """Show a direction set in the gallery: factorized by the worker, or imported from `source`."""
        self.dirs = result
        self.dirs_gen += 1
        self.directions_source = source
        self.gallery.set_directions(result.values, names)
        self.gallery.model.set_context(self._thumb_context())
        multi = self.model_info is not None and self.model_info["num_layers"] > 1
        where = f" · W+ rows {_ranges(result.layers)}" if multi and result.layers else ""
        what = f"imported from {Path(source).name}" if source else "by eigenvalue"
        self.gallery_sub.setText(f"{len(result.values)} {what}{where} · drag a card sideways to edit")
        self.request_preview()
        self.gallery.request_visible()
        self.directionsChanged.emit()

    def _on_renamed(self, row: int, name: str) -> None:
        for e in self.preview.edits:
            if e.key == (self.dirs_gen, row):
                e.name = name or f"direction {row}"
                self.preview._rows[e.key].refresh()

    def _on_range_changed(self, value: float) -> None:
        self.gallery.amplitude = float(value)
        self.gallery.alphas = alphas_for(float(value), THUMB_STEPS)
        self.preview.amplitude = float(value)
        self.gallery.model.set_context(self._thumb_context())
        self.gallery.view.viewport().update()
        self.gallery.request_visible()

    # -- thumbnails ------------------------------------------------------------------------------------
    def _thumb_context(self) -> tuple:
        seed, psi, noise = self.preview.sample()
        return (self.model_gen, self.dirs_gen, seed, psi, noise, self.gallery.alphas)

    def _request_thumbnails(self, rows: list[int]) -> None:
        if self.dirs is None:
            return
        seed, psi, noise = self.preview.sample()
        dpr = self.gallery.view.devicePixelRatioF()
        size = int(round(THUMB * dpr))
        req = ThumbRequest(
            model_gen=self.model_gen, context=self._thumb_context(), sample=SampleSpec(seed, psi, noise),
            rows=tuple(rows), vectors={r: self.dirs.vectors[r] for r in rows},
            layers=tuple(self.dirs.layers) if self._style() else None, alphas=self.gallery.alphas, size=size,
            radius=THUMB_RADIUS * dpr)
        self.worker.submit("thumbs", req)

    @Slot(object, object)
    def _on_thumbnails(self, context: tuple, rows: list) -> None:
        self.gallery.model.add_thumbnails(context, rows)

    # -- edits and preview -----------------------------------------------------------------------------
    def _style(self) -> bool:
        return self.model_info is not None and self.model_info["edit_space"] == "w"

    def _edit_for_row(self, row: int, alpha: float) -> ActiveEdit:
        key = (self.dirs_gen, row)
        existing = self.preview.edit_for(key)
        if existing is not None:
            existing.alpha = alpha
            return existing
        assert self.dirs is not None
        return ActiveEdit(key, self.gallery.model.name(row), self.dirs.vectors[row].copy(), alpha,
                          tuple(self.dirs.layers))

    def _on_alpha_dragged(self, row: int, alpha: float) -> None:
        if self.dirs is not None:
            self.preview.set_edit(self._edit_for_row(row, alpha), draft=True)

    def _on_alpha_committed(self, row: int, alpha: float) -> None:
        if self.dirs is not None:
            self._rest_timer.stop()
            self.preview.set_edit(self._edit_for_row(row, alpha), draft=False)

    def _on_edits_changed(self, draft: bool) -> None:
        self.gallery.model.set_alphas({e.key[1]: e.alpha for e in self.preview.edits if e.key[0] == self.dirs_gen})
        self.request_preview(draft=draft)
        if draft:
            self._rest_timer.start()

    def _on_sample_changed(self) -> None:
        self.gallery.model.set_context(self._thumb_context())
        self.request_preview()
        self.gallery.request_visible()

    def request_preview(self, draft: bool = False) -> None:
        if self.model_info is None:
            return
        seed, psi, noise = self.preview.sample()
        n = self.model_info["num_layers"]
        edits = tuple(EditSpec(e.vector, e.alpha, e.layers(n, self._style())) for e in self.preview.edits)
        gen = self.worker.submit("preview", PreviewRequest(self.model_gen, SampleSpec(seed, psi, noise), edits,
                                                           draft))
        self._preview_gen = gen
        self._requested_at[gen] = time.perf_counter()
        if len(self._requested_at) > 512:
            for g in sorted(self._requested_at)[:256]:
                del self._requested_at[g]

    @Slot(int, QImage, float, bool)
    def _on_preview(self, gen: int, image: QImage, ms: float, draft: bool) -> None:
        if gen < self._shown_gen:
            return  # an older frame overtaken by a newer one
        self._shown_gen = gen
        self.preview.image.set_image(image)
        t0 = self._requested_at.pop(gen, None)
        if t0 is not None:
            self.frame_latencies_ms.append((time.perf_counter() - t0) * 1000)
        self.timing_label.setText(f"{ms:.0f} ms/frame{' (draft)' if draft else ''}")
        self._set_busy("")

    # -- export (hooks for the export feature) -------------------------------------------------------
    def export_directions(self) -> None:
        if self.dirs is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export directions", "directions.npz",
                                              "SeFa directions (*.npz)")
        if not path:
            return
        from ..core.direction_io import write_directions  # torch is loaded by now (directions exist)

        dirset = self.dirs.dirset
        dirset.labels = list(self.gallery.model.names)
        try:
            write_directions(dirset, path)
        except (OSError, ValueError) as e:
            self.show_error(str(e))
            return
        self.statusBar().showMessage(f"Saved {Path(path).name}", 4000)

    def export_preview(self) -> None:
        image = self.preview.image.image
        if image is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export preview image", "preview.png", "PNG image (*.png)")
        if not path:
            return
        from ..util.atomic import atomic_path

        try:
            with atomic_path(path, suffix=".png") as tmp:
                if not image.save(str(tmp), "PNG"):
                    raise OSError(f"could not write {path}")
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

    def _about(self) -> None:
        QMessageBox.about(self, "About SeFa Desktop",
                          f"<b>SeFa Desktop {__version__}</b><p>Closed-form factorization of latent "
                          "semantics in GANs (Shen &amp; Zhou, CVPR 2021), as a desktop tool.</p>")
