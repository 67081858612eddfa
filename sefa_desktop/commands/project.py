"""`sefa-desktop project MODEL IMAGE -o latent.npz`: find the code that reproduces a photo."""

from __future__ import annotations

import argparse
import sys

from .common import add_model_arg, check_output


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("project", help="project a photo into the model: write its latent code",
                       description="Crop IMAGE square (the centre, or --crop), then optimise the code whose "
                                   "image matches it; write our latent .npz (use it with render/grid/video "
                                   "--latent) and print the PSNR reached.")
    add_model_arg(p)
    p.add_argument("image", metavar="IMAGE", help="a photo (.png, .jpg, .webp, …)")
    p.add_argument("-o", "--output", required=True, help="output latent .npz")
    p.add_argument("--space", choices=["w", "w+", "z"], default=None,
                   help="what to optimise: w or w+ (style-based models; default w+), z (the others)")
    p.add_argument("--steps", type=int, default=None, metavar="N", help="optimisation steps (default 300)")
    p.add_argument("--size", type=int, default=None, metavar="PX",
                   help="optimise at most at this resolution (a power of two; default: the model's)")
    p.add_argument("--crop", default=None, metavar="X,Y,SIZE",
                   help="the square to use, in pixels of IMAGE (default: the centred largest square)")
    p.add_argument("--lpips", action="store_true",
                   help="add the LPIPS perceptual loss (needs `sefa-desktop download lpips-vgg16-features` "
                        "and `… lpips-vgg-linear` once)")
    p.add_argument("--seed", type=int, default=0, help="seed of the random starts and noise (default 0)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)


def load_perceptual() -> object:
    """LPIPS from the catalogue's download folder, or a one-line error saying how to get it."""
    from ..core.perceptual import LINEAR_ENTRY, VGG_ENTRY, find_lpips
    from ..models.catalogue import load_catalogue, models_cache_dir

    cat = load_catalogue()
    vgg, lin = cat.require(VGG_ENTRY), cat.require(LINEAR_ENTRY)
    metric = find_lpips(models_cache_dir(), vgg.filename, lin.filename)
    if metric is None:
        raise ValueError(f"--lpips needs its weights: run `sefa-desktop download {VGG_ENTRY}` and "
                         f"`sefa-desktop download {LINEAR_ENTRY}` once")
    return metric


def run(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from ..core.latents import write_latent
    from ..core.photos import crop_record, crop_square, open_photo, parse_box
    from ..core.projection import ProjectionSettings, project
    from ..models import load_model

    out = check_output(args.output, (".npz",))
    photo = open_photo(args.image)
    square, box = crop_square(photo, parse_box(args.crop) if args.crop else None)
    perceptual = load_perceptual() if args.lpips else None
    model = load_model(args.model, device=args.device)
    settings = ProjectionSettings(space=args.space, seed=args.seed, max_size=args.size, perceptual=perceptual)
    if args.steps is not None:
        settings.steps = args.steps
    settings = settings.checked(model)
    bar = None if args.quiet else tqdm(total=settings.steps, desc=f"project {model.name}", unit="step",
                                       file=sys.stderr, dynamic_ncols=True)

    def progress(step) -> None:
        if bar is not None:
            post = {"stage": step.stage, "psnr": f"{step.psnr:.2f}"}
            if step.lpips is not None:
                post["lpips"] = f"{step.lpips:.3f}"
            bar.set_postfix(post, refresh=False)
            bar.update(step.step - bar.n)

    try:
        result = project(model, square, settings, progress=progress)
    finally:
        if bar is not None:
            bar.close()
    crop = crop_record(args.image, box, photo.size)
    write_latent(out, result.codes, model, result.space, crop=crop, psnr=result.psnr,
                 lpips=result.lpips, steps=result.steps)
    extra = f", LPIPS {result.lpips:.3f}" if result.lpips is not None else ""
    print(f"wrote {out} ({result.space}, {result.steps} steps in {result.seconds:.1f} s): "
          f"PSNR {result.psnr:.2f} dB{extra}")
    return 0
