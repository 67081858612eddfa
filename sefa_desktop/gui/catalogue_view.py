"""Catalogue browser: public checkpoints grouped by family and dataset, download, open.

Self-contained widget for the model browser. Downloads run in a QThread (models/download.py does
the work; this only shows it). Emits `open_requested(path)` when the user opens a present model.
The catalogue and the download folder are injectable (tests add a 127.0.0.1 entry).
"""

from __future__ import annotations

import threading
from pathlib import Path

from PySide6.QtCore import QModelIndex, QObject, QSortFilterProxyModel, Qt, QThread, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QTreeView,
    QVBoxLayout,
    QWidget,
)

from ..models.catalogue import Catalogue, CatalogueEntry, format_size, load_catalogue_or_empty, models_cache_dir
from ..models.download import DownloadCancelled, DownloadError, RetryPolicy, download_entry

NAME_ROLE = Qt.ItemDataRole.UserRole + 1
GROUP_ROLE = Qt.ItemDataRole.UserRole + 2  # a family or dataset row's bare name (its label adds a count)
TOTAL_ROLE = Qt.ItemDataRole.UserRole + 3  # how many models it holds
COLUMNS = ["Model", "Resolution", "Size", "Licence", "Status"]
# Columns given up, in this order, when the pane is too narrow to show them beside readable names; what
# they say stays in each row's tooltip and in the details line under the tree (status too).
OPTIONAL_COLUMNS = (3, 2, 1, 4)
OFFLINE = "you appear to be offline"


def _files_tip(e: CatalogueEntry) -> str:
    """The checksum line of a tooltip; a multi-file entry lists its files (saved in one folder)."""
    if not e.is_multi_file:
        return f"sha256 {e.sha256}" if e.sha256 else "sha256 not published"
    names = ", ".join(f.filename for f in e.files)
    known = "sha256 published" if all(f.sha256 for f in e.files) else "sha256 not published"
    return f"{len(e.files)} files in the folder {e.filename}/: {names} ({known})"


class _CountingProxy(QSortFilterProxyModel):
    """Filters recursively and labels family and dataset rows with how many models the filter shows:
    "stylegan (3 of 21)" while filtering, "stylegan (21)" without a filter."""

    def data(self, index: QModelIndex, role: int = Qt.ItemDataRole.DisplayRole):  # noqa: D102
        if role == Qt.ItemDataRole.DisplayRole and index.column() == 0:
            group = super().data(index, GROUP_ROLE)
            if group:
                total = super().data(index, TOTAL_ROLE)
                shown = self._models_under(index)
                filtered = bool(self.filterRegularExpression().pattern())
                return f"{group} ({shown} of {total})" if filtered and shown != total else f"{group} ({total})"
        return super().data(index, role)

    def _models_under(self, index: QModelIndex) -> int:
        n = 0
        for r in range(self.rowCount(index)):
            child = self.index(r, 0, index)
            n += self._models_under(child) if self.hasChildren(child) else 1
        return n


class _DownloadWorker(QObject):
    """Runs one download in its QThread; progress is reported as permille (sizes exceed int32)."""

    progress = Signal(int, str)
    succeeded = Signal(str)
    failed = Signal(str, bool)  # message, cancelled

    def __init__(self, entry: CatalogueEntry, folder: Path, cancel: threading.Event, policy: RetryPolicy):
        super().__init__()
        self.entry, self.folder, self.cancel, self.policy = entry, folder, cancel, policy

    @Slot()
    def run(self) -> None:
        def report(done: int, total: int | None) -> None:
            permille = int(done * 1000 / total) if total else -1
            text = f"{format_size(done)} / {format_size(total)}" if total else format_size(done)
            self.progress.emit(permille, text)

        try:
            result = download_entry(self.entry, self.folder, progress=report, cancel=self.cancel,
                                    policy=self.policy)
        except DownloadCancelled as e:
            self.failed.emit(str(e), True)
        except DownloadError as e:
            self.failed.emit(str(e), False)
        except Exception as e:  # never let a worker exception vanish silently
            self.failed.emit(f"{self.entry.name}: {type(e).__name__}: {e}", False)
        else:
            self.succeeded.emit(str(result.path))


