"""First-run welcome: a short panel above the gallery saying what SeFa does and how to use the gallery.

Non-modal and laid out *above* the gallery list (never floating over a pane), so it cannot swallow a
click or a drag meant for the panes; the app is fully usable while it shows. "Got it" or × hides it
for good (remembered in the window settings); "Open your own checkpoint…" opens the file dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import (
    QBoxLayout,
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

SETTINGS_KEY = "welcome/dismissed"
NARROW = 620  # px: below this width the buttons go under the text

TITLE = "Welcome to SeFa Desktop."
# Short: it sits above the gallery, and on a laptop screen every line is a line less of cards.
BODY = (
    f"<b>{TITLE}</b> Each card below is one direction found in the generator's weights (no training, no "
    "labels), strongest first. <b>Drag left or right across a card's thumbnails</b> to edit the preview; "
    "release to keep it, and combine several. Your own GAN checkpoint: the button, or drop the file here."
)

_STYLE = """
QFrame#welcomePanel { background: palette(alternate-base); border: 1px solid palette(mid); border-radius: 8px; }
QFrame#welcomePanel QLabel { background: transparent; }
QToolButton#welcomeClose { border: none; padding: 0 4px; font-size: 14pt; }
"""


def dismissed(qsettings: QSettings) -> bool:
    return bool(qsettings.value(SETTINGS_KEY, False, type=bool))


class WelcomePanel(QFrame):
    openRequested = Signal()  # "Open your own checkpoint…"
    dismissed = Signal()

    def __init__(self, qsettings: QSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("welcomePanel")
        self.setStyleSheet(_STYLE)
        self.qsettings = qsettings
        self.body = QLabel(BODY, self)
        self.body.setObjectName("welcomeBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.body.setToolTip("SeFa (closed-form factorization): the directions that change a generator's "
                             "first layer most, each changing one thing at a time (pose, age, lighting, smile)")
        self.open_button = QPushButton("Open checkpoint…", self)
        self.open_button.setObjectName("welcomeOpen")
        self.open_button.setToolTip("Open your own .pt / .pth / .pkl / .safetensors generator: PGGAN, StyleGAN, "
                                    "BigGAN, DCGAN (Ctrl+O)")
        self.open_button.clicked.connect(self.openRequested)
        self.ok_button = QPushButton("Got it", self)
        self.ok_button.setObjectName("welcomeDismiss")
        self.ok_button.clicked.connect(self.dismiss)
        close = QToolButton(self)
        close.setObjectName("welcomeClose")
        close.setText("×")
        close.setToolTip("Hide this introduction for good")
        close.setAutoRaise(True)
        close.clicked.connect(self.dismiss)

        # Compact: wide, one row (text | the two buttons stacked | ×); narrow, the buttons go under the text.
        self.button_box = QWidget(self)
        self.buttons = QBoxLayout(QBoxLayout.Direction.TopToBottom, self.button_box)
        self.buttons.setContentsMargins(0, 0, 0, 0)
        self.buttons.setSpacing(4)
        self.buttons.addWidget(self.open_button)
        self.buttons.addWidget(self.ok_button)
        self.buttons.addStretch(1)
        self.grid = QGridLayout(self)
        self.grid.setContentsMargins(12, 8, 6, 8)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        self.grid.addWidget(self.body, 0, 0)
        self.grid.addWidget(close, 0, 2, Qt.AlignmentFlag.AlignTop)
        self.grid.setColumnStretch(0, 1)
        self.narrow: bool | None = None
        self._arrange(False)

    def _arrange(self, narrow: bool) -> None:
        if narrow == self.narrow:
            return
        self.narrow = narrow
        self.grid.removeWidget(self.button_box)
        if narrow:
            self.buttons.setDirection(QBoxLayout.Direction.LeftToRight)
            self.grid.addWidget(self.button_box, 1, 0, 1, 2)
        else:
            self.buttons.setDirection(QBoxLayout.Direction.TopToBottom)
            self.grid.addWidget(self.button_box, 0, 1)

    def resizeEvent(self, event) -> None:  # noqa: N802 (Qt override)
        super().resizeEvent(event)
        self._arrange(self.width() < NARROW)

    def dismiss(self) -> None:
        self.qsettings.setValue(SETTINGS_KEY, True)
        self.qsettings.sync()
        self.hide()
        self.dismissed.emit()


def install_welcome(window) -> WelcomePanel | None:
    """Hook for MainWindow: on a first run, put the panel between the gallery header and the list.

    Needs window.qsettings, window.gallery (a QVBoxLayout whose item 0 is the header) and
    window.open_dialog. Returns None once the user has dismissed it.
    """
    if dismissed(window.qsettings):
        return None
    panel = WelcomePanel(window.qsettings, window.gallery)
    panel.openRequested.connect(window.open_dialog)
    panel.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)  # never taller than its text
    wrap = QWidget(window.gallery)  # margins so it lines up with the header's
    wrap.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Maximum)
    row = QVBoxLayout(wrap)
    row.setContentsMargins(12, 4, 12, 8)
    row.addWidget(panel)
    panel.dismissed.connect(wrap.hide)
    window.gallery.layout().insertWidget(1, wrap)
    return panel
