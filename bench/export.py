"""MP4 export speed against bare rendering of the same frames, measured in the same run.

    PYTHONPATH=. python bench/export.py [--frames N] [--repeats R] [--sg2-frames N]

"bare" renders every frame of the video (same batches, same 8-bit conversion and tiling) and throws
them away; "export" renders and encodes them to H.264 MP4 with the render thread overlapped with
encoding (core/video.export_video). The ratio export fps / bare fps says how much of the encoding
cost is hidden. Targets: ≥ 80% for the bundled DCGAN at its native 64 px, ≥ 95% for a 256-px
StyleGAN2 with random weights (when that network is available).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.core.directions import DirectionSet  # noqa: E402
from sefa_desktop.core.sefa import factorize  # noqa: E402
from sefa_desktop.core.video import FrameRenderer, export_video, sweep_spec  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402


def bare_seconds(model, spec) -> float:
    r = FrameRenderer(model, spec, even=True)
    t0 = time.perf_counter()
    with torch.inference_mode():
        for start in range(0, len(r), spec.batch):
            r.render(start, min(len(r), start + spec.batch))
    return time.perf_counter() - t0


def export_seconds(model, spec, folder: Path) -> float:
    t0 = time.perf_counter()
    export_video(model, spec, folder / "bench.mp4")
    return time.perf_counter() - t0


def measure(name: str, model, dirs: DirectionSet, frames: int, repeats: int, target: float) -> dict:
    spec = sweep_spec(dirs, 0, -3, 3, frames=frames, fps=30)
    export_seconds_list, bare_list = [], []
    with tempfile.TemporaryDirectory() as tmp:
        bare_seconds(model, sweep_spec(dirs, 0, frames=min(frames, 8)))  # warm-up
        for _ in range(repeats):  # alternate so drifts in machine load hit both alike
            bare_list.append(bare_seconds(model, spec))
            export_seconds_list.append(export_seconds(model, spec, Path(tmp)))
    bare_fps = frames / min(bare_list)
    exp_fps = frames / min(export_seconds_list)
    return {"name": name, "size": model.resolution, "frames": frames, "bare": bare_fps, "export": exp_fps,
            "ratio": exp_fps / bare_fps, "target": target}


def stylegan2_model():
    """A 256-px StyleGAN2 (the stylegan2-ada 'paper256' widths) with random weights, or None."""
    try:
        from sefa_desktop.models.nets import stylegan2 as sg2
    except ImportError:
        return None
    cfg = {"z_dim": 512, "w_dim": 512, "img_resolution": 256, "img_channels": 3, "channel_base": 16384,
           "channel_max": 512, "architecture": "skip", "mapping_layers": 8}
    torch.manual_seed(0)
    net = sg2.StyleGAN2Generator(cfg)
    with torch.no_grad():
        for p in net.parameters():
            if not torch.isfinite(p).all():
                p.normal_()
    return sg2.StyleGAN2Model(net.eval(), "random-stylegan2-256")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--frames", type=int, default=240, help="frames for the bundled model")
    ap.add_argument("--sg2-frames", type=int, default=24, help="frames for the 256-px StyleGAN2")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (default 1: on a shared 2-core machine 2 OpenMP threads spin and "
                         "make the main thread's bare rendering up to 10× slower, which would flatter export)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    print(f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, torch {torch.__version__} "
          f"({torch.get_num_threads()} threads), device {args.device}")
    rows = []
    model = load_model("digiface-dcgan64", device=args.device)
    rows.append(measure("digiface-dcgan64", model, factorize(model, k=4), args.frames, args.repeats, 0.80))
    sg2 = stylegan2_model()
    if sg2 is None:
        print("stylegan2-256: skipped: StyleGAN2 network not available")
    else:
        sg2.to(args.device)
        rows.append(measure("stylegan2-256 (random)", sg2, factorize(sg2, k=4), args.sg2_frames, args.repeats,
                            0.95))
    print(f"{'model':24s} {'px':>4s} {'frames':>6s} {'bare fps':>9s} {'mp4 fps':>9s} {'ratio':>6s} {'target':>6s}")
    ok = True
    for r in rows:
        passed = r["ratio"] >= r["target"]
        ok &= passed
        print(f"{r['name']:24s} {r['size']:4d} {r['frames']:6d} {r['bare']:9.1f} {r['export']:9.1f} "
              f"{r['ratio']:6.0%} {r['target']:6.0%} {'ok' if passed else 'BELOW TARGET'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
