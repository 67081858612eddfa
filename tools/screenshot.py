"""Render docs/screenshot-main.png: the main window (1400×900) with the bundled model and two edits.

    PYTHONPATH=. python tools/screenshot.py [--theme dark|light] [-o docs/screenshot-main.png]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--theme", choices=("dark", "light"), default="dark")
    ap.add_argument("-o", "--output", default="docs/screenshot-main.png")
    args = ap.parse_args()
    os.environ["SEFA_DESKTOP_THEME"] = args.theme
    home = tempfile.mkdtemp(prefix="sefa-shot-")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = home

    from PySide6.QtCore import QEventLoop

    from sefa_desktop.app import create_app

    app = create_app()
    from sefa_desktop.gui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
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
    gen = w._preview_gen
    wait(lambda: w._shown_gen >= gen)
    rows = list(w.gallery.visible_rows())
    wait(lambda: all(r in w.gallery.model.thumbs for r in rows))
    for _ in range(20):
        app.processEvents()
    w.grab().save(args.output)
    print(f"wrote {args.output}")
    w.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
