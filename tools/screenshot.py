"""Render docs/screenshot-main.png: the main window (1400×900) with the bundled model and two edits.

    PYTHONPATH=. python tools/screenshot.py [--theme dark|light] [--size 1000x700] [-o docs/screenshot-main.png]

Under X11 (DISPLAY set, e.g. `Xvfb :99 -screen 0 1920x1200x24 & DISPLAY=:99 …`) it shows a real window
on the xcb platform and captures it from the screen; without a display it renders offscreen.
`--welcome` keeps the first-run welcome panel (a fresh user's view).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--theme", choices=("dark", "light"), default="dark")
    ap.add_argument("-o", "--output", default="docs/screenshot-main.png")
    ap.add_argument("--size", default="1400x900", help="window size WxH")
    ap.add_argument("--welcome", action="store_true", help="keep the first-run welcome panel")
    args = ap.parse_args()
    width, height = (int(x) for x in args.size.lower().split("x"))
    os.environ["SEFA_DESKTOP_THEME"] = args.theme
    home = tempfile.mkdtemp(prefix="sefa-shot-")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = home

    from PySide6.QtCore import QEventLoop

    from sefa_desktop.app import create_app

    app = create_app()
    from sefa_desktop.gui.main_window import MainWindow

    if not args.welcome:
        from sefa_desktop.gui.welcome import SETTINGS_KEY
        from sefa_desktop.gui.window_layout import window_settings

        window_settings().setValue(SETTINGS_KEY, True)
    w = MainWindow()
    w.resize(width, height)
    w.show()

    def wait(cond, timeout=60.0):
        end = time.time() + timeout
        while not cond():
            if time.time() > end:
                raise TimeoutError
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)

    wait(lambda: w.dirs is not None and w.preview.image.pixmap is not None)
    w.preview.seed.setValue(11)
    for row, name in ((0, "head turn"), (1, "lighting"), (3, "hair colour")):
        w.gallery.model.setData(w.gallery.model.index(row), name)
    w.gallery.alphaCommitted.emit(1, -1.5)
    w.gallery.alphaCommitted.emit(0, 1.2)
    w.gallery.view.setCurrentIndex(w.gallery.model.index(0))
    wait(lambda: w.render.frame_current)
    wait(lambda: w.gallery.model.thumb_px >= w.gallery.thumb_size())  # thumbnails at their size on screen
    rows = list(w.gallery.visible_rows())
    wait(lambda: set(rows) <= w.gallery.model.sharp_rows())  # final strips of this seed, not drafts or stale
    for _ in range(20):
        app.processEvents()
    if os.environ["QT_QPA_PLATFORM"] == "xcb":  # what the X server shows in the window
        shot = w.screen().grabWindow(w.winId())
        assert (shot.width(), shot.height()) == (width, height), (shot.width(), shot.height())
    else:
        shot = w.grab()
    shot.save(args.output)
    print(f"wrote {args.output}")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
