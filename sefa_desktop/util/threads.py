"""CPU threads for torch when the machine is shared: OpenMP's wait policy and the worker's count.

OpenMP worker threads spin-wait between parallel regions by default. With a busy neighbour process on
the same cores, a spinning thread burns the time slice the thread doing the work needs: measured on a
2-core machine, `eigh` of a 512² Gram went from ~20 ms to 2-3 s (bench/threads.py). PASSIVE makes
idle threads sleep at once. It must be in the environment before torch (libgomp) loads, so the entry
point calls `configure_openmp()` first; a value the user set is kept.
"""

from __future__ import annotations

import os


def configure_openmp() -> None:
    """OMP_WAIT_POLICY=PASSIVE unless set already; call before torch is imported."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")


def usable_cpus() -> int:
    """CPUs this process may run on (its affinity mask), not the machine's count."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):  # macOS, Windows
        return os.cpu_count() or 1


def worker_threads(cpus: int | None = None) -> int:
    """torch threads for the app's render worker: one CPU stays free for the GUI thread (which must
    answer the pointer while a frame renders), at least one for the worker."""
    cpus = usable_cpus() if cpus is None else cpus
    return max(1, cpus - 1)
