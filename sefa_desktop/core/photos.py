"""Photos for projection: open one safely, crop it square, describe the crop for the latent file.

Alignment is a manual square crop (the app draws FFHQ-style guides: where the eyes and the mouth sit
in an aligned face); see docs/projection.md for why no automatic landmark model is used.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image, ImageOps, UnidentifiedImageError

PHOTO_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp", ".bmp", ".tif", ".tiff", ".gif")
MAX_PIXELS = 80_000_000  # a 9000×9000 photo is fine; a decompression bomb is not

# Where an FFHQ-aligned face sits in its square (fractions of the side): eyes on one line at 40 %
# of the height, centred, 1/4 of the side apart; the mouth at 70 %. The crop dialog draws these.
EYE_LINE = 0.40
EYE_SPACING = 0.25
MOUTH_LINE = 0.70


class PhotoError(ValueError):
    """A photo cannot be opened or cropped; one line."""


@dataclass(frozen=True)
class CropBox:
    """A square in image pixels: left, top and side."""

    x: int
    y: int
    size: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return self.x, self.y, self.x + self.size, self.y + self.size


def open_photo(path: str | Path) -> Image.Image:
    """The photo as RGB, turned upright by its EXIF orientation; PhotoError on anything else."""
    p = Path(path)
    if not p.is_file():
        raise PhotoError(f"{p}: no such file")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(p) as im:
                if im.width * im.height > MAX_PIXELS:
                    raise PhotoError(f"{p.name}: {im.width}×{im.height} is too large (at most "
                                     f"{MAX_PIXELS // 1_000_000} megapixels)")
                im.load()
                img = ImageOps.exif_transpose(im).convert("RGB")
    except PhotoError:
        raise
    except (UnidentifiedImageError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PhotoError(f"{p.name}: not an image this app can read") from None
    except (OSError, ValueError, SyntaxError) as e:
        raise PhotoError(f"{p.name}: cannot read the image ({str(e).splitlines()[0][:120] if str(e) else e})") from None
    if min(img.size) < 8:
        raise PhotoError(f"{p.name}: {img.width}×{img.height} is too small to project")
    return img


def centre_square(width: int, height: int) -> CropBox:
    size = min(width, height)
    return CropBox((width - size) // 2, (height - size) // 2, size)


def parse_box(text: str) -> CropBox:
    """'X,Y,SIZE' (pixels) → CropBox."""
    try:
        x, y, size = (int(v) for v in text.replace(" ", "").split(","))
    except ValueError:
        raise PhotoError(f"bad crop '{text}': use X,Y,SIZE in pixels, e.g. 120,40,512") from None
    return CropBox(x, y, size)


def crop_square(img: Image.Image, box: CropBox | None = None) -> tuple[Image.Image, CropBox]:
    """The square `box` of `img` (default: the centred largest square); PhotoError if it leaves the image."""
    box = box or centre_square(img.width, img.height)
    if box.size < 8:
        raise PhotoError(f"crop of {box.size} px is too small")
    if box.x < 0 or box.y < 0 or box.x + box.size > img.width or box.y + box.size > img.height:
        raise PhotoError(f"crop {box.x},{box.y},{box.size} leaves the {img.width}×{img.height} image")
    return img.crop(box.as_tuple()), box


def crop_record(source: str | Path, box: CropBox, image_size: tuple[int, int], alignment: str = "manual",
                ) -> dict[str, Any]:
    """What the latent file keeps about the crop."""
    return {"image": Path(source).name, "image_size": list(image_size), "box": [box.x, box.y, box.size],
            "alignment": alignment}
