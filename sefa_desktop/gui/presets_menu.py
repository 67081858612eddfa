"""The Presets menu and pane: save the current set-up, list and apply saved presets, manage them.

Thin over presets.PresetStore (which writes atomically, keeps a backup and moves damaged files
aside with a message; those messages are shown in the status bar's error line). Applying a preset is
a small state machine over the window's own signals: open its model if another one is loaded
(→ modelChanged), select its layers and factorize (→ directionsChanged), then set seed, ψ, noise and
the edits with their α and rows.

presets.py is imported lazily: it pulls in the models package, and so torch, which the window must
not load before it is shown.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QInputDialog, QMainWindow, QMessageBox

from .layer_tree import preset_rows
from .preview import LAYER_CHOICES, ActiveEdit

SAVE_SHORTCUT = "Ctrl+S"  # free in the window (Ctrl+Shift+S exports the preview image)
SAME_VECTOR = 0.999  # |cos| above which a saved vector is "the same direction" as a gallery row


class PresetsController(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.w = window
        self.store: Any = None  # presets.PresetStore, made on first use
        self.pane: Any = None  # gui.presets_pane.PresetsPane, made by "Manage Presets…"
        self.dock: QDockWidget | None = None
        self.pending: Any = None  # the Preset being applied
        self.messages: list[str] = []  # from the last load of the store (files moved aside)

        menu = window.presets_menu
        menu.clear()
        self.save_action = QAction("&Save Current as Preset…", window)
        self.save_action.setShortcut(QKeySequence(SAVE_SHORTCUT))
        self.save_action.triggered.connect(lambda: self.ask_save())
        self.manage_action = QAction("&Manage Presets…", window)
        self.manage_action.triggered.connect(self.show_pane)
        window.addAction(self.save_action)
        menu.aboutToShow.connect(self.fill_menu)
        self.fill_menu()
        window.modelChanged.connect(self._on_model_changed)
        window.directionsChanged.connect(self._on_directions_changed)
        window.worker.loadFailed.connect(self._on_load_failed)

    # -- store ---------------------------------------------------------------------------------------
    def _store(self) -> Any:
        if self.store is None:
            from ..presets import PresetStore

            self.store = PresetStore()
        return self.store

    def load(self) -> list[Any]:
        """The saved presets; messages about damaged files go to the window's error line."""
        presets, self.messages = self._store().load_all()
        if self.messages:
            self.w.show_error(" · ".join(self.messages))
        return presets

    def fill_menu(self) -> None:
        menu = self.w.presets_menu
        menu.clear()
        if not self.w._ready:  # the store's module loads torch; wait until the worker has
            menu.addAction("Starting…").setEnabled(False)
            return
        presets = self.load()
        for p in presets:
            act = menu.addAction(p.name)
            act.setToolTip(f"{Path(p.model.ref).name} · {len(p.edits)} edit(s) · seed {p.seeds[0]}")
            act.triggered.connect(lambda _=False, name=p.name: self.apply_named(name))
        if not presets:
            menu.addAction("No presets yet").setEnabled(False)
        menu.addSeparator()
        self.save_action.setEnabled(self.w.model_info is not None and self.w.dirs is not None)
        menu.addAction(self.save_action)
        menu.addAction(self.manage_action)

    def check_store(self) -> None:
        """At start-up: read every preset once so damaged files are moved aside and reported now."""
        try:
            self.load()
        except Exception as e:  # the app starts whatever is in that folder
            self.w.show_error(f"Presets unavailable: {e}")

    # -- saving ----------------------------------------------------------------------------------------
    def current_preset(self, name: str = "") -> Any:
        """The window's set-up as a Preset (model reference + hash, layers, seed, ψ, noise, edits)."""
        from ..presets import Preset, PresetEdit, PresetError, model_ref

        w = self.w
        info = w.model_info
        if info is None or w.dirs is None:
            raise PresetError("open a model first")
        n, style = int(info["num_layers"]), info["edit_space"] == "w"
        edits = []
        for e in w.preview.edits:
            rows = e.layers(n, style)
            edits.append(PresetEdit(name=e.name, index=e.key[1] if e.key[0] == w.dirs_gen else None,
                                    alpha=float(e.alpha), layers=None if rows is None else list(rows),
                                    vector=[float(x) for x in np.asarray(e.vector, np.float64)]))
        seed, psi, noise = w.preview.sample()
        return Preset(name=name, model=model_ref(info["source"]), layers=list(w.dirs.layers), edits=edits,
                      seeds=[seed], truncation=psi, noise_mode=noise,
                      directions_file=w.directions_source or None)

    def save_current(self, name: str) -> bool:
        from ..presets import PresetError

        try:
            self._store().save(self.current_preset(name))
        except (PresetError, OSError) as e:
            self.w.show_error(f"Could not save the preset: {e}")
            return False
        self.w.statusBar().showMessage(f"Saved preset '{name}'", 5000)
        if self.pane is not None:
            self.pane.refresh()
        return True

    def ask_save(self) -> None:
        if self.w.model_info is None or self.w.dirs is None:
            self.w.show_error("Nothing to save yet: open a model first")
            return
        name, ok = QInputDialog.getText(self.w, "Save preset", "Preset name:",
                                        text=f"{self.w.model_info['name']} seed {self.w.preview.sample()[0]}")
        name = name.strip()
        if not ok or not name:
            return
        if self._store().path_for(name).exists() and QMessageBox.question(
                self.w, "Replace preset", f"A preset named '{name}' exists. Replace it?") \
                != QMessageBox.StandardButton.Yes:
            return
        self.save_current(name)

    # -- the pane --------------------------------------------------------------------------------------
    def show_pane(self) -> None:
        if self.pane is None:
            from .presets_pane import PresetsPane

            self.pane = PresetsPane(self._store())
            self.pane.set_current_provider(self.current_preset)
            self.pane.apply_requested.connect(self.apply)
            self.dock = QDockWidget("Presets", self.w)
            self.dock.setObjectName("presetsDock")
            self.dock.setWidget(self.pane)
            if not self.w.restoreDockWidget(self.dock):
                self.w.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, self.dock)
                self.w.splitDockWidget(self.w.preview_dock, self.dock, Qt.Orientation.Vertical)
            self.w.view_menu.insertAction(self.w.view_menu.actions()[3], self.dock.toggleViewAction())
        else:
            self.pane.refresh()
        assert self.dock is not None
        self.dock.show()
        self.dock.raise_()

    # -- applying --------------------------------------------------------------------------------------
    def apply_named(self, name: str) -> None:
        from ..presets import PresetError

        try:
            preset = self._store().get(name)
        except PresetError as e:
            self.w.show_error(str(e))
            return
        self.apply(preset)

    def apply(self, preset: Any) -> None:
        from ..presets import model_status

        w = self.w
        try:
            status = model_status(preset)
        except OSError as e:
            status = f"unreadable ({e.strerror or e})"
        if status == "missing":
            w.show_error(f"Preset '{preset.name}': its model {preset.model.ref} is not there any more")
            return
        if status == "changed":
            w.show_error(f"Preset '{preset.name}': the file {Path(preset.model.ref).name} changed since the "
                         "preset was saved; its directions may differ (the edits use the saved vectors)")
        elif status != "ok":
            w.show_error(f"Preset '{preset.name}': model file {status}")
        self.pending = preset
        w.statusBar().showMessage(f"Applying preset '{preset.name}'…", 5000)
        if w.model_info is None or not self._same_model(w.model_info["source"], preset.model.ref):
            w.open_model(preset.model.ref)  # continues in _on_model_changed
            return
        self._select_layers()

    @staticmethod
    def _same_model(source: str, ref: str) -> bool:
        if source == ref:
            return True
        a, b = Path(source).expanduser(), Path(ref).expanduser()
        return a.exists() and b.exists() and a.resolve() == b.resolve()

    def _preset_layers(self) -> list[int]:
        info = self.w.model_info
        assert info is not None and self.pending is not None
        n = int(info["num_layers"])
        rows = [r for r in (self.pending.layers or []) if 0 <= r < n]
        return sorted(set(rows)) or list(range(n))

    def _select_layers(self) -> None:
        w = self.w
        rows = self._preset_layers()
        if w.dirs is not None and not w.directions_source and list(w.dirs.layers) == rows:
            self._finish()
            return
        w.layer_tree.set_layers(w.model_info["layers"], selected=rows)  # emits nothing
        w.refactorize(rows)  # continues in _on_directions_changed

    def _on_model_changed(self, info: dict) -> None:
        if self.pending is not None:
            if self._same_model(info["source"], self.pending.model.ref):
                self._select_layers()
            else:  # the user opened something else meanwhile
                self.pending = None

    def _on_directions_changed(self) -> None:
        w = self.w
        if self.pending is None or w.dirs is None or w.directions_source:
            return
        if list(w.dirs.layers) == self._preset_layers():
            self._finish()

    def _on_load_failed(self, gen: int, message: str) -> None:
        if self.pending is not None and gen == self.w._load_gen:
            self.w.show_error(f"Preset '{self.pending.name}': {message}")
            self.pending = None

    def _finish(self) -> None:
        preset, self.pending = self.pending, None
        w = self.w
        info, dirs = w.model_info, w.dirs
        assert preset is not None and info is not None and dirs is not None
        n, style = int(info["num_layers"]), info["edit_space"] == "w"
        pv = w.preview
        pv.seed.setValue(int(preset.seeds[0]) if preset.seeds else 0)
        if pv.psi.isEnabled():
            pv.psi.setValue(float(preset.truncation))
        i = pv.noise.findData(preset.noise_mode)
        if i >= 0 and pv.noise.isEnabled():
            pv.noise.setCurrentIndex(i)
        pv.clear_edits()
        skipped = 0
        for k, pe in enumerate(preset.edits):
            edit = self._active_edit(k, pe, dirs, n, style)
            if edit is None:
                skipped += 1
                continue
            pv.set_edit(edit)
        note = f" ({skipped} edit(s) did not fit this model)" if skipped else ""
        w.statusBar().showMessage(f"Applied preset '{preset.name}'{note}", 6000)
        if skipped:
            w.show_error(f"Preset '{preset.name}': {skipped} edit(s) did not fit this model and were left out")

    def _active_edit(self, k: int, pe: Any, dirs: Any, n: int, style: bool) -> ActiveEdit | None:
        """A preset edit as an active edit: on its gallery row when the saved vector is that row's
        direction (or no vector was saved), otherwise with the saved vector on its own."""
        w = self.w
        vecs = np.asarray(dirs.vectors, np.float32)
        saved = None if pe.vector is None else np.asarray(pe.vector, np.float32)
        if saved is not None and saved.shape != (vecs.shape[1],):
            return None
        row = pe.index if pe.index is not None and 0 <= pe.index < len(vecs) else None
        if row is not None and saved is not None and float(vecs[row] @ saved) < SAME_VECTOR * float(
                np.linalg.norm(saved)):
            row = None  # the factorization changed (or the file did): keep the exact saved direction
        if row is None and saved is None:
            return None
        base = tuple(dirs.layers)
        rows = tuple(pe.layers) if pe.layers else base
        choice = "selected"
        if style and rows != base:
            choice = next((c for c in LAYER_CHOICES[1:] if tuple(preset_rows(c, n)) == rows), "")
            if not choice:  # rows no named range gives: make them the edit's own "factorized rows"
                choice, base = "selected", rows
        if row is not None:
            names = w.gallery.model.names
            if pe.name and not names[row] and pe.name != f"direction {row}":
                names[row] = pe.name  # restore the card's name given before saving
            return ActiveEdit((w.dirs_gen, row), pe.name or w.gallery.model.name(row), vecs[row].copy(),
                              float(pe.alpha), base, choice)
        return ActiveEdit((-1, k), pe.name or f"saved direction {k}", saved, float(pe.alpha), base, choice)
