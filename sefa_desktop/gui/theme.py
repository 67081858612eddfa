"""Light and dark palettes on the Fusion style, following the system colour scheme or the user's choice.

View ▸ Theme chooses System, Light or Dark; the choice is remembered in the window settings (key
view/theme). With System, SEFA_DESKTOP_THEME=light|dark overrides the desktop's scheme (useful for
screenshots and for desktops that do not report one).
"""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication

ACCENT = QColor(76, 120, 255)

_COLOURS = {
    # role: (light, dark)
    QPalette.ColorRole.Window: ("#f3f4f7", "#1f2125"),
    QPalette.ColorRole.WindowText: ("#1d1f23", "#e6e7ea"),
    QPalette.ColorRole.Base: ("#ffffff", "#2a2c31"),
    QPalette.ColorRole.AlternateBase: ("#f0f3fb", "#31343a"),
    QPalette.ColorRole.Text: ("#1d1f23", "#e6e7ea"),
    QPalette.ColorRole.PlaceholderText: ("#7a7f89", "#8d929c"),
    QPalette.ColorRole.Button: ("#ffffff", "#33363c"),
    QPalette.ColorRole.ButtonText: ("#1d1f23", "#e6e7ea"),
    QPalette.ColorRole.ToolTipBase: ("#2a2c31", "#f3f4f7"),
    QPalette.ColorRole.ToolTipText: ("#f3f4f7", "#1d1f23"),
    QPalette.ColorRole.Light: ("#ffffff", "#43464d"),
    QPalette.ColorRole.Midlight: ("#e4e7ee", "#3a3d44"),
    QPalette.ColorRole.Mid: ("#d3d7df", "#3e4148"),
    QPalette.ColorRole.Dark: ("#b9bec8", "#16171a"),
    QPalette.ColorRole.Shadow: ("#9ea3ad", "#0c0d0f"),
    QPalette.ColorRole.HighlightedText: ("#ffffff", "#ffffff"),
    QPalette.ColorRole.BrightText: ("#d93636", "#ff6b6b"),
    QPalette.ColorRole.Link: ("#3866e8", "#7fa0ff"),
}

_STYLE = """
QMainWindow::separator {{ width: 1px; height: 1px; background: {mid}; }}
QDockWidget {{ font-weight: 600; }}
QDockWidget::title {{ padding: 6px 8px; background: {window}; }}
QDockWidget > QWidget {{ font-weight: normal; }}
QLabel#hint {{ color: {muted}; }}
QLabel#sectionTitle {{ font-size: 11pt; }}
QFrame#errorPanel {{ background: {error_bg}; border: 1px solid {error}; border-radius: 6px; }}
QLabel#errorText {{ color: {text}; }}
QFrame#editRow {{ background: {base}; border: 1px solid {mid}; border-radius: 6px; }}
QTreeWidget, QListView {{ border: none; }}
QTreeWidget::item {{ padding: 3px 0; }}
QFrame#modelCard {{ background: {base}; border: 1px solid {mid}; border-radius: 6px; }}
QLabel#modelDetails {{ color: {text}; }}
QStatusBar QLabel {{ padding: 0 8px; color: {muted}; }}
QPushButton {{ padding: 4px 10px; border-radius: 5px; border: 1px solid {mid}; background: {button}; }}
QPushButton:hover {{ border-color: {accent}; }}
QPushButton:pressed {{ background: {midlight}; }}
QPushButton:disabled {{ color: {muted}; }}
"""


def system_is_dark() -> bool:
    forced = os.environ.get("SEFA_DESKTOP_THEME", "").lower()
    if forced in ("light", "dark"):
        return forced == "dark"
    hints = QGuiApplication.styleHints()
    scheme = getattr(hints, "colorScheme", lambda: Qt.ColorScheme.Unknown)()
    return scheme == Qt.ColorScheme.Dark


def apply_theme(app: QApplication, dark: bool | None = None) -> bool:
    """Fusion + our palette + a small style sheet; returns whether the dark variant was used."""
    dark = system_is_dark() if dark is None else dark
    app.setStyle("Fusion")
    pal = QPalette()
    for role, (light_c, dark_c) in _COLOURS.items():
        c = QColor(dark_c if dark else light_c)
        pal.setColor(QPalette.ColorGroup.All, role, c)
    pal.setColor(QPalette.ColorGroup.All, QPalette.ColorRole.Highlight, ACCENT)
    pal.setColor(QPalette.ColorGroup.All, QPalette.ColorRole.Accent, ACCENT)
    muted = pal.color(QPalette.ColorRole.PlaceholderText)
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        pal.setColor(QPalette.ColorGroup.Disabled, role, muted)
    app.setPalette(pal)
    c = {k: pal.color(r).name() for k, r in (
        ("window", QPalette.ColorRole.Window), ("base", QPalette.ColorRole.Base),
        ("text", QPalette.ColorRole.Text), ("mid", QPalette.ColorRole.Mid),
        ("midlight", QPalette.ColorRole.Midlight), ("button", QPalette.ColorRole.Button),
        ("muted", QPalette.ColorRole.PlaceholderText))}
    c["accent"] = ACCENT.name()
    c["error"] = "#e5484d"
    c["error_bg"] = "#3b2326" if dark else "#fdecec"
    app.setStyleSheet(_STYLE.format(**c))
    return dark


THEMES = ("system", "light", "dark")
SETTING = "view/theme"
_choice = "system"  # what apply_choice() was last given (follow_system only acts on "system")


def saved_choice() -> str:
    """The theme chosen in View ▸ Theme ("system" until one is chosen, or if the setting is odd)."""
    from .window_layout import window_settings

    value = str(window_settings().value(SETTING, "system"))
    return value if value in THEMES else "system"


def apply_choice(app: QApplication, choice: str, remember: bool = False) -> bool:
    """Apply "system", "light" or "dark" (returns whether dark is used); `remember` stores the choice."""
    global _choice
    _choice = choice if choice in THEMES else "system"
    if remember:
        from .window_layout import window_settings

        store = window_settings()
        store.setValue(SETTING, _choice)
        store.sync()
    return apply_theme(app, None if _choice == "system" else _choice == "dark")


def current_choice() -> str:
    return _choice


def follow_system(app: QApplication) -> None:
    """Re-apply the palette when the desktop switches between light and dark (if the theme is System)."""
    hints = QGuiApplication.styleHints()
    signal = getattr(hints, "colorSchemeChanged", None)
    if signal is not None:
        signal.connect(lambda _scheme: apply_theme(app) if _choice == "system" else None)