class CatalogueView(QWidget):
    """Tree of catalogue entries (family → dataset → model) with filter, download and open."""

    open_requested = Signal(str)
    download_finished = Signal(str, str)   # entry name, path
    download_failed = Signal(str, str)     # entry name, message

    def __init__(self, catalogue: Catalogue | None = None, folder: Path | None = None,
                 policy: RetryPolicy | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        self.setObjectName("catalogueView")
        error = None
        if catalogue is None:
            catalogue, error = load_catalogue_or_empty()
        self._catalogue = catalogue
        self._folder = folder
        self._policy = policy or RetryPolicy()
        self._thread: QThread | None = None
        self._worker: _DownloadWorker | None = None
        self._cancel: threading.Event | None = None
        self._active: str | None = None
        self._items: dict[str, list[QStandardItem]] = {}

        self.filter_edit = QLineEdit(placeholderText="Filter: name, dataset, family, licence…")
        self.filter_edit.setClearButtonEnabled(True)
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(COLUMNS)
        self.proxy = _CountingProxy(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setFilterCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self.proxy.setFilterKeyColumn(-1)
        self.proxy.setRecursiveFilteringEnabled(True)
        self.proxy.setAutoAcceptChildRows(True)  # typing a family or dataset shows all its models
        self.tree = QTreeView()
        self.tree.setModel(self.proxy)
        self.tree.setUniformRowHeights(True)
        self.tree.setIndentation(14)
        self.tree.setSelectionBehavior(QTreeView.SelectionBehavior.SelectRows)
        self.tree.setTextElideMode(Qt.TextElideMode.ElideMiddle)  # names differ at their ends
        header = self.tree.header()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in range(1, len(COLUMNS)):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(False)
        self.details_label = QLabel("")
        self.details_label.setObjectName("hint")
        self.details_label.setWordWrap(True)
        self.details_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        self.download_button = QPushButton("Download")
        self.cancel_button = QPushButton("Cancel")
        self.open_button = QPushButton("Open")
        self.progress_bar = QProgressBar()
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setVisible(False)
        self.status_label = QLabel(error or "")
        self.status_label.setWordWrap(True)
        self.status_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        buttons = QHBoxLayout()
        for b in (self.download_button, self.cancel_button, self.open_button):
            buttons.addWidget(b)
        buttons.addWidget(self.progress_bar, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.filter_edit)
        layout.addWidget(self.tree, 1)
        layout.addWidget(self.details_label)
        layout.addLayout(buttons)
        layout.addWidget(self.status_label)

        self.filter_edit.textChanged.connect(self._apply_filter)
        self.tree.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self.tree.expanded.connect(lambda _: self._fit_columns())
        self.tree.collapsed.connect(lambda _: self._fit_columns())
        self.tree.doubleClicked.connect(self._on_double_click)
        self.download_button.clicked.connect(self.start_download)
        self.cancel_button.clicked.connect(self.cancel_download)
        self.open_button.clicked.connect(self.open_selected)
        self._populate()
        self._update_buttons()

    # --- public API ---------------------------------------------------------------------------

    def set_catalogue(self, catalogue: Catalogue) -> None:
        self._catalogue = catalogue
        self._populate()
        self._update_buttons()

    def folder(self) -> Path:
        return self._folder if self._folder is not None else models_cache_dir()

    def selected_entry(self) -> CatalogueEntry | None:
        idx = self.tree.currentIndex()
        if not idx.isValid():
            return None
        name = self.proxy.mapToSource(idx.siblingAtColumn(0)).data(NAME_ROLE)
        return self._catalogue.get(name) if name else None

    def select(self, name: str) -> bool:
        """Select a model row by entry name (clears a filter that hides it)."""
        items = self._items.get(name)
        if not items:
            return False
        idx = self.proxy.mapFromSource(items[0].index())
        if not idx.isValid():
            self.filter_edit.clear()
            idx = self.proxy.mapFromSource(items[0].index())
        self.tree.expand(idx.parent())
        self.tree.expand(idx.parent().parent())
        self.tree.setCurrentIndex(idx)
        self.tree.scrollTo(idx)
        return True

    def is_downloading(self) -> bool:
        return self._thread is not None

    @Slot()
    def start_download(self) -> None:
        entry = self.selected_entry()
        if entry is None or self._thread is not None:
            return
        self._active = entry.name
        self._cancel = threading.Event()
        self._thread = QThread(self)
        self._worker = _DownloadWorker(entry, self.folder(), self._cancel, self._policy)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.run)
        self._worker.progress.connect(self._on_progress)
        self._worker.succeeded.connect(self._on_succeeded)
        self._worker.failed.connect(self._on_failed)
        self.progress_bar.setRange(0, 1000)
        self.progress_bar.setValue(0)
        self.progress_bar.setVisible(True)
        self.status_label.setText(f"Downloading {entry.name}…")
        self._set_status(entry.name, "downloading…")
        self._thread.start()
        self._update_buttons()

    @Slot()
    def cancel_download(self) -> None:
        if self._cancel is not None:
            self._cancel.set()
            self.status_label.setText("Cancelling…")

    @Slot()
    def open_selected(self) -> None:
        entry = self.selected_entry()
        if entry is not None and entry.is_present(self.folder()):
            self.open_requested.emit(str(entry.local_path(self.folder())))

    def shutdown(self, timeout_ms: int = 5000) -> None:
        """Cancel a running download and wait for its thread (call before the widget dies)."""
        if self._thread is not None:
            self.cancel_download()
            self._thread.quit()
            self._thread.wait(timeout_ms)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        self.shutdown()
        super().closeEvent(event)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit_columns()

    def showEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().showEvent(event)
        self._fit_columns()

    def name_width_needed(self) -> int:
        """Width column 0 needs so that every visible row's label (indentation included) is whole."""
        fm = self.tree.fontMetrics()
        need = 0
        stack = [(QModelIndex(), 0)]
        while stack:
            parent, depth = stack.pop()
            for r in range(self.proxy.rowCount(parent)):
                idx = self.proxy.index(r, 0, parent)
                text = str(idx.data() or "")
                # indentation of this depth + the branch decoration + item margins
                need = max(need, (depth + 1) * self.tree.indentation() + fm.horizontalAdvance(text) + 12)
                if self.tree.isExpanded(idx):
                    stack.append((idx, depth + 1))
        return need

    # --- internals ----------------------------------------------------------------------------

    def _populate(self) -> None:
        self.model.removeRows(0, self.model.rowCount())
        self._items.clear()
        folder = self.folder()
        for family, entries in self._catalogue.by_family().items():
            fam_item = self._group(family, len(entries))
            by_dataset: dict[str, QStandardItem] = {}
            for e in entries:
                ds_name = e.dataset or "unknown dataset"
                ds_item = by_dataset.get(ds_name)
                if ds_item is None:
                    ds_item = self._group(ds_name, sum(1 for x in entries if (x.dataset or "unknown dataset")
                                                       == ds_name))
                    by_dataset[ds_name] = ds_item
                    fam_item.appendRow([ds_item] + [self._plain("") for _ in COLUMNS[1:]])
                row = [self._plain(e.name), self._plain(f"{e.resolution} px" if e.resolution else "?"),
                       self._plain(format_size(e.download_size)), self._plain(e.licence or "unknown"),
                       self._plain("downloaded" if e.is_present(folder) else "")]
                row[0].setData(e.name, NAME_ROLE)
                tip = "\n".join(x for x in (e.dataset, e.source, e.source_page, e.notes, _files_tip(e)) if x)
                for it in row:
                    it.setToolTip(tip)
                if e.licence_url:
                    row[3].setToolTip(e.licence_url)
                ds_item.appendRow(row)
                self._items[e.name] = row
            self.model.appendRow([fam_item] + [self._plain("") for _ in COLUMNS[1:]])
        self._fit_columns()

    @staticmethod
    def _group(name: str, total: int) -> QStandardItem:
        item = QStandardItem(f"{name} ({total})")
        item.setData(name, GROUP_ROLE)
        item.setData(total, TOTAL_ROLE)
        item.setEditable(False)
        return item

    @staticmethod
    def _plain(text: str) -> QStandardItem:
        item = QStandardItem(text)
        item.setEditable(False)
        return item

    def _apply_filter(self, text: str) -> None:
        self.proxy.setFilterFixedString(text.strip())
        if text.strip():
            self.tree.expandAll()
        self._fit_columns()

    def _fit_columns(self) -> None:
        """Give the model names the room they need: hide the optional columns (licence, size, resolution)
        one by one while the names would otherwise be cut; show them again when there is room."""
        header = self.tree.header()
        avail = self.tree.viewport().width()
        need = self.name_width_needed()
        for col in OPTIONAL_COLUMNS:
            self.tree.setColumnHidden(col, False)
        self.tree.resizeColumnToContents(len(COLUMNS) - 1)
        others = sum(header.sectionSize(c) for c in range(1, len(COLUMNS)))
        for col in OPTIONAL_COLUMNS:
            if need + others <= avail:
                break
            others -= header.sectionSize(col)
            self.tree.setColumnHidden(col, True)
        # Still too narrow: the names keep their width and the tree scrolls sideways instead.
        if need + others > avail:
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
            header.resizeSection(0, need)
        else:
            header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)

    def _set_status(self, name: str, text: str) -> None:
        row = self._items.get(name)
        if row:
            row[4].setText(text)

    def _update_buttons(self) -> None:
        entry = self.selected_entry()
        self._show_details(entry)
        busy = self._thread is not None
        present = entry is not None and entry.is_present(self.folder())
        self.download_button.setEnabled(entry is not None and not busy and not present)
        self.cancel_button.setEnabled(busy)
        self.open_button.setEnabled(present and not (busy and entry is not None and entry.name == self._active))

    def _show_details(self, entry: CatalogueEntry | None) -> None:
        """The selected model's facts in one line under the tree (the columns may be hidden)."""
        if entry is None:
            self.details_label.setText("")
            return
        row = self._items.get(entry.name)
        status = row[4].text() if row else ""
        size = entry.download_size
        files = f"{len(entry.files)} files" if entry.is_multi_file else ""
        facts = [f"{entry.resolution} px" if entry.resolution else "", files, format_size(size) if size else "",
                 f"licence {entry.licence}" if entry.licence else "licence unknown", status]
        self.details_label.setText(f"<b>{entry.name}</b> · " + " · ".join(f for f in facts if f))
        self.details_label.setToolTip(row[0].toolTip() if row else "")

    def _on_double_click(self, index: QModelIndex) -> None:
        entry = self.selected_entry()
        if entry is None:
            return
        if entry.is_present(self.folder()):
            self.open_selected()
        elif self._thread is None:
            self.start_download()

    @Slot(int, str)
    def _on_progress(self, permille: int, text: str) -> None:
        if permille < 0:
            self.progress_bar.setRange(0, 0)  # size unknown: busy indicator
        else:
            self.progress_bar.setRange(0, 1000)
            self.progress_bar.setValue(permille)
        self.progress_bar.setFormat(text)

    @Slot(str)
    def _on_succeeded(self, path: str) -> None:
        name = self._end_job()
        self._set_status(name, "downloaded")
        self.status_label.setText(f"{name} downloaded to {path}")
        self._update_buttons()
        self.download_finished.emit(name, path)

    @Slot(str, bool)
    def _on_failed(self, message: str, cancelled: bool) -> None:
        name = self._end_job()
        self._set_status(name, "cancelled" if cancelled else "failed")
        if OFFLINE in message:  # the plain fact first; the host name and details after it
            self.status_label.setText(f"You appear to be offline: {name} was not downloaded. "
                                      f"Connect to the internet and press Download again.\n({message})")
        else:
            self.status_label.setText(message)
        self._update_buttons()
        self.download_failed.emit(name, message)

    def _end_job(self) -> str:
        name = self._active or ""
        if self._thread is not None:
            self._thread.quit()
            self._thread.wait()
        self._thread, self._worker, self._cancel, self._active = None, None, None, None
        self.progress_bar.setVisible(False)
        return name
