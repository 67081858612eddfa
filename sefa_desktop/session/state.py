"""The values an edit session is made of. Immutable: a change replaces a value, so an undo step can
keep the old one and put it back exactly."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

import numpy as np

from ..core.layer_presets import preset_rows

if TYPE_CHECKING:
    from ..core.directions import DirectionSet

# What a change touched; observers look at `Change.aspects`.
MODEL = "model"  # a model was loaded (everything else was reset)
LAYERS = "layers"  # the W+ rows to factorize
DIRECTIONS = "directions"  # a direction set was added or made active
LABELS = "labels"  # a direction was renamed
EDITS = "edits"  # active edits: added, removed, α, rows
HOLDS = "holds"  # pinned directions
SAMPLE = "sample"  # the base code, ψ, the noise mode or the class
AMPLITUDE = "amplitude"  # the α range of the gallery's strips

LAYER_CHOICES = ("selected", "all", "coarse", "middle", "fine")


class _Keep:
    """`KEEP`: "leave this value as it is" where None is a value of its own (the class: None = default)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP: Any = _Keep()


@dataclass(frozen=True)
class Change:
    aspects: frozenset[str]
    draft: bool = False  # a drag in progress: render fast, a final frame follows


@dataclass(frozen=True)
class SeedBase:
    """The base code is the model's sample for `seed`."""

    seed: int

    @property
    def key(self) -> str:
        return f"seed:{self.seed}"

    @property
    def label(self) -> str:
        return f"seed {self.seed}"


@dataclass(frozen=True, eq=False)
class LatentBase:
    """The base code is a given latent: `codes` as the generator consumes them (W+ rows × w_dim for
    style models, else the z-side code), e.g. a projected photo or a latent file. `name` is shown."""

    name: str
    codes: np.ndarray
    digest: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        codes = np.array(self.codes, dtype=np.float32, copy=True)
        codes.setflags(write=False)
        object.__setattr__(self, "codes", codes)
        object.__setattr__(self, "digest", hashlib.sha1(codes.tobytes() + str(codes.shape).encode()).hexdigest()[:16])

    @property
    def key(self) -> str:
        return f"latent:{self.digest}"

    @property
    def label(self) -> str:
        return self.name

    def __eq__(self, other: object) -> bool:
        return isinstance(other, LatentBase) and other.digest == self.digest and other.name == self.name

    def __hash__(self) -> int:
        return hash((self.name, self.digest))


BaseCode = SeedBase | LatentBase


@dataclass(frozen=True, eq=False)
class Edit:
    """One active edit. `key` = (direction-set id, row); set id -1 = a vector of its own (a preset's
    saved direction that is in no set)."""

    key: tuple[int, int]
    name: str
    vector: np.ndarray
    alpha: float
    base_layers: tuple[int, ...]  # the rows the direction was factorized on
    layer_choice: str = "selected"

    def layers(self, num_layers: int, style: bool, resolutions: tuple[int, ...] | None = None
               ) -> tuple[int, ...] | None:
        """The W+ rows this edit moves (None: the model has no W+ rows). `resolutions` (one per row)
        make coarse/middle/fine follow the rows' resolutions, as the layer tree's buttons do."""
        if not style:
            return None
        if self.layer_choice == "selected":
            return self.base_layers
        return tuple(preset_rows(self.layer_choice, num_layers, resolutions))

    def with_alpha(self, alpha: float) -> Edit:
        return replace(self, alpha=float(alpha))


@dataclass(frozen=True, eq=False)
class DirectionSetState:
    """A set of directions the gallery can show. `kind`: "sefa" (factorized here), "imported", and
    later "region", "supervised", "text"; `id` is unique in the session (edits refer to it)."""

    id: int
    kind: str
    vectors: np.ndarray  # (k, dim)
    values: np.ndarray  # (k,)
    layers: list[int]
    labels: tuple[str, ...]
    model_gen: int
    source: str = ""  # the file it was imported from
    dirset: DirectionSet | None = None  # as computed/read, for exports (labels: see `labelled()`)

    def __len__(self) -> int:
        return len(self.values)

    def name(self, row: int) -> str:
        return self.labels[row] or f"direction {row}"

    def labelled(self) -> Any:
        """A copy of `dirset` carrying the current labels (the shared set itself is never changed)."""
        assert self.dirset is not None
        return replace(self.dirset, labels=list(self.labels))
