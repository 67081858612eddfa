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
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDockWidget, QMenu, QMessageBox, QWidget

from ..core.layer_presets import preset_rows
from ..presets import Preset, PresetEdit, PresetError, PresetStore, model_ref, model_status
from ..session import EditSession, SessionEditor
from ..session.state import DIRECTIONS, LAYER_CHOICES, MODEL, Change, DirectionSetState, Edit, LatentBase, SeedBase
from .presets_pane import PresetsPane
from .save_preset_dialog import ask_preset_name

SAVE_SHORTCUT = "Ctrl+S"  # free in the window (Ctrl+Shift+S exports the preview image)
SAME_VECTOR = 0.999  # |cos| above which a saved vector is "the same direction" as a gallery row


class PresetsHost(Protocol):
    """What the presets controller needs of the window, and nothing more."""

    session: EditSession
    editor: SessionEditor
    presets_menu: QMenu
    preview_dock: QDockWidget
    engine_ready: bool  # the worker is up (the store's first use reads model files)

    def show_error(self, message: str) -> None: ...
    def show_status(self, message: str, ms: int = 5000) -> None: ...
    def open_model(self, source: str) -> None: ...
    def refactorize(self, layers: list[int]) -> None: ...
    def add_dock(self, dock: QDockWidget, below: QDockWidget | None = None) -> None: ...


