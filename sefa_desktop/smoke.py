"""`sefa-desktop --smoke-test`: prove an installed copy (a source checkout or the built bundle) works.

Starts the real app offscreen with every user folder pointed into a fresh temp folder, then checks
each step a first-time user sees: the window shows with its welcome panel, the bundled model loads,
SeFa factorizes it, the first gallery row gets its thumbnails (and they differ along the direction),
the preview renders and changes when that direction is applied. Exits 0, or 1 with the step that failed and why.

Prints one line per step with seconds since launch (SEFA_LAUNCH_EPOCH, set by bench/startup.py,
else since this function started), which the start-up benchmark parses.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

XDG_VARS = ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME", "XDG_RUNTIME_DIR")


class SmokeFailure(Exception):
    pass


def _isolate(tmp: Path) -> None:
    """Every place the app (Qt, fontconfig, torch, our settings) might write goes under `tmp`."""
    for var in XDG_VARS:
        d = tmp / var.lower()
        d.mkdir(mode=0o700)
        os.environ[var] = str(d)
    os.environ["TORCH_HOME"] = str(tmp / "torch")
    os.environ["QT_QPA_PLATFORM"] = "offscreen"
    # platformdirs ignores XDG_* on Windows and macOS: redirect our own folders directly as well.
    from . import settings

    settings.data_dir = lambda: tmp / "data"  # type: ignore[assignment]
    settings.config_dir = lambda: tmp / "config"  # type: ignore[assignment]
    settings.cache_dir = lambda: tmp / "cache"  # type: ignore[assignment]


def _image_stats(image) -> tuple[int, int, float]:
    """(width, height, pixel standard deviation) of a QImage or QPixmap."""
    import numpy as np
    from PySide6.QtGui import QImage, QPixmap

    if isinstance(image, QPixmap):
        image = image.toImage()
    img = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = img.width(), img.height()
    if w == 0 or h == 0:
        return w, h, 0.0
    arr = np.frombuffer(img.constBits(), np.uint8, count=img.bytesPerLine() * h).reshape(h, img.bytesPerLine())
    return w, h, float(arr[:, :3 * w].std())


def _mean_abs_diff(a, b) -> float:
    import numpy as np
    from PySide6.QtGui import QImage, QPixmap

    def arr(x):
        if isinstance(x, QPixmap):
            x = x.toImage()
        x = x.convertToFormat(QImage.Format.Format_RGB888)
        h, w = x.height(), x.width()
        # Copy while the converted QImage is alive: the array would otherwise point at freed memory.
        return np.frombuffer(x.constBits(), np.uint8, count=x.bytesPerLine() * h).reshape(h, -1)[:, :3 * w].copy()

    a, b = arr(a), arr(b)
    return float(np.abs(a.astype(np.int16) - b.astype(np.int16)).mean()) if a.shape == b.shape else float("inf")


def run(timeout: float, t0: float, log: Callable[[str], None]) -> str:
    """The checks, in the QApplication of this process; returns a one-line summary or raises."""
    from PySide6.QtCore import QEventLoop, QTimer

    from .app import create_app

    app = create_app()
    from .gui.main_window import MainWindow

    errors: list[str] = []
    window = MainWindow()
    window.worker.loadFailed.connect(lambda _gen, msg: errors.append(f"loading the bundled model failed: {msg}"))
    window.worker.failed.connect(lambda purpose, msg: errors.append(f"{purpose} failed: {msg}"))
    deadline = time.perf_counter() + timeout

    def wait_for(what: str, done: Callable[[], bool]) -> None:
        loop = QEventLoop()
        while not done():
            if errors:
                raise SmokeFailure(errors[0])
            if time.perf_counter() > deadline:
                raise SmokeFailure(f"timed out after {timeout:.0f} s waiting for {what}")
            QTimer.singleShot(20, loop.quit)
            loop.exec()
        log(f"{what}: {time.time() - t0:.2f} s")

    try:
        window.show()
        wait_for("window shown", lambda: window.isVisible() and window.windowHandle() is not None
                 and window.windowHandle().isExposed())
        welcome = getattr(window, "welcome", None)
        if welcome is None or not welcome.isVisible():
            raise SmokeFailure("the first-run welcome panel is not shown")
        wait_for("bundled model loaded", lambda: window.model_info is not None)
        info = window.model_info
        assert info is not None
        wait_for("factorized", lambda: window.dirs is not None)
        dirs = window.dirs
        assert dirs is not None
        import numpy as np

        if len(dirs.values) == 0 or not np.all(np.isfinite(dirs.values)) or not np.all(np.isfinite(dirs.vectors)):
            raise SmokeFailure("factorization returned no directions or non-finite values")
        if np.any(np.diff(dirs.values) > 1e-4 * max(1.0, float(dirs.values[0]))):
            raise SmokeFailure("eigenvalues are not sorted in decreasing order")
        n_alphas = len(window.gallery.alphas)
        window.gallery.request_visible()
        wait_for("gallery row rendered", lambda: len(window.gallery.model.thumbs.get(0, [])) == n_alphas)
        thumbs = window.gallery.model.thumbs[0]
        if any(_image_stats(t)[2] < 1.0 for t in thumbs):
            raise SmokeFailure("a gallery thumbnail is blank")
        if _mean_abs_diff(thumbs[0], thumbs[-1]) < 1.0:
            raise SmokeFailure("the first direction's thumbnails do not change along the strip")
        wait_for("preview rendered", lambda: window.preview.image.image is not None)
        base = window.preview.image.image.copy()
        w, h, std = _image_stats(base)
        if (w, h) != (info["resolution"], info["resolution"]) or std < 1.0:
            raise SmokeFailure(f"the preview is {w}×{h} with pixel spread {std:.2f}, expected a "
                               f"{info['resolution']} px picture")
        # Apply the strongest direction as a release of a drag would: the preview must change.
        window.gallery.alphaCommitted.emit(0, float(window.gallery.amplitude))  # a double-click
        wait_for("edited preview rendered", lambda: window.preview.image.image is not None
                 and _mean_abs_diff(window.preview.image.image, base) >= 1.0)
        shot = window.grab()  # paint every pane once, as a screen would
        if shot.isNull():
            raise SmokeFailure("the window could not be painted")
        return (f"{info['name']} ({info['family']}, {info['resolution']} px) → {len(dirs.values)} directions, "
                f"{n_alphas} thumbnails, preview {w}×{h}")
    finally:
        window.close()  # saves the layout into the temp folder and stops the worker thread
        app.processEvents()


def main(argv: Sequence[str] = ()) -> int:
    parser = argparse.ArgumentParser(prog="sefa-desktop --smoke-test",
                                     description="Start the app offscreen and check it works end to end.")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds for the whole run (default 300)")
    args = parser.parse_args(list(argv))
    try:
        t0 = float(os.environ.get("SEFA_LAUNCH_EPOCH", ""))
    except ValueError:
        t0 = time.time()

    def log(line: str) -> None:
        print(f"smoke: {line}", flush=True)

    with tempfile.TemporaryDirectory(prefix="sefa-smoke-") as tmp:
        _isolate(Path(tmp))
        try:
            summary = run(args.timeout, t0, log)
        except SmokeFailure as e:
            print(f"sefa-desktop: smoke test failed: {e}", file=sys.stderr)
            return 1
        except Exception as e:  # anything else is a failure too, named in one line
            print(f"sefa-desktop: smoke test failed: {type(e).__name__}: {e}", file=sys.stderr)
            return 1
    log(f"passed in {time.time() - t0:.2f} s: {summary}")
    return 0
