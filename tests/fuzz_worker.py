"""Loads a batch of (possibly hostile) files under an address-space limit; one JSON line per file.

Run by tests/test_fuzz_loaders.py as `python tests/fuzz_worker.py JOBS.json`. JOBS.json:
{"warm": [good checkpoint paths], "extra_bytes": N, "jobs": [{"id", "kind": "model"|"directions",
"path", "model": warm path the directions are read against (kind "directions")}]}.

The worker first imports torch and every loader and loads the warm checkpoints (lazy imports and
thread pools settle), reads its own peak virtual memory, and only then sets RLIMIT_AS to that peak
plus `extra_bytes`: every mutant must then load, or fail cleanly, inside that much memory.
Output lines: {"limit": …, "vm_peak": …}, then per job {"start": id} and
{"id", "outcome": "loaded"|"error"|"crash", "message", "seconds"}.
"""

from __future__ import annotations

import json
import resource
import sys
import time
from pathlib import Path


def vm_peak() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmPeak:"):
            return int(line.split()[1]) * 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def emit(obj: dict) -> None:
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def main() -> None:
    spec = json.loads(Path(sys.argv[1]).read_text())
    import numpy as np
    import torch

    torch.set_num_threads(1)
    from sefa_desktop.core.direction_io import read_directions
    from sefa_desktop.core.directions import DirectionFileError
    from sefa_desktop.models import ModelLoadError, load_model

    warm = {p: load_model(p) for p in spec.get("warm", [])}
    for m in warm.values():  # the first render path is warmed too (it imports more of torch)
        m.selector_weight()
    peak = vm_peak()
    limit = peak + int(spec["extra_bytes"])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    emit({"limit": limit, "vm_peak": peak})
    for job in spec["jobs"]:
        emit({"start": job["id"]})
        t0 = time.perf_counter()
        out: dict = {"id": job["id"]}
        try:
            if job["kind"] == "model":
                model = load_model(job["path"])
                a = model.selector_weight()
                finite = bool(torch.isfinite(a).all())
                out.update(outcome="loaded" if finite else "crash", family=model.family,
                           message="" if finite else "selector weights are not finite")
                del model, a
            else:
                dirs = read_directions(job["path"], warm[job["model"]])
                ok = bool(np.isfinite(dirs.vectors).all())
                out.update(outcome="loaded" if ok else "crash", count=len(dirs),
                           message="" if ok else "directions are not finite")
                del dirs
        except (ModelLoadError, DirectionFileError) as e:
            out.update(outcome="error", message=str(e))
        except BaseException as e:  # anything else is what the fuzz test is looking for
            out.update(outcome="crash", message=f"{type(e).__name__}: {str(e)[:300]}")
        out["seconds"] = round(time.perf_counter() - t0, 3)
        emit(out)


if __name__ == "__main__":
    main()
