"""The crop dialog of File ▸ Open Photo…: a square over the photo, with FFHQ-style guides.

Drag inside the square to move it, drag its lower-right handle (or turn the wheel, or use the size box)
to resize it. The guides show where an aligned face has its eyes (a line and two marks) and its mouth,
so the user can line the face up by hand (docs/projection.md says why there is no automatic
alignment). The label says what the square becomes: the model's resolution.
"""

from __future__ import annotations

from PIL import Image
from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPainterPath, QPen, QPixmap, QWheelEvent
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QHBoxLayout, QLabel, QSpinBox, QVBoxLayout, QWidget

from ..core.photos import EYE_LINE, EYE_SPACING, MOUTH_LINE, CropBox, centre_square

HANDLE = 14  # px on screen


def pil_to_qimage(img: Image.Image) -> QImage:
    rgb = img.convert("RGB")
    data = rgb.tobytes()
    return QImage(data, rgb.width, rgb.height, 3 * rgb.width, QImage.Format.Format_RGB888).copy()


class CropView(QWidget):
    """The photo scaled to fit, the crop square and its guides; edits `box` with the mouse."""

    boxChanged = Signal(object)

    def __init__(self, photo: Image.Image, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cropView")
        self.photo_size = (photo.width, photo.height)
        self.pixmap = QPixmap.fromImage(pil_to_qimage(photo))
        self.box = centre_square(*self.photo_size)
        self._drag: tuple[str, QPointF, CropBox] | None = None
        self.setMinimumSize(360, 360)
        self.setMouseTracking(True)

    # geometry: photo pixels ↔ widget pixels
    def _scale_offset(self) -> tuple[float, QPointF]:
        w, h = self.photo_size
        s = min(self.width() / w, self.height() / h)
        return s, QPointF((self.width() - w * s) / 2, (self.height() - h * s) / 2)

    def box_rect(self) -> QRectF:
        s, off = self._scale_offset()
        return QRectF(off.x() + self.box.x * s, off.y() + self.box.y * s, self.box.size * s, self.box.size * s)

    def set_box(self, box: CropBox) -> None:
        w, h = self.photo_size
        size = max(8, min(int(box.size), w, h))
        x = max(0, min(int(box.x), w - size))
        y = max(0, min(int(box.y), h - size))
        new = CropBox(x, y, size)
        if new != self.box:
            self.box = new
            self.update()
            self.boxChanged.emit(new)

    def paintEvent(self, event) -> None:  # noqa: N802
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
        s, off = self._scale_offset()
        w, h = self.photo_size
        p.drawPixmap(QRectF(off.x(), off.y(), w * s, h * s), self.pixmap, QRectF(0, 0, w, h))
        r = self.box_rect()
        shade = QPainterPath()
        shade.addRect(QRectF(off.x(), off.y(), w * s, h * s))
        inner = QPainterPath()
        inner.addRect(r)
        p.fillPath(shade.subtracted(inner), QColor(0, 0, 0, 140))
        p.setPen(QPen(QColor(255, 255, 255), 2))
        p.drawRect(r)
        # guides: eye line with the two eye marks, mouth line, vertical centre
        guide = QPen(QColor(80, 220, 255, 220), 1, Qt.PenStyle.DashLine)
        p.setPen(guide)
        ey, my = r.top() + EYE_LINE * r.height(), r.top() + MOUTH_LINE * r.height()
        p.drawLine(QPointF(r.left(), ey), QPointF(r.right(), ey))
        p.drawLine(QPointF(r.left() + 0.3 * r.width(), my), QPointF(r.right() - 0.3 * r.width(), my))
        p.drawLine(QPointF(r.center().x(), r.top()), QPointF(r.center().x(), r.bottom()))
        p.setPen(QPen(QColor(80, 220, 255), 2))
        for dx in (-EYE_SPACING / 2, EYE_SPACING / 2):
            c = QPointF(r.center().x() + dx * r.width(), ey)
            p.drawEllipse(c, 0.04 * r.width(), 0.025 * r.width())
        p.fillRect(QRectF(r.right() - HANDLE, r.bottom() - HANDLE, HANDLE, HANDLE), QColor(255, 255, 255))
        p.end()

    def mousePressEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        r = self.box_rect()
        pos = event.position()
        if QRectF(r.right() - HANDLE, r.bottom() - HANDLE, HANDLE * 1.5, HANDLE * 1.5).contains(pos):
            self._drag = ("resize", pos, self.box)
        elif r.contains(pos):
            self._drag = ("move", pos, self.box)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        if self._drag is None:
            return
        kind, start, box = self._drag
        s, _ = self._scale_offset()
        d = (event.position() - start) / s
        if kind == "move":
            self.set_box(CropBox(round(box.x + d.x()), round(box.y + d.y()), box.size))
        else:
            self.set_box(CropBox(box.x, box.y, round(box.size + max(d.x(), d.y()))))

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:  # noqa: N802
        self._drag = None

    def wheelEvent(self, event: QWheelEvent) -> None:  # noqa: N802
        step = 1.05 if event.angleDelta().y() > 0 else 1 / 1.05
        b = self.box
        size = round(b.size * step)
        c = b.size / 2
        self.set_box(CropBox(round(b.x + c - size / 2), round(b.y + c - size / 2), size))


class CropDialog(QDialog):
    """Choose the square of the photo to project; `box()` after it was accepted."""

    def __init__(self, photo: Image.Image, resolution: int, model_name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("photoCropDialog")
        self.setWindowTitle("Crop the photo")
        self.resolution = int(resolution)
        self.view = CropView(photo, self)
        self.size_box = QSpinBox(self)
        self.size_box.setObjectName("cropSize")
        self.size_box.setRange(8, min(photo.width, photo.height))
        self.size_box.setSuffix(" px")
        self.size_box.setValue(self.view.box.size)
        self.size_box.valueChanged.connect(self._size_typed)
        self.info = QLabel(self)
        self.info.setObjectName("cropInfo")
        self.info.setWordWrap(True)
        hint = QLabel("Drag the square to move it, its corner or the mouse wheel to resize it. Put the eyes on the "
                      "dashed line, in the two marks, and the mouth on the short line.", self)
        hint.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Project")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        row = QHBoxLayout()
        row.addWidget(QLabel("Square:", self))
        row.addWidget(self.size_box)
        row.addWidget(self.info, 1)
        lay = QVBoxLayout(self)
        lay.addWidget(hint)
        lay.addWidget(self.view, 1)
        lay.addLayout(row)
        lay.addWidget(buttons)
        self.view.boxChanged.connect(self._show_box)
        self._model_name = model_name
        self._show_box(self.view.box)
        self.resize(640, 700)

    def box(self) -> CropBox:
        return self.view.box

    def set_box(self, box: CropBox) -> None:
        self.view.set_box(box)

    def _size_typed(self, value: int) -> None:
        b = self.view.box
        self.view.set_box(CropBox(b.x, b.y, int(value)))

    def _show_box(self, box: CropBox) -> None:
        self.size_box.blockSignals(True)
        self.size_box.setValue(box.size)
        self.size_box.blockSignals(False)
        r = self.resolution
        scale = "downscaled" if box.size > r else ("upscaled" if box.size < r else "kept")
        self.info.setText(f"{box.size}×{box.size} px at ({box.x}, {box.y}) → {scale} to {r}×{r} px, "
                          f"the resolution of {self._model_name}")
