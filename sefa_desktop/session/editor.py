"""The user's editing actions as undoable commands over an EditSession.

Widgets call these (never the session's setters) for what the user does by hand: drag α, add,
remove or reset edits, change seed / ψ / noise, select layers, rename a direction, pin one. Each
records a Command that restores the previous value exactly, so Undo puts the preview back as it was.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import replace

from .edit_session import EditSession
from .history import Command, History
from .state import KEEP, BaseCode, Edit, SeedBase


class SessionEditor:
    def __init__(self, session: EditSession, history: History | None = None) -> None:
        self.session = session
        self.history = history or History()

    # -- edits ----------------------------------------------------------------------------------------
    def _edits_command(self, text: str, after: tuple[Edit, ...], draft: bool = False,
                       merge_key: Hashable | None = None) -> None:
        s = self.session
        before = s.edits
        self.history.push(Command(text, redo=lambda: s.set_edits(after, draft), undo=lambda: s.set_edits(before),
                                  merge_key=merge_key))

    def _with(self, edit: Edit) -> tuple[Edit, ...]:
        edits = self.session.edits
        if any(e.key == edit.key for e in edits):
            return tuple(edit if e.key == edit.key else e for e in edits)
        return edits + (edit,)

    def set_row_alpha(self, row: int, alpha: float, drag: Hashable | None = None, draft: bool = False) -> None:
        """α of a gallery row's edit (added if new). Calls with the same `drag` id are one undo step;
        the last one of a drag comes with draft=False."""
        if self.session.directions is None:
            return
        edit = self.session.edit_for_row(row, alpha)
        self._edits_command("Edit α", self._with(edit), draft, None if drag is None else ("alpha", drag))
        if drag is not None and not draft:
            self.history.close(("alpha", drag))

    def set_alpha(self, key: tuple[int, int], alpha: float, drag: Hashable | None = None,
                  draft: bool = False) -> None:
        """α of an active edit (its slider)."""
        edit = self.session.edit(key)
        if edit is None:
            return
        self._edits_command("Edit α", self._with(edit.with_alpha(alpha)), draft,
                            None if drag is None else ("alpha", drag))
        if drag is not None and not draft:
            self.history.close(("alpha", drag))

    def add_edit(self, edit: Edit) -> None:
        self._edits_command("Add edit", self._with(edit))

    def set_layer_choice(self, key: tuple[int, int], choice: str) -> None:
        edit = self.session.edit(key)
        if edit is not None and edit.layer_choice != choice:
            self._edits_command("Edit rows", self._with(replace(edit, layer_choice=choice)))

    def remove_edit(self, key: tuple[int, int]) -> None:
        if self.session.edit(key) is not None:
            self._edits_command("Remove edit", tuple(e for e in self.session.edits if e.key != key))

    def reset_edits(self) -> None:
        if self.session.edits:
            self._edits_command("Reset edits", ())

    def replace_edits(self, edits: Iterable[Edit], text: str = "Apply edits") -> None:
        self._edits_command(text, tuple(edits))

    # -- sample ---------------------------------------------------------------------------------------
    def _sample_command(self, text: str, base: BaseCode | None = None, psi: float | None = None,
                        noise: str | None = None, class_index: int | None = KEEP) -> None:
        s = self.session
        old = (s.base, s.psi, s.noise, s.class_index)
        new = (base if base is not None else s.base, round(float(psi), 4) if psi is not None else s.psi,
               noise if noise is not None else s.noise,
               s.class_index if class_index is KEEP else None if class_index is None else int(class_index))
        if new == old:
            return
        self.history.push(Command(text, redo=lambda: s.set_sample(*new), undo=lambda: s.set_sample(*old)))

    def set_seed(self, seed: int) -> None:
        self._sample_command("Change seed", base=SeedBase(max(0, int(seed))))

    def set_base(self, base: BaseCode, text: str = "Change base image") -> None:
        self._sample_command(text, base=base)

    def set_psi(self, psi: float) -> None:
        self._sample_command("Change ψ", psi=psi)

    def set_noise(self, noise: str) -> None:
        self._sample_command("Change noise", noise=noise)

    def set_class(self, class_index: int | None) -> None:
        """The class a class-conditional model renders (None: its default). Out of range: ValueError."""
        s = self.session
        if class_index is not None and not 0 <= int(class_index) < int((s.model_info or {}).get("num_classes", 0)):
            raise ValueError(f"class {class_index} is out of range for this model")
        self._sample_command("Change class", class_index=class_index)

    def apply_setup(self, base: BaseCode, psi: float | None, noise: str | None, edits: Iterable[Edit],
                    text: str, class_index: int | None = KEEP) -> None:
        """Sample and edits at once (a preset): one undo step. `class_index` KEEP leaves the class."""
        s = self.session
        old = (s.base, s.psi, s.noise, s.class_index, s.edits)
        new = (base, s.psi if psi is None else round(float(psi), 4), s.noise if noise is None else noise,
               s.class_index if class_index is KEEP else class_index, tuple(edits))

        def put(value: tuple) -> None:
            s.set_sample(*value[:4])
            s.set_edits(value[4])

        self.history.push(Command(text, redo=lambda: put(new), undo=lambda: put(old)))

    # -- directions -----------------------------------------------------------------------------------
    def select_layers(self, rows: Iterable[int]) -> None:
        s = self.session
        old, new = list(s.layers), sorted({int(r) for r in rows})
        if new and new != old:
            self.history.push(Command("Select layers", redo=lambda: s.set_layers(new), undo=lambda: s.set_layers(old)))

    def rename(self, row: int, name: str) -> None:
        s = self.session
        d = s.directions
        if d is None or not 0 <= row < len(d) or d.labels[row] == name.strip():
            return
        set_id, old = d.id, d.labels[row]
        self.history.push(Command("Rename direction", redo=lambda: s.set_label(set_id, row, name),
                                  undo=lambda: s.set_label(set_id, row, old)))

    def set_holds(self, holds: Iterable[tuple[int, int]]) -> None:
        s = self.session
        old, new = s.holds, tuple(holds)
        if new != old:
            self.history.push(Command("Pin directions", redo=lambda: s.set_holds(new), undo=lambda: s.set_holds(old)))

    # -- history --------------------------------------------------------------------------------------
    def undo(self) -> bool:
        return self.history.undo()

    def redo(self) -> bool:
        return self.history.redo()
