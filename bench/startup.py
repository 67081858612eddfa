"""Benchmark: start-up of the built bundle vs running from source, same machine, same run.

    python bench/startup.py [--runs 3] [--bundle dist/sefa-desktop/sefa-desktop]

Each run is a fresh process doing `--smoke-test` offscreen (so every run is a first run with empty user
folders). Times are seconds since the process was launched (SEFA_LAUNCH_EPOCH): "window shown" is the
window exposed (before torch is imported, by design), "model loaded" the bundled model ready in the
window, "smoke passed" the whole check (factorize, a gallery row, two previews). Runs of the two
variants alternate, so load from other work on the machine hits both alike. Prints medians and the
bundle/source ratio.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = {"window shown": "window shown", "model loaded": "bundled model loaded", "smoke passed": "passed in"}


def one_run(cmd: list[str]) -> dict[str, float]:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "PYTHONPATH": str(ROOT)}
    env["SEFA_LAUNCH_EPOCH"] = repr(time.time())
    out = subprocess.run([*cmd, "--smoke-test"], env=env, capture_output=True, text=True, timeout=600)
    if out.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} --smoke-test failed:\n{out.stderr}")
    times = {}
    for key, marker in STEPS.items():
        m = re.search(rf"smoke: {re.escape(marker)}:? ([0-9.]+) s", out.stdout)
        if not m:
            raise SystemExit(f"no '{marker}' line in:\n{out.stdout}")
        times[key] = float(m.group(1))
    return times


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--bundle", default=str(ROOT / "dist" / "sefa-desktop" / "sefa-desktop"))
    args = ap.parse_args()
    variants = {"source": [sys.executable, "-m", "sefa_desktop"]}
    if Path(args.bundle).is_file():
        variants["bundle"] = [args.bundle]
    else:
        print(f"(no bundle at {args.bundle}: build it with packaging/build.sh; timing source only)")
    results: dict[str, list[dict[str, float]]] = {k: [] for k in variants}
    for _ in range(args.runs):
        for name, cmd in variants.items():
            results[name].append(one_run(cmd))
    print(f"median of {args.runs} runs, seconds since launch (ratio: bundle / source)")
    print(f"{'step':<14}" + "".join(f"{n:>10}" for n in variants) + ("     ratio" if "bundle" in variants else ""))
    for key in STEPS:
        med = {n: statistics.median(r[key] for r in results[n]) for n in variants}
        line = f"{key:<14}" + "".join(f"{med[n]:>10.2f}" for n in variants)
        if "bundle" in med:
            line += f"{med['bundle'] / med['source']:>10.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
