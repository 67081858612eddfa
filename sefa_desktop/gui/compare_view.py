"""Two direction sets side by side: the |cos| matrix and each A direction's best match in B.

A and B are sets of this session (the factorized one, an imported one, …) or a directions file of
the open model. `sefa-desktop compare` writes the same with image strips as an HTML report.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import numpy as np
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..core.compare import best_matches, signed_cosines
from ..core.directions import DirectionSet
from ..session import EditSession


class CompareDialog(QDialog):
    def __init__(self, session: EditSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Compare direction sets")
        self.session = session
        self.sets: dict[str, DirectionSet] = {}
        for kind, s in session.sets.items():
            self.sets[f"{kind} ({len(s)})"] = DirectionSet(s.vectors, s.values, s.layers, labels=list(s.labels))
        self.a = QComboBox()
        self.b = QComboBox()
        for box in (self.a, self.b):
            box.addItems(list(self.sets))
            box.activated.connect(self.refresh)
        if self.b.count() > 1:
            self.b.setCurrentIndex(1)
        self.top = QSpinBox()
        self.top.setRange(1, 64)
        self.top.setValue(10)
        self.top.valueChanged.connect(self.refresh)
        open_b = QPushButton("Open File as B…")
        open_b.clicked.connect(self.open_file)
        self.table = QTableWidget()
        self.table.setObjectName("cosTable")
        self.matches = QLabel("")
        self.matches.setObjectName("bestMatches")
        self.matches.setWordWrap(True)
        self.error = QLabel("")
        form = QFormLayout()
        form.addRow("A (rows)", self.a)
        row = QHBoxLayout()
        row.addWidget(self.b, 1)
        row.addWidget(open_b)
        form.addRow("B (columns)", row)
        form.addRow("Top K", self.top)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(self.table, 1)
        lay.addWidget(self.matches)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(760, 560)
        self.refresh()

    def add_set(self, name: str, dirs: DirectionSet, as_b: bool = True) -> None:
        self.sets[name] = dirs
        for box in (self.a, self.b):
            if box.findText(name) < 0:
                box.addItem(name)
        if as_b:
            self.b.setCurrentText(name)
        self.refresh()

    def open_file(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Directions file", "",
                                              "Directions (*.npz *.pt *.npy);;All files (*)")
        if path:
            self.load_file(path)

    def load_file(self, path: str) -> bool:
        from ..core.direction_io import read_directions

        info = self.session.model_info or {}
        model = SimpleNamespace(name=info.get("name", ""), num_layers=int(info.get("num_layers", 0)),
                                edit_space=info.get("edit_space", "z"),
                                latent_dim=int(info.get("latent_dim") or 0))
        try:
            dirs = read_directions(Path(path), model)
        except ValueError as e:
            self.error.setText(str(e))
            return False
        self.add_set(Path(path).name, dirs)
        return True

    def refresh(self) -> None:
        a, b = self.sets.get(self.a.currentText()), self.sets.get(self.b.currentText())
        if a is None or b is None:
            return
        a, b = a.top(self.top.value()), b.top(self.top.value())
        try:
            cos = signed_cosines(a, b)
        except ValueError as e:
            self.error.setText(str(e))
            self.table.clear()
            return
        self.error.setText("")
        self.cos = np.abs(cos)
        self.table.setRowCount(len(a))
        self.table.setColumnCount(len(b))
        self.table.setVerticalHeaderLabels([f"A{i} {a.labels[i]}".strip() for i in range(len(a))])
        self.table.setHorizontalHeaderLabels([f"B{j}" for j in range(len(b))])
        for i in range(len(a)):
            for j in range(len(b)):
                v = float(self.cos[i, j])
                item = QTableWidgetItem(f"{v:.2f}")
                shade = int(255 - 150 * v)
                item.setBackground(QBrush(QColor(shade, shade, 255)))
                item.setForeground(QBrush(QColor(0, 0, 0)))
                item.setToolTip(f"{a.label(i)} vs {b.label(j)}: |cos| {v:.3f}")
                self.table.setItem(i, j, item)
        self.table.resizeColumnsToContents()
        lines = [f"A{m.a} → B{m.b} ({b.label(m.b)}{', flipped' if m.cos < 0 else ''}): {abs(m.cos):.2f}"
                 for m in best_matches(cos)]
        self.matches.setText("Best match in B: " + " · ".join(lines))
