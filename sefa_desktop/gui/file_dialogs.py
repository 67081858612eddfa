"""Save and open dialogs that start where the user last saved or opened a file (remembered across runs),
and the rule that the extension typed into a Save dialog chooses the file's format.

Every file dialog of the app goes through here, so "the last folder" means one thing everywhere: the
folder of the last file saved or opened, kept in the window settings (window.ini, key files/lastFolder).
Nothing remembered yet: the user's Pictures folder (the exports are mostly images), else home.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSettings, QStandardPaths
from PySide6.QtWidgets import QFileDialog, QWidget

from .. import settings

KEY = "files/lastFolder"


def _store() -> QSettings:
    return QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)


def last_folder() -> Path:
    """The folder of the last file saved or opened with a dialog, if it still exists."""
    value = _store().value(KEY, "")
    if value and Path(str(value)).is_dir():
        return Path(str(value))
    pictures = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.PicturesLocation)
    return Path(pictures) if pictures and Path(pictures).is_dir() else Path.home()


def remember(path: str | Path) -> None:
    """Remember the folder of `path` (a file the user just chose) for the next dialog."""
    folder = Path(path).expanduser().parent
    if folder.is_dir():
        store = _store()
        store.setValue(KEY, str(folder.resolve()))
        store.sync()


def default_path(file_name: str) -> str:
    """Where a dialog's file name field should start: `file_name` in the last folder."""
    return str(last_folder() / file_name)


def save_file(parent: QWidget | None, title: str, file_name: str, filters: str,
              selected_filter: str = "") -> tuple[str, str]:
    """QFileDialog.getSaveFileName starting at `file_name` in the last folder (or at `file_name` itself
    when it is a path); remembers the folder chosen. Returns (path, chosen filter); path "" = cancelled."""
    start = file_name if Path(file_name).parent != Path(".") else default_path(file_name)
    path, chosen = QFileDialog.getSaveFileName(parent, title, start, filters, selected_filter)
    if path:
        remember(path)
    return path, chosen


def open_file(parent: QWidget | None, title: str, filters: str, folder: str | Path | None = None) -> str:
    """QFileDialog.getOpenFileName in `folder` (default: the last folder); remembers the folder chosen."""
    path, _ = QFileDialog.getOpenFileName(parent, title, str(folder or last_folder()), filters)
    if path:
        remember(path)
    return path


def format_for(path: str, chosen_filter: str, formats: Sequence[tuple[str, str, str]]) -> tuple[str, str]:
    """(format name, path) for a Save dialog's answer. `formats` are (filter, name, suffix) rows.

    The extension typed wins: "factor.pt" under the default "*.npz" filter is a rosinality file, not
    "factor.pt.npz". A name with no known extension gets the chosen filter's format and suffix. The
    longest suffix is tried first (".ganspace.npz" before ".npz")."""
    lower = path.lower()
    for _, name, suffix in sorted(formats, key=lambda f: -len(f[2])):
        if lower.endswith(suffix):
            return name, path
    name, suffix = next(((n, s) for f, n, s in formats if f == chosen_filter), (formats[0][1], formats[0][2]))
    return name, path + suffix
