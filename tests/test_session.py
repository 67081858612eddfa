"""The edit session without Qt: state, notifications, undo/redo, drag coalescing."""

from __future__ import annotations

import numpy as np
import pytest

from sefa_desktop.session import EditSession, History, LatentBase, SeedBase, SessionEditor
from sefa_desktop.session.state import DIRECTIONS, EDITS, LABELS, LAYERS, MODEL, SAMPLE

INFO = dict(source="fake", name="fake", family="stylegan2", resolution=32, z_dim=4, w_dim=4, num_layers=6,
            edit_space="w", latent_dim=4, layers=[(i, f"row {i}", 4) for i in range(6)], device="cpu")


def _session() -> tuple[EditSession, SessionEditor, list]:
    s = EditSession()
    changes: list = []
    s.subscribe(changes.append)
    s.set_model(INFO, gen=1)
    s.add_direction_set("sefa", np.eye(4, dtype=np.float32), np.arange(4, 0, -1), [0, 1, 2])
    changes.clear()
    return s, SessionEditor(s, History()), changes


def test_model_load_resets_everything_and_notifies():
    s = EditSession()
    seen: list = []
    s.subscribe(seen.append)
    s.set_model(INFO, gen=3)
    assert s.model_gen == 3 and s.layers == list(range(6)) and s.directions is None and s.edits == ()
    assert MODEL in seen[-1].aspects and s.style and s.num_layers == 6


def test_a_drag_is_one_undo_step_and_undo_restores_exactly():
    s, ed, changes = _session()
    for a in (0.1, 0.4, 0.9, 1.3):
        ed.set_row_alpha(2, a, drag="d1", draft=True)
    ed.set_row_alpha(2, 1.5, drag="d1", draft=False)
    assert [(e.key[1], e.alpha) for e in s.edits] == [(2, 1.5)]
    assert all(EDITS in c.aspects for c in changes) and changes[0].draft and not changes[-1].draft
    assert ed.undo() and s.edits == ()
    assert not ed.history.can_undo
    assert ed.redo() and [(e.key[1], e.alpha) for e in s.edits] == [(2, 1.5)]
    # A second drag of the same row is a step of its own.
    ed.set_row_alpha(2, -1.0, drag="d2", draft=True)
    ed.set_row_alpha(2, -2.0, drag="d2")
    ed.undo()
    assert [(e.key[1], e.alpha) for e in s.edits] == [(2, 1.5)]


def test_the_same_drag_id_after_release_starts_a_new_step():
    s, ed, _ = _session()
    ed.set_row_alpha(0, 1.0, drag=7)
    ed.set_row_alpha(0, 2.0, drag=7)  # released above, so not merged
    ed.undo()
    assert s.edits[0].alpha == 1.0


def test_seed_psi_layers_rename_remove_reset_are_undoable():
    s, ed, changes = _session()
    ed.set_seed(5)
    ed.set_psi(0.7)
    ed.select_layers([0, 1])
    ed.set_row_alpha(1, 2.0)
    ed.rename(1, "smile")
    ed.add_edit(s.edit_for_row(3, -1.0))
    ed.remove_edit((s.directions.id, 1))
    ed.reset_edits()
    assert s.edits == () and s.sample() == (5, 0.7, "const") and s.layers == [0, 1]
    assert s.directions.labels[1] == "smile"
    ed.undo()  # reset
    assert [e.key[1] for e in s.edits] == [3]
    ed.undo()  # remove
    assert [(e.key[1], e.name) for e in s.edits] == [(1, "smile"), (3, "direction 3")]
    ed.undo()  # add
    ed.undo()  # rename
    assert s.directions.labels[1] == "" and s.edits[0].name == "direction 1"
    ed.undo()  # α
    ed.undo()  # layers
    assert s.layers == list(range(6))
    ed.undo()  # ψ
    ed.undo()  # seed
    assert s.sample() == (0, 1.0, "const") and s.edits == ()
    assert not ed.undo()
    kinds = set().union(*(c.aspects for c in changes))
    assert {SAMPLE, LAYERS, EDITS, LABELS} <= kinds


def test_no_op_changes_record_nothing():
    s, ed, _ = _session()
    ed.set_seed(0)
    ed.set_psi(1.0)
    ed.select_layers(s.layers)
    ed.reset_edits()
    ed.rename(0, "")
    assert not ed.history.can_undo


def test_a_new_action_clears_redo():
    s, ed, _ = _session()
    ed.set_seed(1)
    ed.undo()
    assert ed.history.can_redo
    ed.set_seed(2)
    assert not ed.history.can_redo and s.seed == 2


def test_new_direction_set_keeps_edits_with_their_own_vectors():
    s, ed, changes = _session()
    ed.set_row_alpha(0, 1.0)
    old_id = s.directions.id
    s.add_direction_set("sefa", -np.eye(4, dtype=np.float32), np.ones(4), [0])
    assert DIRECTIONS in changes[-1].aspects and s.directions.id != old_id
    assert s.row_alphas() == {}  # the edit belongs to the previous set
    assert np.array_equal(s.edits[0].vector, np.eye(4, dtype=np.float32)[0])


def test_latent_base_is_a_value():
    codes = np.ones((6, 4), np.float32)
    a, b = LatentBase("photo.png", codes), LatentBase("photo.png", codes.copy())
    assert a == b and a.key == b.key and a != SeedBase(0)
    with pytest.raises(ValueError):
        a.codes[0, 0] = 2  # read-only: the session's value cannot change behind its back
    s, ed, _ = _session()
    ed.set_base(a)
    assert s.base == a and s.seed == 0
    ed.undo()
    assert s.base == SeedBase(0)


def test_labelled_copy_leaves_the_shared_set_alone():
    from sefa_desktop.core.directions import DirectionSet

    s = EditSession()
    s.set_model(INFO, gen=1)
    shared = DirectionSet(np.eye(3, dtype=np.float32), np.ones(3, np.float32), [0])
    s.add_direction_set("sefa", shared.vectors, shared.values, [0], dirset=shared)
    s.set_label(s.directions.id, 1, "age")
    out = s.directions.labelled()
    assert out.labels == ["", "age", ""] and shared.labels == ["", "", ""]
