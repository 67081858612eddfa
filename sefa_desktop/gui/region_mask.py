"""The region the user paints on the preview: a boolean grid in image fractions (no Qt).

Rectangles fill, the brush paints discs along the pointer's path, the eraser clears them. The grid
is resolution-free for the user (coordinates are fractions of the image, origin top-left) and turns
into a core Region for the computation.
"""

from __future__ import annotations

import numpy as np

SIDE = 128  # grid cells per side: finer than any analysis resolution a region needs


class RegionMask:
    def __init__(self, side: int = SIDE) -> None:
        self.side = int(side)
        self.cells = np.zeros((self.side, self.side), dtype=bool)
        centres = (np.arange(self.side) + 0.5) / self.side
        self._ys, self._xs = np.meshgrid(centres, centres, indexing="ij")

    def is_empty(self) -> bool:
        return not bool(self.cells.any())

    def clear(self) -> None:
        self.cells[:] = False

    def rect(self, x0: float, y0: float, x1: float, y1: float, value: bool = True) -> None:
        """Fill the cells whose centres lie in the box (corners in any order, fractions 0..1)."""
        xa, xb = sorted((float(x0), float(x1)))
        ya, yb = sorted((float(y0), float(y1)))
        inside = (self._xs >= xa) & (self._xs <= xb) & (self._ys >= ya) & (self._ys <= yb)
        self.cells[inside] = value

    def stroke(self, x0: float, y0: float, x1: float, y1: float, radius: float, value: bool = True) -> None:
        """A brush (value True) or eraser (False) stroke: every cell within `radius` of the segment."""
        dx, dy = x1 - x0, y1 - y0
        length2 = dx * dx + dy * dy
        if length2 > 0:
            t = np.clip(((self._xs - x0) * dx + (self._ys - y0) * dy) / length2, 0.0, 1.0)
        else:
            t = np.zeros_like(self._xs)
        px, py = x0 + t * dx, y0 + t * dy
        near = (self._xs - px) ** 2 + (self._ys - py) ** 2 <= radius * radius
        self.cells[near] = value

    def to_region(self):  # -> core.region.Region
        """The painted area as a core Region (RegionError with one line if empty or everything)."""
        from ..core.region import Region

        return Region.from_mask(self.cells.astype(np.float32))
