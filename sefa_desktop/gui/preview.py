"""Preview pane: the large edited image, the sample controls and the list of active edits."""

from __future__ import annotations

import random

from PySide6.QtCore import QRectF, QSignalBlocker, QSize, Qt
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

from ..session import EditSession, SessionEditor
from ..session.state import AMPLITUDE, EDITS, LABELS, MODEL, SAMPLE, Change, Edit, SeedBase
from ..session.state import LAYER_CHOICES as LAYER_CHOICES
from .class_picker import ClassPicker

SLIDER_STEPS = 100  # slider ticks per unit of α
ActiveEdit = Edit  # the old name of an active edit


class ImageView(QWidget):
    """The current frame, scaled to fit with its aspect ratio; a message while there is none."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("previewImage")
        self.pixmap: QPixmap | None = None
        self.image: QImage | None = None
        self.message = "Starting…"
        self.caption = ""
        self.busy = ""  # what is being rendered while the frame shown is not the current one
        self.veil = True  # busy: dim the stale frame (model, seed, set changed) or only mark it
        self.setMinimumSize(112, 112)  # a 1000×700 window must fit the preview pane, its tool rows and the tabs below
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

    def set_busy(self, text: str, veil: bool = True) -> None:
        """Mark the frame shown as stale (`veil`: dimmed) with a busy label; '' clears the mark."""
        if (text, veil) != (self.busy, self.veil):
            self.busy, self.veil = text, veil
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
            if self.busy and self.veil:
                veil = pal.color(QPalette.ColorRole.Base)
                veil.setAlphaF(0.6)
                p.fillRect(target, veil)
            p.restore()
        if self.busy and not self.message:  # a pill at the bottom: what is being rendered
            f = p.font()
            fm = p.fontMetrics()
            w, h = fm.horizontalAdvance(self.busy) + 24, fm.height() + 10
            pill = QRectF(box.center().x() - w / 2, box.bottom() - h - 12, w, h)
            shape = QPainterPath()
            shape.addRoundedRect(pill, h / 2, h / 2)
            bg = pal.color(QPalette.ColorRole.Window)
            bg.setAlphaF(0.85)
            p.fillPath(shape, bg)
            p.setPen(pal.color(QPalette.ColorRole.Text))
            p.setFont(f)
            p.drawText(pill, Qt.AlignmentFlag.AlignCenter, self.busy)
        if self.message:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            f = p.font()
            f.setPointSizeF(f.pointSizeF() * 1.2)
            p.setFont(f)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter | Qt.TextFlag.TextWordWrap, self.message)
        p.setPen(pal.color(QPalette.ColorRole.Mid))
        p.drawPath(path)


class EditRow(QFrame):
    """One active edit: name, α slider, layer-range override, remove. Shows the session's Edit; what
    the user does goes to the SessionEditor (a slider drag is one undo step)."""

    def __init__(self, edit: Edit, editor: SessionEditor, amplitude: float, style: bool,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.edit = edit
        self.editor = editor
        self._press = 0  # slider presses so far: the drag id of the current one
        self.setObjectName("editRow")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(self)
        self.title.setObjectName("editTitle")
        self.value = QLabel(self)
        self.value.setMinimumWidth(48)
        self.value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.slider = QSlider(Qt.Orientation.Horizontal, self)
        self.slider.setPageStep(SLIDER_STEPS // 2)
        self.set_amplitude(amplitude)
        self.slider.setValue(int(round(edit.alpha * SLIDER_STEPS)))
        self.slider.sliderPressed.connect(self._on_pressed)
        self.slider.valueChanged.connect(self._on_slider)
        self.slider.sliderReleased.connect(self._on_released)
        self.layers = QComboBox(self)
        self.layers.setToolTip("Which W+ rows this edit moves")
        for choice in LAYER_CHOICES:
            label = "Factorized rows" if choice == "selected" else f"{choice.capitalize()} rows"
            self.layers.addItem(label, choice)
        self.layers.setCurrentIndex(LAYER_CHOICES.index(edit.layer_choice))
        self.layers.currentIndexChanged.connect(
            lambda i: self.editor.set_layer_choice(self.edit.key, LAYER_CHOICES[i]))
        self.layers.setVisible(style)
        self.remove = QToolButton(self)
        self.remove.setText("✕")
        self.remove.setToolTip("Remove this edit")
        self.remove.setAutoRaise(True)
        self.remove.clicked.connect(lambda: self.editor.remove_edit(self.edit.key))
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
        self.show_edit(edit)

    def set_amplitude(self, amplitude: float) -> None:
        """The slider reaches ±2 × the α range, and never less than the edit's own α (which a narrower
        range must not clamp)."""
        reach = max(2 * amplitude, abs(self.edit.alpha))
        limit = int(round(reach * SLIDER_STEPS))
        if (self.slider.minimum(), self.slider.maximum()) != (-limit, limit):
            with QSignalBlocker(self.slider):
                self.slider.setRange(-limit, limit)
                self.slider.setValue(int(round(self.edit.alpha * SLIDER_STEPS)))

    def show_edit(self, edit: Edit) -> None:
        self.edit = edit
        self.title.setText(f"<b>#{edit.key[1]}</b>&nbsp;&nbsp;{edit.name}")
        self.value.setText(f"{edit.alpha:+.2f}")
        want = int(round(edit.alpha * SLIDER_STEPS))
        if self.slider.value() != want and not self.slider.isSliderDown():
            with QSignalBlocker(self.slider):
                self.slider.setValue(want)
        if self.layers.currentIndex() != LAYER_CHOICES.index(edit.layer_choice):
            with QSignalBlocker(self.layers):
                self.layers.setCurrentIndex(LAYER_CHOICES.index(edit.layer_choice))

    def refresh(self) -> None:
        self.show_edit(self.edit)

    def _on_pressed(self) -> None:
        self._press += 1

    def _on_slider(self, v: int) -> None:
        down = self.slider.isSliderDown()
        self.value.setText(f"{v / SLIDER_STEPS:+.2f}")
        self.editor.set_alpha(self.edit.key, v / SLIDER_STEPS, drag=("slider", id(self), self._press) if down
                              else None, draft=down)

    def _on_released(self) -> None:
        self.editor.set_alpha(self.edit.key, self.slider.value() / SLIDER_STEPS,
                              drag=("slider", id(self), self._press), draft=False)


class PreviewPane(QWidget):
    """The preview image, the sample controls and the active edits: a view of the EditSession."""

    def __init__(self, session: EditSession, editor: SessionEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("preview")
        self.session = session
        self.editor = editor
        self.rows: dict[tuple[int, int], EditRow] = {}

        self.image = ImageView(self)
        self.seed = QSpinBox(self)
        self.seed.setObjectName("seed")
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setAccelerated(True)
        self.seed.valueChanged.connect(self.editor.set_seed)
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
        self.psi.setValue(session.psi)
        self.psi.setToolTip("Truncation ψ: 1 = no truncation; smaller = closer to the average image")
        self.psi.valueChanged.connect(self.editor.set_psi)
        self.noise = QComboBox(self)
        self.noise.setObjectName("noiseMode")
        for mode, label in (("const", "Constant"), ("random", "Random"), ("none", "None")):
            self.noise.addItem(label, mode)
        self.noise.setToolTip("Per-pixel noise inputs of style-based generators")
        self.noise.currentIndexChanged.connect(lambda i: self.editor.set_noise(str(self.noise.itemData(i))))
        self.class_picker = ClassPicker(session, editor, self)  # class-conditional models (BigGAN) only

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
        # BigGAN has no noise inputs (its Noise box would only be disabled): the Class picker takes the
        # Noise row's place there, so the pane is no taller and the window still fits 1000×700; a
        # conditional style-based model shows both in that row
        sample_row = QHBoxLayout()
        sample_row.setSpacing(4)
        sample_row.addWidget(self.noise, 1)
        sample_row.addWidget(self.class_picker, 1)
        self.class_picker.hide()
        self.class_picker.setMaximumHeight(self.noise.sizeHint().height())  # an editable combo is 2 px taller
        form.addRow("Noise", sample_row)
        self.noise_label = form.labelForField(sample_row)

        self.edits_title = QLabel(self)
        self.edits_title.setObjectName("sectionTitle")
        self.reset_btn = QPushButton("Reset", self)
        self.reset_btn.setToolTip("Remove every edit (Ctrl+Backspace)")
        self.reset_btn.clicked.connect(self.editor.reset_edits)
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
        lay.addWidget(self.image, 4)  # the image takes most of the spare height, the edits list the rest
        lay.addLayout(form)
        lay.addLayout(head)
        lay.addWidget(scroll, 1)
        self._update_title()
        session.subscribe(self._on_session_change)

    def _tool(self, text: str, tip: str, slot) -> QToolButton:
        b = QToolButton(self)
        b.setText(text)
        b.setToolTip(tip)
        b.clicked.connect(slot)
        return b

    # -- what the session holds, as this pane shows it -------------------------------------------------
    @property
    def edits(self) -> tuple[Edit, ...]:
        return self.session.edits

    @property
    def amplitude(self) -> float:
        return self.session.amplitude

    def sample(self) -> tuple[int, float, str]:
        return self.session.sample()

    def edit_for(self, key: tuple[int, int]) -> Edit | None:
        return self.session.edit(key)

    # -- user actions ---------------------------------------------------------------------------------
    def step_seed(self, delta: int) -> None:
        self.editor.set_seed(max(0, self.session.seed + delta))

    def random_seed(self) -> None:
        self.editor.set_seed(random.randrange(0, 100_000))

    def clear_edits(self) -> None:
        self.editor.reset_edits()

    # -- session → widgets ----------------------------------------------------------------------------
    def _on_session_change(self, change: Change) -> None:
        s, a = self.session, change.aspects
        if MODEL in a and s.model_info is not None:
            info = s.model_info
            self.psi.setEnabled(s.style or info["family"] == "biggan")
            self.noise.setEnabled(s.style)
            with QSignalBlocker(self.psi):  # BigGAN's truncation scales a truncated normal: (0, 1]
                self.psi.setRange(*((0.05, 1.0) if info["family"] == "biggan" else (0.0, 1.5)))
            if round(self.psi.value(), 4) != s.psi:  # the range clamped ψ: the session follows
                self.editor.session.set_sample(psi=self.psi.value())
            classes = s.class_conditional
            # BigGAN: Class in Noise's place; a conditional StyleGAN2-ADA/StyleGAN3: both, side by side
            self.noise.setVisible(s.style or not classes)
            self.class_picker.setVisible(classes)
            self.noise_label.setText(("Noise · Class" if s.style else "Class") if classes else "Noise")
        if SAMPLE in a or MODEL in a:
            with QSignalBlocker(self.seed), QSignalBlocker(self.psi), QSignalBlocker(self.noise):
                self.seed.setValue(s.seed)
                self.seed.setEnabled(isinstance(s.base, SeedBase))
                self.psi.setValue(s.psi)
                self.noise.setCurrentIndex(max(0, self.noise.findData(s.noise)))
        if a & {EDITS, LABELS, MODEL}:
            self._show_edits(s.edits)
        if AMPLITUDE in a:
            for row in self.rows.values():
                row.set_amplitude(s.amplitude)

    def _show_edits(self, edits: tuple[Edit, ...]) -> None:
        keys = [e.key for e in edits]
        for key in [k for k in self.rows if k not in keys]:
            row = self.rows.pop(key)
            row.hide()
            row.deleteLater()
        for i, edit in enumerate(edits):
            row = self.rows.get(edit.key)
            if row is None:
                row = EditRow(edit, self.editor, self.session.amplitude, self.session.style, self.edit_box)
                self.rows[edit.key] = row
            else:
                row.show_edit(edit)
            if self.edit_layout.indexOf(row) != i + 1:  # keep the session's order (undo restores it)
                self.edit_layout.insertWidget(i + 1, row)
        self._update_title()

    def _update_title(self) -> None:
        n = len(self.session.edits)
        self.edits_title.setText(f"<b>Active edits</b>&nbsp;&nbsp;<span>{n}</span>" if n else "<b>Active edits</b>")
        self.empty.setVisible(n == 0)
        self.reset_btn.setEnabled(n > 0)
