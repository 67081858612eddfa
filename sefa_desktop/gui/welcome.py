"""First-run welcome: a short panel above the gallery saying what SeFa does and how to use the gallery.

Non-modal and laid out *above* the gallery list (never floating over a pane), so it cannot swallow a
click or a drag meant for the panes; the app is fully usable while it shows. "Got it" or × hides it
for good (remembered in the window settings); "Open your own checkpoint…" opens the file dialog.
"""

from __future__ import annotations

from PySide6.QtCore import QSettings, Qt, Signal
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QVBoxLayout, QWidget

SETTINGS_KEY = "welcome/dismissed"

TITLE = "Welcome to SeFa Desktop"
BODY = (
    "SeFa finds the directions in a GAN's latent space that change one thing at a time (pose, age, "
    "lighting, smile) straight from the generator's weights, with no training and no labels. "
    "Each row below is one direction, strongest first. <b>Drag left or right across a row's "
    "thumbnails</b> to apply it to the preview; release to keep the edit, and combine as many as you "
    "like. A small face model is already loaded; try your own GAN checkpoint (PGGAN, StyleGAN, BigGAN, DCGAN) "
    "with the button or by dropping the file on the window."
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
        title = QLabel(f"<b>{TITLE}</b>", self)
        title.setObjectName("welcomeTitle")
        self.body = QLabel(BODY, self)
        self.body.setObjectName("welcomeBody")
        self.body.setWordWrap(True)
        self.body.setTextFormat(Qt.TextFormat.RichText)
        self.open_button = QPushButton("Open your own checkpoint…", self)
        self.open_button.setObjectName("welcomeOpen")
        self.open_button.setToolTip("Open a .pt / .pth / .pkl / .safetensors generator (Ctrl+O)")
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

        head = QHBoxLayout()
        head.addWidget(title, 1)
        head.addWidget(close, 0, Qt.AlignmentFlag.AlignTop)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addStretch(1)
        buttons.addWidget(self.ok_button)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(14, 10, 10, 12)
        lay.setSpacing(6)
        lay.addLayout(head)
        lay.addWidget(self.body)
        lay.addLayout(buttons)

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
    wrap = QWidget(window.gallery)  # margins so it lines up with the header's
    row = QVBoxLayout(wrap)
    row.setContentsMargins(12, 4, 12, 8)
    row.addWidget(panel)
    panel.dismissed.connect(wrap.hide)
    window.gallery.layout().insertWidget(1, wrap)
    return panel
