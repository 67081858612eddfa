"""Named W+ row ranges (the paper's coarse / middle / fine) and their short text form. Pure Python."""

from __future__ import annotations

PRESETS = ("all", "coarse", "middle", "fine")


def preset_rows(name: str, num_layers: int) -> list[int]:
    """The paper's 0-1 / 2-5 / 6-13 of 18 rows, scaled to `num_layers` (never empty)."""
    n = int(num_layers)
    if name == "all" or n <= 1:
        return list(range(n))
    coarse_end = max(1, round(n * 2 / 18))
    middle_end = min(n, max(coarse_end + 1, round(n * 6 / 18)))
    fine_end = min(n, max(middle_end + 1, round(n * 14 / 18)))
    spans = {"coarse": (0, coarse_end), "middle": (coarse_end, middle_end), "fine": (middle_end, fine_end)}
    lo, hi = spans[name]
    return list(range(lo, hi)) or [n - 1]


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
