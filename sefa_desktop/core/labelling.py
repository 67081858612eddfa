"""Directions with meaning: what changes along each direction, and the direction a text asks for.

A *judge* turns images into vectors whose change means something: CLIP image embeddings (scored
against a vocabulary of attribute phrases) or a model's own attribute predictors (one score per known
factor). `probe_directions` renders −α and +α along each direction on fixed seeds and averages the
judge's change, Δᵢ = mean over seeds of judge(+α) − judge(−α). From the Δ matrix:

- `label_directions`: the judge's vocabulary scores of each Δᵢ, top 3 with signs (+ = the attribute
  grows towards +α);
- `text_direction`: the combination c of the directions whose predicted change Σ cᵢΔᵢ best matches a
  text's target t — ridge least squares, c = (ΔΔᵀ + λI)⁻¹Δt, which maximises cos(Δᵀc, t) for a
  bounded ‖c‖ (a first-order, per-direction linear model of the judge).

Qt-free and cancellable (`cancel` event, checked after each direction), `progress(done, total)`.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import torch

from .directions import DirectionSet
from .editing import sweep_codes
from .vocabulary import Vocabulary

DEFAULT_SEEDS = tuple(range(8))
DEFAULT_ALPHA = 3.0


class LabellingCancelled(Exception):
    """The labelling job was cancelled; nothing was changed."""


class Judge(Protocol):
    name: str
    phrases: list[str]

    def embed(self, images01: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) images in [0, 1] → (n, m) vectors."""

    def label_scores(self, deltas: np.ndarray) -> np.ndarray:
        """(k, m) changes → (k, len(phrases)) signed scores."""

    def text_target(self, text: str) -> np.ndarray:
        """A text → the (m,) change it asks for. ValueError when this judge cannot read it."""


class ClipEncoderLike(Protocol):
    name: str

    def encode_images(self, images01: torch.Tensor) -> torch.Tensor: ...

    def encode_text(self, phrases: Sequence[str]) -> torch.Tensor: ...


class ClipJudge:
    """CLIP zero-shot: unit image embeddings; a phrase's score is cos(Δ, t̂ₚ) where t̂ₚ is the phrase's
    text embedding minus the mean over the vocabulary (what the phrase says beyond "a face"), unit length."""

    def __init__(self, encoder: ClipEncoderLike, vocabulary: Vocabulary) -> None:
        self.encoder = encoder
        self.vocabulary = vocabulary
        self.phrases = list(vocabulary.phrases)
        self.name = f"CLIP {encoder.name}"
        text = encoder.encode_text(vocabulary.prompts()).double().numpy()
        self._centre = text.mean(axis=0)
        self._targets = _unit_rows(text - self._centre)

    def embed(self, images01: torch.Tensor) -> torch.Tensor:
        return self.encoder.encode_images(images01)

    def label_scores(self, deltas: np.ndarray) -> np.ndarray:
        return _unit_rows(np.asarray(deltas, dtype=np.float64)) @ self._targets.T

    def text_target(self, text: str) -> np.ndarray:
        text = " ".join(text.split())
        if not text:
            raise ValueError("type what the direction should change, e.g. smile")
        t = self.encoder.encode_text(self.vocabulary.prompts([text])).double().numpy()[0]
        return _unit_rows((t - self._centre)[None])[0]


