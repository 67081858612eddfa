"""Images: model output → 8-bit RGB arrays, grids with labels, PNG writing."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from PIL import Image, ImageDraw, PngImagePlugin

from ..util.atomic import atomic_path


def to_uint8(images: torch.Tensor, value_range: tuple[float, float] = (-1.0, 1.0)) -> np.ndarray:
    """(n, 3, H, W) float in `value_range` → (n, H, W, 3) uint8, clipped."""
    lo, hi = value_range
    x = images.detach().to("cpu", torch.float32)
    x = ((x - lo) * (255.0 / (hi - lo))).round_().clamp_(0, 255).to(torch.uint8)
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    return x.permute(0, 2, 3, 1).contiguous().numpy()


def resize(img: np.ndarray, size: int) -> np.ndarray:
    if img.shape[0] == size and img.shape[1] == size:
        return img
    return np.asarray(Image.fromarray(img).resize((size, size), Image.Resampling.LANCZOS))


def compose_grid(cells: Sequence[Sequence[np.ndarray]], row_labels: Sequence[str] | None = None,
                 col_labels: Sequence[str] | None = None, cell: int | None = None, pad: int = 2,
                 background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """A labelled grid image; cells[r][c] are (H, W, 3) uint8 arrays."""
    n_rows = len(cells)
    n_cols = max(len(r) for r in cells)
    size = cell or cells[0][0].shape[0]
    left = 110 if row_labels else 0
    top = 18 if col_labels else 0
    width = left + n_cols * (size + pad) + pad
    height = top + n_rows * (size + pad) + pad
    canvas = Image.new("RGB", (width, height), background)
    draw = ImageDraw.Draw(canvas)
    for r, row in enumerate(cells):
        y = top + pad + r * (size + pad)
        if row_labels:
            draw.text((4, y + size // 2 - 6), row_labels[r][:18], fill=(30, 30, 30))
        for c, img in enumerate(row):
            x = left + pad + c * (size + pad)
            canvas.paste(Image.fromarray(resize(img, size)), (x, y))
    if col_labels:
        for c, text in enumerate(col_labels):
            x = left + pad + c * (size + pad)
            draw.text((x + size // 2 - 3 * len(text), 3), text, fill=(30, 30, 30))
    return canvas


def save_png(image: Image.Image | np.ndarray, path: str | Path, text: dict[str, str] | None = None) -> None:
    """Atomically write a PNG, with optional text chunks (the edit recipe)."""
    if isinstance(image, np.ndarray):
        image = Image.fromarray(image)
    info = PngImagePlugin.PngInfo()
    for k, v in (text or {}).items():
        info.add_text(k, v)
    with atomic_path(path, suffix=".png") as tmp:
        image.save(tmp, format="PNG", pnginfo=info)
