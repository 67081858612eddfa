"""`sefa-desktop batch MODEL --directions D -o OUTDIR --seeds 0-99 --sweep I=LO:HI:STEPS`: a dataset.

Seeds × sweeps, one image each, into a sharded folder with manifest.csv and batch.json; resumable,
byte-identical whatever the engine (local processes or Ray), worker count or interruptions.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .common import add_class_arg, add_hold_arg


@dataclass
class BatchJob:
    """A checked batch, ready to run (bench/batch.py runs it with its own timing)."""

    plan: Any  # batch.plan.Plan
    outdir: Path
    recipe: dict[str, Any]
    about: dict[str, Any]
    make_engine: Callable[[str], Any]  # probe file name → Engine
    latent_names: list[str] | None = None  # the --latents files as given (manifest column `latent`)


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch", help="render a dataset of edited images (resumable; local processes or Ray)",
        description="Render every seed × every sweep step into OUTDIR/<shard>/seed…_d<I>_a<α>.<ext>, with "
                    "OUTDIR/manifest.csv (seed,direction,alpha,path,sha256) and OUTDIR/batch.json (the recipe). "
                    "Running the same command again skips what is done; another recipe in the same folder is "
                    "refused. Ctrl+C stops cleanly (run again to resume).",
        epilog="Images are byte-identical whatever --engine, --workers, --threads or interruptions; a GPU "
               "and a CPU differ in the last bits. See docs/batch.md.")
    p.add_argument("model", metavar="MODEL", help="bundled model name or checkpoint path")
    p.add_argument("--directions", metavar="F", help="directions file (needed with --sweep / --hold)")
    p.add_argument("-o", "--output", required=True, metavar="OUTDIR", help="output folder (new, empty, or a "
                   "batch of the same recipe to resume)")
    p.add_argument("--seeds", nargs="+", metavar="S", help="seeds: 0-9999, 5, 1,2,7-9 (several allowed)")
    p.add_argument("--latents", nargs="+", metavar="FILE",
                   help="start from latent files instead of seeds (ours from `project`, or encoders' .npy/.npz/.pt; "
                        "one code per file, the first when it holds several)")
    p.add_argument("--sweep", action="append", default=[], metavar="I=LO:HI:STEPS",
                   help="STEPS images along direction I from α=LO to HI (repeatable; other sweeps stay at 0)")
    add_hold_arg(p)  # the same --hold as render, grid and video
    p.add_argument("--size", type=int, default=None, metavar="PX", help="resize images to PX×PX (Lanczos)")
    p.add_argument("--format", choices=["png", "jpg", "webp"], default="png", help="image format (default png)")
    p.add_argument("--quality", type=int, default=None, metavar="Q", help="jpg/webp quality (default 95/90)")
    p.add_argument("--truncation", type=float, default=1.0, metavar="PSI")
    add_class_arg(p)
    p.add_argument("--noise", choices=["const", "none"], default="const",
                   help="noise inputs of style models (random noise would not be reproducible)")
    p.add_argument("--engine", choices=["local", "ray"], default="local",
                   help="local: processes on this machine (default); ray: Ray actors (pip install "
                        "sefa-desktop[cluster])")
    p.add_argument("--workers", type=int, default=None, metavar="N",
                   help="worker processes / actors (default: one per GPU, else one per CPU core)")
    p.add_argument("--threads", type=int, default=None, metavar="T",
                   help="torch threads per CPU worker (default 1)")
    p.add_argument("--device", default="auto", help="auto (a GPU when present), cpu, cuda, mps")
    p.add_argument("--ray-address", default=None, metavar="ADDR",
                   help="Ray cluster to join (e.g. ray://head:10001 or auto); default: start a local instance")
    p.add_argument("--allow-other-model", action="store_true",
                   help="use directions computed for another model of the same latent size")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def prepare(args: argparse.Namespace) -> BatchJob:
    """Check the options, load the model and directions, and build the recipe, plan and engine factory."""
    import numpy as np

    from ..batch.engines import InProcessEngine, LocalPoolEngine, RayEngine, local_devices
    from ..batch.plan import BatchError, Plan, file_sha256, make_recipe, parse_seeds, parse_sweep
    from ..batch.render import RenderSpec, weights_sha256
    from ..batch.runner import run_info
    from ..models import load_model
    from .common import chosen_class, hold_directions, load_directions

    sweeps = [parse_sweep(s) for s in args.sweep]
    hold = sorted(set(args.hold or []))
    if args.seeds and args.latents:
        raise BatchError("give --seeds or --latents, not both")
    if not args.seeds and not args.latents:
        raise BatchError("give --seeds (e.g. --seeds 0-99) or --latents FILE…")
    seeds = parse_seeds(args.seeds) if args.seeds else None
    if args.size is not None and not 8 <= args.size <= 4096:
        raise BatchError("--size must be between 8 and 4096")
    if args.quality is not None and not 1 <= args.quality <= 100:
        raise BatchError("--quality must be between 1 and 100")
    for name in ("workers", "threads"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            raise BatchError(f"--{name} must be ≥ 1")
    if (sweeps or hold) and not args.directions:
        raise BatchError("--sweep and --hold need --directions")
    if args.ray_address and args.engine != "ray":
        raise BatchError("--ray-address needs --engine ray")
    if args.engine == "ray":
        try:
            import ray  # noqa: F401
        except ImportError:
            from ..batch.engines import RAY_MISSING

            raise BatchError(RAY_MISSING) from None
    device = args.device.strip().lower()
    if device.startswith("cuda") or device == "auto":
        import torch

        if device.startswith("cuda") and not torch.cuda.is_available():
            raise BatchError("--device cuda: no CUDA GPU is available here (use --device cpu)")

    model = load_model(args.model, device="cpu")
    class_index = chosen_class(args, model)
    if class_index is not None and args.latents:
        raise BatchError("--latents give whole codes, class included: drop --class")
    vectors: dict[int, np.ndarray] = {}
    layers = None
    dirs_sha = None
    if args.directions:
        dirs = load_directions(args.directions, model, args.allow_other_model)
        dirs_sha = file_sha256(args.directions)
        layers = tuple(dirs.layers) or None
        for s in sweeps:
            if not 0 <= s.index < len(dirs):
                raise BatchError(f"direction {s.index} does not exist (the file has 0..{len(dirs) - 1})")
        edit = hold_directions(dirs, hold, [s.index for s in sweeps])
        vectors = {s.index: np.asarray(edit.vectors[s.index], np.float32) for s in sweeps}
    latent_codes, latent_shas = None, None
    if args.latents:
        from ..core.latents import load_latent_codes

        codes = [load_latent_codes(f, model, allow_other_model=args.allow_other_model) for f in args.latents]
        latent_codes = np.stack([c[0].detach().cpu().numpy() for c in codes]).astype(np.float32)
        latent_shas = [file_sha256(f) for f in args.latents]
    weights = weights_sha256(model)
    recipe = make_recipe(model_fingerprint=model.fingerprint, weights_sha256=weights, directions_sha256=dirs_sha,
                         direction_layers=layers, seeds=seeds, latents=latent_shas, sweeps=sweeps, hold=hold,
                         size=args.size, fmt=args.format, quality=args.quality, truncation=args.truncation,
                         noise=args.noise, class_index=class_index)
    plan = Plan(recipe)
    outdir = Path(args.output).expanduser()
    source = str(Path(args.model).expanduser().resolve()) if Path(args.model).expanduser().exists() else args.model
    about = {"model": args.model, "model_name": model.name, "model_family": model.family,
             "directions": args.directions, "images": len(plan),
             "runs": [run_info(args.engine, args.workers, device, args.threads or 1)]}

    def make_engine(probe: str):
        spec = RenderSpec(model=source, weights_sha256=weights, vectors=vectors, layers=layers, latents=latent_codes,
                          truncation=args.truncation, noise=args.noise, size=args.size, fmt=plan.ext,
                          quality=args.quality, outdir=str(outdir.resolve()), probe=probe, class_index=class_index)
        if args.engine == "ray":
            return RayEngine(spec, args.ray_address, args.workers, args.threads or 1, device)
        devices, threads = local_devices(device, args.workers)
        threads = args.threads or threads
        if len(devices) == 1:
            return InProcessEngine(spec, devices[0], threads, model)
        return LocalPoolEngine(spec, devices, threads)

    return BatchJob(plan, outdir, recipe, about, make_engine, list(args.latents) if args.latents else None)


def run(args: argparse.Namespace) -> int:
    import threading

    from tqdm import tqdm

    from ..batch.runner import ctrl_c_sets, run_batch

    job = prepare(args)
    plan, outdir = job.plan, job.outdir
    bars: list[tqdm] = []

    def on_verify(done: int, total: int) -> None:
        if not bars and not args.quiet:
            bars.append(tqdm(total=total, desc="checking done images", unit="img", file=sys.stderr, leave=False))
        if bars:
            bars[-1].update(done - bars[-1].n)

    def on_start(total: int, done: int, engine):
        for b in bars:
            b.close()
        bar = tqdm(total=total, initial=done, desc=f"{outdir.name} ({engine.name}, {engine.workers} "
                   f"worker{'s' if engine.workers != 1 else ''})", unit="img", file=sys.stderr,
                   disable=args.quiet, dynamic_ncols=True, smoothing=0.05,
                   mininterval=0.2 if sys.stderr.isatty() else 10.0)
        bars.append(bar)
        return bar.update

    stop = threading.Event()

    def on_first_ctrl_c() -> None:
        tqdm.write("stopping: finishing the images in progress (Ctrl+C again to quit at once)", file=sys.stderr)

    try:
        with ctrl_c_sets(stop, on_first_ctrl_c):
            outcome = run_batch(plan, outdir, job.recipe, job.about, job.make_engine, stop=stop, on_start=on_start,
                                on_verify=on_verify, latent_names=job.latent_names)
    finally:
        for b in bars:
            b.close()
    again = f" ({outcome.dropped} recorded images were missing or changed and were rendered again)" \
        if outcome.dropped else ""
    if outcome.stopped:
        print(f"stopped: {outcome.skipped + outcome.rendered} of {outcome.total} images done in {outdir}; "
              f"run the same command again to resume", file=sys.stderr)
        return 130
    rate = f", {outcome.rendered / outcome.seconds:.1f} images/s" if outcome.rendered and outcome.seconds else ""
    print(f"{outdir}: {outcome.total} images ({outcome.rendered} rendered now, {outcome.skipped} already done)"
          f"{again} in {outcome.seconds:.1f} s{rate}")
    return 0
