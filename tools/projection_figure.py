"""The before/after figure of docs/projection.md: a real photograph projected into digiface-dcgan64.

    python tools/projection_figure.py [PHOTO --crop X,Y,SIZE] [--steps N] [-o docs/projection-photo.png]

Without PHOTO it uses the public-domain NASA portrait that scikit-image ships
(`skimage.data.astronaut()`, Eileen Collins; `pip install scikit-image` first — a docs tool only, not
a dependency of the app) with a hand-made face crop. Prints how close the reconstruction is, against
the model's mean image (the image of the mean code z = 0, and the pixel average of 1000 samples),
then writes one row: target | mean image | projection | edits along direction 0 at −3, −1.5, +1.5, +3.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.core.editing import DirectionEdit, apply_edits  # noqa: E402
from sefa_desktop.core.imaging import compose_grid, save_png, to_uint8  # noqa: E402
from sefa_desktop.core.photos import crop_square, open_photo, parse_box  # noqa: E402
from sefa_desktop.core.projection import ProjectionSettings, prepare_target, project, psnr  # noqa: E402
from sefa_desktop.core.sefa import factorize  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402

ASTRONAUT_CROP = "167,65,112"  # the face in the 512×512 portrait, framed as digiface frames its faces


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("photo", nargs="?", default=None)
    ap.add_argument("--crop", default=None, metavar="X,Y,SIZE")
    ap.add_argument("--model", default="digiface-dcgan64")
    ap.add_argument("--steps", type=int, default=None)
    ap.add_argument("-o", "--output", default="docs/projection-photo.png")
    args = ap.parse_args()
    if args.photo is None:
        from PIL import Image
        from skimage import data

        photo = Image.fromarray(data.astronaut())
        crop = args.crop or ASTRONAUT_CROP
    else:
        photo, crop = open_photo(args.photo), args.crop
    square, _ = crop_square(photo, parse_box(crop) if crop else None)
    model = load_model(args.model)
    target = prepare_target(square, model.resolution)
    s = ProjectionSettings() if args.steps is None else ProjectionSettings(steps=args.steps)
    result = project(model, target, s)
    rng = model.image_range
    mean_code_img = to_uint8(model.synthesize(torch.zeros(1, *model.code_shape)), rng)[0]
    samples = torch.cat([model.synthesize(model.sample_codes(100, seed=k)) for k in range(10)])
    mean_pixels = to_uint8(samples.mean(0, keepdim=True), rng)[0]
    print(f"projection: {psnr(result.image, target):.2f} dB; mean code (z = 0): {psnr(mean_code_img, target):.2f} dB; "
          f"pixel mean of 1000 samples: {psnr(mean_pixels, target):.2f} dB")
    dirs = factorize(model, k=1)
    alphas = [-3.0, -1.5, 1.5, 3.0]
    edits = [to_uint8(model.synthesize(apply_edits(result.codes, [DirectionEdit(dirs.vectors[0], a)])), rng)[0]
             for a in alphas]
    change = [float(np.abs(e.astype(float) - result.image.astype(float)).mean()) for e in edits]
    print("mean absolute pixel change of the edits (0-255): " + ", ".join(f"α {a:+g}: {c:.1f}"
                                                                      for a, c in zip(alphas, change, strict=True)))
    cells = [target, mean_pixels, result.image, *edits]
    labels = ["photo (crop)", "mean image", f"projection {result.psnr:.1f} dB",
              *[f"direction 0 at {a:+g}" for a in alphas]]
    save_png(compose_grid([cells], col_labels=labels, cell=128), args.output)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
