"""EditSession: what the user is working on, in plain Python (no Qt).

The model (its description; the model object itself lives with the render worker), the chosen W+
rows, the direction sets, the active edits, pinned directions, per-direction labels, the base code
(a seed or a given latent), ψ, the noise mode, the class of a class-conditional model and the
gallery's α range. Widgets observe it (`subscribe`) and show it; they never hold the truth. Every
setter here notifies and records no history: undoable user actions go through session/editor.py,
which wraps these setters in commands.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

import numpy as np

from .state import (
    AMPLITUDE,
    DIRECTIONS,
    EDITS,
    HOLDS,
    KEEP,
    LABELS,
    LAYERS,
    MODEL,
    SAMPLE,
    BaseCode,
    Change,
    DirectionSetState,
    Edit,
    SeedBase,
)

Observer = Callable[[Change], None]
NOISE_MODES = ("const", "random", "none")


class EditSession:
    def __init__(self) -> None:
        self.model_info: dict[str, Any] | None = None  # the worker's description of the loaded model
        self.model_gen = 0  # which load it came from (requests for another one are stale)
        self.layers: list[int] = []
        self.sets: dict[str, DirectionSetState] = {}  # newest set of each kind
        self.active_kind = ""  # the set the gallery shows
        self.edits: tuple[Edit, ...] = ()
        self.holds: tuple[tuple[int, int], ...] = ()  # (set id, row) of pinned directions
        self.base: BaseCode = SeedBase(0)
        self.psi = 1.0
        self.noise = "const"
        # The class a class-conditional model (BigGAN) renders a seed's sample as; None = the model's
        # default class. A given latent carries its own class in its code and ignores this.
        self.class_index: int | None = None
        self.amplitude = 3.0
        self._next_set_id = 0
        self._observers: list[Observer] = []

    # -- observing ---------------------------------------------------------------------------------
    def subscribe(self, observer: Observer) -> Callable[[], None]:
        """Call `observer(change)` after every change; returns the function that unsubscribes."""
        self._observers.append(observer)
        return lambda: self._observers.remove(observer) if observer in self._observers else None

    def _notify(self, *aspects: str, draft: bool = False) -> None:
        change = Change(frozenset(aspects), draft)
        for observer in list(self._observers):
            observer(change)

    # -- reading -----------------------------------------------------------------------------------
    @property
    def directions(self) -> DirectionSetState | None:
        """The direction set the gallery shows."""
        return self.sets.get(self.active_kind)

    @property
    def style(self) -> bool:
        """Does the model edit W+ rows (style-based) rather than one code?"""
        return self.model_info is not None and self.model_info["edit_space"] == "w"

    @property
    def num_layers(self) -> int:
        return int(self.model_info["num_layers"]) if self.model_info is not None else 0

    @property
    def row_resolutions(self) -> tuple[int, ...] | None:
        """Each W+ row's resolution (what coarse/middle/fine split), None when unknown."""
        layers = (self.model_info or {}).get("layers") or []
        return tuple(int(res) for _, _, res in layers) if len(layers) == self.num_layers else None

    @property
    def seed(self) -> int:
        """The seed of the base code (0 while the base is a given latent)."""
        return self.base.seed if isinstance(self.base, SeedBase) else 0

    def sample(self) -> tuple[int, float, str]:
        return self.seed, self.psi, self.noise

    def edit(self, key: tuple[int, int]) -> Edit | None:
        return next((e for e in self.edits if e.key == key), None)

    def row_alphas(self) -> dict[int, float]:
        """α of each active edit on a row of the shown set (what the gallery's cards display)."""
        d = self.directions
        return {} if d is None else {e.key[1]: e.alpha for e in self.edits if e.key[0] == d.id}

    def edit_for_row(self, row: int, alpha: float) -> Edit:
        """The edit a gallery row gets at `alpha`: the existing one's, else a new one."""
        d = self.directions
        assert d is not None
        existing = self.edit((d.id, row))
        if existing is not None:
            return existing.with_alpha(alpha)
        return Edit((d.id, row), d.name(row), np.array(d.vectors[row], np.float32), float(alpha), tuple(d.layers))

    def held_vectors(self) -> list[np.ndarray]:
        out = []
        for set_id, row in self.holds:
            d = next((s for s in self.sets.values() if s.id == set_id), None)
            if d is not None and 0 <= row < len(d):
                out.append(np.asarray(d.vectors[row], np.float32))
        return out

    # -- changing (no history) ------------------------------------------------------------------------
    def set_model(self, info: dict[str, Any], gen: int) -> None:
        """A model was loaded: everything that belonged to the previous one goes."""
        self.model_info, self.model_gen = dict(info), int(gen)
        self.layers = list(range(int(info["num_layers"])))
        self.sets.clear()
        self.active_kind = ""
        self.edits = ()
        self.holds = ()
        self.class_index = None  # class indices mean nothing to another model
        self._notify(MODEL, LAYERS, DIRECTIONS, EDITS, HOLDS, SAMPLE)

    def set_layers(self, rows: Iterable[int]) -> None:
        rows = sorted({int(r) for r in rows})
        if rows != self.layers:
            self.layers = rows
            self._notify(LAYERS)

    def add_direction_set(self, kind: str, vectors: np.ndarray, values: np.ndarray, layers: Iterable[int],
                          labels: Iterable[str] = (), source: str = "", dirset: Any = None,
                          model_gen: int | None = None) -> DirectionSetState:
        """Add a set (replacing the previous one of its kind) and show it."""
        self._next_set_id += 1
        vectors = np.asarray(vectors, np.float32)
        labels = list(labels)[: len(vectors)]
        state = DirectionSetState(
            id=self._next_set_id, kind=kind, vectors=vectors, values=np.asarray(values, np.float32),
            layers=[int(r) for r in layers], labels=tuple(labels + [""] * (len(vectors) - len(labels))),
            model_gen=self.model_gen if model_gen is None else int(model_gen), source=source, dirset=dirset)
        self.sets[kind] = state
        self.active_kind = kind
        self._notify(DIRECTIONS)
        return state

    def show_set(self, kind: str) -> None:
        """Show another set the session holds (e.g. back from region directions to the global ones)."""
        if kind in self.sets and kind != self.active_kind:
            self.active_kind = kind
            self._notify(DIRECTIONS)

    def append_directions(self, vectors: np.ndarray, labels: Iterable[str], values: np.ndarray | None = None,
                          kind: str | None = None) -> DirectionSetState:
        """New cards at the end of a set (the shown one by default): a text direction, a boundary from
        marks. The set keeps its id, so edits and pins of its other rows stay as they are."""
        from ..core.directions import DirectionSet

        d = self.sets.get(kind or self.active_kind)
        if d is None:
            raise ValueError("no direction set to add to")
        vectors = np.asarray(vectors, np.float32).reshape(-1, d.vectors.shape[1])
        labels = list(labels)[: len(vectors)]
        labels += [""] * (len(vectors) - len(labels))
        values = np.zeros(len(vectors), np.float32) if values is None else np.asarray(values, np.float32)
        all_vectors = np.concatenate([d.vectors, vectors])
        all_values = np.concatenate([d.values, values])
        all_labels = tuple(d.labels) + tuple(labels)
        old = d.dirset
        dirset = DirectionSet(all_vectors, all_values, d.layers, labels=list(all_labels),
                              **({} if old is None else dict(method=old.method, model_name=old.model_name,
                                                             model_family=old.model_family,
                                                             model_fingerprint=old.model_fingerprint)))
        state = replace(d, vectors=all_vectors, values=all_values, labels=all_labels, dirset=dirset)
        self.sets[d.kind] = state
        self._notify(DIRECTIONS)
        return state

    def set_label(self, set_id: int, row: int, name: str) -> None:
        """Rename a direction: its card and every active edit of it."""
        name = name.strip()
        for kind, d in self.sets.items():
            if d.id == set_id and 0 <= row < len(d):
                labels = list(d.labels)
                labels[row] = name
                self.sets[kind] = replace(d, labels=tuple(labels))
        self.edits = tuple(replace(e, name=name or f"direction {row}") if e.key == (set_id, row) else e
                           for e in self.edits)
        self._notify(LABELS, EDITS)

    def set_edits(self, edits: Iterable[Edit], draft: bool = False) -> None:
        self.edits = tuple(edits)
        self._notify(EDITS, draft=draft)

    def put_edit(self, edit: Edit, draft: bool = False) -> None:
        """Add `edit`, or replace the one with its key (keeping its place)."""
        if any(e.key == edit.key for e in self.edits):
            self.set_edits((edit if e.key == edit.key else e for e in self.edits), draft)
        else:
            self.set_edits(self.edits + (edit,), draft)

    def set_holds(self, holds: Iterable[tuple[int, int]]) -> None:
        self.holds = tuple((int(s), int(r)) for s, r in holds)
        self._notify(HOLDS)

    @property
    def class_conditional(self) -> bool:
        """Can the user choose the class the model renders (BigGAN)?"""
        return bool((self.model_info or {}).get("class_conditional"))

    @property
    def effective_class(self) -> int | None:
        """The class the model renders a seed as (the chosen one, else its default); None: no classes."""
        if not self.class_conditional:
            return None
        return self.class_index if self.class_index is not None else int(self.model_info.get("default_class", 0))

    def class_text(self) -> str:
        """"207: golden retriever" for the class a seed renders as; "" for a model without classes."""
        from ..models.classes import class_label

        c = self.effective_class
        return "" if c is None else class_label(c, (self.model_info or {}).get("class_names") or [])

    def set_sample(self, base: BaseCode | None = None, psi: float | None = None, noise: str | None = None,
                   class_index: int | None = KEEP) -> None:
        """Change any of the sample's values (None: unchanged; for `class_index` None is the model's
        default class and KEEP leaves it unchanged)."""
        changed = False
        if class_index is not KEEP:
            class_index = None if class_index is None else int(class_index)
            if class_index is not None and not 0 <= class_index < int((self.model_info or {}).get("num_classes", 0)):
                raise ValueError(f"class {class_index} is out of range for this model")
            if class_index != self.class_index:
                self.class_index, changed = class_index, True
        if base is not None and base != self.base:
            self.base, changed = base, True
        if psi is not None and round(float(psi), 4) != self.psi:
            self.psi, changed = round(float(psi), 4), True
        if noise is not None and noise != self.noise:
            if noise not in NOISE_MODES:
                raise ValueError(f"noise mode must be one of {NOISE_MODES}, not {noise!r}")
            self.noise, changed = noise, True
        if changed:
            self._notify(SAMPLE)

    def set_amplitude(self, amplitude: float) -> None:
        if float(amplitude) != self.amplitude:
            self.amplitude = float(amplitude)
            self._notify(AMPLITUDE)
