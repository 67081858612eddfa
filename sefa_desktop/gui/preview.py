"""Preview pane: the large edited image, the sample controls and the list of active edits."""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QRectF, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSlider,
    QSpinBox,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from .layer_tree import preset_rows

SLIDER_STEPS = 100  # slider ticks per unit of α
LAYER_CHOICES = ("selected", "all", "coarse", "middle", "fine")


@dataclass
class ActiveEdit:
    key: tuple[int, int]  # (direction-set generation, row)
    name: str
    vector: np.ndarray
    alpha: float
    base_layers: tuple[int, ...]  # the rows the direction was factorized on
    layer_choice: str = "selected"

    def layers(self, num_layers: int, style: bool) -> tuple[int, ...] | None:
        if not style:
            return None
        if self.layer_choice == "selected":
            return self.base_layers
        return tuple(preset_rows(self.layer_choice, num_layers))


class ImageView(QWidget):
    """The current frame, scaled to fit with its aspect ratio; a message while there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewImage")
        self.pixmap: QPixmap | None = None
        self.image: QImage | None = None
        self.message = "Starting…"
        self.caption = ""
        self.setMinimumSize(160, 160)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)

    def sizeHint(self) -> QSize:  # noqa: N802
        return QSize(420, 420)

    def set_image(self, image: QImage) -> None:
        self.image = image
        self.pixmap = QPixmap.fromImage(image)
        self.message = ""
        self.update()

    def set_message(self, text: str) -> None:
        self.message = text
        self.update()

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        pal = self.palette()
        side = min(self.width(), self.height()) - 2
        box = QRectF((self.width() - side) / 2, (self.height() - side) / 2, side, side)
        path = QPainterPath()
        path.addRoundedRect(box, 10, 10)
        p.fillPath(path, pal.color(QPalette.ColorRole.Base))
        if self.pixmap is not None:
            pm = self.pixmap
            scale = min(box.width() / pm.width(), box.height() / pm.height())
            w, h = pm.width() * scale, pm.height() * scale
            target = QRectF(box.center().x() - w / 2, box.center().y() - h / 2, w, h)
            p.save()
            p.setClipPath(path)
            p.drawPixmap(target, pm, QRectF(pm.rect()))
            p.restore()
        if self.message:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            f = p.font()
            f.setPointSizeF(f.pointSizeF() * 1.2)
            p.setFont(f)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.drawPath(path)


class EditRow(QFrame):
    """One active edit: name, α slider, layer-range override, remove."""

    changed = Signal(object, bool)  # the ActiveEdit, draft
    removed = Signal(object)

    def __init__(self, edit: ActiveEdit, amplitude: float, style: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = edit
        self.setObjectName("editRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        self.title.setObjectName("editTitle")
        self.value = QLabel(self)
        self.value.setMinimumWidth(48)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        limit = int(round(2 * amplitude * SLIDER_STEPS))
        self.slider.setRange(-limit, limit)
        self.slider.setPageStep(SLIDER_STEPS // 2)
        self.slider.setValue(int(round(edit.alpha * SLIDER_STEPS)))
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(lambda: self.changed.emit(self.edit, False))
        self.layers = QComboBox(self)
        self.layers.setToolTip("Which W+ rows this edit moves")
        for choice in LAYER_CHOICES:
            label = "Factorized rows" if choice == "selected" else f"{choice.capitalize()} rows"
            self.layers.addItem(label, choice)
        self.layers.setCurrentIndex(LAYER_CHOICES.index(edit.layer_choice))
        self.layers.currentIndexChanged.connect(self._on_layers)
        self.layers.setVisible(style)
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this edit")
        self.remove.setAutoRaise(True)
        self.remove.clicked.connect(lambda: self.removed.emit(self.edit))
        top = QHBoxLayout()
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.title, 1)
        top.addWidget(self.layers)
        top.addWidget(self.remove)
        bottom = QHBoxLayout()
        bottom.setContentsMargins(0, 0, 0, 0)
        bottom.addWidget(self.slider, 1)
        bottom.addWidget(self.value)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 6, 6)
        lay.setSpacing(2)
        lay.addLayout(top)
        lay.addLayout(bottom)
        self.refresh()

    def refresh(self) -> None:
        self.title.setText(f"<b>#{self.edit.key[1]}</b>&nbsp;&nbsp;{self.edit.name}")
        self.value.setText(f"{self.edit.alpha:+.2f}")
        want = int(round(self.edit.alpha * SLIDER_STEPS))
        if self.slider.value() != want and not self.slider.isSliderDown():
            self.slider.blockSignals(True)
            self.slider.setValue(want)
            self.slider.blockSignals(False)

    def _on_slider(self, v: int) -> None:
        self.edit.alpha = v / SLIDER_STEPS
        self.value.setText(f"{self.edit.alpha:+.2f}")
        self.changed.emit(self.edit, self.slider.isSliderDown())

    def _on_layers(self, i: int) -> None:
        self.edit.layer_choice = LAYER_CHOICES[i]
        self.changed.emit(self.edit, False)


class PreviewPane(QWidget):
    sampleChanged = Signal()
    editsChanged = Signal(bool)  # draft

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.amplitude = 3.0
        self.style_model = False
        self.edits: list[ActiveEdit] = []
        self._rows: dict[tuple[int, int], EditRow] = {}
        self._history: list[int] = []

        self.image = ImageView(self)
        self.seed = QSpinBox(self)
        self.seed.setObjectName("seed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setAccelerated(True)
        self.seed.valueChanged.connect(lambda _: self.sampleChanged.emit())
        self.prev_btn = self._tool("◀", "Previous seed (Alt+Left)", lambda: self.step_seed(-1))
        self.next_btn = self._tool("▶", "Next seed (Alt+Right)", lambda: self.step_seed(1))
        self.random_btn = QPushButton("Random", self)
        self.random_btn.setToolTip("A random seed (Ctrl+R)")
        self.random_btn.clicked.connect(self.random_seed)
        self.psi = QDoubleSpinBox(self)
        self.psi.setObjectName("truncation")
        self.psi.setRange(0.0, 1.5)
        self.psi.setSingleStep(0.05)
        self.psi.setDecimals(2)
        self.psi.setValue(1.0)
        self.psi.setToolTip("Truncation ψ: 1 = no truncation; smaller = closer to the average image")
        self.psi.valueChanged.connect(lambda _: self.sampleChanged.emit())
        self.noise = QComboBox(self)
        self.noise.setObjectName("noiseMode")
        for mode, label in (("const", "Constant"), ("random", "Random"), ("none", "None")):
            self.noise.addItem(label, mode)
        self.noise.setToolTip("Per-pixel noise inputs of style-based generators")
        self.noise.currentIndexChanged.connect(lambda _: self.sampleChanged.emit())

        seed_row = QHBoxLayout()
        seed_row.setSpacing(4)
        seed_row.addWidget(self.seed, 1)
        seed_row.addWidget(self.prev_btn)
        seed_row.addWidget(self.next_btn)
        seed_row.addWidget(self.random_btn)
        form = QFormLayout()
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Seed", seed_row)
        form.addRow("Truncation ψ", self.psi)
        form.addRow("Noise", self.noise)

        self.edits_title = QLabel(self)
        self.edits_title.setObjectName("sectionTitle")
        self.reset_btn = QPushButton("Reset", self)
        self.reset_btn.setToolTip("Remove every edit (Ctrl+Backspace)")
        self.reset_btn.clicked.connect(self.clear_edits)
        head = QHBoxLayout()
        head.addWidget(self.edits_title, 1)
        head.addWidget(self.reset_btn)
        self.edit_box = QWidget(self)
        self.edit_layout = QVBoxLayout(self.edit_box)
        self.edit_layout.setContentsMargins(0, 0, 0, 0)
        self.edit_layout.setSpacing(6)
        self.empty = QLabel("Drag a direction's thumbnails sideways to edit the image.\n"
                            "Double-click a thumbnail to add it at that α.", self)
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.edit_layout.addWidget(self.empty)
        self.edit_layout.addStretch(1)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self.edit_box)

        lay = QVBoxLayout(self)
        lay.setContentsMargins(10, 10, 10, 10)
        lay.setSpacing(10)
        lay.addWidget(self.image, 5)
        lay.addLayout(form)
        lay.addLayout(head)
        lay.addWidget(scroll, 3)
        self._update_title()

    def _tool(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # -- sample ------------------------------------------------------------------------------------
    def sample(self) -> tuple[int, float, str]:
        return int(self.seed.value()), float(round(self.psi.value(), 4)), str(self.noise.currentData())

    def step_seed(self, delta: int) -> None:
        self.seed.setValue(max(0, self.seed.value() + delta))

    def random_seed(self) -> None:
        self.seed.setValue(random.randrange(0, 100_000))

    def set_model(self, style: bool, truncation: bool) -> None:
        self.style_model = style
        self.psi.setEnabled(truncation)
        self.noise.setEnabled(style)
        self.clear_edits()

    # -- edits -------------------------------------------------------------------------------------
    def set_edit(self, edit: ActiveEdit, draft: bool = False) -> None:
        """Add the edit or update the α of the one with the same key."""
        row = self._rows.get(edit.key)
        if row is None:
            self.edits.append(edit)
            row = EditRow(edit, self.amplitude, self.style_model, self.edit_box)
            row.changed.connect(self._on_row_changed)
            row.removed.connect(self.remove_edit)
            self.edit_layout.insertWidget(self.edit_layout.count() - 1, row)
            self._rows[edit.key] = row
        else:
            row.edit.alpha = edit.alpha
            row.refresh()
        self._update_title()
        self.editsChanged.emit(draft)

    def edit_for(self, key: tuple[int, int]) -> ActiveEdit | None:
        row = self._rows.get(key)
        return None if row is None else row.edit

    def remove_edit(self, edit: ActiveEdit) -> None:
        row = self._rows.pop(edit.key, None)
        if row is None:
            return
        self.edits.remove(row.edit)
        row.deleteLater()
        self._update_title()
        self.editsChanged.emit(False)

    def clear_edits(self) -> None:
        had = bool(self.edits)
        for row in self._rows.values():
            row.deleteLater()
        self._rows.clear()
        self.edits.clear()
        self._update_title()
        if had:
            self.editsChanged.emit(False)

    def _on_row_changed(self, edit: ActiveEdit, draft: bool) -> None:
        self.editsChanged.emit(draft)

    def _update_title(self) -> None:
        n = len(self.edits)
        self.edits_title.setText(f"<b>Active edits</b>&nbsp;&nbsp;<span>{n}</span>" if n else "<b>Active edits</b>")
        self.empty.setVisible(n == 0)
        self.reset_btn.setEnabled(n > 0)
