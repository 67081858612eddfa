"""QApplication bootstrap: `sefa-desktop [CHECKPOINT]` opens the app.

The window is shown before torch is imported: the render worker imports it on its own thread once the
first frame of the window has been painted, and the preview says "Starting…" meanwhile.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from . import APP_NAME, __version__

APP_ID = "io.github.sefa_desktop"


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="sefa-desktop", description="SeFa Desktop: edit GANs with closed-form "
                                     "factorization. With a sub-command (see `sefa-desktop --help`) it runs the CLI.")
    parser.add_argument("checkpoint", nargs="?", help="a checkpoint path or bundled model name to open")
    return parser.parse_args(list(argv))


def create_app(argv: Sequence[str] = ()):
    """The QApplication with our name, theme and icon (reused when one already exists, as in tests)."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QApplication

    from .gui.theme import apply_theme, follow_system

    app = QApplication.instance() or QApplication([sys.argv[0] if sys.argv else APP_NAME, *argv])
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName("SeFa Desktop")
    app.setApplicationVersion(__version__)
    app.setOrganizationName(APP_NAME)
    QGuiApplication.setDesktopFileName(APP_ID)  # Wayland matches the window to the .desktop entry by this
    from .gui.desktop import app_icon  # packaging: window/taskbar icon from resources/icons

    app.setWindowIcon(app_icon())
    apply_theme(app)
    follow_system(app)
    return app


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    app = create_app()
    from .gui.main_window import MainWindow

    window = MainWindow(initial_model=args.checkpoint)
    from .gui.desktop import install_file_open  # packaging: macOS Finder opens checkpoints via events

    install_file_open(app, window)
    window.show()
    _close_on_ctrl_c(window)
    return int(app.exec())


def _close_on_ctrl_c(window) -> None:
    """Ctrl+C in the terminal closes the window properly (saving its layout, stopping the worker);
    SIGTERM removes the temp files of exports in progress first.

    Python only runs signal handlers between bytecodes, so a slow no-op timer gives it the chance."""
    import signal

    from PySide6.QtCore import QTimer

    signal.signal(signal.SIGINT, lambda *_: window.close())

    def on_sigterm(*_: object) -> None:  # logout/kill: no hidden temp file is left beside an export
        from .util.atomic import remove_live_temps

        remove_live_temps()
        window.close()

    signal.signal(signal.SIGTERM, on_sigterm)
    timer = QTimer(window)
    timer.timeout.connect(lambda: None)
    timer.start(250)
