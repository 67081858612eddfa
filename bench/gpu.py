"""The app's render path on a CUDA device, in one run of at most a few minutes.

    python bench/gpu.py              # on the first CUDA device; says so and exits 0 when there is none
    python bench/gpu.py --dry-run    # the same code paths on the CPU with small models (a smoke test)

Measures, on random config-f StyleGAN2s (tools/make_random_stylegan2.py, genforce format):
  (1) one frame at 256² and 1024², batch 1 and batch 25, in float32, float16 and bfloat16 autocast;
      the largest 8-bit difference from float32 (the app keeps half precision only within 2/255);
  (2) through the app's render worker (its own thread, no display): model load, factorization, the
      first gallery screen (5 cards × 5 strips: first draft, all drafts, all sharp), and drag-to-
      preview latency (request → frame handed to the GUI) for a burst of drag events;
  (3) the factorization of the 1024² model (all 18 W+ rows, cold Gram cache).
Every time is a best of `--repeats` after a warm-up, with the device synchronised.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402

from tools.make_random_stylegan2 import build_random_stylegan2, cached_random_stylegan2, save_genforce  # noqa: E402

PRECISIONS = {"float32": None, "float16": torch.float16, "bfloat16": torch.bfloat16}


def sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def best_ms(fn: Callable[[], object], device: str, repeats: int) -> float:
    fn()
    sync(device)
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync(device)
        best = min(best, time.perf_counter() - t0)
    return best * 1e3


def to8(img: torch.Tensor) -> torch.Tensor:
    return ((img.float().clamp(-1, 1) + 1) * 127.5).round()


def render_table(models: dict[int, object], device: str, repeats: int, batches: list[int]) -> None:
    from sefa_desktop.models.precision import synthesize_at

    print("| model | batch | precision | ms/frame | ms/image | × float32 | max 8-bit Δ vs float32 |")
    print("|---|---|---|---|---|---|---|")
    for res, model in models.items():
        for n in batches:
            codes = model.codes(model.sample_z(n, seed=1).to(device), truncation_psi=0.7)
            ref = to8(model.synthesize(codes))
            t32 = None
            for name, dtype in PRECISIONS.items():
                if dtype is torch.bfloat16 and device.startswith("cuda") and not torch.cuda.is_bf16_supported():
                    continue
                try:
                    ms = best_ms(lambda d=dtype, m=model, c=codes: synthesize_at(m, c, d), device, repeats)
                    diff = (to8(synthesize_at(model, codes, dtype)) - ref).abs().max().item()
                except RuntimeError as e:  # e.g. a dtype the CPU cannot convolve in
                    print(f"| {res}² | {n} | {name} | – | – | – | {str(e).splitlines()[0][:60]} |")
                    continue
                t32 = ms if dtype is None else t32
                ratio = f"{t32 / ms:.2f}×" if t32 else "–"
                print(f"| {res}² | {n} | {name} | {ms:.1f} | {ms / n:.2f} | {ratio} | {diff:.0f} |")


def worker_table(path: Path, device: str, drags: int) -> dict[str, float]:
    """The app's worker on its own thread, driven by requests as the window sends them."""
    from PySide6.QtCore import QCoreApplication, QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication

    from sefa_desktop.gui.requests import (
        DeviceRequest,
        EditSpec,
        FactorizeRequest,
        LoadRequest,
        PreviewRequest,
        SampleSpec,
        ThumbRequest,
    )
    from sefa_desktop.gui.worker import RenderWorker, WorkerThread

    app = QApplication.instance() or QApplication([])
    worker = RenderWorker()
    thread = WorkerThread(worker)
    events: list[tuple[str, float, object]] = []
    worker.ready.connect(lambda info: events.append(("ready", time.perf_counter(), info)))
    worker.modelLoaded.connect(lambda gen, info: events.append(("loaded", time.perf_counter(), info)))
    worker.loadFailed.connect(lambda gen, msg: events.append(("failed", time.perf_counter(), msg)))
    worker.failed.connect(lambda purpose, msg: events.append(("failed", time.perf_counter(), msg)))
    worker.directionsReady.connect(lambda gen, res: events.append(("directions", time.perf_counter(), res)))
    worker.thumbnailDraftsReady.connect(lambda ctx, rows: events.append(("draft", time.perf_counter(), rows)))
    worker.thumbnailsReady.connect(lambda ctx, rows: events.append(("sharp", time.perf_counter(), rows)))
    worker.previewReady.connect(lambda gen, img, ms, draft: events.append(("preview", time.perf_counter(), gen)))

    def wait_for(kind: str, count: int = 1, timeout: float = 240.0) -> float:
        deadline = time.perf_counter() + timeout
        while time.perf_counter() < deadline:
            hits = [e for e in events if e[0] == kind]
            if any(e[0] == "failed" for e in events):
                raise RuntimeError(f"worker failed: {[e[2] for e in events if e[0] == 'failed'][0]}")
            if len(hits) >= count:
                return hits[count - 1][1]
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        raise TimeoutError(f"no {count}× {kind} within {timeout:.0f} s")

    out: dict[str, float] = {}
    thread.start()
    try:
        wait_for("ready")
        worker.submit(DeviceRequest(device))
        t0 = time.perf_counter()
        worker.submit(LoadRequest(str(path)))
        out["load ms"] = (wait_for("loaded") - t0) * 1e3
        info = [e for e in events if e[0] == "loaded"][-1][2]
        t0 = time.perf_counter()
        worker.submit(FactorizeRequest(1, tuple(range(info["num_layers"]))))
        out["factorize (worker) ms"] = (wait_for("directions") - t0) * 1e3
        dirs = [e for e in events if e[0] == "directions"][-1][2]
        sample = SampleSpec(seed=0, psi=0.7)
        worker.submit(PreviewRequest(1, sample))
        t0 = time.perf_counter()
        out["first full frame ms"] = (wait_for("preview") - t0) * 1e3
        rows = tuple(range(5))
        t0 = time.perf_counter()
        worker.submit(ThumbRequest(model_gen=1, context=("bench",), sample=sample, rows=rows,
                                   vectors={r: dirs.vectors[r] for r in rows}, size=64))
        out["first card draft ms"] = (wait_for("draft") - t0) * 1e3
        out["first screen drafts (5 cards) ms"] = (wait_for("draft", 2) - t0) * 1e3  # first card, then 4 batched
        out["first screen sharp (5 cards) ms"] = (wait_for("sharp", 5) - t0) * 1e3
        # a drag: events every 16 ms; latency = request → frame handed over
        lat: list[float] = []
        sent: dict[int, float] = {}
        before = len([e for e in events if e[0] == "preview"])
        vec = dirs.vectors[0]
        for i in range(drags):
            gen = worker.submit(PreviewRequest(1, sample, (EditSpec(vec, -3 + 6 * i / max(1, drags - 1)),),
                                               draft=True))
            sent[gen] = time.perf_counter()
            loop = QEventLoop()
            QTimer.singleShot(16, loop.quit)
            loop.exec()
        deadline = time.perf_counter() + 60
        while time.perf_counter() < deadline and not any(e[0] == "preview" and e[2] == gen for e in events):
            app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        for kind, t, g in events:
            if kind == "preview" and g in sent:
                lat.append((t - sent[g]) * 1e3)
        frames = len([e for e in events if e[0] == "preview"]) - before
        out["drag frames shown"] = float(frames)
        out["drag latency p50 ms"] = statistics.median(lat) if lat else float("nan")
        out["drag draft resolution"] = float(worker.planner.draft_resolution() or info["resolution"])
    finally:
        worker.request_stop()
        thread.quit()
        thread.wait(10_000)
        QCoreApplication.processEvents()
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dry-run", action="store_true", help="CPU, small models: check the script itself")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--drags", type=int, default=60)
    a = ap.parse_args(argv)
    from sefa_desktop.models import load_model

    if a.dry_run:
        device, repeats, drags, batches = "cpu", 1, 4, [1, 2]
        folder = Path(os.environ.get("TMPDIR", "/tmp")) / "sefa-desktop-bench-dry"
        folder.mkdir(parents=True, exist_ok=True)
        paths = {}
        for res in (32, 128):  # the render table uses the 32² model, the worker the 128² one (drafts)
            p = folder / f"dry-sg2-{res}.pth"
            if not p.exists():
                save_genforce(build_random_stylegan2(res, seed=0, channel_base=512, channel_max=16, w_dim=16), p)
            paths[res] = p
        print("dry run: CPU, small random StyleGAN2s (32², 128²), one repeat — not a measurement")
    else:
        if not torch.cuda.is_available():
            print("no CUDA device: nothing to measure (run with --dry-run to check the script on the CPU)")
            return 0
        device, repeats, drags, batches = "cuda", a.repeats, a.drags, [1, 25]
        paths = {res: cached_random_stylegan2(res) for res in (256, 1024)}
        props = torch.cuda.get_device_properties(0)
        print(f"{props.name}, {props.total_memory / 2**30:.0f} GiB, torch {torch.__version__}, "
              f"CUDA {torch.version.cuda}; best of {repeats}")
    t_start = time.perf_counter()
    models = {res: load_model(p, device=device) for res, p in paths.items() if not a.dry_run or res == min(paths)}
    print("\n## Render (model.synthesize, early exits off)\n")
    render_table(models, device, repeats, batches)
    big = models[max(models)]
    from sefa_desktop.core import factorize
    from sefa_desktop.core.gram_cache import GRAMS

    def cold_factorize() -> None:
        GRAMS._entries.clear()
        factorize(big, layers=None, k=10)

    print(f"\nfactorization of the {big.resolution}² model (all {big.num_layers} rows, cold): "
          f"{best_ms(cold_factorize, 'cpu', repeats):.1f} ms")
    del models
    print(f"\n## Through the render worker ({max(paths)}² model, no display)\n")
    res = worker_table(paths[max(paths)], device, drags)
    print("| what | value |")
    print("|---|---|")
    for k, v in res.items():
        print(f"| {k} | {v:.0f} |")
    print(f"\ntotal {time.perf_counter() - t_start:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
