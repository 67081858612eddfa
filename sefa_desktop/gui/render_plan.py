"""What the render worker does next, and at what resolution — plain Python, no Qt, no torch.

Two decisions live here so that they can be tested without timing anything:

* `thumbnail_steps`: the order of gallery work. Cards are served in the order given (the visible ones,
  top first). Every card first gets a draft (an early exit at `draft_resolution`, a few % of a frame
  on a big model): the first card alone, so it shows quickly, the others batched several cards to one
  forward pass. Then each card gets its sharp strip, one card per step, so cards fill one by one.
  The worker runs one step per turn and puts the rest back, so a drag's preview (or anything more
  urgent) goes first between steps, and a step in flight is interrupted between synthesis blocks.

* `DraftPlanner`: the resolution of drag drafts. A draft frame must cost at most `budget` (¼) of a
  full frame. The planner keeps the measured time per resolution for the current model and device,
  estimates unmeasured ones from the model's cost profile (FLOPs up to each block, when the family
  gives one) scaled by what was measured, and picks the largest resolution within budget.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

DRAFT_THUMB_RESOLUTION = 32  # early-exit resolution of draft thumbnails (16 where 32 costs too much)
DRAFT_THUMB_SHARE = 0.07  # a draft thumbnail at 32 px may cost this fraction of a full frame
DRAFT_BUDGET = 0.25  # a drag draft may cost this fraction of a full frame
MIN_DRAFT_RESOLUTION = 32
FAST_FRAME_SECONDS = 0.05  # full frames this fast need no drafts (the bundled models)


@dataclass(frozen=True)
class ThumbStep:
    """One forward pass of gallery work: these cards' strips at this early-exit resolution."""

    rows: tuple[int, ...]
    resolution: int | None  # None = full resolution
    draft: bool


def pow2_at_least(n: int) -> int:
    return 1 << max(0, int(n - 1).bit_length())


def thumbnail_steps(rows: Sequence[int], model_resolution: int, size: int, drafted: Sequence[int] = (),
                    draft_resolution: int | None = DRAFT_THUMB_RESOLUTION,
                    cards_per_batch: int = 4) -> tuple[ThumbStep, ...]:
    """The steps that fill the cards `rows` (in that order) with strips `size` device pixels wide.

    `drafted` rows already show a draft (e.g. from an interrupted plan): they only need the sharp
    strip. Drafts are skipped where they would not be much cheaper than the sharp strip: models under
    4× the draft resolution (the bundled ones), strips under twice its size, or `draft_resolution`
    None (a family that cannot stop early renders a full frame for any resolution).
    """
    rows = list(dict.fromkeys(int(r) for r in rows))
    sharp = pow2_at_least(size)
    sharp_res = sharp if sharp < model_resolution else None
    sharp_px = sharp_res or model_resolution
    steps: list[ThumbStep] = []
    if draft_resolution and sharp_px >= 2 * draft_resolution and model_resolution >= 4 * draft_resolution:
        need = [r for r in rows if r not in set(drafted)]
        if need:
            steps.append(ThumbStep((need[0],), draft_resolution, True))
        rest = need[1:]
        for i in range(0, len(rest), max(1, cards_per_batch)):
            steps.append(ThumbStep(tuple(rest[i:i + cards_per_batch]), draft_resolution, True))
        steps += [ThumbStep((r,), sharp_res, False) for r in rows]
    else:  # drafts would cost about as much: sharp strips straight away, still batched
        for i in range(0, len(rows), max(1, cards_per_batch)):
            steps.append(ThumbStep(tuple(rows[i:i + cards_per_batch]), sharp_res, False))
    return tuple(steps)


class DraftPlanner:
    """Measured frame times per resolution for one model on one device, and the draft resolution."""

    def __init__(self, resolution: int = 0, cost_profile: Mapping[int, float] | None = None,
                 budget: float = DRAFT_BUDGET) -> None:
        self.reset(resolution, cost_profile)
        self.budget = budget

    def reset(self, resolution: int, cost_profile: Mapping[int, float] | None = None) -> None:
        """A new model or device: forget the timings. `cost_profile` maps each early-exit resolution
        (and the full one) to the work up to it, in any unit (e.g. FLOPs)."""
        self.resolution = int(resolution)
        self.cost = {int(r): float(c) for r, c in (cost_profile or {}).items() if c > 0}
        self.seconds: dict[int, float] = {}

    def record(self, resolution: int | None, seconds: float) -> None:
        """A frame rendered at `resolution` (None = full) took `seconds`; the newest counts most."""
        r = self.resolution if resolution is None else int(resolution)
        old = self.seconds.get(r)
        self.seconds[r] = seconds if old is None else 0.5 * old + 0.5 * seconds

    def candidates(self) -> list[int]:
        out, r = [], MIN_DRAFT_RESOLUTION
        while r < self.resolution:
            out.append(r)
            r *= 2
        return out

    def estimate(self, resolution: int) -> float | None:
        """Seconds for a frame at `resolution`: measured, or scaled from the nearest measurement by the
        cost profile (without one: by the pixel side, a pessimistic guess for the small resolutions)."""
        if resolution in self.seconds:
            return self.seconds[resolution]
        if not self.seconds:
            return None
        ref = min(self.seconds, key=lambda r: abs(r - resolution) + (0.5 if r < resolution else 0))
        if resolution in self.cost and ref in self.cost:
            return self.seconds[ref] * self.cost[resolution] / self.cost[ref]
        return self.seconds[ref] * resolution / ref

    def thumb_draft_resolution(self) -> int | None:
        """Early-exit resolution of draft thumbnails: 32 px where the cost profile puts it at ≤ 7 % of
        a frame (512², 1024²), 16 px where 32 would cost more (256²: 9 %, so five cards of five 32 px
        drafts took 3.4 frames); None when the model cannot stop early."""
        if not self.resolution:
            return None
        total, at32 = self.cost.get(self.resolution), self.cost.get(DRAFT_THUMB_RESOLUTION)
        if total and at32 and at32 > DRAFT_THUMB_SHARE * total and DRAFT_THUMB_RESOLUTION // 2 in self.cost:
            return DRAFT_THUMB_RESOLUTION // 2
        return DRAFT_THUMB_RESOLUTION

    def draft_resolution(self) -> int | None:
        """The largest resolution whose frame fits the budget; None = render drafts in full (the model
        is small, or nothing fits); before any full frame was timed, the cost profile alone decides."""
        cands = self.candidates()
        full = self.seconds.get(self.resolution)
        if not cands or (full is not None and full <= FAST_FRAME_SECONDS):
            return None
        if full is None:
            total = self.cost.get(self.resolution)
            fits = [r for r in cands if total and r in self.cost and self.cost[r] <= self.budget * total]
            return fits[-1] if fits else cands[0]
        best = None
        for r in cands:
            t = self.estimate(r)
            if t is not None and t <= self.budget * full:
                best = r
        return best if best is not None else cands[0]


def thumbnail_progress(visible: Sequence[int], sharp: set[int] | frozenset[int]) -> str:
    """The gallery's progress text: '' when every visible card has its sharp strip."""
    done = sum(1 for r in visible if r in sharp)
    return "" if done >= len(visible) else f"thumbnails {done}/{len(visible)}"
