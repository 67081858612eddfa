"""Where the jobs run: in this process, a local process pool, or Ray actors.

Every engine takes chunks of jobs and yields each chunk's results as it finishes, keeping at most two
chunks per worker in flight (a plan of millions of jobs is never queued whole). When `stop` is set
(Ctrl+C, or an injected interruption) it submits nothing more, waits for the chunks in flight and
returns, so what was rendered gets recorded.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from collections.abc import Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from typing import Any

from .plan import BatchError, Job
from .render import Renderer, RenderSpec, Result

POLL_S = 0.25  # how often a waiting engine looks at the stop flag
RAY_MISSING = "the ray engine needs Ray: pip install sefa-desktop[cluster]"


class Worker:
    """A Renderer that never raises from its constructor: a failure is reported by `render` as one line
    (a pool initializer or a Ray actor constructor that raises loses the message in a traceback)."""

    def __init__(self, spec: RenderSpec, device: str, threads: int, model: object | None = None) -> None:
        self.error: str | None = None
        self.renderer: Renderer | None = None
        try:
            self.renderer = Renderer(spec, device, threads, model)
        except Exception as e:  # noqa: BLE001 (every failure becomes the worker's one-line error)
            self.error = f"worker on {device}: {str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__}"

    def render(self, jobs: list[Job]) -> list[Result]:
        if self.renderer is None:
            raise BatchError(self.error or "worker failed to start")
        return self.renderer.render(jobs)


class Engine:
    name = "engine"
    workers = 1
    devices: list[str]

    def results(self, chunks: Iterator[list[Job]], stop: threading.Event) -> Iterator[list[Result]]:
        raise NotImplementedError

    def close(self) -> None:
        pass


class InProcessEngine(Engine):
    """One worker: this process renders (no start-up cost; used for --workers 1)."""

    name = "local"

    def __init__(self, spec: RenderSpec, device: str, threads: int, model: object | None = None) -> None:
        self.worker = Worker(spec, device, threads, model)
        self.devices = [device]

    def results(self, chunks: Iterator[list[Job]], stop: threading.Event) -> Iterator[list[Result]]:
        for chunk in chunks:
            if stop.is_set():
                return
            yield self.worker.render(chunk)


# -- local process pool -------------------------------------------------------------------------------
_WORKER: Worker | None = None


def _init_pool_worker(spec: RenderSpec, devices: Any, threads: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl+C is the driver's to handle
    global _WORKER
    _WORKER = Worker(spec, devices.get(), threads)


def _render_in_pool(jobs: list[Job]) -> list[Result]:
    assert _WORKER is not None
    return _WORKER.render(jobs)


class LocalPoolEngine(Engine):
    """N spawned processes, one model each (spawn, not fork: a forked torch can hang in OpenMP)."""

    name = "local"

    def __init__(self, spec: RenderSpec, devices: list[str], threads: int) -> None:
        import multiprocessing

        ctx = multiprocessing.get_context("spawn")
        queue = ctx.Queue()
        for d in devices:
            queue.put(d)
        self.workers = len(devices)
        self.devices = devices
        self.pool = ProcessPoolExecutor(max_workers=len(devices), mp_context=ctx, initializer=_init_pool_worker,
                                        initargs=(spec, queue, threads))

    def results(self, chunks: Iterator[list[Job]], stop: threading.Event) -> Iterator[list[Result]]:
        inflight: set[Future] = set()
        exhausted = False
        while True:
            while not (exhausted or stop.is_set()) and len(inflight) < 2 * self.workers:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                else:
                    inflight.add(self.pool.submit(_render_in_pool, chunk))
            if not inflight:
                return
            done, inflight = wait(inflight, timeout=POLL_S, return_when=FIRST_COMPLETED)
            for f in done:
                yield _pool_result(f)

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)


def _pool_result(f: Future) -> list[Result]:
    from concurrent.futures.process import BrokenProcessPool

    try:
        return f.result()
    except BrokenProcessPool:
        raise BatchError("a worker process died (out of memory?); run again to resume") from None


# -- Ray ----------------------------------------------------------------------------------------------
class RayEngine(Engine):
    """Ray actors, one model each; a GPU per actor when the cluster has GPUs and the device allows.

    Without an address it starts a local Ray instance (and stops it at the end); with one it connects
    to that cluster. A Ray session already started in this process (tests, notebooks) is reused."""

    name = "ray"

    def __init__(self, spec: RenderSpec, address: str | None, workers: int | None, threads: int,
                 device: str) -> None:
        try:
            import ray
        except ImportError:
            raise BatchError(RAY_MISSING) from None
        self.ray = ray
        self.started = False
        if not ray.is_initialized():
            # A local instance gets at least the CPUs asked for, so no actor waits forever for a slot.
            cpus = None if address else max(os.cpu_count() or 1, (workers or 0) * max(1, threads))
            try:
                ray.init(address=address, num_cpus=cpus, include_dashboard=False, log_to_driver=False,
                         logging_level=logging.ERROR, configure_logging=True)
            except Exception as e:  # noqa: BLE001 (connection or start-up failures, one line)
                first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
                where = f"the Ray cluster at {address}" if address else "a local Ray instance"
                raise BatchError(f"cannot start or reach {where}: {first}") from None
            self.started = True
        resources = ray.cluster_resources()
        gpus = int(resources.get("GPU", 0)) if device in ("auto", "cuda") else 0
        if device == "cuda" and not gpus:
            self.close()
            raise BatchError("--device cuda: the Ray cluster has no GPUs")
        cpus = max(1, int(resources.get("CPU", 1)))
        self.workers = workers or (gpus or max(1, cpus // max(1, threads)))
        if not gpus and self.workers * max(1, threads) > cpus:
            self.close()
            raise BatchError(f"the Ray cluster has {cpus} CPUs: {self.workers} workers × {threads} threads do not "
                             "fit (lower --workers or --threads)")
        actor_device = "cuda" if gpus else "cpu"
        # More actors than GPUs share them (small models leave a GPU idle at one image per pass).
        per_gpu = min(1.0, gpus / self.workers) if gpus else 0
        actor = ray.remote(Worker).options(num_cpus=0 if gpus else max(1, threads), num_gpus=per_gpu)
        self.actors = [actor.remote(spec, actor_device, threads) for _ in range(self.workers)]
        self.devices = [actor_device] * self.workers

    def results(self, chunks: Iterator[list[Job]], stop: threading.Event) -> Iterator[list[Result]]:
        ray = self.ray
        inflight: dict[Any, int] = {}  # ref → actor index
        load = [0] * len(self.actors)
        exhausted = False
        while True:
            while not (exhausted or stop.is_set()) and min(load) < 2:
                chunk = next(chunks, None)
                if chunk is None:
                    exhausted = True
                    break
                i = load.index(min(load))
                inflight[self.actors[i].render.remote(chunk)] = i
                load[i] += 1
            if not inflight:
                return
            done, _ = ray.wait(list(inflight), num_returns=1, timeout=POLL_S)
            for ref in done:
                load[inflight.pop(ref)] -= 1
                yield self._get(ref)

    def _get(self, ref: Any) -> list[Result]:
        try:
            return self.ray.get(ref)
        except self.ray.exceptions.RayTaskError as e:
            cause = getattr(e, "cause", None)
            if isinstance(cause, BatchError | OSError):
                raise BatchError(str(cause)) from None
            raise BatchError(f"a Ray worker failed: {type(cause).__name__ if cause else 'error'}: {cause}") from None
        except self.ray.exceptions.RayError as e:
            first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
            raise BatchError(f"a Ray worker was lost ({first}); run again to resume") from None

    def close(self) -> None:
        for a in getattr(self, "actors", []):
            self.ray.kill(a)
        self.actors = []
        if self.started:
            self.ray.shutdown()
            self.started = False


def local_devices(device: str, workers: int | None) -> tuple[list[str], int]:
    """Devices of the local workers (GPUs round-robin) and the default thread count per worker."""
    import torch

    cpus = os.cpu_count() or 1
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    if device == "cuda":
        n = torch.cuda.device_count()
        count = workers or n
        return [f"cuda:{i % n}" for i in range(count)], 1
    count = workers or (1 if device != "cpu" else cpus)
    # One thread per worker: processes scale better than threads for one-image passes, and on a busy
    # machine extra OpenMP threads spin against the neighbours (25 ms → 780 ms per image measured).
    return [device] * count, 1
