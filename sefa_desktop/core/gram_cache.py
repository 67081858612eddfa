"""A named optimisation of SeFa: Gram matrices per W+ row, cached per model.

Because SeFa normalizes A's rows one by one, ÂᵀÂ is the sum over W+ rows of per-row Grams
Gᵢ = ÂᵢᵀÂᵢ. The Gram of all rows comes from one matrix product; each Gᵢ is computed the first time a
selection needs it. A later layer selection is then a sum of d×d matrices — or the full Gram minus the
unselected rows' ones, whichever touches fewer rows — instead of a product over thousands of weight
rows. Grams are kept in float64 so those sums and differences lose nothing that matters.

Entries are kept weakly per model (a closed model frees them) and per compat mode, with a stamp of
the weights they were computed from; when the weights change in place (training, a fine-tune, a
test that edits them), the next look-up sees another stamp and starts afresh. The stamp of a model
that owns torch modules is the identity and version counter of every parameter and buffer (torch
bumps a tensor's version on each in-place change; reading them costs microseconds); any other model
is stamped with a copy of its whole selector matrix, compared element by element.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field
from typing import Any

import torch

# rosinality's closed_form_factorization.py stacks the raw weights: no row normalization.
UNNORMALIZED = {"rosinality"}


def normalized_rows(a: torch.Tensor) -> torch.Tensor:
    """Each row of the (rows × d) selector matrix scaled to unit L2 norm (zero rows stay zero)."""
    a = a.detach().to("cpu", torch.float32)
    return a / a.norm(dim=1, keepdim=True).clamp_min(1e-12)


def selector(model: Any, rows: list[int] | None, compat: str | None) -> torch.Tensor:
    """A = model.selector_weight(rows); compat is passed only when set, so any object with
    selector_weight(layers) can be factorized."""
    a = model.selector_weight(rows) if compat is None else model.selector_weight(rows, compat=compat)
    return a.detach().to("cpu", torch.float32)


def gram(a: torch.Tensor, compat: str | None = None) -> torch.Tensor:
    """ÂᵀÂ (rows normalized unless compat says otherwise), float64."""
    a = a if compat in UNNORMALIZED else normalized_rows(a)
    # torch, not numpy, even though numpy's A.T @ A would run syrk: numpy's BLAS threads keep
    # spinning after the call and then slow torch's eigh down by 3-4× on a 2-core machine.
    return (a.t() @ a).to(torch.float64)


@dataclass
class _Entry:
    stamp: Any  # what the weights were: versions of the model's tensors, or a copy of its selector
    full: torch.Tensor | None = None  # Gram of all rows
    rows: dict[int, torch.Tensor] = field(default_factory=dict)  # Gram of one W+ row


def _versions(model: Any) -> tuple | None:
    """(id, version) of every parameter and buffer of the model's torch modules; None without any."""
    modules = model.modules() if callable(getattr(model, "modules", None)) else []
    stamp = tuple((id(t), t._version) for m in modules for t in (*m.parameters(), *m.buffers()))
    return stamp or None


def _same(stamp: Any, other: Any) -> bool:
    if isinstance(stamp, torch.Tensor) and isinstance(other, torch.Tensor):
        return stamp.shape == other.shape and torch.equal(stamp, other)
    return stamp == other


class GramCache:
    """Per-model, per-compat Grams; `selection(model, rows, compat)` is all SeFa asks of it."""

    def __init__(self) -> None:
        self._entries: weakref.WeakKeyDictionary[Any, dict[str | None, _Entry]] = weakref.WeakKeyDictionary()

    def _entry(self, model: Any, compat: str | None) -> _Entry:
        stamp: Any = _versions(model)
        if stamp is None:
            stamp = selector(model, None, compat)
        try:
            per_model = self._entries.setdefault(model, {})
        except TypeError:  # not weak-referenceable: compute without caching
            return _Entry(stamp)
        entry = per_model.get(compat)
        if entry is None or not _same(entry.stamp, stamp):
            entry = per_model[compat] = _Entry(stamp.clone() if isinstance(stamp, torch.Tensor) else stamp)
        return entry

    def layer(self, model: Any, row: int, compat: str | None = None) -> torch.Tensor:
        """Gᵢ = ÂᵢᵀÂᵢ for one W+ row, float64."""
        return self._row(self._entry(model, compat), model, int(row), compat)

    def _row(self, entry: _Entry, model: Any, row: int, compat: str | None) -> torch.Tensor:
        if row not in entry.rows:
            entry.rows[row] = gram(selector(model, [row], compat), compat)
        return entry.rows[row]

    def selection(self, model: Any, rows: list[int], compat: str | None = None) -> torch.Tensor:
        """ÂᵀÂ over the chosen W+ rows, computing only what is missing."""
        entry = self._entry(model, compat)
        everything = list(range(int(model.num_layers)))
        if rows == everything:
            if entry.full is None:
                entry.full = gram(selector(model, None, compat), compat)
            return entry.full
        others = [r for r in everything if r not in rows]
        if entry.full is not None and len(others) < len(rows):
            total = entry.full.clone()
            for r in others:
                total -= self._row(entry, model, r, compat)
            return total
        total = self._row(entry, model, rows[0], compat).clone()
        for r in rows[1:]:
            total += self._row(entry, model, r, compat)
        return total


GRAMS = GramCache()


def layer_gram(model: Any, row: int, compat: str | None = None) -> torch.Tensor:
    return GRAMS.layer(model, row, compat)


def selection_gram(model: Any, rows: list[int], compat: str | None = None) -> torch.Tensor:
    return GRAMS.selection(model, rows, compat)
