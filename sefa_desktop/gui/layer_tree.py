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
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.layer_presets import MEANING, PRESETS, preset_description, preset_rows, row_ranges

DEBOUNCE_MS = 250

__all__ = ["DEBOUNCE_MS", "PRESETS", "LayerTree", "preset_rows", "row_ranges"]


class LayerTree(QWidget):
    selectionChanged = Signal(list)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("layerTree")
        self.num_layers = 0
        self.resolutions: tuple[int, ...] = ()  # each row's resolution: the presets split by it
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
            b.setToolTip(f"{name.capitalize()}: {MEANING[name]}")  # rows and resolutions once a model is open
            b.clicked.connect(lambda _=False, n=name: self.apply_preset(n))
            # as narrow as their text: some styles give push buttons 75+ px, which made this pane (and so
            # the window) too wide for a small screen
            b.setMinimumWidth(b.fontMetrics().horizontalAdvance(b.text()) + 14)
            b.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
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
        self.resolutions = tuple(int(res) for _, _, res in layers)
        for b in self.buttons.buttons():
            b.setEnabled(len(layers) > 1)
            name = b.objectName().removeprefix("preset-")
            if len(layers) > 1:  # say on screen what the preset selects on this model
                b.setToolTip(self.preset_tooltip(name))
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
        self.set_selected(self.preset_rows(name))

    def preset_rows(self, name: str) -> list[int]:
        """The rows preset `name` checks on this model: coarse/middle/fine split by resolution."""
        return preset_rows(name, self.num_layers, self.resolutions or None)

    def preset_tooltip(self, name: str) -> str:
        """'Fine — colour, texture: rows 5–7 (32×32)' and the other presets' rows, for the buttons."""
        if not self.resolutions:
            return f"{name.capitalize()}: {MEANING[name]}"
        lines = [preset_description(name, self.resolutions)]
        if name != "all":
            lines.append("Presets split this model's resolutions, lowest first:")
            lines += [f"  {preset_description(p, self.resolutions)}" for p in PRESETS[1:] if p != name]
        return "\n".join(lines)

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
