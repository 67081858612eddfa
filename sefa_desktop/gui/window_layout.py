"""Where the window's docks and geometry are remembered between runs (window.ini in the config folder)."""

from __future__ import annotations

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtWidgets import QMainWindow

from .. import settings


def window_settings() -> QSettings:
    return QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)


# The dock arrangement's version: a layout saved by a version with another arrangement is not
# restored (Qt refuses a state of another version), so the window starts with today's defaults
# instead of, say, panes stacked under the preview that are tabbed now. 1 = Marks/Photo/Presets tabbed.
LAYOUT_VERSION = 1


def restore_layout(window: QMainWindow, qsettings: QSettings) -> bool:
    """Geometry and docks as last saved; False when no dock layout of this version was restored."""
    # Always pass a default: a missing key would come back as an invalid QVariant (see docs/gui.md).
    geo = qsettings.value("window/geometry", QByteArray())
    state = qsettings.value("window/state", QByteArray())
    if isinstance(geo, QByteArray) and not geo.isEmpty():
        window.restoreGeometry(geo)
    if isinstance(state, QByteArray) and not state.isEmpty():
        return bool(window.restoreState(state, LAYOUT_VERSION))
    return False


def save_layout(window: QMainWindow, qsettings: QSettings) -> None:
    qsettings.setValue("window/geometry", window.saveGeometry())
    qsettings.setValue("window/state", window.saveState(LAYOUT_VERSION))
    qsettings.sync()


def default_dock_widths(width: int) -> tuple[int, int]:
    """Left and right dock widths for a first run in a window `width` px wide: the gallery between them
    gets the most, so that its thumbnails are not the smallest thing on a laptop screen."""
    left = max(220, min(280, int(width * 0.18)))
    right = max(300, min(440, int(width * 0.26)))
    return left, right


def default_preview_share(height: int) -> tuple[int, int]:
    """Heights of the Preview dock and of the tabbed panes below it (Marks, Photo, Presets) for a
    first run in a window `height` px tall: the image is what the user is editing, the panes below are
    occasional tools, so they start at about a fifth (Qt keeps them at least as tall as their controls)."""
    lower = int(height * 0.22)
    return max(0, height - lower), lower
