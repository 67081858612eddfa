"""Supervised directions from a few clicks: mark samples positive (+) or negative (−) for an attribute;
with ≥ MIN_MARKS marks of both kinds a linear boundary in the model's edit space (core/boundary.py,
InterFaceGAN's linear SVM) becomes a new card.

What a mark is: the image under the pointer when + or − is pressed, i.e. a gallery thumbnail (the
sample moved along that card's direction by the thumbnail's α) when the pointer rests on one, else the
preview (the sample with every active edit). Its code in the edit space: the base code's w (one W+ row:
all rows are equal for a seed; a projected W+ latent is averaged over rows) or z, plus Σ α·n over the
edits it shows, pins applied as in the render. The first time ten marks of both kinds are there, the
boundary card is added by itself; Boundary from Marks (Ctrl+B) adds an updated one later.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QObject, QPoint, Qt
from PySide6.QtGui import QCursor, QKeySequence
from PySide6.QtWidgets import (
    QDockWidget,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..session import EditSession
from ..session.state import MODEL, Change, LatentBase, SeedBase
from .edit_vectors import held_direction
from .gallery import DirectionGallery
from .jobs import Progress
from .meaning_jobs import MeaningJobs
from .window_menus import add_action

if TYPE_CHECKING:  # torch: loaded by the jobs, not at import
    from ..core.boundary import BoundaryFit
    from ..models.base import BaseGanModel

MIN_MARKS = 10


@dataclass(frozen=True)
class Mark:
    label: int  # 1 positive, 0 negative
    base: SeedBase | LatentBase
    psi: float
    moves: tuple[tuple[np.ndarray, float], ...]  # (unit direction as rendered, α)
    what: str


def held(vector: np.ndarray, holds: list[np.ndarray]) -> np.ndarray:
    """The direction as the render moves along it with these pins (gui/worker.py does the same)."""
    return np.asarray(held_direction(np.asarray(vector, np.float32), tuple(holds)), np.float32)


def mark_codes(model: BaseGanModel, marks: list[Mark]) -> np.ndarray:
    """(n, latent_dim) edit-space codes of the marked images."""
    import torch

    dim = int(model.latent_dim)
    out = []
    for m in marks:
        if isinstance(m.base, SeedBase):
            with torch.inference_mode():
                code = model.codes(model.sample_z(1, seed=m.base.seed), truncation_psi=m.psi)[0]
            code = code.to("cpu", torch.float64).numpy()
        else:
            code = np.asarray(m.base.codes, np.float64)
        code = code.mean(axis=0) if code.ndim == 2 else code[:dim]  # W+ rows → w; [z, class] → z
        for vector, alpha in m.moves:
            code = code + alpha * np.asarray(vector, np.float64)[:dim]
        out.append(code)
    return np.stack(out)


class MarksHost(Protocol):
    """What the marks controller needs of the window, and nothing more."""

    session: EditSession
    gallery: DirectionGallery
    preview_dock: QDockWidget  # the Marks dock goes below it

    def show_status(self, message: str, ms: int = 5000) -> None: ...
    def add_dock(self, dock: QDockWidget, below: QDockWidget | None = None) -> None: ...


class MarksController(QObject):
    def __init__(self, host: MarksHost, jobs: MeaningJobs, menu: QMenu, window: QMainWindow) -> None:
        super().__init__(window)
        self.host = host
        self.session = host.session
        self.gallery = host.gallery
        self.jobs = jobs
        self.marks: list[Mark] = []
        self.auto_done = False  # the automatic card for the first ten marks was made

        panel = QWidget()
        self.count = QLabel("")
        self.count.setObjectName("marksCount")
        self.count.setWordWrap(True)
        self.list = QListWidget()
        self.list.setMinimumHeight(44)  # two rows; a short window gives its height to the preview above
        self.name = QLineEdit()
        self.name.setPlaceholderText("attribute name (e.g. smiling)")
        self.fit_button = QPushButton("Boundary from Marks")
        self.fit_button.clicked.connect(self.fit_boundary)
        clear = QPushButton("Clear")
        clear.clicked.connect(self.clear)
        buttons = QHBoxLayout()
        buttons.addWidget(self.fit_button)
        buttons.addWidget(clear)
        lay = QVBoxLayout(panel)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.addWidget(self.count)
        lay.addWidget(self.name)
        lay.addWidget(self.list, 1)
        lay.addLayout(buttons)
        self.dock = QDockWidget("Marks", window)
        self.dock.setObjectName("marksDock")
        self.dock.setWidget(panel)
        host.add_dock(self.dock, below=host.preview_dock)

        menu.addSeparator()
        plus = add_action(window, menu, "Mark &Positive", lambda: self.mark_under_pointer(1))
        plus.setShortcuts([QKeySequence(Qt.Key.Key_Plus), QKeySequence(Qt.Key.Key_Equal)])  # = is + unshifted
        minus = add_action(window, menu, "Mark &Negative", lambda: self.mark_under_pointer(0))
        minus.setShortcuts([QKeySequence(Qt.Key.Key_Minus)])
        add_action(window, menu, "&Boundary from Marks", self.fit_boundary, "Ctrl+B")
        add_action(window, menu, "Clear &Marks", self.clear)
        self.session.subscribe(self._on_change)
        self._update()

    # -- marking ---------------------------------------------------------------------------------------------
    def thumbnail_under(self, pos: QPoint) -> tuple[int, float] | None:
        """(row, α) of the gallery thumbnail at `pos` (viewport coordinates), if any."""
        index = self.gallery.view.indexAt(pos)
        if not index.isValid():
            return None
        alpha = self.gallery.thumb_alpha_at(index, pos)
        return None if alpha is None else (index.row(), alpha)

    def mark_under_pointer(self, label: int) -> None:
        vp = self.gallery.view.viewport()
        pos = vp.mapFromGlobal(QCursor.pos())
        hit = self.thumbnail_under(pos) if vp.rect().contains(pos) and vp.isVisible() else None
        if hit is not None:
            self.mark_thumbnail(hit[0], hit[1], label)
        else:
            self.mark_preview(label)

    def mark_preview(self, label: int) -> Mark | None:
        s = self.session
        if s.model_info is None:
            return None
        holds = s.held_vectors()
        moves = tuple((held(e.vector, holds), float(e.alpha)) for e in s.edits if e.alpha)
        what = f"preview ({s.base.label}" + (f", {len(moves)} edits)" if moves else ")")
        return self._add(Mark(int(label), s.base, s.psi, moves, what))

    def mark_thumbnail(self, row: int, alpha: float, label: int) -> Mark | None:
        s = self.session
        d = s.directions
        if d is None or not 0 <= row < len(d):
            return None
        moves = ((held(d.vectors[row], s.held_vectors()), float(alpha)),) if alpha else ()
        return self._add(Mark(int(label), s.base, s.psi, moves, f"{s.base.label}, #{row} α {alpha:+.1f}"))

    def _add(self, mark: Mark) -> Mark:
        self.marks.append(mark)
        self.list.addItem(f"{'+' if mark.label else '−'}  {mark.what}")
        self.list.scrollToBottom()
        self._update()
        pos, neg = self.counts()
        self.host.show_status(f"Marked {'positive' if mark.label else 'negative'}: {pos}+ / {neg}−")
        if not self.auto_done and self.ready():
            self.auto_done = True
            self.fit_boundary()
        return mark

    def counts(self) -> tuple[int, int]:
        pos = sum(m.label for m in self.marks)
        return pos, len(self.marks) - pos

    def ready(self) -> bool:
        pos, neg = self.counts()
        return pos + neg >= MIN_MARKS and pos > 0 and neg > 0

    def clear(self) -> None:
        self.marks.clear()
        self.list.clear()
        self.auto_done = False
        self._update()

    def _update(self) -> None:
        pos, neg = self.counts()
        need = max(0, MIN_MARKS - pos - neg)
        hint = (f"{need} more (both kinds) for a boundary" if not self.ready() else
                "ready: Boundary from Marks adds a card")
        self.count.setText(f"<b>{pos}</b> positive · <b>{neg}</b> negative — {hint}. Press + or − over the "
                           "preview or a thumbnail.")
        self.fit_button.setEnabled(self.ready())

    # -- the boundary ------------------------------------------------------------------------------------------
    def fit_boundary(self) -> bool:
        if not self.ready():
            self.host.show_status(f"Mark at least {MIN_MARKS} samples, positive and negative, first")
            return False
        if self.session.directions is None:
            return False
        marks = list(self.marks)
        name = self.name.text().strip() or "marked attribute"
        out: dict[str, BoundaryFit] = {}

        def job(progress: Progress) -> str:
            from ..core.boundary import fit_boundary

            model = self.jobs.model()
            progress(0, 2)
            codes = mark_codes(model, marks)
            progress(1, 2)
            fit = fit_boundary(codes, np.array([m.label for m in marks], float), "svm")
            out["fit"] = fit
            return f"boundary '{name}' from {fit.samples} marks (training accuracy {fit.score:.2f})"

        def done() -> None:
            fit = out["fit"]
            if self.session.directions is None:
                return
            d = self.session.append_directions(fit.vector[None], [name])
            row = len(d) - 1
            self.gallery.view.setCurrentIndex(self.gallery.model.index(row))
            self.gallery.view.scrollTo(self.gallery.model.index(row))
            self.host.show_status(f"Added card #{row}: {self.jobs.last_message}")

        if not self.jobs.start(f"Fitting a boundary to {len(marks)} marks…", job, done):
            self.host.show_status("Another direction job is running: wait for it or press Cancel")
            return False
        return True

    def _on_change(self, change: Change) -> None:
        if MODEL in change.aspects:
            self.clear()

