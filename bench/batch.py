"""Throughput of `sefa-desktop batch`: images per second of each engine, in one run.

    nice -n 10 python bench/batch.py [--images 800] [--sg2-images 24] [--skip-ray]

Models: the two bundled ones and a 256 px StyleGAN2 with random weights (config-f widths, built by
tools/make_random_stylegan2.py as a genforce .pth; every worker loads it from the path, as users'
checkpoints are). Engines: local
with 1 worker (the baseline), local with 2 worker processes, Ray with 2 actors on a local Ray instance
started once at the beginning (its start-up time is printed apart). Each cell renders the same job
into a fresh folder; the manifests must be identical (checked).

Columns: `wall` is the whole run_batch (worker start-up, model loading in each worker, rendering);
`img/s` counts images after every worker returned its first chunk, over the time since then (the
steady rate, without worker start-up);
`× 1 worker` is that rate against the local 1-worker rate of the same model.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.batch.runner import run_batch  # noqa: E402
from sefa_desktop.cli import build_parser  # noqa: E402
from sefa_desktop.commands.batch import prepare  # noqa: E402
from sefa_desktop.core import factorize  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402
from tools.make_random_stylegan2 import cached_random_stylegan2  # noqa: E402

ENGINES = [("local, 1 worker", ["--engine", "local", "--workers", "1"]),
           ("local, 2 workers", ["--engine", "local", "--workers", "2"]),
           ("ray, 2 actors", ["--engine", "ray", "--workers", "2"])]


def time_batch(argv: list[str]) -> tuple[float, float, int, bytes]:
    """(wall seconds, steady images/s, images, manifest bytes) of one batch run.

    The steady rate counts the images that came back after every worker had returned its first chunk
    (so worker start-up and model loading are out of it), over the time since that moment."""
    args = build_parser().parse_args(argv)
    job = prepare(args)
    stamps: list[tuple[float, int, int]] = []  # (time, images, worker pid)

    def make_engine(probe: str):
        engine = job.make_engine(probe)
        results = engine.results

        def timed(chunks, stop):
            for rs in results(chunks, stop):
                stamps.append((time.perf_counter(), len(rs), rs[0].worker))
                yield rs

        engine.results = timed
        return engine

    t0 = time.perf_counter()
    outcome = run_batch(job.plan, job.outdir, job.recipe, job.about, make_engine)
    wall = time.perf_counter() - t0
    seen: set[int] = set()
    workers = len({w for _, _, w in stamps})
    ready = None
    for i, (_, _, w) in enumerate(stamps):
        seen.add(w)
        if len(seen) == workers:
            ready = i
            break
    later = sum(n for _, n, _ in stamps[ready + 1:]) if ready is not None else 0
    steady = later / (stamps[-1][0] - stamps[ready][0]) if later else float("nan")
    return wall, steady, outcome.rendered, (job.outdir / "manifest.csv").read_bytes()


def load_average() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--images", type=int, default=800, help="images per cell for the bundled models")
    ap.add_argument("--sg2-images", type=int, default=24, help="images per cell for the 256 px StyleGAN2")
    ap.add_argument("--skip-ray", action="store_true")
    args = ap.parse_args()
    engines = [e for e in ENGINES if not (args.skip_ray and "ray" in e[0])]
    print(f"load average at start (1, 5, 15 min): {load_average()} on {os.cpu_count()} cores; torch "
          f"{torch.__version__}, 1 torch thread per worker")
    if not args.skip_ray:
        import ray

        t = time.perf_counter()
        ray.init(num_cpus=os.cpu_count(), include_dashboard=False, log_to_driver=False, logging_level="ERROR")
        print(f"local Ray instance started in {time.perf_counter() - t:.1f} s (not in the table)")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        models = [("digiface-dcgan64", "digiface-dcgan64", args.images),
                  ("cartoon-faces-sg2-32", "cartoon-faces-sg2-32", args.images),
                  ("StyleGAN2 256 px, random", str(cached_random_stylegan2(256)), args.sg2_images)]
        print(f"| {'model':<26} | {'engine':<17} | {'images':>6} | {'wall s':>7} | {'img/s':>7} | {'× 1 worker':>10} |")
        print(f"|{'-' * 28}|{'-' * 19}|{'-' * 8}|{'-' * 9}|{'-' * 9}|{'-' * 12}|")
        for label, source, n in models:
            dirs_path = tmp / f"{len(os.listdir(tmp))}.npz"
            factorize(load_model(source), k=4).save(dirs_path)
            steps = 4
            job = [source, "--directions", str(dirs_path), "--seeds", f"0-{max(1, n // steps) - 1}",
                   "--sweep", f"0=-2:2:{steps}", "-q"]
            base = None
            manifests = set()
            for i, (name, flags) in enumerate(engines):
                out = tmp / f"out-{len(os.listdir(tmp))}"
                wall, rate, count, man = time_batch(["batch", *job, "-o", str(out), *flags])
                manifests.add(man)
                base = rate if i == 0 else base
                print(f"| {label:<26} | {name:<17} | {count:>6} | {wall:7.1f} | {rate:7.2f} | {rate / base:10.2f} |",
                      flush=True)
            print(f"| {'':<26} | {'same bytes: ' + ('yes' if len(manifests) == 1 else 'NO'):<17} |"
                  f"{'':8}|{'':9}|{'':9}|{'':12}|", flush=True)
    print(f"load average at end (1, 5, 15 min): {load_average()}")
    if not args.skip_ray:
        ray.shutdown()


if __name__ == "__main__":
    main()
