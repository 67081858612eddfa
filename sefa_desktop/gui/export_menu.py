"""File ▸ Export (video, gallery grid, HTML page, directions in other tools' formats) and File ▸ Import
Directions. Thin over core/: the dialogs run the long exports in their own thread with their own copy
of the model (gui/jobs.py), so the window keeps rendering while they work.

Imports torch-using modules only inside the actions (the window must show before torch loads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Protocol

import numpy as np
from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog, QMenu, QWidget

from ..core.direction_formats import boundary_paths
from ..core.direction_io import read_directions, write_directions
from ..core.directions import DirectionSet
from ..session import EditSession
from ..session.state import DirectionSetState
from . import file_dialogs
from .jobs import ModelCopy


@dataclass
class ExportAction:
    """An entry of File ▸ Export. Other features append to MainWindow.export_actions before the menu
    is first shown (or call `add_export_action`)."""

    label: str
    callback: Callable[[], None]
    shortcut: str | None = None
    needs_directions: bool = True

# (file-dialog filter, format name for core.direction_io.write_directions, suffix)
DIRECTION_FORMATS = [
    ("SeFa directions (*.npz)", "sefa", ".npz"),
    ("rosinality factor.pt (*.pt)", "rosinality", ".pt"),
    ("InterFaceGAN boundaries, one .npy per direction (*.npy)", "interfacegan", ".npy"),
    ("GANSpace components (*.ganspace.npz)", "ganspace", ".ganspace.npz"),
]
IMPORT_FILTER = "Direction files (*.npz *.pt *.pth *.npy);;All files (*)"


def fill_export_menu(menu: QMenu, actions: list[ExportAction], has_directions: bool) -> None:
    """File ▸ Export, rebuilt on every opening from the registered actions."""
    menu.clear()
    for ea in actions:
        act = menu.addAction(ea.label)
        if ea.shortcut:
            act.setShortcut(QKeySequence(ea.shortcut))
        act.setEnabled(has_directions or not ea.needs_directions)
        act.triggered.connect(ea.callback)


class ExportHost(Protocol):
    """What the export controller needs of the window, and nothing more."""

    session: EditSession
    export_actions: list[ExportAction]
    file_menu: QMenu
    export_menu: QMenu

    def show_error(self, message: str) -> None: ...
    def show_status(self, message: str, ms: int = 5000) -> None: ...
    def model_copy(self) -> ModelCopy: ...
    def current_row(self) -> int: ...
    def thumb_steps(self) -> int: ...
    def cancel_factorize(self) -> None: ...


class ExportController(QObject):
    def __init__(self, host: ExportHost, parent: QWidget) -> None:
        super().__init__(parent)
        self.host = host
        self.parent_widget = parent  # owner of the actions and dialogs
        self.session = host.session
        self.dialog: QDialog | None = None  # the open export dialog (Video/ImageExportDialog; tests drive it)
        window = parent

        # The menu is rebuilt on every opening; the shortcuts live on window-level actions (so they work
        # before the menu was ever opened) and the menu only shows them (text after a tab).
        # Order: what shows images first, the direction files last (next to each other).
        host.export_actions[:0] = [
            ExportAction("Edit &Video…\tCtrl+Shift+V", self.export_video),
            ExportAction("Gallery &Grid (.png)…\tCtrl+Shift+G", self.export_grid),
            ExportAction("HTML &Page…", self.export_page),
        ]
        host.export_actions.sort(key=lambda a: a.label.startswith("Directions"))  # stable: keeps the rest
        host.export_actions.append(ExportAction("Directions &As…", lambda: self.export_directions_as()))
        for label, slot, key in (("Edit Video", self.export_video, "Ctrl+Shift+V"),
                                 ("Gallery Grid", self.export_grid, "Ctrl+Shift+G")):
            act = QAction(label, window)
            act.setShortcut(QKeySequence(key))
            act.triggered.connect(slot)
            window.addAction(act)
        self.import_action = QAction("&Import Directions…", window)
        self.import_action.setShortcut(QKeySequence("Ctrl+I"))
        self.import_action.setToolTip("Load directions from a SeFa .npz, rosinality factor.pt, InterFaceGAN "
                                      ".npy or GANSpace .npz file into the gallery")
        self.import_action.triggered.connect(lambda: self.import_directions())
        window.addAction(self.import_action)
        host.file_menu.insertAction(host.export_menu.menuAction(), self.import_action)

    # -- what the exports are made of ---------------------------------------------------------------
    def model_copy(self) -> ModelCopy:
        return self.host.model_copy()

    def current_row(self) -> int:
        return self.host.current_row()

    def export_set(self) -> tuple[DirectionSet, dict[int, float], dict[int, tuple[int, ...]]]:
        """The gallery's direction set (with its card names) plus the active edits as {index: α} and
        their W+ rows. Edits whose vector is not in the set (from a preset) are appended to it."""
        s = self.session
        d = s.directions
        assert d is not None and d.dirset is not None and s.model_info is not None
        src = d.dirset
        vectors, values = [np.asarray(d.vectors, np.float32)], [np.asarray(d.values, np.float32)]
        labels = list(d.labels)
        edits: dict[int, float] = {}
        rows_of: dict[int, tuple[int, ...]] = {}
        for e in s.edits:
            if e.key[0] == d.id:
                index = e.key[1]
            else:
                index = len(labels)
                vectors.append(np.asarray(e.vector, np.float32)[None, :])
                values.append(np.zeros(1, np.float32))
                labels.append(e.name)
            edits[index] = float(e.alpha)
            rows = e.layers(s.num_layers, s.style, s.row_resolutions)
            if rows is not None and list(rows) != list(d.layers):
                rows_of[index] = tuple(rows)
        dirset = DirectionSet(np.concatenate(vectors), np.concatenate(values), list(d.layers), src.method,
                              src.model_name, src.model_family, src.model_fingerprint, src.created_at, labels)
        return dirset, edits, rows_of

    def _ready(self) -> bool:
        if self.session.model_info is None or self.session.directions is None:
            self.host.show_error("Nothing to export yet: open a model and wait for its directions")
            return False
        return True

    # -- actions -------------------------------------------------------------------------------------
    def export_video(self) -> None:
        if not self._ready():
            return
        from .export_dialog import VideoExportDialog

        dirset, edits, rows_of = self.export_set()
        seed, psi, noise = self.session.sample()
        dlg = VideoExportDialog(self.model_copy(), dirset, index=self.current_row(), seed=seed,
                                truncation_psi=psi, noise_mode=noise, base_edits=edits, edit_layers=rows_of,
                                parent=self.parent_widget, class_index=self.session.class_index,
                                class_text=self.session.class_text())
        dlg.lo.setValue(-self.session.amplitude)
        dlg.hi.setValue(self.session.amplitude)
        self._open(dlg)

    def export_grid(self) -> None:
        self._image_export("grid")

    def export_page(self) -> None:
        self._image_export("page")

    def _image_export(self, kind: str) -> None:
        if not self._ready():
            return
        from .image_export_dialog import ImageExportDialog

        dirset, _, _ = self.export_set()
        dirset = dirset.top(len(self._shown()))  # the gallery's own rows only
        seed, psi, noise = self.session.sample()
        info = self.session.model_info
        assert info is not None
        self._open(ImageExportDialog(kind, self.model_copy(), dirset, seed=seed, truncation_psi=psi,
                                     noise_mode=noise, amplitude=self.session.amplitude,
                                     steps=self.host.thumb_steps(), model_ref=info["source"],
                                     parent=self.parent_widget, class_index=self.session.class_index,
                                     class_text=self.session.class_text()))

    def _shown(self) -> DirectionSetState:
        d = self.session.directions
        assert d is not None
        return d

    def _open(self, dlg: QDialog) -> None:
        self.shutdown()  # one export dialog at a time
        self.dialog = dlg
        dlg.setModal(False)  # exports run beside the window; the dialog shows their progress
        dlg.show()
        dlg.raise_()

    def shutdown(self) -> None:
        """Cancel and join the export of the open dialog, and close it."""
        if self.dialog is not None:
            self.dialog.shutdown()
            self.dialog.close()
            self.dialog.deleteLater()
            self.dialog = None

    def export_directions_as(self, path: str | None = None, fmt: str | None = None) -> list[Path]:
        """Write the gallery's directions in another tool's format; returns the files written."""
        if not self._ready():
            return []
        if path is None:
            filters = ";;".join(f for f, _, _ in DIRECTION_FORMATS)
            path, chosen = file_dialogs.save_file(self.parent_widget, "Export directions as", "directions.npz",
                                                  filters)
            if not path:
                return []
            fmt, path = file_dialogs.format_for(path, chosen, DIRECTION_FORMATS)  # "factor.pt" → rosinality
        suffix = next((s for _, name, s in DIRECTION_FORMATS if name == fmt), Path(path).suffix)
        if fmt is not None and not str(path).lower().endswith(suffix):
            path = str(path) + suffix
        dirset, _, _ = self.export_set()
        dirset = dirset.top(len(self._shown()))
        try:
            write_directions(dirset, path, fmt)
        except (OSError, ValueError) as e:
            self.host.show_error(f"Export failed: {e}")
            return []
        except Exception as e:  # MemoryError and the unexpected: a message, never a crash
            self.host.show_error(f"Export failed: {type(e).__name__}: {e}")
            return []
        written = boundary_paths(Path(path), len(dirset)) if fmt == "interfacegan" else [Path(path)]
        what = f"{len(written)} files like {written[0].name}" if len(written) > 1 else written[0].name
        self.host.show_status(f"Saved {what}", 6000)
        return written

    def import_directions(self, path: str | None = None) -> bool:
        """Replace the gallery's set with the directions in `path` (checked against the model first)."""
        s = self.session
        info = s.model_info
        if info is None:
            self.host.show_error("Open a model before importing directions")
            return False
        if path is None:
            path = file_dialogs.open_file(self.parent_widget, "Import directions", IMPORT_FILTER)
            if not path:
                return False
        # What the readers check against: the loaded model's sizes (the model itself lives on the worker).
        target = SimpleNamespace(name=info["name"], latent_dim=int(info["latent_dim"]),
                                 num_layers=int(info["num_layers"]), edit_space=info["edit_space"])
        try:
            dirset = read_directions(path, target)
            dirset.check_fits(target, strict_model=False)
        except (OSError, ValueError) as e:  # DirectionFileError is a ValueError
            self.host.show_error(f"Import failed: {e}")
            return False
        except MemoryError:
            self.host.show_error(f"Import failed: {Path(path).name} is too large to hold in memory (or corrupt)")
            return False
        except Exception as e:  # a damaged file must never take the window down
            self.host.show_error(f"Import failed: {Path(path).name}: {type(e).__name__}: {e}")
            return False
        layers = list(dirset.layers) or list(range(int(info["num_layers"])))
        dirset.layers = layers
        self.host.cancel_factorize()  # a factorization still running must not replace the imported set
        s.set_edits(())
        s.add_direction_set("imported", dirset.vectors.copy(), dirset.values.copy(), layers, dirset.labels,
                            source=str(path), dirset=dirset)
        self.host.show_status(f"Imported {len(dirset)} directions from {Path(path).name}", 6000)
        return True
