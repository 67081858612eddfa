"""The red "could not open" panel of the Model pane: a message that is always readable in full.

The text wraps at word boundaries or, for a long path or word, anywhere; the panel grows with it up to
MAX_LINES and scrolls beyond, Details… shows the whole message in a dialog (to read or copy) and the
tooltip holds it too. The panel never shrinks below its text: the pane's list gives way instead.
"""

from __future__ import annotations

import html

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette, QTextOption
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QMessageBox,
    QSizePolicy,
    QTextEdit,
    QToolButton,
    QWidget,
)

MAX_LINES = 6  # shown at once in the pane; more scroll (and Details… shows all)


class MessageText(QTextEdit):
    """Read-only rich text that wraps anywhere a word is too long and is exactly as tall as its text
    (up to `max_lines`). `text()` is its plain text, as QLabel's would be."""

    def __init__(self, parent: QWidget | None = None, max_lines: int = MAX_LINES) -> None:
        super().__init__(parent)
        self.max_lines = max_lines
        self.setReadOnly(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setWordWrapMode(QTextOption.WrapMode.WrapAtWordBoundaryOrAnywhere)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
        self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)  # the panel's colour shows through
        self.setStyleSheet("background: transparent;")
        self.document().setDocumentMargin(0)
        pal = self.palette()
        pal.setColor(QPalette.ColorRole.Base, Qt.GlobalColor.transparent)
        self.setPalette(pal)
        self.document().documentLayout().documentSizeChanged.connect(lambda _: self._fit())

    def text(self) -> str:
        return self.toPlainText()

    def overflows(self) -> bool:
        return self.document().size().height() > self._max_height() + 0.5

    def _max_height(self) -> float:
        return self.max_lines * self.fontMetrics().lineSpacing()

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._fit()

    def _fit(self) -> None:
        self.document().setTextWidth(self.viewport().width())
        h = min(self.document().size().height(), self._max_height())
        self.setFixedHeight(int(h) + 2)


class ErrorPanel(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("errorPanel")
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.title = ""
        self.message = ""
        self.text = MessageText(self)
        self.text.setObjectName("errorText")
        self.details = QToolButton(self)
        self.details.setObjectName("errorDetails")
        self.details.setText("Details…")
        self.details.setAutoRaise(True)
        self.details.setToolTip("The whole message, to read or copy")
        self.details.clicked.connect(self.show_details)
        dismiss = QToolButton(self)
        dismiss.setText("✕")
        dismiss.setAutoRaise(True)
        dismiss.setToolTip("Dismiss")
        dismiss.clicked.connect(self.hide)
        lay = QGridLayout(self)
        lay.setContentsMargins(8, 6, 4, 4)
        lay.setVerticalSpacing(0)
        lay.addWidget(self.text, 0, 0)
        lay.addWidget(dismiss, 0, 1, Qt.AlignmentFlag.AlignTop)
        lay.addWidget(self.details, 1, 0, 1, 2, Qt.AlignmentFlag.AlignRight)
        lay.setColumnStretch(0, 1)
        self.hide()

    def show_message(self, title: str, message: str) -> None:
        self.title, self.message = title, message
        self.setToolTip(f"{title}\n{message}")
        self._fill()
        self.show()

    def full_text(self) -> str:
        return f"{self.title}\n{self.message}" if self.title else self.message

    def _fill(self) -> None:
        self.text.setHtml(f"<b>{html.escape(self.title)}</b><br>{html.escape(self.message)}")
        self.text._fit()

    def show_details(self) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, self.title or "Error", self.title, parent=self)
        box.setInformativeText(self.message)
        box.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        box.setObjectName("errorDetailsBox")
        box.open()
