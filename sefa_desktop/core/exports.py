"""Image exports: the preview PNG with its edit recipe, the gallery grid, and an HTML page like the
official SeFa tool's (rows = directions, columns = α) with the images in a folder beside it."""

from __future__ import annotations

import contextlib
import html
import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..util.atomic import WriteError, atomic_write_bytes, track_temp
from .directions import DirectionSet
from .editing import alpha_steps
from .grids import render_direction_grid, sweep_rows
from .imaging import resize, save_png

RECIPE_KEY = "sefa-desktop"


def edit_recipe(model: str, seed: int, truncation: float, noise: str, directions: str | None,
                edits: Sequence[tuple[int, float]], labels: Sequence[str] | None = None,
                **extra: Any) -> dict[str, Any]:
    """What re-creates an image: the same keys `render` has always written, plus labels."""
    recipe: dict[str, Any] = {"model": model, "seed": int(seed), "truncation": float(truncation), "noise": noise,
                              "directions": directions, "edits": [[int(i), float(a)] for i, a in edits]}
    if labels:
        recipe["labels"] = list(labels)
    recipe.update(extra)
    return recipe


def save_preview(image: np.ndarray | Image.Image, path: str | Path, recipe: dict[str, Any]) -> None:
    """The preview at full resolution as PNG, the recipe as a PNG text chunk."""
    save_png(image, path, text={RECIPE_KEY: json.dumps(recipe)})


def read_recipe(path: str | Path) -> dict[str, Any] | None:
    """The recipe stored in a PNG by save_preview / render, or None."""
    with Image.open(path) as im:
        text = getattr(im, "text", {}) or {}
        raw = text.get(RECIPE_KEY)
    if raw is None:
        return None
    try:
        out = json.loads(raw)
        return out if isinstance(out, dict) else None
    except ValueError:
        return None


def save_gallery_grid(model: Any, dirs: DirectionSet, indices: Sequence[int], seeds: Sequence[int],
                      alpha_range: tuple[float, float], steps: int, path: str | Path, model_ref: str = "",
                      **kw: Any) -> Image.Image:
    """The gallery as one grid image (rows = directions per seed, columns = α), recipe in PNG text."""
    image = render_direction_grid(model, dirs, indices, seeds, alpha_range, steps, **kw)
    recipe = {"model": model_ref or getattr(model, "name", ""), "seeds": list(seeds), "indices": list(indices),
              "labels": [dirs.label(i) for i in indices], "range": list(alpha_range), "steps": steps}
    if kw.get("class_index") is not None:
        recipe["class"] = int(kw["class_index"])
    save_png(image, path, text={RECIPE_KEY: json.dumps(recipe)})
    return image


def write_direction_page(model: Any, dirs: DirectionSet, indices: Sequence[int], seeds: Sequence[int],
                         alpha_range: tuple[float, float], steps: int, path: str | Path,
                         truncation_psi: float = 1.0, noise_mode: str = "const", cell: int | None = None,
                         title: str | None = None, progress: Callable[[int, int], None] | None = None,
                         class_index: int | None = None) -> Path:
    """An HTML page: one table row per (seed, direction), one column per α, each cell an image file
    in `<stem>_files/` beside the page. The folder is built aside and swapped in whole.
    `progress(rows done, rows)` after each row; an exception it raises aborts (nothing is replaced)."""
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if not folder.is_dir():
        raise WriteError(f"cannot write {path}: folder {folder} does not exist")
    files_name = f"{path.stem}_files"
    alphas = alpha_steps(alpha_range[0], alpha_range[1], steps)
    size = cell or int(model.resolution)
    try:
        tmp_dir = Path(tempfile.mkdtemp(prefix=f".{files_name}.", dir=folder))
    except OSError as e:
        raise WriteError(f"cannot write {path}: {e.strerror or e}") from None
    rows_html: list[str] = []
    track_temp(tmp_dir)
    try:
        for seed, i, imgs in sweep_rows(model, dirs, indices, seeds, alphas, truncation_psi, noise_mode,
                                        progress=progress, class_index=class_index):
            cells = []
            for j, (a, img) in enumerate(zip(alphas, imgs, strict=True)):
                name = f"s{seed}_d{i}_{j:02d}.png"
                Image.fromarray(resize(img, size)).save(tmp_dir / name, format="PNG")
                cells.append(f'<td><img src="{html.escape(files_name)}/{name}" width="{size}" '
                             f'height="{size}" alt="α {a:+.2f}"></td>')
            label = html.escape(dirs.label(i))
            value = f"{float(dirs.values[i]):.4g}" if float(dirs.values[i]) else ""
            rows_html.append(f"<tr><th>seed {seed}</th><th>#{i} {label}<br><small>{value}</small></th>"
                             + "".join(cells) + "</tr>")
        head = "".join(f"<th>{a:+.2f}</th>" for a in alphas)
        title = title or f"{getattr(model, 'name', 'model')}: {dirs.method} directions"
        page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>
<style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse}}
td,th{{padding:2px;text-align:center}}th{{font-weight:normal;font-size:90%}}img{{display:block}}</style>
</head><body><h1>{html.escape(title)}</h1>
<p>Rows: directions (eigenvalue below the name); columns: α from {alphas[0]:+.2f} to {alphas[-1]:+.2f}.
Layers {html.escape(str(dirs.layers))}, truncation {truncation_psi:g}, noise {html.escape(noise_mode)}.</p>
<table><tr><th>seed</th><th>direction</th>{head}</tr>
{chr(10).join(rows_html)}
</table></body></html>
"""
        target_dir = folder / files_name
        old = None
        if target_dir.exists():
            old = folder / f".{files_name}.old-{os.getpid()}"
            os.replace(target_dir, old)
        os.replace(tmp_dir, target_dir)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        atomic_write_bytes(path, page.encode("utf-8"))
    except BaseException as e:
        with contextlib.suppress(OSError):
            shutil.rmtree(tmp_dir)
        if isinstance(e, OSError) and not isinstance(e, WriteError):
            raise WriteError(f"cannot write {path}: {e.strerror or e}") from None
        raise
    finally:
        track_temp(tmp_dir, live=False)
    return path
