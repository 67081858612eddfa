"""What a batch renders and where each image goes: the recipe, the job list and the file layout.

The jobs are the product of the samples (seeds, or latent files) and the sweep variants: each
`--sweep I=LO:HI:STEPS` adds STEPS images along direction I from α = LO to HI (other sweeps at 0);
without sweeps every sample is rendered once, unedited. Jobs are numbered in a fixed order (samples
outer, variants inner) and computed from their number, so a plan of millions of images costs no memory.

Layout: `OUTDIR/<shard>/seed000123_d3_a+1.50.png`, where the shard is the seed modulo 256 in two hex
digits (every sample's images together, at most 256 folders, evenly filled). Latent samples are named
`latent00012_…` after their position in the --latents list.
"""

from __future__ import annotations

import bisect
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECIPE_FORMAT = "sefa-desktop-batch"
RECIPE_VERSION = 1
FORMATS = {"png": "png", "jpg": "jpg", "jpeg": "jpg", "webp": "webp"}
MAX_SEED = 2**63 - 1


class BatchError(ValueError):
    """A batch cannot run as asked (bad options, a folder holding another recipe); one clear line."""


@dataclass(frozen=True)
class Sweep:
    index: int
    lo: float
    hi: float
    steps: int

    def alphas(self) -> list[float]:
        from ..core.editing import alpha_steps

        return alpha_steps(self.lo, self.hi, self.steps)


def parse_sweep(text: str) -> Sweep:
    """'3=-2:2:5' → Sweep(3, -2.0, 2.0, 5)."""
    try:
        i, rest = text.split("=", 1)
        lo, hi, steps = rest.split(":")
        sweep = Sweep(int(i), float(lo), float(hi), int(steps))
    except ValueError:
        raise BatchError(f"bad sweep '{text}': use I=LO:HI:STEPS, e.g. 3=-2:2:5") from None
    if sweep.index < 0:
        raise BatchError(f"bad sweep '{text}': direction index must be ≥ 0")
    if not 1 <= sweep.steps <= 1000:
        raise BatchError(f"bad sweep '{text}': STEPS must be between 1 and 1000")
    return sweep


def parse_seeds(tokens: Sequence[str]) -> list[tuple[int, int]]:
    """'0-9999', '5', '1,2,7-9' (several tokens allowed) → sorted, merged inclusive ranges."""
    ranges: list[tuple[int, int]] = []
    for token in tokens:
        for part in str(token).replace(" ", "").split(","):
            if not part:
                continue
            try:
                lo, _, hi = part.partition("-")
                a, b = int(lo), int(hi) if hi else int(lo)
            except ValueError:
                raise BatchError(f"bad seeds '{token}': use e.g. 0-9999 or 1,2,7-9") from None
            if not 0 <= a <= b <= MAX_SEED:
                raise BatchError(f"bad seeds '{part}': need 0 ≤ first ≤ last")
            ranges.append((a, b))
    if not ranges:
        raise BatchError("no seeds given")
    ranges.sort()
    merged = [ranges[0]]
    for a, b in ranges[1:]:
        if a <= merged[-1][1] + 1:
            merged[-1] = (merged[-1][0], max(merged[-1][1], b))
        else:
            merged.append((a, b))
    return merged


def format_seeds(ranges: Sequence[tuple[int, int]]) -> str:
    return ",".join(f"{a}" if a == b else f"{a}-{b}" for a, b in ranges)


@dataclass(frozen=True)
class Variant:
    """One edit applied to every sample: direction (None = unedited) and α."""

    direction: int | None
    alpha: float


@dataclass(frozen=True)
class Job:
    key: int  # position in the plan
    sample: int  # index into the samples (seeds in order, or latent files)
    seed: int | None
    latent: int | None  # index into the --latents list
    direction: int | None
    alpha: float
    path: str  # relative to OUTDIR, '/'-separated


class Plan:
    """The numbered jobs of a recipe; `len(plan)` images, `plan[k]` computed on demand."""

    def __init__(self, recipe: dict[str, Any]) -> None:
        self.recipe = recipe
        self.ext = recipe["format"]
        self.seed_ranges = [tuple(r) for r in recipe["seeds"]] if recipe.get("seeds") else []
        self.latents = list(recipe.get("latents") or [])
        self._cum = [0]
        for a, b in self.seed_ranges:
            self._cum.append(self._cum[-1] + b - a + 1)
        self.num_samples = len(self.latents) if self.latents else self._cum[-1]
        self.variants = variants([Sweep(*s) for s in recipe["sweeps"]])
        self.alpha_digits = alpha_digits([v.alpha for v in self.variants])

    def __len__(self) -> int:
        return self.num_samples * len(self.variants)

    def seed_of(self, sample: int) -> int:
        r = bisect.bisect_right(self._cum, sample) - 1
        return self.seed_ranges[r][0] + sample - self._cum[r]

    def __getitem__(self, key: int) -> Job:
        if not 0 <= key < len(self):
            raise IndexError(key)
        sample, v = divmod(key, len(self.variants))
        variant = self.variants[v]
        seed = None if self.latents else self.seed_of(sample)
        latent = sample if self.latents else None
        return Job(key, sample, seed, latent, variant.direction, variant.alpha,
                   image_path(seed, latent, variant, self.ext, self.alpha_digits))

    def __iter__(self) -> Iterator[Job]:
        return (self[k] for k in range(len(self)))


