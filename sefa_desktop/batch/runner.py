"""Run a planned batch: claim the folder, check its recipe, skip what is done, render the rest.

The driver is the only writer of manifest.csv and batch.json; workers write only images (atomically).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import fcntl
import json
import os
import secrets
import signal
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..util.atomic import atomic_write_bytes
from . import manifest
from .engines import Engine
from .plan import RECIPE_FORMAT, RECIPE_VERSION, BatchError, Job, Plan, recipe_difference
from .render import PROBE_PREFIX, write_image

RECIPE_FILE = "batch.json"
LOCK_FILE = ".batch.lock"
CHUNK = 4  # jobs per work item: small, so Ctrl+C waits for little and results stream to the manifest
# Test hook: stop after this many images as Ctrl+C would ("interrupt:N") or die at once ("kill:N").
STOP_ENV = "SEFA_BATCH_TEST_STOP"


@dataclass
class BatchOutcome:
    total: int
    skipped: int  # done before this run (verified)
    rendered: int  # written by this run
    dropped: int  # manifest rows whose file was missing or changed (rendered again)
    seconds: float
    stopped: bool  # interrupted (the manifest is consistent; run again to resume)


class OutputFolder:
    """OUTDIR claimed by this run: locked against a second batch, recipe checked or recorded."""

    def __init__(self, outdir: Path) -> None:
        self.path = outdir
        self._lock: Any = None

    def claim(self, recipe: dict[str, Any], about: dict[str, Any]) -> None:
        out = self.path
        if out.exists() and not out.is_dir():
            raise BatchError(f"{out} exists and is not a folder")
        if not out.exists():
            if not out.parent.is_dir():
                raise BatchError(f"cannot create {out}: folder {out.parent} does not exist")
            out.mkdir()
        self._check_is_batch_folder()
        self._lock = open(out / LOCK_FILE, "a")  # noqa: SIM115 (held until release())
        try:
            fcntl.flock(self._lock.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            self._lock.close()
            self._lock = None
            raise BatchError(f"another sefa-desktop batch is writing to {out}") from None
        recipe_path = out / RECIPE_FILE
        if recipe_path.exists():
            try:
                old = json.loads(recipe_path.read_text(encoding="utf-8"))
                old_recipe = old["recipe"]
            except (OSError, ValueError, KeyError, TypeError):
                raise BatchError(f"{recipe_path} is damaged: use a new output folder") from None
            if old.get("format") != RECIPE_FORMAT or int(old.get("version", 0)) > RECIPE_VERSION:
                raise BatchError(f"{recipe_path} was written by a newer sefa-desktop: update it or use a new folder")
            diff = recipe_difference(old_recipe, recipe)
            if diff:
                raise BatchError(f"{out} holds another batch ({diff}): use a new output folder, or the "
                                 "same options to resume it")
            about = {**old.get("about", {}), "runs": old.get("about", {}).get("runs", []) + about.get("runs", [])}
        else:
            self._check_is_batch_folder()
        doc = {"format": RECIPE_FORMAT, "version": RECIPE_VERSION, "recipe": recipe, "about": about}
        atomic_write_bytes(recipe_path, (json.dumps(doc, indent=1) + "\n").encode("utf-8"))

    def _check_is_batch_folder(self) -> None:
        if (self.path / RECIPE_FILE).exists():
            return
        others = sorted(p.name for p in self.path.iterdir() if p.name != LOCK_FILE)
        if others:
            raise BatchError(f"{self.path} is not empty and holds no batch ({others[0]}, …): use a new or "
                             "empty output folder")

    def release(self) -> None:
        if self._lock is not None:
            self._lock.close()
            self._lock = None


def run_info(engine: str, workers: int | None, device: str, threads: int) -> dict[str, Any]:
    """What batch.json records of each run (not part of the recipe): when, where, with what."""
    import PIL
    import torch

    from .. import __version__

    if device == "auto" and engine == "local":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return {"started": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"), "engine": engine,
            "workers": workers or "default", "device": device, "threads_per_worker": threads,
            "sefa_desktop": __version__, "torch": torch.__version__, "pillow": PIL.__version__}


def chunks_of(plan: Plan, pending: Iterator[int], size: int = CHUNK) -> Iterator[list[Job]]:
    chunk: list[Job] = []
    for key in pending:
        chunk.append(plan[key])
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


@contextlib.contextmanager
def ctrl_c_sets(stop: threading.Event, on_first: Callable[[], None] | None = None) -> Iterator[None]:
    """First Ctrl+C (or SIGTERM, as a cluster scheduler sends) sets `stop`: finish what is in flight,
    record it, return; a second one interrupts at once (the manifest stays consistent either way)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        if stop.is_set():
            raise KeyboardInterrupt
        stop.set()
        if on_first:
            on_first()

    previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, h in previous.items():
            signal.signal(sig, h)


