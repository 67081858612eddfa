"""Cheap previews while the user drags: prefix reuse for generators that consume W+ rows in order.

A style generator reads W+ row i only in layer i, and layers run in row order. An edit that moves
only rows ≥ k therefore leaves everything computed before layer k unchanged: we compute that
intermediate state once per sample (`synthesis_prefix`) and finish from it for every α
(`synthesize_from`). The result equals `synthesize` of the same codes (same arithmetic, same order).

Families implement two hooks on their model class:
  - `_prefix_state(codes, row, noise_mode, num_blocks)`: the state before layer `row`,
  - `_finish(codes, state, row, noise_mode, num_blocks)`: the image from that state,
  - `_prefix_usable(row, num_blocks)`: whether a full-depth prefix serves an early exit,
with `num_blocks` = how many resolution blocks to run (early exit, None = all).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import torch

from .base import NOISE_MODES


@dataclass(frozen=True)
class SynthesisPrefix:
    """The generator's state just before W+ row `row`, for a batch of codes."""

    row: int
    codes_head: torch.Tensor  # codes[:, :row] it was computed from, to check it still applies
    noise_mode: str
    state: Any  # family-specific tensors (feature map, accumulated image…)

    @property
    def batch(self) -> int:
        return int(self.codes_head.shape[0])


class PrefixReuseMixin:
    """`prefix_state` / `synthesize_from` on top of the two family hooks (same names and arguments
    as StyleGAN2Model's, so the GUI treats every W+ family alike)."""

    def prefix_state(self, codes: torch.Tensor, row: int, noise_mode: str = "const") -> SynthesisPrefix:
        """Run the layers that read rows < `row` once; reuse the result with `synthesize_from`.

        `row` = the first W+ row an edit will change (0 = nothing can be reused)."""
        codes = self._check_codes(codes, noise_mode)  # type: ignore[attr-defined]
        row = int(row)
        if not 0 <= row <= self.num_layers:  # type: ignore[attr-defined]
            raise ValueError(f"row must be in 0..{self.num_layers}, not {row}")  # type: ignore[attr-defined]
        with torch.inference_mode():
            state = self._prefix_state(codes, row, noise_mode, None)  # type: ignore[attr-defined]
        return SynthesisPrefix(row, codes[:, :row].clone(), noise_mode, state)

    def synthesize_from(self, prefix: SynthesisPrefix, codes: torch.Tensor,
                        max_resolution: int | None = None) -> torch.Tensor:
        """Images of `codes` (same rows < prefix.row as the prefix's codes), starting from the prefix.

        `codes` may hold several variants per prefixed sample: its batch must be a multiple m of the
        prefix's batch, ordered sample-major (sample 0's m variants first). With an early exit that
        stops before the prefix's row the prefix cannot help and the image is made from scratch."""
        codes = self._check_codes(codes, prefix.noise_mode)  # type: ignore[attr-defined]
        n, m = prefix.batch, codes.shape[0] // max(1, prefix.batch)
        if m * n != codes.shape[0] or m == 0:
            raise ValueError(f"codes batch {codes.shape[0]} is not a multiple of the prefix batch {n}")
        head = prefix.codes_head.to(codes.device).repeat_interleave(m, dim=0)
        if not torch.equal(codes[:, :prefix.row], head):
            raise ValueError(f"codes differ from the prefix's codes on rows < {prefix.row}: "
                             "the cached state does not apply")
        nb = blocks_for(self.resolution, max_resolution)  # type: ignore[attr-defined]
        with torch.inference_mode():
            if nb is not None and not self._prefix_usable(prefix.row, nb):  # type: ignore[attr-defined]
                return self._synthesize(codes, prefix.noise_mode, None, max_resolution)  # type: ignore
            return self._finish(codes, _repeat_state(prefix.state, m), prefix.row,  # type: ignore[attr-defined]
                                prefix.noise_mode, nb)

    def _check_codes(self, codes: torch.Tensor, noise_mode: str) -> torch.Tensor:
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, not {noise_mode!r}")
        codes = self._as_tensor(codes)  # type: ignore[attr-defined]
        shape = self.code_shape  # type: ignore[attr-defined]
        if tuple(codes.shape[1:]) != shape:
            raise ValueError(f"codes must have shape (n, {', '.join(map(str, shape))}), got {tuple(codes.shape)}")
        return codes


def blocks_for(resolution: int, max_resolution: int | None) -> int | None:
    """Resolution blocks (4×4 = 1) to run for an early exit at `max_resolution` (None = all)."""
    if max_resolution is None or int(max_resolution) == resolution:
        return None
    r = int(max_resolution)
    if r < 4 or r > resolution or r & (r - 1):
        raise ValueError(f"max_resolution must be a power of two between 4 and {resolution}, not {r}")
    return r.bit_length() - 2  # log2(r) − 1


def _repeat_state(state: Any, m: int) -> Any:
    if m == 1 or state is None:
        return state
    if isinstance(state, torch.Tensor):
        return state.repeat_interleave(m, dim=0)
    if isinstance(state, tuple):
        return tuple(_repeat_state(s, m) for s in state)
    return state
