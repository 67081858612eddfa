"""Quitting while a big frame renders: window close → process exit, with nothing printed by Qt.

    PYTHONPATH=. python bench/quit.py [--resolution 1024] [--runs 3]

Each run is a fresh process (offscreen Qt) that opens a random config-f StyleGAN2 (genforce file),
waits until the worker is rendering a full-resolution frame, then closes the window and exits. Printed:
close() duration, close → process end as seen by the parent, and whether stderr had a complaint
(e.g. "QThread: Destroyed while thread is still running"). Baseline: the same close with the worker idle.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

CHILD = r"""
import os, sys, time
sys.path.insert(0, {root!r})
from sefa_desktop.util.threads import configure_openmp
configure_openmp()
from PySide6.QtCore import QEventLoop
from sefa_desktop.app import create_app
from sefa_desktop.gui.main_window import MainWindow
app = create_app()
w = MainWindow(initial_model={path!r})
w.show()
def pump_until(cond, timeout):
    end = time.perf_counter() + timeout
    while not cond() and time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 10)
pump_until(lambda: w.dirs is not None and w.model_info and w.model_info["resolution"] == {res}, 900)
busy = {busy}
if busy:
    w.render.request_preview(draft=False)   # a full frame …
    time.sleep(0.5)                          # … that is now rendering in the worker
else:
    pump_until(lambda: w.render.frame_current and w.preview.image.pixmap is not None, 900)
    w.render.shutdown(); w.worker.closing = False  # idle worker: stop the gallery, keep the loop
    pump_until(lambda: False, 1.0)
t0 = time.perf_counter()
w.close()
print(f"close {{time.perf_counter() - t0:.3f}}", flush=True)
print(f"end {{time.time():.3f}}", flush=True)
"""


def one(res: int, path: Path, busy: bool) -> tuple[float, float, str]:
    code = CHILD.format(root=str(ROOT), path=str(path), res=res, busy=busy)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    p = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                         env=env)
    out, err = p.communicate(timeout=1800)
    t_exit = time.time()
    close = float(next(line.split()[1] for line in out.splitlines() if line.startswith("close")))
    end = float(next(line.split()[1] for line in out.splitlines() if line.startswith("end")))
    complaints = [line for line in err.splitlines() if "QThread" in line or "Traceback" in line]
    return close, t_exit - end, "; ".join(complaints)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, default=1024)
    ap.add_argument("--runs", type=int, default=3)
    a = ap.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from tools.make_random_stylegan2 import cached_random_stylegan2

    path = cached_random_stylegan2(a.resolution)
    one_min, five, _ = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average {one_min:.1f} / {five:.1f}; {a.resolution}² random StyleGAN2")
    print("| worker | run | close() s | close → process gone s | Qt complaints |")
    print("|---|---|---|---|---|")
    for busy in (False, True):
        for run in range(a.runs):
            close, gone, complaints = one(a.resolution, path, busy)
            print(f"| {'rendering a full frame' if busy else 'idle'} | {run + 1} | {close:.2f} | {gone:.2f} | "
                  f"{complaints or 'none'} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
