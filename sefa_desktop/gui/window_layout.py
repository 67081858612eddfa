"""Where the window's docks and geometry are remembered between runs (window.ini in the config folder)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from .. import settings


def window_settings() -> QSettings:
    return QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)


def restore_layout(window: QMainWindow, qsettings: QSettings) -> None:
    # Always pass a default: a missing key would come back as an invalid QVariant (see docs/gui.md).
    geo = qsettings.value("window/geometry", QByteArray())
    state = qsettings.value("window/state", QByteArray())
    if isinstance(geo, QByteArray) and not geo.isEmpty():
        window.restoreGeometry(geo)
    if isinstance(state, QByteArray) and not state.isEmpty():
        window.restoreState(state)


def save_layout(window: QMainWindow, qsettings: QSettings) -> None:
    qsettings.setValue("window/geometry", window.saveGeometry())
    qsettings.setValue("window/state", window.saveState())
    qsettings.sync()
