"""Model browser: bundled models, recent checkpoints, Open…, the loaded model's facts, load progress
and a clear error panel."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from .. import settings
from .error_panel import ErrorPanel


class ModelBrowser(QWidget):
    openRequested = Signal(str)  # a bundled name or a checkpoint path
    openDialogRequested = Signal()
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBrowser")
        self.bundled: list[dict] = []
        self.current_source = ""
        # item → source, kept in Python: reading an unset QTreeWidgetItem.data() in PySide6 6.12 drops a
        # reference to None (see docs/gui.md), so we never ask Qt for it.
        self._sources: dict[int, str] = {}
        self._items: list[QTreeWidgetItem] = []

        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setRootIsDecorated(False)
        self.tree.setIndentation(10)
        self.tree.itemActivated.connect(self._activated)
        # room for the two headings and a few models even in a short window (the Layers pane gives way)
        self.tree.setMinimumHeight(6 * (self.tree.fontMetrics().height() + 6))
        self.tree.itemDoubleClicked.connect(self._activated)
        self._bundled_root = QTreeWidgetItem(self.tree, ["BUNDLED"])
        self._recent_root = QTreeWidgetItem(self.tree, ["RECENT"])
        for root in (self._bundled_root, self._recent_root):
            root.setFlags(Qt.ItemFlag.ItemIsEnabled)
            f = root.font(0)
            f.setBold(True)
            f.setPointSizeF(f.pointSizeF() * 0.85)
            root.setFont(0, f)

        self.open_btn = QPushButton("Open checkpoint…", self)
        self.open_btn.setToolTip("Open a .pt / .pth / .pkl / .safetensors generator (Ctrl+O), or drop one "
                                 "on the window")
        self.open_btn.clicked.connect(self.openDialogRequested)

        self.card = QFrame(self)
        self.card.setObjectName("modelCard")
        self.details = QLabel(self.card)
        self.details.setObjectName("modelDetails")
        self.details.setText("<span>No model loaded</span>")
        cl = QVBoxLayout(self.card)
        cl.setContentsMargins(10, 8, 10, 8)
        cl.addWidget(self.details)
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        # The card and the error panel keep the height of their text; the list below gives way.
        self.card.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)

        self.progress = QProgressBar(self)
        self.progress.setRange(0, 0)  # busy indicator: a checkpoint load has no measurable steps
        self.progress.setTextVisible(False)
        self.progress.setMaximumHeight(6)
        self.progress_label = QLabel(self)
        self.progress_label.setObjectName("hint")
        self.cancel_btn = QToolButton(self)
        self.cancel_btn.setText("Cancel")
        self.cancel_btn.clicked.connect(self.cancelRequested)
        prog_row = QHBoxLayout()
        prog_row.addWidget(self.progress_label, 1)
        prog_row.addWidget(self.cancel_btn)
        self.progress_box = QWidget(self)
        pl = QVBoxLayout(self.progress_box)
        pl.setContentsMargins(0, 0, 0, 0)
        pl.setSpacing(2)
        pl.addLayout(prog_row)
        pl.addWidget(self.progress)
        self.progress_box.hide()

        self.error = ErrorPanel(self)
        self.error_text = self.error.text  # the message as shown (wrapped, all of it readable)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.setSpacing(6)
        lay.addWidget(self.card)
        lay.addWidget(self.progress_box)
        lay.addWidget(self.error)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.open_btn)
        self.refresh_recent()

    # -- content -----------------------------------------------------------------------------------
    def set_bundled(self, models: list[dict]) -> None:
        self.bundled = models
        self._forget(self._bundled_root)
        for m in models:
            item = QTreeWidgetItem(self._bundled_root, [m["name"]])
            self._remember(item, m["name"])
            item.setToolTip(0, f"{m['description']}\nLicence: {m['licence']}")
        self._bundled_root.setExpanded(True)
        self._mark_current()

    def _remember(self, item: QTreeWidgetItem, source: str) -> None:
        self._items.append(item)
        self._sources[id(item)] = source

    def _source(self, item: QTreeWidgetItem) -> str:
        return self._sources.get(id(item), "")

    def _forget(self, root: QTreeWidgetItem) -> None:
        for item in root.takeChildren():
            self._sources.pop(id(item), None)
            if item in self._items:
                self._items.remove(item)

    def refresh_recent(self) -> None:
        self._forget(self._recent_root)
        for path in settings.recent_models():
            item = QTreeWidgetItem(self._recent_root, [Path(path).name])
            self._remember(item, path)
            item.setToolTip(0, path)
        if not self._recent_root.childCount():
            empty = QTreeWidgetItem(self._recent_root, ["No recent checkpoints"])
            empty.setFlags(Qt.ItemFlag.NoItemFlags)
        self._recent_root.setExpanded(True)
        self._mark_current()

    def set_loading(self, source: str) -> None:
        self.error.hide()
        self.progress_label.setText(f"Loading {Path(source).name}…")
        self.progress_box.show()

    def set_loaded(self, info: dict) -> None:
        self.progress_box.hide()
        self.current_source = info["source"]
        w = "—" if info["w_dim"] is None else str(info["w_dim"])
        space = "W+" if info["edit_space"] == "w" else "Z"
        rows = f"{info['num_layers']} W+ row{'s' if info['num_layers'] != 1 else ''}"
        self.details.setText(
            f"<div style='font-size:11pt'><b>{info['name']}</b></div>"
            f"<table cellspacing='0' cellpadding='1' style='margin-top:4px'>"
            f"<tr><td>Family&nbsp;&nbsp;</td><td>{info['family'].upper()}</td></tr>"
            f"<tr><td>Output</td><td>{info['resolution']}×{info['resolution']} px</td></tr>"
            f"<tr><td>Latents</td><td>z {info['z_dim']} · w {w}</td></tr>"
            f"<tr><td>Edits in</td><td>{space} · {rows}</td></tr></table>")
        self._mark_current()

    def set_failed(self, message: str) -> None:
        self.progress_box.hide()
        self._mark_current()  # the entry clicked did not open: the selection goes back to the loaded one
        self.error.show_message("Could not open the model", message)

    def set_idle(self) -> None:
        self.progress_box.hide()

    def _mark_current(self) -> None:
        """Bold and select the loaded model's entry (the selection must not stay on a model clicked
        earlier when another one was opened from a menu, a preset or the command line)."""
        current = None
        for root in (self._bundled_root, self._recent_root):
            for i in range(root.childCount()):
                item = root.child(i)
                mine = self._source(item) == self.current_source and bool(self.current_source)
                f = item.font(0)
                f.setBold(mine)
                item.setFont(0, f)
                if mine and current is None:
                    current = item
        if current is not None:
            self.tree.setCurrentItem(current)
        else:
            self.tree.clearSelection()
            self.tree.setCurrentItem(None)

    def _activated(self, item: QTreeWidgetItem, column: int = 0) -> None:
        source = self._source(item)
        if source:
            self.openRequested.emit(str(source))
