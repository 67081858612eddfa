"""Train the face attribute predictors on procedural images and save them (with held-out metrics).

    nice -n 19 python tools/train_predictors.py --steps 3000 --out resources/demo/face-predictors.safetensors
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.demo.predictors import (  # noqa: E402
    default_weights_path,
    evaluate,
    save_predictor,
    train_predictor,
)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--out", type=Path, default=default_weights_path())
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    net = train_predictor(a.steps, a.batch, log=lambda s: print(s, flush=True))
    secs = time.perf_counter() - t0
    metrics = evaluate(net)
    print({k: round(v, 4) for k, v in metrics.items()})
    a.out.parent.mkdir(parents=True, exist_ok=True)
    save_predictor(net, a.out, metrics, {"steps": a.steps, "batch": a.batch, "seconds": round(secs, 1)})
    print(f"wrote {a.out} after {secs:.0f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