class PresetsController(QObject):
    def __init__(self, host: PresetsHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.parent_widget = parent  # owner of the actions, the dock and the dialogs
        self.session = host.session
        self.store: PresetStore | None = None  # made on first use
        self.pane: PresetsPane | None = None  # made by "Manage Presets…"
        self.dock: QDockWidget | None = None
        self.pending: Preset | None = None  # the Preset being applied
        self.messages: list[str] = []  # from the last load of the store (files moved aside)

        menu = host.presets_menu
        menu.clear()
        self.save_action = QAction("&Save Current as Preset…", parent)
        self.save_action.setShortcut(QKeySequence(SAVE_SHORTCUT))
        self.save_action.triggered.connect(lambda: self.ask_save())
        self.manage_action = QAction("&Manage Presets…", parent)
        self.manage_action.triggered.connect(self.show_pane)
        parent.addAction(self.save_action)
        menu.aboutToShow.connect(self.fill_menu)
        self.fill_menu()
        self.session.subscribe(self._on_session_change)

    # -- store ---------------------------------------------------------------------------------------
    def _store(self) -> PresetStore:
        if self.store is None:
            self.store = PresetStore()
        return self.store

    def load(self) -> list[Preset]:
        """The saved presets; messages about damaged files go to the window's error line."""
        presets, self.messages = self._store().load_all()
        if self.messages:
            self.host.show_error(" · ".join(self.messages))
        return presets

    def fill_menu(self) -> None:
        menu = self.host.presets_menu
        menu.clear()
        if not self.host.engine_ready:  # the store's module loads torch; wait until the worker has
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
        self.save_action.setEnabled(self.session.model_info is not None and self.session.directions is not None)
        menu.addAction(self.save_action)
        menu.addAction(self.manage_action)

    def check_store(self) -> None:
        """At start-up: read every preset once so damaged files are moved aside and reported now."""
        try:
            self.load()
        except Exception as e:  # the app starts whatever is in that folder
            self.host.show_error(f"Presets unavailable: {e}")

    # -- saving ----------------------------------------------------------------------------------------
    def current_preset(self, name: str = "") -> Preset:
        """The session's set-up as a Preset (model reference + hash, layers, seed, ψ, noise, edits)."""
        s = self.session
        info, d = s.model_info, s.directions
        if info is None or d is None:
            raise PresetError("open a model first")
        edits = []
        for e in s.edits:
            rows = e.layers(s.num_layers, s.style, s.row_resolutions)
            edits.append(PresetEdit(name=e.name, index=e.key[1] if e.key[0] == d.id else None,
                                    alpha=float(e.alpha), layers=None if rows is None else list(rows),
                                    vector=[float(x) for x in np.asarray(e.vector, np.float64)]))
        seed, psi, noise = s.sample()
        latent = None
        if isinstance(s.base, LatentBase):  # a projected photo or an imported latent travels with the preset
            latent = {"name": s.base.name, "shape": list(s.base.codes.shape),
                      "codes": [float(x) for x in s.base.codes.reshape(-1)]}
        return Preset(name=name, model=model_ref(info["source"]), layers=list(d.layers), edits=edits,
                      seeds=[seed], truncation=psi, noise_mode=noise, directions_file=d.source or None,
                      latent=latent, class_index=s.class_index if s.class_conditional else None)

    def save_current(self, name: str) -> bool:
        try:
            self._store().save(self.current_preset(name))
        except (PresetError, OSError) as e:
            self.host.show_error(f"Could not save the preset: {e}")
            return False
        self.host.show_status(f"Saved preset '{name}'", 5000)
        if self.pane is not None:
            self.pane.refresh()
        return True

    def ask_save(self) -> None:
        s = self.session
        if s.model_info is None or s.directions is None:
            self.host.show_error("Nothing to save yet: open a model first")
            return
        n = len(s.edits)
        summary = (f"{s.model_info['name']}, seed {s.seed}, {n} active edit{'s' if n != 1 else ''}: the model, "
                   "layers, seed, ψ, noise mode and every edit (name, α, rows) are kept.")
        name = ask_preset_name(self.parent_widget, f"{s.model_info['name']} seed {s.seed}", summary)
        if not name:
            return
        if self._store().path_for(name).exists() and QMessageBox.question(
                self.parent_widget, "Replace preset", f"A preset named '{name}' exists. Replace it?") \
                != QMessageBox.StandardButton.Yes:
            return
        self.save_current(name)

    # -- the pane --------------------------------------------------------------------------------------
    def show_pane(self) -> None:
        if self.pane is None:
            self.pane = PresetsPane(self._store())
            self.pane.set_current_provider(self.current_preset)
            self.pane.apply_requested.connect(self.apply)
            self.dock = QDockWidget("Presets", self.parent_widget)
            self.dock.setObjectName("presetsDock")
            self.dock.setWidget(self.pane)
            self.host.add_dock(self.dock, below=self.host.preview_dock)
        else:
            self.pane.refresh()
        assert self.dock is not None
        self.dock.show()
        self.dock.raise_()

    # -- applying --------------------------------------------------------------------------------------
    def apply_named(self, name: str) -> None:
        try:
            preset = self._store().get(name)
        except PresetError as e:
            self.host.show_error(str(e))
            return
        self.apply(preset)

    def apply(self, preset: Preset) -> None:
        try:
            status = model_status(preset)
        except OSError as e:
            status = f"unreadable ({e.strerror or e})"
        if status == "missing":
            self.host.show_error(f"Preset '{preset.name}': its model {preset.model.ref} is not there any more")
            return
        if status == "changed":
            self.host.show_error(f"Preset '{preset.name}': the file {Path(preset.model.ref).name} changed since "
                                 "the preset was saved; its directions may differ (the edits use the saved vectors)")
        elif status != "ok":
            self.host.show_error(f"Preset '{preset.name}': model file {status}")
        self.pending = preset
        self.host.show_status(f"Applying preset '{preset.name}'…", 5000)
        info = self.session.model_info
        if info is None or not self._same_model(info["source"], preset.model.ref):
            self.host.open_model(preset.model.ref)  # continues when the session has the model
            return
        self._select_layers()

    @staticmethod
    def _same_model(source: str, ref: str) -> bool:
        if source == ref:
            return True
        try:  # a reference like ~nosuchuser/m.pth cannot even be expanded
            a, b = Path(source).expanduser(), Path(ref).expanduser()
            return a.exists() and b.exists() and a.resolve() == b.resolve()
        except (RuntimeError, OSError, ValueError):
            return False

    def _preset_layers(self) -> list[int]:
        assert self.pending is not None
        n = self.session.num_layers
        rows = [r for r in (self.pending.layers or []) if 0 <= r < n]
        return sorted(set(rows)) or list(range(n))

    def _select_layers(self) -> None:
        rows = self._preset_layers()
        d = self.session.directions
        if d is not None and not d.source and list(d.layers) == rows:
            self._finish()
            return
        self.host.refactorize(rows)  # continues when the directions arrive

    def _on_session_change(self, change: Change) -> None:
        if self.pending is None:
            return
        s = self.session
        if MODEL in change.aspects and s.model_info is not None:
            if self._same_model(s.model_info["source"], self.pending.model.ref):
                self._select_layers()
            else:  # the user opened something else meanwhile
                self.pending = None
        elif DIRECTIONS in change.aspects:
            d = s.directions
            if d is not None and not d.source and list(d.layers) == self._preset_layers():
                self._finish()

    def on_load_failed(self, message: str) -> None:
        """The model load the window asked for failed (the preset's, when one is pending)."""
        if self.pending is not None:
            self.host.show_error(f"Preset '{self.pending.name}': {message}")
            self.pending = None

    def _finish(self) -> None:
        preset, self.pending = self.pending, None
        s = self.session
        d = s.directions
        assert preset is not None and s.model_info is not None and d is not None
        edits: list[Edit] = []
        skipped = 0
        for k, pe in enumerate(preset.edits):
            edit = self._edit(k, pe, d)
            if edit is None:
                skipped += 1
            else:
                edits.append(edit)
        biggan = s.model_info["family"] == "biggan"
        lo, hi = (0.05, 1.0) if biggan else (0.0, 1.5)  # the ψ box's range for this family
        psi = min(hi, max(lo, float(preset.truncation))) if s.style or biggan else None
        noise = preset.noise_mode if s.style and preset.noise_mode in ("const", "random", "none") else None
        base: SeedBase | LatentBase = SeedBase(int(preset.seeds[0]) if preset.seeds else 0)
        if preset.latent is not None:
            base = LatentBase(preset.latent["name"],
                              np.asarray(preset.latent["codes"], np.float32).reshape(preset.latent["shape"]))
        # The saved class where this model has it; a preset without one shows the model's default class.
        c = preset.class_index
        n_classes = int(s.model_info.get("num_classes", 0)) if s.class_conditional else 0
        class_index = c if c is not None and c < n_classes else None
        self.host.editor.apply_setup(base, psi, noise, edits, f"Apply preset '{preset.name}'",
                                     class_index=class_index)
        note = f" ({skipped} edit(s) did not fit this model)" if skipped else ""
        if c is not None and class_index is None:
            note += f" (its class {c} does not exist in this model)"
        self.host.show_status(f"Applied preset '{preset.name}'{note}", 6000)
        if skipped:
            self.host.show_error(f"Preset '{preset.name}': {skipped} edit(s) did not fit this model and were "
                                 "left out")

    def _edit(self, k: int, pe: PresetEdit, d: DirectionSetState) -> Edit | None:
        """A preset edit as an active edit: on its gallery row when the saved vector is that row's
        direction (or no vector was saved), otherwise with the saved vector on its own."""
        n, style = self.session.num_layers, self.session.style
        vecs = np.asarray(d.vectors, np.float32)
        saved = None if pe.vector is None else np.asarray(pe.vector, np.float32)
        if saved is not None and saved.shape != (vecs.shape[1],):
            return None
        row = pe.index if pe.index is not None and 0 <= pe.index < len(vecs) else None
        if row is not None and saved is not None and float(vecs[row] @ saved) < SAME_VECTOR * float(
                np.linalg.norm(saved)):
            row = None  # the factorization changed (or the file did): keep the exact saved direction
        if row is None and saved is None:
            return None
        base = tuple(d.layers)
        rows = tuple(pe.layers) if pe.layers else base
        choice = "selected"
        if style and rows != base:
            res = self.session.row_resolutions
            choice = next((c for c in LAYER_CHOICES[1:] if tuple(preset_rows(c, n, res)) == rows), "")
            if not choice:  # rows no named range gives: make them the edit's own "factorized rows"
                choice, base = "selected", rows
        if row is not None:
            if pe.name and not d.labels[row] and pe.name != f"direction {row}":
                self.session.set_label(d.id, row, pe.name)  # restore the card's name given before saving
            return Edit((d.id, row), pe.name or d.name(row), vecs[row].copy(), float(pe.alpha), base, choice)
        return Edit((-1, k), pe.name or f"saved direction {k}", saved, float(pe.alpha), base, choice)
