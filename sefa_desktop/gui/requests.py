"""What the GUI asks the render worker for, and what it gets back: frozen values, no Qt.

Every request kind has its own class and names its mailbox slot (`purpose`); the render client
(gui/render_client.py) builds them from the session, the worker (gui/worker.py) serves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, ClassVar

import numpy as np

if TYPE_CHECKING:
    from ..core.directions import DirectionSet

MAX_DIRECTIONS = 100  # gallery rows; the tail of the spectrum is noise


@dataclass(frozen=True)
class EditSpec:
    """One active edit as the worker needs it: a direction vector, α and the W+ rows it moves."""

    vector: np.ndarray
    alpha: float
    layers: tuple[int, ...] | None = None


@dataclass(frozen=True, eq=False)
class SampleSpec:
    """The base code and how it is rendered. `latent` (the code itself, e.g. a projected photo) replaces
    the seed's sample when given; `latent_key` identifies it for caching. `class_index`: the class a
    class-conditional model (BigGAN) renders the seed's sample as; None = the model's default class."""

    seed: int = 0
    psi: float = 1.0
    noise: str = "const"
    latent: np.ndarray | None = None
    latent_key: str = ""
    class_index: int | None = None

    @property
    def key(self) -> tuple:
        """Identifies the image: caches (base codes, thumbnails, drafts) never mix two samples."""
        return self.code_key + (self.noise,)

    @property
    def code_key(self) -> tuple:
        """Identifies the base code (the noise mode does not change it)."""
        if self.latent is not None:  # a given code carries its own class
            return (self.latent_key, self.psi, None)
        return (self.seed, self.psi, self.class_index)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, SampleSpec) and other.key == self.key

    def __hash__(self) -> int:
        return hash(self.key)


@dataclass(frozen=True)
class DeviceRequest:
    purpose: ClassVar[str] = "device"
    device: str


@dataclass(frozen=True)
class LoadRequest:
    purpose: ClassVar[str] = "load"
    source: str  # bundled name or checkpoint path


@dataclass(frozen=True)
class FactorizeRequest:
    purpose: ClassVar[str] = "factorize"
    model_gen: int
    layers: tuple[int, ...]
    k: int = MAX_DIRECTIONS


@dataclass(frozen=True)
class PreviewRequest:
    purpose: ClassVar[str] = "preview"
    model_gen: int
    sample: SampleSpec
    edits: tuple[EditSpec, ...] = ()
    draft: bool = False
    holds: tuple[np.ndarray, ...] = ()  # pinned directions: every edit is orthogonalised against them


@dataclass(frozen=True)
class ThumbRequest:
    """Thumbnails of `rows` of one direction set, for one sample. `context` identifies what they show."""

    purpose: ClassVar[str] = "thumbs"
    model_gen: int
    context: tuple
    sample: SampleSpec
    rows: tuple[int, ...]
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    layers: tuple[int, ...] | None = None
    alphas: tuple[float, ...] = (-3.0, -1.5, 0.0, 1.5, 3.0)
    size: int = 64  # device pixels
    radius: float = 5.0  # corner radius, device pixels
    holds: tuple[np.ndarray, ...] = ()
    drafted: tuple[int, ...] = ()  # rows already showing a draft strip: only their sharp strips are wanted
    steps: tuple = ()  # the worker's remaining plan (render_plan.ThumbStep), filled on its first turn


Request = DeviceRequest | LoadRequest | FactorizeRequest | PreviewRequest | ThumbRequest


@dataclass(frozen=True)
class DirectionsResult:
    """A factorization, as the worker sends it back."""

    model_gen: int
    layers: list[int]
    vectors: np.ndarray  # (k, dim)
    values: np.ndarray  # (k,)
    dirset: DirectionSet
