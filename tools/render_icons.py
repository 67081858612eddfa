"""Render the app icon from its SVG source into every raster format the platforms want.

    python tools/render_icons.py            # (re)write the outputs
    python tools/render_icons.py --check    # exit 1 if an output is missing or differs from a fresh render

Source: packaging/icons/sefa-desktop.svg (edit this one only).
Outputs:
  resources/icons/sefa-desktop.svg          runtime copy (window icon, scalable launcher icon)
  resources/icons/png/sefa-desktop-N.png    N = 16 … 512 (hicolor sizes; window icon)
  packaging/icons/sefa-desktop.ico          Windows (16–256, one exact render per size)
  packaging/icons/sefa-desktop.icns         macOS (16–512 pt at 1x and 2x, up to 1024 px)

The SVG is rasterised with Qt's own QtSvg (part of PySide6-Essentials, which the app already needs), so
there is no extra dependency (cairosvg would want libcairo) and what we ship is what Qt would draw.
Each size is rendered directly from the vector, not downscaled from 512 px, so small sizes stay crisp.
"""

from __future__ import annotations

import argparse
import io
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "packaging" / "icons" / "sefa-desktop.svg"
RUNTIME_DIR = ROOT / "resources" / "icons"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)  # 256 is the largest a Windows .ico entry can be


def render_png(svg: bytes, size: int) -> bytes:
    """The SVG drawn into a size×size transparent square, as PNG bytes."""
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice
    from PySide6.QtGui import QGuiApplication, QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    if QGuiApplication.instance() is None:
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        render_png._app = QGuiApplication([])  # type: ignore[attr-defined]  # keep it alive
    renderer = QSvgRenderer(QByteArray(svg))
    if not renderer.isValid():
        raise ValueError(f"{SOURCE} is not an SVG that Qt can render")
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    renderer.render(painter)
    painter.end()
    buf = QBuffer()
    buf.open(QIODevice.OpenModeFlag.WriteOnly)
    image.convertToFormat(QImage.Format.Format_ARGB32).save(buf, "PNG")
    # Re-encode with Pillow: deterministic bytes (no Qt version in the file), so --check can compare.
    from PIL import Image

    out = io.BytesIO()
    Image.open(io.BytesIO(bytes(buf.data()))).convert("RGBA").save(out, "PNG", optimize=True)
    return out.getvalue()


def build_outputs() -> dict[Path, bytes]:
    from PIL import Image

    svg = SOURCE.read_bytes()
    pngs = {n: render_png(svg, n) for n in PNG_SIZES}
    images = {n: Image.open(io.BytesIO(data)) for n, data in pngs.items()}
    outputs: dict[Path, bytes] = {RUNTIME_DIR / "sefa-desktop.svg": svg}
    for n, data in pngs.items():
        outputs[RUNTIME_DIR / "png" / f"sefa-desktop-{n}.png"] = data

    ico = io.BytesIO()
    largest = images[max(ICO_SIZES)]
    largest.save(ico, "ICO", sizes=[(n, n) for n in ICO_SIZES],
                 append_images=[images[n] for n in ICO_SIZES if n != max(ICO_SIZES)])
    outputs[ROOT / "packaging" / "icons" / "sefa-desktop.ico"] = ico.getvalue()

    icns = io.BytesIO()
    # Pillow writes 16…512 pt at 1x and 2x (1024 px for 512@2x): give it an exact render of each.
    big = Image.open(io.BytesIO(render_png(svg, 1024)))
    big.save(icns, "ICNS", append_images=[images[n] for n in (16, 32, 64, 128, 256, 512)])
    outputs[ROOT / "packaging" / "icons" / "sefa-desktop.icns"] = icns.getvalue()
    return outputs


def same_picture(a: bytes, b: bytes, suffix: str) -> bool:
    """Equal, or the same picture within antialiasing noise: another Qt version may round edge
    pixels differently, which must not count as an out-of-date icon."""
    if a == b:
        return True
    if suffix not in (".png", ".ico", ".icns"):
        return False
    import numpy as np
    from PIL import Image

    def frames(data: bytes) -> dict[tuple, np.ndarray]:
        im = Image.open(io.BytesIO(data))
        if suffix == ".png":
            return {im.size: np.asarray(im.convert("RGBA"), np.int16)}
        out = {}
        for size in sorted(im.info.get("sizes", [])):
            im = Image.open(io.BytesIO(data))
            if suffix == ".icns":
                im.size = size[:2]
                im.load(scale=size[2])  # Pillow selects an ICNS frame by point size and scale
            else:
                im.size = size
            out[size] = np.asarray(im.convert("RGBA"), np.int16)
        return out

    fa, fb = frames(a), frames(b)
    if fa.keys() != fb.keys():
        return False
    pairs = [(fa[k], fb[k]) for k in fa]
    for x, y in pairs:
        if x.shape != y.shape:
            return False
        diff = np.abs(x - y)
        if diff.mean() > 1.0 or diff.max() > 96:
            return False
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only verify the outputs are up to date")
    args = parser.parse_args(argv)
    outputs = build_outputs()
    stale = [p for p, data in outputs.items() if not p.exists() or not same_picture(p.read_bytes(), data, p.suffix)]
    if args.check:
        for p in stale:
            print(f"out of date: {p.relative_to(ROOT)}", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_bytes(outputs[path])
        os.replace(tmp, path)
        print(f"wrote {path.relative_to(ROOT)} ({len(outputs[path])} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
