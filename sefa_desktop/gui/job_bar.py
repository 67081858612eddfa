"""A slim bar under the gallery header for background jobs of the gallery (labelling, text search,
boundaries): what runs, a progress bar and Cancel. Hidden while nothing runs."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget


class JobBar(QWidget):
    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("galleryJobBar")
        self.label = QLabel("", self)
        self.bar = QProgressBar(self)
        self.bar.setMaximumWidth(220)
        self.bar.setTextVisible(True)
        self.cancel = QPushButton("Cancel", self)
        self.cancel.clicked.connect(self.cancelRequested)
        row = QHBoxLayout(self)
        row.setContentsMargins(12, 0, 12, 4)
        row.addWidget(self.label, 1)
        row.addWidget(self.bar)
        row.addWidget(self.cancel)
        self.setVisible(False)

    def start(self, text: str) -> None:
        self.label.setText(text)
        self.bar.setRange(0, 0)  # busy until the first progress report
        self.cancel.setEnabled(True)
        self.setVisible(True)

    def progress(self, done: int, total: int) -> None:
        self.bar.setRange(0, max(1, total))
        self.bar.setValue(done)

    def stop(self) -> None:
        self.setVisible(False)