def _test_stop() -> tuple[str, int] | None:
    spec = os.environ.get(STOP_ENV, "")
    if not spec:
        return None
    mode, _, n = spec.partition(":")
    return mode, int(n)


def execute(plan: Plan, outdir: Path, engine: Engine, done: set[int], *,
            latent_names: list[str] | None = None, stop: threading.Event | None = None,
            progress: Callable[[int], None] | None = None) -> tuple[int, bool]:
    """Render every job not in `done`; return (images rendered, whether it stopped early).

    Rows are appended to the manifest as chunks come back, so an interruption at any point leaves a
    manifest that names only complete, verified images."""
    stop = stop or threading.Event()
    test_stop = _test_stop()
    writer = manifest.ManifestWriter(outdir, plan)
    rendered = 0
    try:
        pending = (k for k in range(len(plan)) if k not in done)
        for results in engine.results(chunks_of(plan, pending), stop):
            rows = []
            for r in results:
                job = plan[r.key]
                if r.data is not None:  # the worker did not see OUTDIR: write it here
                    write_image(outdir / job.path, r.data)
                rows.append(manifest.row_for(job, r.sha256, latent_names))
            writer.append(rows)
            rendered += len(rows)
            if progress:
                progress(len(rows))
            if test_stop and rendered >= test_stop[1]:
                if test_stop[0] == "kill":
                    os.kill(os.getpid(), signal.SIGKILL)
                stop.set()
    finally:
        writer.close()
    return rendered, stop.is_set() and len(done) + rendered < len(plan)


def new_probe(outdir: Path) -> str:
    """A file only workers that see this OUTDIR can read: they write images there, others return them."""
    name = PROBE_PREFIX + secrets.token_hex(8)
    (outdir / name).write_text(name)
    return name


def run_batch(plan: Plan, outdir: Path, recipe: dict[str, Any], about: dict[str, Any],
              make_engine: Callable[[str], Engine], *, latent_names: list[str] | None = None,
              verify: bool = True, stop: threading.Event | None = None,
              on_start: Callable[[int, int, Engine], Callable[[int], None] | None] | None = None,
              on_verify: Callable[[int, int], None] | None = None) -> BatchOutcome:
    """The whole batch: claim OUTDIR, resume, start the engine (given the probe name), render, finalize."""
    t0 = time.perf_counter()
    folder = OutputFolder(outdir)
    folder.claim(recipe, about)
    engine: Engine | None = None
    try:
        done, dropped = manifest.resume(outdir, plan, verify=verify, progress=on_verify)
        _remove_stale_temp_files(outdir, plan)
        rendered, stopped = 0, False
        if len(done) < len(plan):
            probe = new_probe(outdir)
            try:
                engine = make_engine(probe)
                progress = on_start(len(plan), len(done), engine) if on_start else None
                rendered, stopped = execute(plan, outdir, engine, done, latent_names=latent_names,
                                            stop=stop, progress=progress)
            finally:
                (outdir / probe).unlink(missing_ok=True)
        if not stopped:
            manifest.finalize(outdir, plan)
        return BatchOutcome(len(plan), len(done), rendered, dropped, time.perf_counter() - t0, stopped)
    finally:
        if engine is not None:
            engine.close()
        folder.release()


def _remove_stale_temp_files(outdir: Path, plan: Plan) -> None:
    """Temp files of images whose writer was killed mid-write (`.<name>.<pid>.tmp`)."""
    for shard in outdir.iterdir():
        if shard.is_dir() and len(shard.name) == 2:
            for p in shard.glob(f".*.{plan.ext}.*.tmp"):
                with contextlib.suppress(OSError):
                    p.unlink()
    for p in outdir.glob(PROBE_PREFIX + "*"):
        with contextlib.suppress(OSError):
            p.unlink()
