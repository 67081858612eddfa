"""Direction grids (the paper's figure): rows = directions per seed, columns = α steps."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import torch
from PIL import Image

from .directions import DirectionSet
from .editing import alpha_steps, sweep_codes
from .imaging import compose_grid, to_uint8


def render_direction_grid(model: Any, dirs: DirectionSet, indices: Sequence[int], seeds: Sequence[int],
                          alpha_range: tuple[float, float], steps: int, truncation_psi: float = 1.0,
                          noise_mode: str = "const", cell: int | None = None,
                          batch: int = 16, progress: Callable[[int, int], None] | None = None) -> Image.Image:
    """`progress(rows done, rows)` is called after each row; an exception it raises aborts the render
    (the app's Cancel)."""
    alphas = alpha_steps(alpha_range[0], alpha_range[1], steps)
    total = len(seeds) * len(indices)
    rows, labels = [], []
    for seed in seeds:
        base = model.sample_codes(1, seed=seed, truncation_psi=truncation_psi)
        for i in indices:
            codes = sweep_codes(base, dirs.vectors[i], alphas, (dirs.layers or None) if base.ndim == 3 else None)
            imgs = [model.synthesize(codes[j:j + batch], noise_mode=noise_mode, truncation_psi=truncation_psi)
                    for j in
                    range(0, len(codes), batch)]
            rows.append(list(to_uint8(torch.cat(imgs), model.image_range)))
            labels.append(f"s{seed} #{i} {dirs.labels[i]}".strip() if len(seeds) > 1 else
                          f"#{i} {dirs.labels[i]}".strip())
            if progress is not None:
                progress(len(rows), total)
    size = cell or min(int(model.resolution), 256)
    return compose_grid(rows, row_labels=labels, col_labels=[f"{a:+.1f}" for a in alphas], cell=size)
