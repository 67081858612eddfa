"""Train (or resume) the demo StyleGAN2 on procedural cartoon faces, on CPU or a GPU-less machine.

    nice -n 19 python tools/train_demo_gan.py --ckpt out/demo/ckpt.pt --minutes 60
    nice -n 19 python tools/train_demo_gan.py --ckpt out/demo/ckpt.pt --minutes 30   # resumes

An existing checkpoint is always resumed (options stored in it win). Stop it any time: the last
checkpoint (every --every steps, written atomically) is at most that many steps old. Export the
EMA generator with tools/export_demo_model.py. See docs/demo-model.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.demo.training import TrainOptions, load_checkpoint, new_state, train  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ckpt", type=Path, required=True, help="checkpoint file (resumed when it exists)")
    ap.add_argument("--steps", type=int, default=1_000_000, help="stop at this many steps in total")
    ap.add_argument("--minutes", type=float, default=None, help="stop after this much wall-clock time")
    ap.add_argument("--every", type=int, default=200, help="checkpoint every N steps")
    ap.add_argument("--batch", type=int, default=32)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--r1-gamma", type=float, default=None,
                    help="R1 weight (default 0.5; overrides the checkpoint's value when resuming)")
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads (1 on a shared machine)")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    a.ckpt.parent.mkdir(parents=True, exist_ok=True)
    if a.ckpt.exists():
        st = load_checkpoint(a.ckpt)
        print(f"resumed {a.ckpt} at step {st.step} ({st.images_seen} images, {st.seconds:.0f}s)", flush=True)
    else:
        st = new_state(TrainOptions(batch=a.batch, seed=a.seed))
    if a.r1_gamma is not None:
        st.opts.r1_gamma = a.r1_gamma
    deadline = time.time() + a.minutes * 60 if a.minutes else None
    train(st, a.steps, a.ckpt, every=a.every, log=lambda s: print(s, flush=True), deadline=deadline)
    print(f"stopped at step {st.step} ({st.images_seen} images, {st.seconds:.0f}s of training)", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
