"""The region tool on the preview: paint an area (rectangle, brush, eraser), "Find directions here"
runs core/region.py in the background (progress and Cancel in the gallery's job bar, a model copy of
its own), and the result is a direction set of kind "region" in the gallery. While it is shown, the
region is drawn faintly over the preview; one click goes back to the global (SeFa) set.

The tool's row sits under the preview image and the overlay on top of it; preview.py itself is not
changed (`install_region_tool` inserts both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

import numpy as np
from PySide6.QtCore import QEvent, QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPen
from PySide6.QtWidgets import (
    QButtonGroup,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ..session import EditSession
from ..session.state import DIRECTIONS, MODEL, Change
from .edit_vectors import fit_to_code, held_direction
from .jobs import JobCancelled, Progress
from .labels_controller import LabelsController
from .meaning_jobs import MeaningJobs
from .preview import PreviewPane
from .region_mask import RegionMask
from .render_client import RenderClient

if TYPE_CHECKING:  # torch: loaded by the job, not at import
    from ..core.directions import DirectionSet

KIND = "region"
TOP_K = 10
PAINT = QColor(255, 64, 200)
TOOLS = ("rect", "brush", "eraser")


def image_box(widget: QWidget) -> QRectF:
    """Where ImageView draws the (square) image: centred, the widget's shorter side less 2 px."""
    side = min(widget.width(), widget.height()) - 2
    return QRectF((widget.width() - side) / 2, (widget.height() - side) / 2, side, side)


def _mask_image(cells: np.ndarray, alpha: int) -> QImage:
    rgba = np.zeros(cells.shape + (4,), np.uint8)
    rgba[cells] = (PAINT.red(), PAINT.green(), PAINT.blue(), alpha)
    img = QImage(rgba.data, cells.shape[1], cells.shape[0], 4 * cells.shape[1], QImage.Format.Format_RGBA8888)
    return img.copy()  # own the pixels: `rgba` goes away


class RegionOverlay(QWidget):
    """Transparent layer over the preview image: shows the painted mask while a tool is active (and the
    shown region set's region faintly otherwise) and turns the pointer into paint."""

    def __init__(self, image_view: QWidget, mask: RegionMask) -> None:
        super().__init__(image_view)
        self.setObjectName("regionOverlay")
        self.mask = mask
        self.tool = ""  # "", "rect", "brush" or "eraser"
        self.radius = 0.05  # brush radius, a fraction of the image side
        self.shown: np.ndarray | None = None  # the region of the set on show (cells), drawn faintly
        self._last: tuple[float, float] | None = None
        self._drag: tuple[tuple[float, float], tuple[float, float]] | None = None
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, True)
        self.setGeometry(image_view.rect())
        image_view.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        if obj is self.parent() and event.type() == QEvent.Type.Resize:
            self.setGeometry(self.parentWidget().rect())
        return False

    def set_tool(self, tool: str) -> None:
        self.tool = tool
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents, not tool)
        self.setCursor(Qt.CursorShape.CrossCursor if tool else Qt.CursorShape.ArrowCursor)
        self.update()

    def set_shown(self, cells: np.ndarray | None) -> None:
        self.shown = cells
        self.update()

    def to_fraction(self, pos: QPointF) -> tuple[float, float]:
        box = image_box(self)
        x = (pos.x() - box.left()) / max(box.width(), 1.0)
        y = (pos.y() - box.top()) / max(box.height(), 1.0)
        return min(max(x, 0.0), 1.0), min(max(y, 0.0), 1.0)

    # -- painting with the pointer ---------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self.tool or event.button() != Qt.MouseButton.LeftButton:
            return
        p = self.to_fraction(event.position())
        if self.tool == "rect":
            self._drag = (p, p)
        else:
            self.mask.stroke(*p, *p, self.radius, self.tool == "brush")
            self._last = p
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if not self.tool or not event.buttons() & Qt.MouseButton.LeftButton:
            return
        p = self.to_fraction(event.position())
        if self.tool == "rect" and self._drag is not None:
            self._drag = (self._drag[0], p)
        elif self._last is not None:
            self.mask.stroke(*self._last, *p, self.radius, self.tool == "brush")
            self._last = p
        self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self.tool == "rect" and self._drag is not None:
            (x0, y0), _ = self._drag
            x1, y1 = self.to_fraction(event.position())
            self.mask.rect(x0, y0, x1, y1)
        self._drag, self._last = None, None
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        cells = self.mask.cells if self.tool else self.shown
        if cells is None and self._drag is None:
            return
        p = QPainter(self)
        box = image_box(self)
        if cells is not None and cells.any():
            p.drawImage(box, _mask_image(cells, 110 if self.tool else 55))
        if self._drag is not None:
            (x0, y0), (x1, y1) = self._drag
            p.setPen(QPen(PAINT, 1.5, Qt.PenStyle.DashLine))
            p.drawRect(QRectF(box.left() + min(x0, x1) * box.width(), box.top() + min(y0, y1) * box.height(),
                              abs(x1 - x0) * box.width(), abs(y1 - y0) * box.height()))


