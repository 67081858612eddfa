"""UI responsiveness of the desktop app with the bundled model on this machine (offscreen Qt).

Measures, in one run:
  (a) the largest event-loop stall seen by a 5 ms heartbeat on the GUI thread, once the first gallery
      has filled, while: re-factorizing, filling a 50-direction gallery, dragging, loading another model
      (baseline: the same heartbeat with the app idle);
  (b) drag latency from the mouse event to the frame handed to the preview, p50/p95, and how many of
      200 drag events (60 Hz) were rendered vs dropped (baseline: one synchronous render of a frame);
  (c) launch → window shown, for `sefa-desktop` (baseline: a bare PySide6 window, same method).

    PYTHONPATH=. python bench/ui_latency.py                    # the bundled model, then (d) below
    PYTHONPATH=. python bench/ui_latency.py --big 1024 256 --no-bundled

(d) real-size models: random config-f StyleGAN2s at 1024² and 256² in the genforce format
    (tools/make_random_stylegan2.py), opened with File ▸ Open's path. Against T, the time of one
    full-resolution frame measured by the worker in the same run: directions appear → first card
    with strips (≤ 1 T); → five cards with strips (≤ 3 T; drafts count, sharp also reported); a
    drag on the first card while the gallery still fills → first preview change (≤ 0.5 T); the
    largest event-loop stall in every phase (≤ 50 ms).
"""

from __future__ import annotations

import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
from sefa_desktop.util.threads import configure_openmp  # noqa: E402

configure_openmp()  # as the app's entry point does, before torch loads

CHILD_LAUNCH = """
import sys, time
t0 = float(sys.argv[1])
sys.path.insert(0, sys.argv[2])
from PySide6.QtCore import QObject, QEvent, QTimer
if sys.argv[3] == "app":
    from sefa_desktop.app import create_app
    app = create_app()
    from sefa_desktop.gui.main_window import MainWindow
    w = MainWindow()
else:
    from PySide6.QtWidgets import QApplication, QMainWindow
    app = QApplication([])
    w = QMainWindow()
class Spy(QObject):
    def eventFilter(self, obj, ev):
        if ev.type() == QEvent.Type.Paint:
            print(f"{time.time() - t0:.4f}", flush=True)
            app.exit(0)
        return False
spy = Spy()
w.installEventFilter(spy)
w.resize(1400, 900)
w.show()
QTimer.singleShot(20000, lambda: app.exit(1))
app.exec()
if sys.argv[3] == "app":
    w.shutdown()
"""


def launch_time(kind: str, runs: int = 3) -> float:
    """Median seconds from spawning the interpreter to the window's first paint."""
    times = []
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "XDG_CONFIG_HOME": home, "XDG_DATA_HOME": home, "XDG_CACHE_HOME": home}
        for _ in range(runs):
            t0 = time.time()
            out = subprocess.run([sys.executable, "-c", CHILD_LAUNCH, str(t0), str(REPO), kind],
                                 capture_output=True, text=True, timeout=120, env=env)
            line = [s for s in out.stdout.split() if s.strip()]
            if out.returncode != 0 or not line:
                raise RuntimeError(f"launch child failed: {out.stderr[-500:]}")
            times.append(float(line[0]))
    return statistics.median(times)


