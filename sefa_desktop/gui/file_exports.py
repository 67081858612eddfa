"""File ▸ Export ▸ Directions (.npz) and Preview Image (.png): the two exports that need no dialog of
their own beyond choosing the file."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtGui import QImage

from ..core.direction_io import write_directions
from ..session.state import DirectionSetState
from ..util.atomic import atomic_path


def save_directions(directions: DirectionSetState, path: str) -> None:
    """Our .npz of the shown set with its current card names (the shared set is left as it is)."""
    write_directions(directions.labelled(), path)


def save_image(image: QImage, path: str) -> None:
    with atomic_path(path, suffix=Path(path).suffix or ".png") as tmp:
        if not image.save(str(tmp), "PNG"):
            raise OSError(f"could not write {path}")
