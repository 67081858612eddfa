"""Directions with meaning in the app: automatic labels on the cards, text → a new card, pinned cards,
and the comparison of two sets. A thin controller over core/labelling.py; long work runs in the
background (gui/meaning_jobs.py) with progress and Cancel.

- Directions ▸ Label Directions (Ctrl+L): the first LABEL_TOP cards get their top-3 labels, judged by
  the model's own predictors (the demo model) or by CLIP (the catalogue's ViT-B/32, once downloaded);
  click a label on a card to take it as the card's name.
- The search box under the gallery header: type "smile" and press Enter → a card named after the text
  (the combination of the labelled directions whose change best matches it).
- Directions ▸ Pin Card (Ctrl+P): every other edit is orthogonalised against the pinned cards.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QHBoxLayout, QLineEdit, QMainWindow, QMenu, QVBoxLayout, QWidget

from ..core.directions import DirectionSet
from ..session import EditSession, SessionEditor
from ..session.state import DIRECTIONS, HOLDS, LABELS, MODEL, Change, DirectionSetState
from .gallery import DirectionGallery
from .job_bar import JobBar
from .jobs import JobCancelled, ModelCopy, Progress
from .meaning_jobs import MeaningJobs
from .window_menus import add_action

if TYPE_CHECKING:  # torch: loaded by the jobs, not at import
    from ..core.labelling import Judge, Label, TextDirection
    from ..models.base import BaseGanModel

LABEL_TOP = 20  # cards labelled per run (each costs 2 × seeds renders plus the judge)
LABEL_SEEDS = tuple(range(8))
CLIP_MISSING = ("CLIP weights are not downloaded: open the Catalogue tab and download clip-vit-b-32-laion2b "
                "(or run: sefa-desktop download clip-vit-b-32-laion2b)")


@dataclass
class Probe:
    """What a labelling run found for one direction set (by session set id)."""

    indices: list[int]
    deltas: np.ndarray
    judge: Judge
    labels: list[list[Label]]  # top 3 per index


def default_judge(model: BaseGanModel) -> Judge:
    """The model's predictors when it ships them, else CLIP with the model's vocabulary."""
    from ..demo.labels import predictor_judge, ships_predictors

    if ships_predictors(model):
        return predictor_judge()
    from ..core.labelling import ClipJudge
    from ..core.vocabulary import load_vocabulary
    from ..models.clip import default_clip_path, load_clip
    from ..settings import config_dir

    path = default_clip_path()
    if path is None or not path.is_file():
        raise ValueError(CLIP_MISSING)
    vocab = load_vocabulary(config_dir() / "vocabularies", model.name, model.fingerprint)
    return ClipJudge(load_clip(path, device=str(getattr(model, "device", "cpu"))), vocab)


def dirset_of(state: DirectionSetState) -> DirectionSet:
    return DirectionSet(state.vectors, state.values, list(state.layers), labels=list(state.labels))


class LabelsHost(Protocol):
    """What the labels controller needs of the window, and nothing more."""

    session: EditSession
    editor: SessionEditor
    gallery: DirectionGallery
    presets_menu: QMenu  # the Directions menu goes before it

    def show_error(self, message: str) -> None: ...
    def show_status(self, message: str, ms: int = 5000) -> None: ...
    def model_copy(self) -> ModelCopy: ...
    def current_row(self) -> int: ...


class LabelsController(QObject):
    def __init__(self, host: LabelsHost, window: QMainWindow) -> None:
        super().__init__(window)
        self.host = host
        self.window = window  # owner of the menu, the actions and the dialogs
        self.session = host.session
        self.editor = host.editor
        self.gallery = host.gallery
        # a function model → judge; tests put a tiny CLIP here
        self.judge_factory: Callable[[BaseGanModel], Judge] = default_judge
        self.probes: dict[int, Probe] = {}

        bar = QWidget(self.gallery)
        bar.setObjectName("meaningBar")
        self.search = QLineEdit(bar)
        self.search.setObjectName("textSearch")
        self.search.setPlaceholderText("Find a direction from text: smile, older, sunglasses… (Enter adds a card)")
        self.search.setClearButtonEnabled(True)
        self.search.returnPressed.connect(lambda: self.search_text(self.search.text()))
        self.job_bar = JobBar(bar)
        lay = QVBoxLayout(bar)
        lay.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.setContentsMargins(12, 2, 12, 4)
        row.addWidget(self.search)
        lay.addLayout(row)
        lay.addWidget(self.job_bar)
        self.gallery.layout().insertWidget(1, bar)
        self.jobs = MeaningJobs(self.job_bar, host.model_copy, self)
        self.jobs.failed.connect(host.show_error)

        menu = self.menu = window.menuBar().addMenu("&Directions")
        window.menuBar().insertMenu(host.presets_menu.menuAction(), menu)
        self.label_action = add_action(window, menu, "&Label Directions", self.label_directions, "Ctrl+L")
        add_action(window, menu, "&Find Direction from Text…", self.focus_search, "Ctrl+F")
        add_action(window, menu, "Edit &Vocabulary…", self.edit_vocabulary)
        menu.addSeparator()
        self.pin_action = add_action(window, menu, "&Pin Card (hold it fixed)", lambda: self.toggle_pin(), "Ctrl+P")
        add_action(window, menu, "&Unpin All", self.unpin_all)
        menu.addSeparator()
        add_action(window, menu, "&Compare Sets…", self.compare_sets)

        self.gallery.suggestionClicked.connect(self.accept_suggestion)
        self.session.subscribe(self._on_change)

    # -- labels --------------------------------------------------------------------------------------------
    def label_directions(self) -> bool:
        d = self.session.directions
        if d is None or self.session.model_info is None:
            self.host.show_status("Open a model first")
            return False
        set_id, dirs = d.id, dirset_of(d)
        indices = list(range(min(len(d), LABEL_TOP)))
        psi, class_index = self.session.psi, self.session.class_index
        out: dict[str, Probe] = {}

        def job(progress: Progress) -> str:
            probe = out["probe"] = self._probe(dirs, indices, psi, progress, class_index)
            return f"labelled {len(indices)} directions with {probe.judge.name}"

        def done() -> None:
            self.probes[set_id] = out["probe"]
            self._show_suggestions()
            self.host.show_status(self.jobs.last_message + " · click a label to name the card")

        return self._start(f"Labelling {len(indices)} directions…", job, done)

    def _probe(self, dirs: DirectionSet, indices: list[int], psi: float, progress: Progress,
               class_index: int | None = None) -> Probe:
        """Labels and image changes of `indices` (call from a job: renders with the job's model copy)."""
        from ..core.labelling import LabellingCancelled, label_directions

        model = self.jobs.model()
        judge = self.judge_factory(model)
        try:
            labels, deltas = label_directions(model, dirs, indices, judge, seeds=LABEL_SEEDS, truncation_psi=psi,
                                              progress=progress, cancel=self.jobs.runner.cancel_event,
                                              class_index=class_index)  # the class on show (BigGAN)
        except LabellingCancelled:
            raise JobCancelled from None
        return Probe(indices, deltas, judge, labels)

    def _start(self, text: str, job: Callable[[Progress], str], done: Callable[[], None]) -> bool:
        if not self.jobs.start(text, job, done):
            self.host.show_status("Another direction job is running: wait for it or press Cancel")
            return False
        return True

    def suggestions(self, row: int) -> list[Label]:
        d = self.session.directions
        probe = None if d is None else self.probes.get(d.id)
        if probe is None or row not in probe.indices:
            return []
        return probe.labels[probe.indices.index(row)]

    def _show_suggestions(self) -> None:
        d = self.session.directions
        probe = None if d is None else self.probes.get(d.id)
        texts = {} if probe is None else {i: [lab.display() for lab in row]
                                          for i, row in zip(probe.indices, probe.labels, strict=True)}
        self.gallery.model.set_suggestions(texts)

    def accept_suggestion(self, row: int, i: int) -> None:
        labels = self.suggestions(row)
        if 0 <= i < len(labels):
            self.editor.rename(row, labels[i].text)
            self.host.show_status(f"Direction {row} is now '{labels[i].text}'")

    # -- text → direction ------------------------------------------------------------------------------------
    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def search_text(self, text: str) -> bool:
        text = " ".join(text.split())
        d = self.session.directions
        if not text or d is None:
            return False
        set_id, dirs = d.id, dirset_of(d)
        cached = self.probes.get(set_id)
        indices = cached.indices if cached else list(range(min(len(d), LABEL_TOP)))
        psi, class_index = self.session.psi, self.session.class_index
        out: dict[str, Probe | TextDirection] = {}

        def job(progress: Progress) -> str:
            from ..core.labelling import text_direction

            probe = cached
            if probe is None:
                probe = out["probe"] = self._probe(dirs, indices, psi, progress, class_index)
            found = text_direction(text, probe.judge, dirs, probe.indices, probe.deltas)
            out["found"] = found
            return f"'{found.text}': a combination of {len(probe.indices)} directions (fit {found.fit:.2f})"

        def done() -> None:
            if "probe" in out:
                self.probes[set_id] = out["probe"]
            current = self.session.directions
            if current is None or current.id != set_id:
                return  # the set changed meanwhile: the result belongs to another one
            found = out["found"]
            self.session.append_directions(found.vector[None], [found.text])
            self._show_suggestions()
            row = len(self.session.directions) - 1
            self.gallery.view.setCurrentIndex(self.gallery.model.index(row))
            self.gallery.view.scrollTo(self.gallery.model.index(row))
            self.host.show_status(f"Added card #{row}: {self.jobs.last_message}")

        return self._start(f"Finding '{text}'…", job, done)

    # -- pins ------------------------------------------------------------------------------------------------
    def toggle_pin(self, row: int | None = None) -> None:
        d = self.session.directions
        if d is None:
            return
        row = self.host.current_row() if row is None else row
        if not 0 <= row < len(d):
            return
        key = (d.id, row)
        holds = [h for h in self.session.holds if h != key]
        if len(holds) == len(self.session.holds):
            holds.append(key)
        self.editor.set_holds(holds)
        pinned = key in holds
        self.host.show_status(f"Direction {row} {'pinned: other edits keep it fixed' if pinned else 'unpinned'}")

    def unpin_all(self) -> None:
        self.editor.set_holds(())

    def _show_pins(self) -> None:
        d = self.session.directions
        self.gallery.model.set_pinned(set() if d is None else {r for s, r in self.session.holds if s == d.id})

    # -- vocabulary and comparison -----------------------------------------------------------------------------
    def edit_vocabulary(self) -> None:
        if self.session.model_info is None:
            return
        out: dict[str, tuple[str, str]] = {}

        def job(progress: Progress) -> str:
            model = self.jobs.model()
            out["key"] = (model.name, model.fingerprint)
            return ""

        def done() -> None:
            from .vocabulary_dialog import VocabularyDialog

            dialog = VocabularyDialog(*out["key"], parent=self.window)
            self.vocabulary_dialog = dialog
            dialog.open()

        self._start("Opening the vocabulary…", job, done)

    def compare_sets(self) -> None:
        from .compare_view import CompareDialog

        dialog = CompareDialog(self.session, parent=self.window)
        self.compare_dialog = dialog
        dialog.open()

    # -- session → cards ---------------------------------------------------------------------------------------
    def _on_change(self, change: Change) -> None:
        a = change.aspects
        if MODEL in a:
            self.jobs.cancel_and_wait()
            self.jobs.forget_model()
            self.probes.clear()
        if a & {MODEL, DIRECTIONS, LABELS}:
            self._show_suggestions()
        if a & {MODEL, DIRECTIONS, HOLDS}:
            self._show_pins()

    def shutdown(self) -> None:
        self.jobs.cancel_and_wait()
