"""Desktop integration the packaged app needs: the window icon, and macOS "Open With" / double-click
of a checkpoint (Finder sends a QFileOpenEvent to the application instead of passing argv)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QFileOpenEvent, QIcon

from ..resources import resources_dir

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)


def app_icon() -> QIcon:
    """The app icon at every rendered size (PNG: no SVG image plugin needed); empty if not installed."""
    icon = QIcon()
    folder = resources_dir() / "icons" / "png"
    for n in ICON_SIZES:
        path = folder / f"sefa-desktop-{n}.png"
        if path.is_file():
            icon.addFile(str(path))
    return icon


class FileOpenFilter(QObject):
    """Routes QFileOpenEvent (macOS Finder) to `open_model(path)`."""

    def __init__(self, open_model, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.open_model = open_model

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() == QEvent.Type.FileOpen and isinstance(event, QFileOpenEvent) and event.file():
            self.open_model(event.file())
            return True
        return False


def install_file_open(app, window) -> FileOpenFilter:
    filt = FileOpenFilter(window.open_model, app)
    app.installEventFilter(filt)
    return filt
