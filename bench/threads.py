"""Threads under load: how much one busy neighbour process slows factorization and rendering, for
each OpenMP wait policy and torch thread count, all in one run.

    python bench/threads.py [--threads 1 2] [--repeats 3] [--render-resolution 256]

Each configuration runs in a fresh process (OMP_WAIT_POLICY only counts before torch loads), once on
its own and once beside a CPU hog (a process spinning in a Python loop), interleaved. Timed: the SeFa
factorization of the 1024² random StyleGAN2 (all 18 W+ rows: Gram + eigh; the per-row Gram cache
cleared each time) and one 256² frame (batch 1). The slowdown column is hog / alone; the app's choice
(util/threads.py) is PASSIVE with one thread fewer than the CPUs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CHILD = r"""
import json, sys, time
sys.path.insert(0, {root!r})
import torch
torch.set_num_threads({threads})
from sefa_desktop.models import load_model
from sefa_desktop.core import factorize
from tools.make_random_stylegan2 import cached_random_stylegan2
big = load_model(cached_random_stylegan2(1024))
small = load_model(cached_random_stylegan2({res}))
ws = small.codes(small.sample_z(1, seed=0))
from sefa_desktop.core.gram_cache import GRAMS
def fact():
    GRAMS._entries.clear()  # a cold factorization each time (Grams + eigh)
    factorize(big, layers=None, k=10)
def render():
    small.synthesize(ws)
out = {{}}
for name, fn in (("factorize", fact), ("render", render)):
    fn()
    best = float("inf")
    for _ in range({repeats}):
        t0 = time.perf_counter(); fn(); best = min(best, time.perf_counter() - t0)
    out[name] = best
print(json.dumps(out))
"""

HOG = "while True: pass"


def run_child(threads: int, policy: str, res: int, repeats: int) -> dict[str, float]:
    env = dict(os.environ)
    env.pop("OMP_NUM_THREADS", None)
    if policy == "default":
        env.pop("OMP_WAIT_POLICY", None)
    else:
        env["OMP_WAIT_POLICY"] = policy
    code = CHILD.format(root=str(ROOT), threads=threads, res=res, repeats=repeats)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--policies", nargs="+", default=["default", "PASSIVE"])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--render-resolution", type=int, default=256)
    a = ap.parse_args(argv)
    from tools.make_random_stylegan2 import cached_random_stylegan2

    cached_random_stylegan2(1024)
    cached_random_stylegan2(a.render_resolution)
    one, five, _ = os.getloadavg()
    print(f"{os.cpu_count()} CPUs, load average before {one:.1f} / {five:.1f}; best of {a.repeats}")
    results: dict[tuple, dict[str, float]] = {}
    for threads in a.threads:
        for policy in a.policies:
            for hog_on in (False, True):
                hog = subprocess.Popen([sys.executable, "-c", HOG]) if hog_on else None
                try:
                    time.sleep(0.2 if hog else 0)
                    results[(threads, policy, hog_on)] = run_child(threads, policy, a.render_resolution, a.repeats)
                finally:
                    if hog is not None:
                        hog.kill()
                        hog.wait()
    one, five, _ = os.getloadavg()
    print(f"load average after {one:.1f} / {five:.1f}\n")
    print("| threads | OMP_WAIT_POLICY | factorize alone ms | + hog ms | slowdown | render alone ms | + hog ms "
          "| slowdown |")
    print("|---|---|---|---|---|---|---|---|")
    for threads in a.threads:
        for policy in a.policies:
            alone, hog = results[(threads, policy, False)], results[(threads, policy, True)]
            print(f"| {threads} | {policy} | {alone['factorize'] * 1e3:.0f} | {hog['factorize'] * 1e3:.0f} | "
                  f"{hog['factorize'] / alone['factorize']:.2f}× | {alone['render'] * 1e3:.0f} | "
                  f"{hog['render'] * 1e3:.0f} | {hog['render'] / alone['render']:.2f}× |")


if __name__ == "__main__":
    main()
