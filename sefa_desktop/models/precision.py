"""Half-precision rendering on GPUs: autocast where it is faster and the image stays within 2/255.

`choose_precision(model, codes)` renders one frame in float32 and under float16 / bfloat16 autocast,
and returns the fastest dtype whose 8-bit image differs from float32 by at most `max_levels` levels
(None = stay in float32). The render worker calls it once per model and device on CUDA;
`synthesize_at(model, codes, dtype)` renders under that choice and always returns float32.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import Any

import torch

HALF_DTYPES = (torch.float16, torch.bfloat16)


@contextlib.contextmanager
def autocast_to(dtype: torch.dtype | None, device_type: str) -> Iterator[None]:
    """torch.autocast for `dtype` on `device_type`, or nothing for None (float32)."""
    if dtype is None:
        yield
        return
    with torch.autocast(device_type, dtype=dtype):
        yield


def synthesize_at(model: Any, codes: torch.Tensor, dtype: torch.dtype | None, **kw: Any) -> torch.Tensor:
    with autocast_to(dtype, codes.device.type):
        return model.synthesize(codes, **kw).float()


def levels(a: torch.Tensor, b: torch.Tensor, image_range: tuple[float, float]) -> float:
    """Largest difference of two images in 8-bit levels (after clamping to the model's range)."""
    lo, hi = image_range
    scale = 255.0 / (hi - lo)
    qa = ((a.float().clamp(lo, hi) - lo) * scale).round()
    qb = ((b.float().clamp(lo, hi) - lo) * scale).round()
    return float((qa - qb).abs().max())


def choose_precision(model: Any, codes: torch.Tensor, max_levels: float = 2.0, repeats: int = 3,
                     min_gain: float = 1.05) -> tuple[torch.dtype | None, dict[str, tuple[float, float]]]:
    """(dtype to render in or None, {name: (ms, max level difference)}) measured on `codes`."""
    device = codes.device

    def timed(dtype: torch.dtype | None) -> tuple[float, torch.Tensor]:
        out = synthesize_at(model, codes, dtype)  # warm-up (kernel selection, autocast caches)
        best = float("inf")
        for _ in range(repeats):
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            t0 = time.perf_counter()
            out = synthesize_at(model, codes, dtype)
            if device.type == "cuda":
                torch.cuda.synchronize(device)
            best = min(best, time.perf_counter() - t0)
        return best * 1e3, out

    image_range = tuple(getattr(model, "image_range", (-1.0, 1.0)))
    t32, ref = timed(None)
    report = {"float32": (t32, 0.0)}
    choice, best_t = None, t32 / min_gain
    for dtype in HALF_DTYPES:
        if device.type == "cuda" and dtype is torch.bfloat16 and not torch.cuda.is_bf16_supported():
            continue
        try:
            t, img = timed(dtype)
        except RuntimeError:  # a dtype this device cannot run these ops in
            continue
        diff = levels(img, ref, image_range) if torch.isfinite(img).all() else float("inf")
        report[str(dtype).removeprefix("torch.")] = (t, diff)
        if diff <= max_levels and t < best_t:
            choice, best_t = dtype, t
    return choice, report
