"""`sefa-desktop video MODEL --directions F --index I -o out.mp4`: an edit video.

A sweep along direction I over --range, or (with --keyframe) a path through keyframes; one seed or a
grid of seeds side by side. Format from the extension: .mp4 (H.264), .webm (VP9), .gif, .webp.
"""

from __future__ import annotations

import argparse
import threading

from .common import (
    add_class_arg,
    add_hold_arg,
    add_latent_arg,
    add_model_arg,
    check_output,
    chosen_class,
    hold_directions,
    latent_codes,
    load_directions,
)
from .progress import Progress


def parse_keyframe(text: str) -> dict[int, float]:
    """'0=-3,2=1.5' → {0: -3.0, 2: 1.5}."""
    out: dict[int, float] = {}
    try:
        for part in text.replace(" ", "").split(","):
            if part:
                i, a = part.split("=", 1)
                out[int(i)] = float(a)
    except ValueError:
        raise argparse.ArgumentTypeError(f"bad keyframe '{text}': use I=ALPHA[,J=ALPHA…], e.g. 0=-3,2=1") from None
    if not out:
        raise argparse.ArgumentTypeError("empty keyframe")
    return out


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("video", help="write an edit video (.mp4, .webm, .gif, .webp)",
                       description="Sweep one direction over --range, or follow --keyframe steps, and "
                                   "encode the frames. --frames is always the number of frames in the file.")
    add_model_arg(p)
    p.add_argument("--directions", metavar="F", required=True, help="directions file")
    p.add_argument("--index", type=int, default=None, metavar="I", help="direction to sweep")
    p.add_argument("--keyframe", type=parse_keyframe, action="append", default=[], metavar="I=A[,J=B]",
                   help="a keyframe (repeat ≥ 2 times): directions and their α; frames move linearly "
                        "from one keyframe to the next (replaces --index/--range)")
    p.add_argument("--seed", type=int, default=0, metavar="S")
    p.add_argument("--seeds", type=int, nargs="+", default=None, metavar="S",
                   help="several seeds side by side in a grid (overrides --seed)")
    add_latent_arg(p)
    p.add_argument("--range", type=float, nargs=2, default=[-3.0, 3.0], metavar=("LO", "HI"))
    p.add_argument("--frames", type=int, default=60, metavar="N", help="frames in the file (default 60)")
    p.add_argument("--fps", type=float, default=30.0)
    p.add_argument("--size", type=int, default=None, metavar="PX",
                   help="size of each seed's picture in px (default: the model's resolution)")
    p.add_argument("--pingpong", action="store_true", help="go there and back (loops seamlessly)")
    p.add_argument("--caption", action="store_true", help="write direction name and α on each frame")
    p.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    add_class_arg(p)
    p.add_argument("--noise", choices=["const", "random", "none"], default="const")
    p.add_argument("--codec", choices=["libx264", "mpeg4"], default=None,
                   help="MP4 codec: libx264 (H.264, default when available; GPL library) or mpeg4 (LGPL)")
    p.add_argument("--crf", type=int, default=None, help="quality for MP4/WebM (lower = better)")
    p.add_argument("--batch", type=int, default=8, help="images per rendering batch")
    p.add_argument("--allow-other-model", action="store_true")
    add_hold_arg(p)
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.add_argument("-o", "--output", required=True, help="output .mp4, .webm, .gif or .webp")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..core.video import VIDEO_SUFFIXES, VideoSpec, export_video
    from ..models import load_model

    out = check_output(args.output, VIDEO_SUFFIXES)
    if args.keyframe and len(args.keyframe) < 2:
        raise ValueError("give at least two --keyframe steps (or use --index with --range)")
    if not args.keyframe and args.index is None:
        raise ValueError("give --index I (a sweep) or --keyframe steps")
    model = load_model(args.model, device=args.device)
    class_index = chosen_class(args, model)
    dirs = load_directions(args.directions, model, args.allow_other_model)
    base = latent_codes(args, model)
    if base is not None and args.seeds:
        raise ValueError("--latent makes a video of one picture: drop --seeds")
    if base is not None and class_index is not None:
        raise ValueError("--latent gives the whole code, class included: drop --class")
    keyframes = args.keyframe or [{args.index: args.range[0]}, {args.index: args.range[1]}]
    moved = sorted({i for k in keyframes for i in k if 0 <= i < len(dirs)})
    dirs = hold_directions(dirs, args.hold, moved)
    spec = VideoSpec(directions=dirs, keyframes=keyframes, seeds=args.seeds or [args.seed], frames=args.frames,
                     fps=args.fps, pingpong=args.pingpong, size=args.size, caption=args.caption,
                     truncation_psi=args.truncation, noise_mode=args.noise, batch=args.batch, codec=args.codec,
                     crf=args.crf, base_codes=base, class_index=class_index)
    with Progress(out.name, unit="frame", total=spec.frames, quiet=args.quiet) as bar:
        result = export_video(model, spec, out, progress=bar, cancel=threading.Event())
    print(f"wrote {out} ({result.width}×{result.height}, {result.frames} frames at {result.fps:g} fps, "
          f"{result.codec}) in {result.seconds:.1f} s")
    return 0