def variants(sweeps: Sequence[Sweep]) -> list[Variant]:
    """Every sweep's (direction, α) in order, duplicates dropped; [unedited] when there are no sweeps."""
    if not sweeps:
        return [Variant(None, 0.0)]
    seen: set[tuple[int, float]] = set()
    out = []
    for s in sweeps:
        for a in s.alphas():
            if (s.index, a) not in seen:
                seen.add((s.index, a))
                out.append(Variant(s.index, a))
    return out


def alpha_digits(alphas: Sequence[float]) -> int:
    """Decimals in file names: 2, or more when two different α of the recipe would print the same."""
    distinct = set(alphas)
    for digits in range(2, 10):
        if len({f"{a:+.{digits}f}" for a in distinct}) == len(distinct):
            return digits
    return 10


def format_alpha(alpha: float, digits: int) -> str:
    text = f"{alpha:+.{digits}f}"
    return "+" + text[1:] if text.startswith("-") and float(text) == 0 else text  # no "-0.00"


def image_path(seed: int | None, latent: int | None, variant: Variant, ext: str, digits: int = 2) -> str:
    if seed is not None:
        shard, stem = f"{seed % 256:02x}", f"seed{seed:06d}"
    else:
        assert latent is not None
        shard, stem = f"{latent % 256:02x}", f"latent{latent:05d}"
    if variant.direction is not None:
        stem += f"_d{variant.direction}_a{format_alpha(variant.alpha, digits)}"
    return f"{shard}/{stem}.{ext}"


# -- the recipe and batch.json ----------------------------------------------------------------------
def make_recipe(*, model_fingerprint: str, weights_sha256: str, directions_sha256: str | None,
                direction_layers: Sequence[int] | None, seeds: Sequence[tuple[int, int]] | None,
                latents: Sequence[str] | None, sweeps: Sequence[Sweep], hold: Sequence[int],
                size: int | None, fmt: str, quality: int | None, truncation: float, noise: str,
                class_index: int | None = None) -> dict[str, Any]:
    """Everything that decides the bytes of the images: compared when a folder is reused.

    Files are identified by content (sha256), not by path, so the same batch can be resumed from
    another folder or machine. Engine, workers, threads and device are not part of it."""
    if fmt not in FORMATS:
        raise BatchError(f"unknown format '{fmt}': use png, jpg or webp")
    return {
        "model_fingerprint": model_fingerprint,
        "model_weights_sha256": weights_sha256,
        "directions_sha256": directions_sha256,
        "direction_layers": list(direction_layers) if direction_layers is not None else None,
        "seeds": [list(r) for r in seeds] if seeds else None,
        "latents": list(latents) if latents else None,  # the files' sha256, in order
        "sweeps": [[s.index, s.lo, s.hi, s.steps] for s in sweeps],
        "hold": sorted(set(hold)),
        "size": size,
        "format": FORMATS[fmt],
        "quality": quality if FORMATS[fmt] != "png" else None,
        "truncation": float(truncation),
        "noise": noise,
        # a class-conditional model's class (None: its default); a folder made before this key existed
        # reads as None, so it resumes under the same command
        "class": None if class_index is None else int(class_index),
        "batch_size": 1,  # one image per forward pass: batching may change the last bits
    }


RECIPE_LABELS = {
    "model_fingerprint": "the model", "model_weights_sha256": "the model's weights",
    "directions_sha256": "the directions file", "direction_layers": "the directions' layers",
    "seeds": "--seeds", "latents": "--latents", "sweeps": "--sweep", "hold": "--hold", "size": "--size",
    "format": "--format", "quality": "--quality", "truncation": "--truncation", "noise": "--noise",
    "class": "--class",
}


def recipe_difference(old: dict[str, Any], new: dict[str, Any]) -> str | None:
    """A short phrase naming what differs between two recipes, or None when they are the same."""
    for key in list(new) + [k for k in old if k not in new]:
        if old.get(key) != new.get(key):
            label = RECIPE_LABELS.get(key, key)
            if key == "seeds":
                def show(r: Any) -> str:
                    return format_seeds(r) if r else "none"
                return f"{label} {show(old.get(key))} there, {show(new.get(key))} now"
            if key in ("sweeps", "hold", "size", "format", "quality", "truncation", "noise"):
                def show(v: Any) -> str:
                    return "none" if v is None or v == [] else json.dumps(v)
                return f"{label} {show(old.get(key))} there, {show(new.get(key))} now"
            return f"{label} differs"
    return None


def file_sha256(path: str | Path, chunk: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(chunk):
            h.update(block)
    return h.hexdigest()
