"""Named W+ row ranges (coarse / middle / fine) and their short text form. Pure Python.

With the rows' resolutions known (the layer tree knows them), the presets split the model's distinct
resolutions into three runs, lowest first: coarse gets the first third (rounded up), fine the last
third, middle what is between. The demo's 8 rows (4×4: 0; 8×8: 1–2; 16×16: 3–4; 32×32: 5–7) give
coarse 0–2, middle 3–4, fine 5–7; a 1024-px StyleGAN2's 18 rows give 4–16 px, 32–128 px, 256–1024 px.
Without resolutions, the paper's 0-1 / 2-5 / 6-13 of 18 rows, scaled.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

PRESETS = ("all", "coarse", "middle", "fine")
MEANING = {"all": "every W+ row", "coarse": "pose, shape", "middle": "features, expression",
           "fine": "colour, texture"}


def resolution_groups(resolutions: Sequence[int]) -> dict[str, list[int]]:
    """{preset: the distinct resolutions it covers} for rows of these resolutions."""
    res = sorted(set(int(r) for r in resolutions))
    n = len(res)
    if n <= 1:
        return {"all": res, "coarse": res, "middle": res, "fine": res}
    coarse = math.ceil(n / 3)
    fine = math.ceil((n - coarse) / 2)
    middle = res[coarse:n - fine] or res  # two resolutions: middle is both
    return {"all": res, "coarse": res[:coarse], "middle": middle, "fine": res[n - fine:]}


def preset_rows(name: str, num_layers: int, resolutions: Sequence[int] | None = None) -> list[int]:
    """Rows of preset `name` (never empty). `resolutions[i]` is row i's resolution, when known."""
    n = int(num_layers)
    if name == "all" or n <= 1:
        return list(range(n))
    if resolutions is not None and len(resolutions) == n:
        wanted = set(resolution_groups(resolutions)[name])
        return [i for i, r in enumerate(resolutions) if int(r) in wanted]
    coarse_end = max(1, round(n * 2 / 18))
    middle_end = min(n, max(coarse_end + 1, round(n * 6 / 18)))
    fine_end = min(n, max(middle_end + 1, round(n * 14 / 18)))
    spans = {"coarse": (0, coarse_end), "middle": (coarse_end, middle_end), "fine": (middle_end, fine_end)}
    lo, hi = spans[name]
    return list(range(lo, hi)) or [n - 1]


def preset_description(name: str, resolutions: Sequence[int]) -> str:
    """'Coarse — pose, shape: rows 0–2 (4×4, 8×8)': what the preset selects on this model."""
    rows = preset_rows(name, len(resolutions), resolutions)
    sizes = sorted({int(resolutions[i]) for i in rows})
    where = ", ".join(f"{r}×{r}" for r in sizes)
    label = "row" if len(rows) == 1 else "rows"
    return f"{name.capitalize()} — {MEANING[name]}: {label} {row_ranges(rows)} ({where})"


def row_ranges(rows: list[int]) -> str:
    """[0,1,2,5,6] → '0–2, 5–6'."""
    out: list[str] = []
    start = prev = rows[0]
    for r in rows[1:] + [None]:  # type: ignore[list-item]
        if r is not None and r == prev + 1:
            prev = r
            continue
        out.append(f"{start}" if start == prev else f"{start}–{prev}")
        if r is not None:
            start = prev = r
    return ", ".join(out)
