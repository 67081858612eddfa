"""Direction grids (the paper's figure): rows = directions per seed, columns = α steps."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import torch
from PIL import Image

from .directions import DirectionSet
from .editing import alpha_steps, seed_codes, sweep_codes
from .imaging import compose_grid, to_uint8


def sweep_rows(model: Any, dirs: DirectionSet, indices: Sequence[int], seeds: Sequence[int],
               alphas: Sequence[float], truncation_psi: float = 1.0, noise_mode: str = "const",
               batch: int = 16, progress: Callable[[int, int], None] | None = None,
               base_codes: torch.Tensor | None = None, class_index: int | None = None
               ) -> Iterator[tuple[int, int, np.ndarray]]:
    """For each seed, then each direction: (seed, index, (len(alphas), H, W, 3) uint8 images along it).
    `progress(rows done, rows)` is called after each row; an exception it raises aborts (the app's
    Cancel). `base_codes` (1, *code_shape), e.g. a projected photo, replaces the seeds (reported as -1).
    `class_index`: the class of a class-conditional model's samples (None = its default)."""
    if base_codes is not None:
        seeds = [-1]
    total = len(seeds) * len(indices)
    done = 0
    for seed in seeds:
        base = base_codes if base_codes is not None else seed_codes(model, seed, truncation_psi, class_index)
        for i in indices:
            codes = sweep_codes(base, dirs.vectors[i], alphas, (dirs.layers or None) if base.ndim == 3 else None)
            imgs = [model.synthesize(codes[j:j + batch], noise_mode=noise_mode, truncation_psi=truncation_psi)
                    for j in range(0, len(codes), batch)]
            yield seed, i, to_uint8(torch.cat(imgs), model.image_range)
            done += 1
            if progress is not None:
                progress(done, total)


def render_direction_grid(model: Any, dirs: DirectionSet, indices: Sequence[int], seeds: Sequence[int],
                          alpha_range: tuple[float, float], steps: int, truncation_psi: float = 1.0,
                          noise_mode: str = "const", cell: int | None = None,
                          batch: int = 16, progress: Callable[[int, int], None] | None = None,
                          base_codes: torch.Tensor | None = None, class_index: int | None = None) -> Image.Image:
    """`progress(rows done, rows)` is called after each row; an exception it raises aborts the render
    (the app's Cancel)."""
    alphas = alpha_steps(alpha_range[0], alpha_range[1], steps)
    rows, labels = [], []
    for seed, i, imgs in sweep_rows(model, dirs, indices, seeds, alphas, truncation_psi, noise_mode, batch,
                                    progress, base_codes, class_index):
        rows.append(list(imgs))
        labels.append(f"s{seed} #{i} {dirs.labels[i]}".strip() if len(seeds) > 1 and base_codes is None else
                      f"#{i} {dirs.labels[i]}".strip())
    size = cell or min(int(model.resolution), 256)
    return compose_grid(rows, row_labels=labels, col_labels=[f"{a:+.1f}" for a in alphas], cell=size)
