"""Layer tree: the model's W+ rows grouped by resolution, with checkboxes and quick presets.

A change of selection is debounced (the user often clicks several boxes in a row) and then reported
once through `selectionChanged(list[int])`; the window re-factorizes on it.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.layer_presets import PRESETS, preset_rows, row_ranges

DEBOUNCE_MS = 250

__all__ = ["DEBOUNCE_MS", "PRESETS", "LayerTree", "preset_rows", "row_ranges"]


class LayerTree(QWidget):
    selectionChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerTree")
        self.num_layers = 0
        self._rows: dict[int, QTreeWidgetItem] = {}
        self._last_emitted: list[int] = []

        self.tree = QTreeWidget(self)
        self.tree.setHeaderHidden(True)
        self.tree.setUniformRowHeights(True)
        self.tree.setRootIsDecorated(True)
        self.tree.itemChanged.connect(self._on_item_changed)

        self.buttons = QButtonGroup(self)
        self.buttons.setExclusive(False)
        row = QHBoxLayout()
        row.setSpacing(4)
        for name in PRESETS:
            b = QPushButton(name.capitalize(), self)
            b.setObjectName(f"preset-{name}")
            b.setToolTip({"all": "Every W+ row", "coarse": "Pose, shape (the paper's rows 0–1 of 18)",
                          "middle": "Features, expression (rows 2–5 of 18)",
                          "fine": "Colour, texture (rows 6–13 of 18)"}[name])
            b.clicked.connect(lambda _=False, n=name: self.apply_preset(n))
            self.buttons.addButton(b)
            row.addWidget(b)
        self.hint = QLabel(self)
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(6, 6, 6, 6)
        lay.addLayout(row)
        lay.addWidget(self.tree, 1)
        lay.addWidget(self.hint)

        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(DEBOUNCE_MS)
        self._debounce.timeout.connect(self._emit_selection)
        self.set_layers([])

    # -- content ---------------------------------------------------------------------------------
    def set_layers(self, layers: list[tuple[int, str, int]], selected: list[int] | None = None) -> None:
        """Fill from (index, name, resolution) rows; nothing is emitted."""
        blocker = QSignalBlocker(self.tree)
        self.tree.clear()
        self._rows.clear()
        self.num_layers = len(layers)
        chosen = set(range(len(layers)) if selected is None else selected)
        groups: dict[int, QTreeWidgetItem] = {}
        for index, name, res in layers:
            group = groups.get(res)
            if group is None:
                group = QTreeWidgetItem(self.tree, [f"{res}×{res}"])
                group.setFlags(group.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate)
                groups[res] = group
            item = QTreeWidgetItem(group, [f"{index:>2}  {name}"])
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked if index in chosen else Qt.CheckState.Unchecked)
            self._rows[index] = item
        self.tree.expandAll()
        for b in self.buttons.buttons():
            b.setEnabled(len(layers) > 1)
        del blocker
        self._last_emitted = self.selected()
        self._update_hint()

    def selected(self) -> list[int]:
        return sorted(i for i, item in self._rows.items() if item.checkState(0) == Qt.CheckState.Checked)

    def set_selected(self, rows: list[int]) -> None:
        """Check exactly `rows` (a user action: emits after the debounce)."""
        wanted = set(rows)
        with QSignalBlocker(self.tree):
            for i, item in self._rows.items():
                item.setCheckState(0, Qt.CheckState.Checked if i in wanted else Qt.CheckState.Unchecked)
        self._schedule()

    def show_selected(self, rows: list[int]) -> None:
        """Show `rows` as checked (the session's selection); nothing is emitted."""
        wanted = set(rows)
        self._debounce.stop()
        with QSignalBlocker(self.tree):
            for i, item in self._rows.items():
                item.setCheckState(0, Qt.CheckState.Checked if i in wanted else Qt.CheckState.Unchecked)
        self._last_emitted = self.selected()
        self._update_hint()

    def apply_preset(self, name: str) -> None:
        self.set_selected(preset_rows(name, self.num_layers))

    def group_item(self, resolution: int) -> QTreeWidgetItem | None:
        for i in range(self.tree.topLevelItemCount()):
            item = self.tree.topLevelItem(i)
            if item.text(0) == f"{resolution}×{resolution}":
                return item
        return None

    # -- internals ---------------------------------------------------------------------------------
    def _on_item_changed(self, item: QTreeWidgetItem, column: int) -> None:
        self._schedule()

    def _schedule(self) -> None:
        self._update_hint()
        self._debounce.start()

    def _emit_selection(self) -> None:
        rows = self.selected()
        if rows and rows != self._last_emitted:
            self._last_emitted = rows
            self.selectionChanged.emit(rows)

    def _update_hint(self) -> None:
        rows = self.selected()
        if not self._rows:
            self.hint.setText("No model loaded.")
        elif not rows:
            self.hint.setText("Select at least one layer.")
        elif self.num_layers == 1:
            self.hint.setText("This model has a single selector layer.")
        else:
            self.hint.setText(f"{len(rows)} of {self.num_layers} W+ rows: {_ranges(rows)}")


_ranges = row_ranges  # the old name
