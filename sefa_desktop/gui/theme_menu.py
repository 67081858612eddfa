"""View ▸ Theme: System, Light or Dark, applied at once and remembered for the next start."""

from __future__ import annotations

from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QApplication, QMainWindow, QMenu

from .theme import THEMES, apply_choice, current_choice

LABELS = {"system": "&System", "light": "&Light", "dark": "&Dark"}


def install_theme_menu(window: QMainWindow, view_menu: QMenu) -> QMenu:
    """Add the Theme submenu to `view_menu`; its actions carry objectNames theme-system/-light/-dark."""
    menu = view_menu.addMenu("&Theme")
    menu.setObjectName("themeMenu")
    group = QActionGroup(window)
    group.setExclusive(True)
    for choice in THEMES:
        act = QAction(LABELS[choice], window)
        act.setObjectName(f"theme-{choice}")
        act.setCheckable(True)
        act.setChecked(choice == current_choice())
        act.triggered.connect(lambda _=False, c=choice: _choose(c))
        group.addAction(act)
        menu.addAction(act)
    menu.aboutToShow.connect(lambda: [a.setChecked(a.objectName() == f"theme-{current_choice()}")
                                      for a in group.actions()])
    return menu


def _choose(choice: str) -> None:
    app = QApplication.instance()
    if app is not None:
        apply_choice(app, choice, remember=True)