def _unit_rows(a: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(a, axis=-1, keepdims=True)
    return a / np.maximum(norms, 1e-12)


@dataclass(frozen=True)
class Label:
    phrase: str
    score: float  # signed: > 0 the attribute grows towards +α

    @property
    def text(self) -> str:
        """The name a card gets: the phrase, or 'less …' when +α takes it away."""
        return self.phrase if self.score >= 0 else f"less {self.phrase}"

    def display(self) -> str:
        return f"{self.text} {abs(self.score):.2f}"


def to_unit_images(images: torch.Tensor, image_range: tuple[float, float]) -> torch.Tensor:
    lo, hi = image_range
    return ((images.float() - lo) / (hi - lo)).clamp(0, 1)


def probe_directions(model: Any, dirs: DirectionSet, indices: Sequence[int], judge: Judge,
                     seeds: Sequence[int] = DEFAULT_SEEDS, alpha: float = DEFAULT_ALPHA,
                     truncation_psi: float = 1.0, noise_mode: str = "const", batch: int = 16,
                     progress: Callable[[int, int], None] | None = None,
                     cancel: threading.Event | None = None, class_index: int | None = None) -> np.ndarray:
    """(len(indices), m): the judge's mean change from −α to +α along each direction. `class_index`:
    the class of a class-conditional model's samples (None = its default)."""
    if alpha <= 0:
        raise ValueError("alpha must be > 0")
    if not seeds:
        raise ValueError("need at least one seed")
    from .editing import seed_codes

    bases = [seed_codes(model, int(s), truncation_psi, class_index) for s in seeds]
    out = []
    for done, i in enumerate(indices, start=1):
        if cancel is not None and cancel.is_set():
            raise LabellingCancelled
        rows = (tuple(dirs.layers) or None) if bases[0].ndim == 3 else None
        codes = torch.cat([sweep_codes(b, dirs.vectors[i], [-alpha, alpha], rows) for b in bases])
        with torch.inference_mode():
            imgs = torch.cat([model.synthesize(codes[j:j + batch], noise_mode=noise_mode,
                                               truncation_psi=truncation_psi) for j in range(0, len(codes), batch)])
        emb = judge.embed(to_unit_images(imgs, model.image_range)).double().numpy()
        out.append((emb[1::2] - emb[0::2]).mean(axis=0))
        if progress is not None:
            progress(done, len(indices))
    return np.stack(out) if out else np.zeros((0, 0))


def top_labels(scores: np.ndarray, phrases: Sequence[str], top: int = 3) -> list[list[Label]]:
    """For each row of (k, p) signed scores: the `top` phrases by |score|."""
    out = []
    for row in np.atleast_2d(scores):
        order = np.argsort(-np.abs(row), kind="stable")[:top]
        out.append([Label(phrases[j], float(row[j])) for j in order])
    return out


def label_directions(model: Any, dirs: DirectionSet, indices: Sequence[int], judge: Judge, top: int = 3,
                     **probe: Any) -> tuple[list[list[Label]], np.ndarray]:
    """(top labels per direction, the Δ matrix for `text_direction`)."""
    deltas = probe_directions(model, dirs, indices, judge, **probe)
    return top_labels(judge.label_scores(deltas), judge.phrases, top), deltas


@dataclass(frozen=True)
class TextDirection:
    text: str
    vector: np.ndarray  # (dim,) unit
    coefficients: np.ndarray  # (k,) weights of the probed directions
    fit: float  # cos between the predicted change Δᵀc and the text's target


def text_direction(text: str, judge: Judge, dirs: DirectionSet, indices: Sequence[int], deltas: np.ndarray,
                   ridge: float = 1e-2) -> TextDirection:
    """The combination of the probed directions whose change best matches `text` (see module doc)."""
    target = judge.text_target(text)
    d = np.asarray(deltas, dtype=np.float64)
    if d.ndim != 2 or len(d) != len(indices) or not len(d):
        raise ValueError("label the directions first (no probed changes to combine)")
    gram = d @ d.T
    lam = ridge * float(np.trace(gram)) / len(d) + 1e-12
    coef = np.linalg.solve(gram + lam * np.eye(len(d)), d @ target)
    vector = coef @ np.asarray(dirs.vectors[list(indices)], dtype=np.float64)
    norm = float(np.linalg.norm(vector))
    if norm < 1e-12:
        raise ValueError(f"none of these directions changes anything like '{text}'")
    predicted = coef @ d
    fit = float(predicted @ target / max(np.linalg.norm(predicted) * np.linalg.norm(target), 1e-12))
    return TextDirection(" ".join(text.split()), (vector / norm).astype(np.float32), coef / norm, fit)
