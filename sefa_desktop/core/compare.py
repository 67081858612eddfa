"""Two direction sets compared: the |cos| matrix, each A direction's best match in B, and strips of both
on the same seeds (an HTML report with the images inline, so it is one file).

Directions have no sign (SeFa's eigenvectors, PCA's components), so similarity is |cos|; a best
match with a negative cosine is shown flipped so both strips move the same way.
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from ..util.atomic import atomic_write_bytes
from .directions import DirectionSet
from .editing import alpha_steps
from .grids import sweep_rows
from .imaging import compose_grid


@dataclass(frozen=True)
class Match:
    a: int
    b: int
    cos: float  # signed


def signed_cosines(a: DirectionSet, b: DirectionSet) -> np.ndarray:
    """(len(a), len(b)) cosines between the two sets' directions."""
    if a.dim != b.dim:
        raise ValueError(f"the sets live in different spaces ({a.dim}-d and {b.dim}-d directions)")
    va = np.asarray(a.vectors, dtype=np.float64)
    vb = np.asarray(b.vectors, dtype=np.float64)
    va = va / np.maximum(np.linalg.norm(va, axis=1, keepdims=True), 1e-12)
    vb = vb / np.maximum(np.linalg.norm(vb, axis=1, keepdims=True), 1e-12)
    return va @ vb.T


def best_matches(cos: np.ndarray) -> list[Match]:
    """For each row (A direction): the column (B direction) of largest |cos|."""
    out = []
    for i, row in enumerate(cos):
        j = int(np.argmax(np.abs(row)))
        out.append(Match(i, j, float(row[j])))
    return out


def comparison_json(a: DirectionSet, b: DirectionSet, cos: np.ndarray, names: tuple[str, str]) -> dict[str, Any]:
    def side(d: DirectionSet, name: str) -> dict[str, Any]:
        return {"file": name, "method": d.method, "labels": [d.label(i) for i in range(len(d))]}

    return {"cos": np.abs(cos).round(6).tolist(), "a": side(a, names[0]), "b": side(b, names[1]),
            "best": [{"a": m.a, "b": m.b, "cos": round(abs(m.cos), 6), "sign": 1 if m.cos >= 0 else -1}
                     for m in best_matches(cos)]}


def _png_data_uri(image: Image.Image) -> str:
    buf = io.BytesIO()
    image.save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _strip(model: Any, dirs: DirectionSet, index: int, sign: float, seeds: Sequence[int], alphas: list[float],
           cell: int, truncation_psi: float) -> str:
    one = DirectionSet(dirs.vectors[index:index + 1] * sign, dirs.values[index:index + 1], dirs.layers)
    rows = [list(imgs) for _, _, imgs in sweep_rows(model, one, [0], seeds, alphas, truncation_psi)]
    return _png_data_uri(compose_grid(rows, cell=cell))


def write_compare_report(path: str | Path, a: DirectionSet, b: DirectionSet, names: tuple[str, str],
                         model: Any = None, seeds: Sequence[int] = (0, 1, 2),
                         alpha_range: tuple[float, float] = (-3, 3), steps: int = 5, cell: int = 64,
                         truncation_psi: float = 1.0,
                         progress: Callable[[int, int], None] | None = None) -> None:
    """The report as one self-contained HTML file (written atomically). Without a model, no strips."""
    cos = signed_cosines(a, b)
    matches = best_matches(cos)
    alphas = alpha_steps(alpha_range[0], alpha_range[1], steps)
    esc = html.escape

    def shade(v: float) -> str:
        light = int(255 - 170 * min(max(v, 0.0), 1.0))
        return f"background:rgb({light},{light},255)"

    head = "".join(f"<th title='{esc(b.label(j))}'>B{j}</th>" for j in range(len(b)))
    rows = []
    for i in range(len(a)):
        cells = "".join(f"<td style='{shade(abs(c))}'>{abs(c):.2f}</td>" for c in cos[i])
        rows.append(f"<tr><th title='{esc(a.label(i))}'>A{i}</th>{cells}</tr>")
    match_rows = []
    for k, m in enumerate(matches):
        flip = " (flipped)" if m.cos < 0 else ""
        strips = ""
        if model is not None:
            sa = _strip(model, a, m.a, 1.0, seeds, alphas, cell, truncation_psi)
            sb = _strip(model, b, m.b, 1.0 if m.cos >= 0 else -1.0, seeds, alphas, cell, truncation_psi)
            strips = (f"<td><img src='{sa}' alt='A{m.a}'></td><td><img src='{sb}' alt='B{m.b}'></td>")
        match_rows.append(f"<tr><th>A{m.a} {esc(a.label(m.a))}</th><th>B{m.b} {esc(b.label(m.b))}{flip}</th>"
                          f"<td>{abs(m.cos):.3f}</td>{strips}</tr>")
        if progress is not None:
            progress(k + 1, len(matches))
    strip_head = "<th>A strip</th><th>B strip</th>" if model is not None else ""
    seeds_text = ", ".join(str(s) for s in seeds)
    title = f"{names[0]} vs {names[1]}"
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{esc(title)}</title>
<style>body{{font-family:sans-serif;margin:1em}}table{{border-collapse:collapse;margin-bottom:1.5em}}
td,th{{padding:3px 5px;text-align:center;font-size:90%}}th{{font-weight:normal}}img{{display:block}}</style>
</head><body><h1>{esc(title)}</h1>
<p>A = {esc(names[0])} ({esc(a.method)}, {len(a)} directions); B = {esc(names[1])} ({esc(b.method)},
{len(b)} directions). Cells: |cos| between directions (1 = the same line, 0 = orthogonal).</p>
<h2>|cos| matrix (rows A, columns B)</h2>
<table><tr><th></th>{head}</tr>
{chr(10).join(rows)}
</table>
<h2>Best match in B for each A direction</h2>
<p>Strips: rows = seeds {esc(seeds_text)} (the same for both), columns = α from {alphas[0]:+.1f} to
{alphas[-1]:+.1f}.</p>
<table><tr><th>A</th><th>best B</th><th>|cos|</th>{strip_head}</tr>
{chr(10).join(match_rows)}
</table></body></html>
"""
    atomic_write_bytes(path, page.encode("utf-8"))


def write_compare_json(path: str | Path, data: dict[str, Any]) -> None:
    atomic_write_bytes(path, (json.dumps(data, indent=1) + "\n").encode("utf-8"))
