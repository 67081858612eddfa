"""The window's menu bar: File, Edit (with Undo/Redo), Presets, View, Help. Builds actions only; what
they do lives in the window and its controllers."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QMainWindow, QMenu

from ..core.layer_presets import PRESETS
from .export_menu import ExportAction

# `window` below is gui/main_window.MainWindow; typed as its Qt base because main_window imports this
# module (an import back would be a cycle).
MainWindow = QMainWindow


def add_action(window: MainWindow, menu: QMenu, text: str, slot: Callable[..., object],
               shortcut: QKeySequence.StandardKey | str | None = None) -> QAction:
    act = QAction(text, window)
    if isinstance(shortcut, QKeySequence.StandardKey):
        act.setShortcuts(shortcut)  # every binding the platform has (Redo: Ctrl+Shift+Z and Ctrl+Y)
    elif shortcut is not None:
        act.setShortcut(QKeySequence(shortcut))
    act.triggered.connect(slot)
    menu.addAction(act)
    window.addAction(act)  # shortcuts work even while the menu bar is hidden/native
    return act


def build_menus(window: MainWindow) -> None:
    w = window
    mb = w.menuBar()
    file_menu = w.file_menu = mb.addMenu("&File")
    add_action(w, file_menu, "&Open Checkpoint…", w.open_dialog, QKeySequence.StandardKey.Open)
    w.recent_menu = file_menu.addMenu("Open &Recent")
    w.recent_menu.aboutToShow.connect(w.fill_recent_menu)
    file_menu.addSeparator()
    w.export_menu = file_menu.addMenu("&Export")
    w.export_menu.aboutToShow.connect(w.fill_export_menu)
    w.export_actions += [
        ExportAction("Directions (.npz)…", w.export_directions, "Ctrl+E"),
        ExportAction("Preview Image (.png)…", w.export_preview, "Ctrl+Shift+S", needs_directions=False),
    ]
    file_menu.addSeparator()
    add_action(w, file_menu, "&Quit", w.close, QKeySequence.StandardKey.Quit)

    edit_menu = w.edit_menu = mb.addMenu("&Edit")
    w.undo_action = add_action(w, edit_menu, "&Undo", w.editor.undo, QKeySequence.StandardKey.Undo)
    w.redo_action = add_action(w, edit_menu, "&Redo", w.editor.redo, QKeySequence.StandardKey.Redo)
    edit_menu.addSeparator()
    add_action(w, edit_menu, "&Reset Edits", w.editor.reset_edits, "Ctrl+Backspace")
    edit_menu.addSeparator()
    add_action(w, edit_menu, "Random &Seed", w.preview.random_seed, "Ctrl+R")
    add_action(w, edit_menu, "&Previous Seed", lambda: w.preview.step_seed(-1), "Alt+Left")
    add_action(w, edit_menu, "&Next Seed", lambda: w.preview.step_seed(1), "Alt+Right")
    edit_menu.addSeparator()
    layers = edit_menu.addMenu("Select &Layers")
    for i, name in enumerate(PRESETS):
        add_action(w, layers, name.capitalize(), lambda _=False, n=name: w.layer_tree.apply_preset(n), f"Ctrl+{i + 1}")

    # Presets: filled by gui/presets_menu.PresetsController (saved presets, save, manage).
    w.presets_menu = mb.addMenu("&Presets")

    view_menu = w.view_menu = mb.addMenu("&View")
    for dock in (w.browser_dock, w.layers_dock, w.preview_dock):
        view_menu.addAction(dock.toggleViewAction())
    view_menu.addSeparator()
    w.device_menu = view_menu.addMenu("&Device")
    w.device_group = QActionGroup(w)
    w.device_group.setExclusive(True)

    help_menu = mb.addMenu("&Help")
    add_action(w, help_menu, "&About SeFa Desktop", w.about)