class Heartbeat:
    """A 5 ms precise timer on the GUI thread; records the largest gap per labelled phase."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.phase = "idle"
        self.worst: dict[str, float] = {}
        self.gaps: dict[str, list[float]] = {}
        self._last = time.perf_counter()
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.timer.start()

    def _tick(self) -> None:
        now = time.perf_counter()
        gap = (now - self._last) * 1000
        self._last = now
        self.worst[self.phase] = max(self.worst.get(self.phase, 0.0), gap)
        self.gaps.setdefault(self.phase, []).append(gap)

    def enter(self, phase: str) -> None:
        self.phase = phase
        self._last = time.perf_counter()


def pump(app, seconds: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + seconds
    while time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def wait_until(app, cond, timeout: float = 60.0) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + timeout
    while not cond():
        if time.perf_counter() > end:
            raise TimeoutError("condition not reached")
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)


def send_mouse(widget, kind, pos) -> None:
    from PySide6.QtCore import QEvent, QPointF, Qt
    from PySide6.QtGui import QMouseEvent
    from PySide6.QtWidgets import QApplication

    button = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button,
                                               buttons, Qt.KeyboardModifier.NoModifier))


def big_model_run(app, w, res: int, hb: Heartbeat, drag_events: int = 40) -> dict[str, float]:
    """(d) for one random config-f StyleGAN2 of side `res`; times in seconds."""
    from PySide6.QtCore import QEvent, QPoint

    from sefa_desktop.gui.gallery import card_geometry
    from tools.make_random_stylegan2 import cached_random_stylegan2

    path = str(cached_random_stylegan2(res))
    shown: list[tuple[float, bool]] = []
    w.render.previewShown.connect(lambda img, ms, draft: shown.append((time.perf_counter(), draft)))
    model = w.gallery.model
    hb.enter(f"{res} load+factorize")
    w.open_model(path)
    wait_until(app, lambda: w.model_info is not None and w.model_info["source"] == path and w.dirs is not None
               and w.dirs.model_gen == w.model_gen, timeout=900)
    t_dirs = time.perf_counter()
    hb.enter(f"{res} gallery fill")

    def has_strip(r: int) -> bool:
        return r in model.thumbs and r not in model.stale_rows

    wait_until(app, lambda: has_strip(0), timeout=900)
    t_card = time.perf_counter()
    wait_until(app, lambda: all(has_strip(r) for r in range(5)), timeout=900)
    t_screen = time.perf_counter()
    filling = bool(w.render_status.progress.text())
    # a drag on the first card while the sharp strips are still rendering
    hb.enter(f"{res} drag while filling")
    view = w.gallery.view
    vp = view.viewport()
    g = card_geometry(view.visualRect(model.index(0)), len(w.gallery.alphas))
    start = g.thumbs[len(g.thumbs) // 2].center()
    n_before = len(shown)
    send_mouse(vp, QEvent.Type.MouseButtonPress, start)
    t_move = None
    for i in range(1, drag_events + 1):
        send_mouse(vp, QEvent.Type.MouseMove, start + QPoint(int(100 * math.sin(i / drag_events * 3.1416)) + 4, 0))
        t_move = t_move or time.perf_counter()
        pump(app, 1 / 60)
        if len(shown) > n_before and i >= 10:
            break
    wait_until(app, lambda: len(shown) > n_before, timeout=900)
    t_change = shown[n_before][0]
    send_mouse(vp, QEvent.Type.MouseButtonRelease, start)
    # T: the worker's own timing of full frames of this model (planner, same run)
    hb.enter(f"{res} sharp frame")
    wait_until(app, lambda: w.render.frame_current and w.worker.planner.seconds.get(res) is not None, timeout=900)
    frame = w.worker.planner.seconds[res]
    wait_until(app, lambda: all(r in model.sharp_rows() for r in range(5)), timeout=1800)
    t_sharp = time.perf_counter()
    hb.enter("done")
    return dict(T=frame, card=t_card - t_dirs, screen=t_screen - t_dirs, screen_sharp=t_sharp - t_dirs,
                drag=t_change - t_move, filling=float(filling), draft_res=float(w.worker.planner.draft_resolution()
                                                                              or res))


def print_big(results: dict[int, dict[str, float]], hb: Heartbeat) -> None:
    print("\n(d) real-size models (random config-f StyleGAN2, genforce file), T = one full frame in the worker; "
          f"idle heartbeat's max gap {hb.worst.get('idle', float('nan')):.0f} ms")
    print("| model | T (s) | first card (T, ≤ 1) | 5 cards (T, ≤ 3) | 5 cards sharp (T) | drag → first change "
          "(T, ≤ 0.5) | gallery still filling | drag draft px | max stall (ms, ≤ 50) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for res, r in results.items():
        stall = max(v for k, v in hb.worst.items() if k.startswith(f"{res} "))
        t = r["T"]
        print(f"| {res}² | {t:.2f} | {r['card'] / t:.2f} ({r['card']:.1f} s) | {r['screen'] / t:.2f} "
              f"({r['screen']:.1f} s) | {r['screen_sharp'] / t:.2f} | {r['drag'] / t:.2f} ({r['drag']:.2f} s) | "
              f"{'yes' if r['filling'] else 'no'} | {r['draft_res']:.0f} | {stall:.0f} |")


def main() -> int:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--big", type=int, nargs="*", default=[1024, 256], help="(d): random StyleGAN2 sides")
    ap.add_argument("--no-bundled", action="store_true", help="skip (a)–(c) on the bundled model")
    args = ap.parse_args()
    home = tempfile.mkdtemp(prefix="sefa-bench-")
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME"):
        os.environ[var] = home
    one, five, _ = os.getloadavg()
    print(f"load average before: {one:.1f} / {five:.1f} on {os.cpu_count()} CPUs", flush=True)
    if args.no_bundled:
        return big_only(args.big)

    print("launch → window shown (median of 3) …", flush=True)
    t_bare = launch_time("bare")
    t_app = launch_time("app")

    from PySide6.QtCore import QEvent, QPoint

    from sefa_desktop.app import create_app
    from sefa_desktop.gui.gallery import card_geometry

    app = create_app()
    from sefa_desktop.gui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    wait_until(app, lambda: w.dirs is not None and w.preview.image.pixmap is not None)
    visible = list(w.gallery.visible_rows())
    wait_until(app, lambda: all(r in w.gallery.model.thumbs for r in visible))

    # baseline for (b): one synchronous render on this thread (the worker is idle now)
    import torch

    from sefa_desktop.core.imaging import to_uint8
    from sefa_desktop.models import load_model

    model = load_model("digiface-dcgan64")
    codes = model.codes(model.sample_z(1, 0))
    renders = []
    for _ in range(20):
        t = time.perf_counter()
        to_uint8(model.synthesize(codes))
        renders.append((time.perf_counter() - t) * 1000)
    render_ms = statistics.median(renders)
    del model, torch

    hb = Heartbeat()
    hb.enter("idle")
    pump(app, 4.0)  # as long as the longest phase (the drag), so both have the same chance of a bad slice

    # factorize after a layer change (the bundled DCGAN has one selector layer: re-select it)
    hb.enter("factorize")
    for _ in range(5):
        before = w.dirs
        w.refactorize([0])
        wait_until(app, lambda b=before: w.dirs is not b)
    pump(app, 0.2)

    # fill a 50-direction gallery: a new seed invalidates every thumbnail, then scroll through 50 rows
    hb.enter("gallery fill")
    w.preview.step_seed(1)
    view = w.gallery.view
    for row in range(0, 50, 3):  # only rows in view are rendered: wait for each view to fill
        view.scrollTo(w.gallery.model.index(row), view.ScrollHint.PositionAtTop)
        pump(app, 0.05)
        rows = list(w.gallery.visible_rows())
        wait_until(app, lambda rows=rows: all(r in w.gallery.model.thumbs for r in rows))
    filled = len(w.gallery.model.thumbs)
    view.scrollToTop()
    pump(app, 0.3)

    # drag: 200 move events at 60 Hz on the first card
    hb.enter("drag")
    vp = view.viewport()
    g = card_geometry(view.visualRect(w.gallery.model.index(0)), len(w.gallery.alphas))
    start = g.thumbs[len(g.thumbs) // 2].center()
    first_gen = w.render.preview_gen
    lat_start = len(w.frame_latencies_ms)
    send_mouse(vp, QEvent.Type.MouseButtonPress, start)
    for i in range(1, 201):
        dx = int(140 * math.sin(i / 200 * 6.283)) + (4 if i == 1 else 0)
        send_mouse(vp, QEvent.Type.MouseMove, start + QPoint(dx, 0))
        pump(app, 1 / 60)
    last_drag_gen = w.render.preview_gen
    wait_until(app, lambda: w.render.shown_gen >= last_drag_gen)
    drag_lat = w.frame_latencies_ms[lat_start:]
    requested = last_drag_gen - first_gen
    rendered = len(drag_lat)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, start)
    pump(app, 0.3)

    # load another model from its file path: the first bundled one by name (since the demo model
    # landed, cartoon-faces-sg2-32, a StyleGAN2 with W+ rows: another family, layer tree and gallery)
    from sefa_desktop.models import bundled_models

    hb.enter("model load")
    path = str(bundled_models()[0].path)
    w.open_model(path)
    wait_until(app, lambda: w.model_info is not None and w.model_info["source"] == path and w.dirs is not None
               and w.dirs.model_gen == w.model_gen)
    visible = list(w.gallery.visible_rows())
    wait_until(app, lambda: all(r in w.gallery.model.thumbs for r in visible))
    hb.enter("done")
    big = {res: big_model_run(app, w, res, hb) for res in args.big}
    w.close()

    p50 = statistics.median(drag_lat)
    p95 = sorted(drag_lat)[max(0, int(round(0.95 * len(drag_lat))) - 1)]
    idle = hb.worst.get("idle", 5.0)
    print()
    print(f"machine: {os.cpu_count()} CPUs, torch threads in worker: {max(1, (os.cpu_count() or 2) - 1)}, "
          f"model digiface-dcgan64 (64 px), offscreen Qt")
    print()
    print(f"{'measure':<44}{'value':>12}{'baseline':>12}{'ratio':>8}")
    print("-" * 76)
    for phase in ("factorize", "gallery fill", "drag", "model load"):
        v = hb.worst.get(phase, 0.0)
        print(f"{'(a) max GUI stall, ' + phase + ' (ms)':<44}{v:>12.1f}{idle:>12.1f}{v / idle:>8.2f}")
    worst = max(hb.worst.get(p, 0.0) for p in ("factorize", "gallery fill", "drag", "model load"))
    for phase in ("idle", "factorize", "gallery fill", "drag", "model load"):
        gaps = sorted(hb.gaps.get(phase, [0.0]))
        p99 = gaps[min(len(gaps) - 1, int(0.99 * len(gaps)))]
        over = sum(g > 50 for g in gaps)
        print(f"{'    ' + phase + ': ticks, p99 gap, gaps > 50 ms':<44}{len(gaps):>12}{p99:>12.1f}{over:>8}")
    print(f"{'(a) max GUI stall, all phases (ms, ≤ 50)':<44}{worst:>12.1f}{idle:>12.1f}{worst / idle:>8.2f}")
    print(f"{'(a) gallery rows filled while scrolling':<44}{filled:>12}")
    print(f"{'(b) drag latency p50 (ms)':<44}{p50:>12.1f}{render_ms:>12.1f}{p50 / render_ms:>8.2f}")
    print(f"{'(b) drag latency p95 (ms)':<44}{p95:>12.1f}{render_ms:>12.1f}{p95 / render_ms:>8.2f}")
    print(f"{'(b) drag events → frames rendered':<44}{rendered:>9}/{requested:<3}")
    print(f"{'(b) drag events dropped (coalesced)':<44}{requested - rendered:>12}")
    print(f"{'(c) launch → window shown (s, ≤ 1.5)':<44}{t_app:>12.2f}{t_bare:>12.2f}{t_app / t_bare:>8.2f}")
    print()
    print("baselines: (a) the same heartbeat with the app idle; (b) one synchronous render + uint8 of a "
          "frame; (c) a bare PySide6 QMainWindow launched the same way")
    if big:
        print_big(big, hb)
    one, five, _ = os.getloadavg()
    print(f"load average after: {one:.1f} / {five:.1f}")
    return 0


def big_only(sides: list[int]) -> int:
    from sefa_desktop.app import create_app

    app = create_app()
    from sefa_desktop.gui.main_window import MainWindow

    w = MainWindow()
    w.resize(1400, 900)
    w.show()
    wait_until(app, lambda: w.dirs is not None and w.preview.image.pixmap is not None, timeout=300)
    wait_until(app, lambda: all(r in w.gallery.model.sharp_rows() for r in w.gallery.visible_rows()), timeout=300)
    hb = Heartbeat()
    hb.enter("idle")
    pump(app, 4.0)  # baseline: the same heartbeat with the app idle
    results = {res: big_model_run(app, w, res, hb) for res in sides}
    w.close()
    import torch

    print(f"machine: {os.cpu_count()} CPUs, worker torch threads {torch.get_num_threads()}, "
          f"OMP_WAIT_POLICY={os.environ.get('OMP_WAIT_POLICY', '(unset)')}")
    print_big(results, hb)
    print("largest stall per phase (ms): " + ", ".join(f"{k} {v:.0f}" for k, v in hb.worst.items() if k != "done"))
    one, five, _ = os.getloadavg()
    print(f"load average after: {one:.1f} / {five:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