class RegionHost(Protocol):
    """What the region tool needs of the window, and nothing more."""

    session: EditSession
    preview: PreviewPane  # the tool row goes under its image, the overlay over it
    render: RenderClient  # the sample on show

    def show_error(self, message: str) -> None: ...
    def show_status(self, message: str, ms: int = 5000) -> None: ...


class RegionWindow(RegionHost, Protocol):
    labels: LabelsController  # its jobs: one background job at a time, one model copy, the gallery's bar


class RegionController(QObject):
    """The tool row, the overlay and the background job that turns the painted region into a set."""

    def __init__(self, host: RegionHost, jobs: MeaningJobs, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.host = host
        self.session = host.session
        self.jobs = jobs
        self.mask = RegionMask()
        self.overlay = RegionOverlay(host.preview.image, self.mask)

        bar = self.bar = QWidget(host.preview)
        bar.setObjectName("regionBar")
        # Two rows (tools, then actions): in one row the bar set the Preview pane's minimum width to
        # 528 px, too wide for a 1000-px window.
        rows = QVBoxLayout(bar)
        rows.setContentsMargins(0, 0, 0, 0)
        rows.setSpacing(4)
        row = QHBoxLayout()
        row.setSpacing(4)
        actions = QHBoxLayout()
        actions.setSpacing(4)
        rows.addLayout(row)
        rows.addLayout(actions)
        row.addWidget(QLabel("Region", bar))
        self.tool_buttons: dict[str, QToolButton] = {}
        self.group = QButtonGroup(bar)
        self.group.setExclusive(False)  # a second click on the active tool puts it down
        for tool, text, tip in (("rect", "▭", "Rectangle: drag over the preview to add a box to the region"),
                                ("brush", "●", "Brush: paint the region on the preview"),
                                ("eraser", "◌", "Eraser: remove painted parts of the region")):
            b = QToolButton(bar)
            b.setObjectName(f"region_{tool}")
            b.setText(text)
            b.setToolTip(tip)
            b.setCheckable(True)
            b.toggled.connect(lambda on, t=tool: self._on_tool(t, on))
            self.group.addButton(b)
            self.tool_buttons[tool] = b
            row.addWidget(b)
        self.size = QSpinBox(bar)
        self.size.setObjectName("regionBrushSize")
        self.size.setRange(1, 30)
        self.size.setValue(5)
        self.size.setSuffix(" %")
        self.size.setToolTip("Brush and eraser radius, in % of the image side")
        self.size.valueChanged.connect(lambda v: setattr(self.overlay, "radius", v / 100))
        row.addWidget(self.size)
        self.clear_btn = QToolButton(bar)
        self.clear_btn.setText("Clear")
        self.clear_btn.setToolTip("Remove the whole painted region")
        self.clear_btn.clicked.connect(self.clear)
        row.addWidget(self.clear_btn)
        row.addStretch(1)
        actions.addStretch(1)
        self.find_btn = QPushButton("Find directions here", bar)
        self.find_btn.setObjectName("findRegionDirections")
        self.find_btn.setToolTip("Directions that change the painted region and leave the rest alone "
                                 "(Jacobian-based, at the current image; runs in the background)")
        self.find_btn.clicked.connect(self.find_directions)
        actions.addWidget(self.find_btn)
        self.switch_btn = QPushButton("Global directions", bar)
        self.switch_btn.setObjectName("switchRegionSet")
        self.switch_btn.clicked.connect(self.toggle_set)
        actions.addWidget(self.switch_btn)
        layout = host.preview.layout()
        layout.insertWidget(layout.indexOf(host.preview.image) + 1, bar)
        self.session.subscribe(self._on_change)
        self._update()

    # -- tools ------------------------------------------------------------------------------------------
    def _on_tool(self, tool: str, on: bool) -> None:
        if on:
            self.overlay.set_tool(tool)
            for t, b in self.tool_buttons.items():
                if t != tool and b.isChecked():
                    b.setChecked(False)
        elif self.overlay.tool == tool:
            self.overlay.set_tool("")
        self._update()

    def set_tool(self, tool: str) -> None:
        """Pick up a tool ("rect", "brush", "eraser") or put it down ("")."""
        if tool:
            self.tool_buttons[tool].setChecked(True)
        else:
            for b in self.tool_buttons.values():
                b.setChecked(False)

    def clear(self) -> None:
        self.mask.clear()
        self.overlay.update()

    # -- the computation ---------------------------------------------------------------------------------
    def find_directions(self) -> bool:
        s = self.session
        if s.model_info is None:
            self.host.show_status("Open a model first")
            return False
        if self.mask.is_empty():
            self.host.show_error("Paint a region on the preview first (rectangle or brush)")
            return False
        try:
            region = self.mask.to_region()
        except ValueError as e:
            self.host.show_error(str(e))
            return False
        sample = self.host.render.sample_spec()
        rows = list(s.layers) if s.style else None
        family = s.model_info["family"]
        holds = tuple(s.held_vectors())
        edits = [(held_direction(e.vector, holds), e.alpha, e.layers(s.num_layers, s.style)) for e in s.edits]
        model_gen = s.model_gen
        out: dict[str, DirectionSet] = {}

        def job(progress: Progress) -> str:
            import torch

            from ..core.editing import DirectionEdit, apply_edits
            from ..core.region import RegionCancelled, region_directions

            model = self.jobs.model()
            if sample.latent is not None:
                base = torch.from_numpy(np.array(sample.latent, np.float32))[None].to(model.device)
            else:
                base = model.sample_codes(1, seed=sample.seed, truncation_psi=sample.psi,
                                          **({} if sample.class_index is None else {"c": sample.class_index}))
            # at the image on show: the sample with the active edits
            codes = apply_edits(base, [DirectionEdit(fit_to_code(v, base.shape[-1]), a, r) for v, a, r in edits])
            try:
                dirs = region_directions(model, codes, region, layers=rows, k=TOP_K,
                                         noise_mode="const" if sample.noise == "random" else sample.noise,
                                         truncation_psi=sample.psi if family == "biggan" else None,
                                         seeds=None if sample.latent is not None else [sample.seed],
                                         progress=progress, cancel=self.jobs.runner.cancel_event)
            except RegionCancelled:
                raise JobCancelled from None
            out["dirs"] = dirs
            return f"{len(dirs)} region directions ({region.describe()})"

        def done() -> None:
            if s.model_gen != model_gen:
                return  # another model was opened meanwhile
            dirs = out["dirs"]
            s.add_direction_set(KIND, dirs.vectors, dirs.values, dirs.layers,
                                [f"region {i}" for i in range(len(dirs))], dirset=dirs, model_gen=model_gen)
            self.host.show_status(self.jobs.last_message + " · drag a card to edit inside the region")

        self.set_tool("")
        if not self.jobs.start("Finding directions for the region…", job, done):
            self.host.show_status("Another job is running; try again when it has finished")
            return False
        return True

    # -- which set is shown --------------------------------------------------------------------------------
    def toggle_set(self) -> None:
        s = self.session
        s.show_set("sefa" if s.active_kind == KIND else KIND)

    def _on_change(self, change: Change) -> None:
        if change.aspects & {DIRECTIONS, MODEL}:
            self._update()

    def _update(self) -> None:
        s = self.session
        d = s.directions
        region_on_show = d is not None and d.kind == KIND
        shown = None
        if region_on_show and d.dirset is not None and "region" in d.dirset.metadata:
            from ..core.region import Region, RegionError

            try:
                region = Region.from_metadata(d.dirset.metadata["region"])
                shown = region.coverage(self.mask.side, self.mask.side).numpy() >= 0.5
            except RegionError:
                shown = None
        self.overlay.set_shown(shown)
        self.switch_btn.setText("Global directions" if region_on_show else "Region directions")
        self.switch_btn.setToolTip("Back to the global (SeFa) directions" if region_on_show
                                   else "Show the region directions found last")
        self.switch_btn.setEnabled(KIND in s.sets and (not region_on_show or "sefa" in s.sets))
        self.find_btn.setEnabled(s.model_info is not None)


def install_region_tool(window: RegionWindow) -> RegionController:
    return RegionController(window, window.labels.jobs, window)
