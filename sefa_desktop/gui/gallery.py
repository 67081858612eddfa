"""Direction gallery: one card per direction (a row of a QListView), ordered by eigenvalue.

Each card shows the index, an eigenvalue bar, an editable name and a strip of thumbnails of the current
sample at α = −A … +A. Model/view with a painting delegate keeps hundreds of rows smooth; thumbnails are
requested only for the rows in view and streamed in by the worker.

Drag-to-edit: a viewport event filter. Press on a card's thumbnail strip (or the α knob under it) and
drag horizontally: α follows the pointer (starting from the thumbnail under the press, else the card's
current α). A horizontal drag that starts on the card's text edits too (the public contract: a drag
anywhere in the card's rectangle), but only once it has gone TEXT_DRAG_THRESHOLD px sideways and more
sideways than up or down, and from the card's current α: a stray press or a jittery click there
selects the card and never edits.
Double-click a thumbnail to add the edit at its α; double-click the name to rename. Left/Right on the
focused card step α (keyboard equivalent). Cards are as wide as the view and their thumbnails as large
as fits (wide cards put the text beside the strip, narrow ones above it).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import (
    QAbstractListModel,
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QPoint,
    QRect,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QFont, QFontMetrics, QImage, QKeyEvent, QMouseEvent, QPainter, QPainterPath, QPalette, QPixmap
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLineEdit,
    QListView,
    QStyle,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QVBoxLayout,
    QWidget,
)

from .images import rounded_image

THUMB = 84  # logical pixels: the thumbnail size cards were designed around (and the smallest wide card)
MIN_THUMB = 40  # below this a card scrolls sideways rather than shrinking its thumbnails further
MAX_THUMB = 176  # thumbnails grow with the view's width up to this
WIDE_MIN_THUMB = 72  # narrower than this side by side: the card stacks its text above the strip
THUMB_RADIUS = 5.0
PAD = 8
INFO_W = 168
STACKED_INFO_H = 44  # the text block's height on a stacked (narrow) card
LABEL_H = 20
GAP = 4  # between thumbnails
DRAG_THRESHOLD = 3
TEXT_DRAG_THRESHOLD = 16  # a drag from the card's text must be deliberate (a stray press sent α to +6)
KEY_STEP = 0.25  # α per arrow-key press, as a fraction of A

ValueRole = Qt.ItemDataRole.UserRole + 1
FractionRole = Qt.ItemDataRole.UserRole + 2
ThumbsRole = Qt.ItemDataRole.UserRole + 3
AlphaRole = Qt.ItemDataRole.UserRole + 4  # the direction's α in the active edits, or None


def alphas_for(amplitude: float, steps: int) -> tuple[float, ...]:
    return tuple(float(a) for a in np.linspace(-amplitude, amplitude, steps))


@dataclass
class CardGeometry:
    info: QRect
    name: QRect
    bar: QRect
    strip: QRect
    thumbs: list[QRect]
    stacked: bool = False


def thumb_size_for(width: int, steps: int) -> tuple[int, bool]:
    """(thumbnail size, stacked) of a card `width` px wide with `steps` thumbnails: side by side with the
    text when thumbnails get at least WIDE_MIN_THUMB px that way, else the text above a full-width strip.
    The size fits the strip into the width (no sideways scrolling) within MIN_THUMB..MAX_THUMB."""
    steps = max(1, steps)
    inner = width - PAD  # the card's margins (PAD/2 each side)
    wide = (inner - INFO_W - 2 * PAD - GAP * (steps - 1)) // steps
    if wide >= WIDE_MIN_THUMB:
        return min(MAX_THUMB, wide), False
    stacked = (inner - 2 * PAD - GAP * (steps - 1)) // steps
    return max(MIN_THUMB, min(MAX_THUMB, stacked)), True


def card_height(width: int, steps: int) -> int:
    """The card's height at this width (its thumbnails set it)."""
    size, stacked = thumb_size_for(width, steps)
    if stacked:
        return PAD + PAD + STACKED_INFO_H + 6 + size + LABEL_H + PAD // 2
    return max(size, THUMB) + LABEL_H + 2 * PAD + PAD // 2  # the text column needs a THUMB-high card


def min_card_width(steps: int) -> int:
    """Below this the view scrolls sideways (thumbnails at MIN_THUMB, stacked)."""
    return PAD + 2 * PAD + steps * MIN_THUMB + GAP * (max(1, steps) - 1)


def card_geometry(rect: QRect, steps: int) -> CardGeometry:
    """Where everything sits inside one card (shared by painting and hit-testing)."""
    r = rect.adjusted(PAD // 2, PAD // 2, -PAD // 2, -PAD // 2)
    size, stacked = thumb_size_for(rect.width(), steps)
    if stacked:
        info = QRect(r.left() + PAD, r.top() + PAD, r.width() - 2 * PAD, STACKED_INFO_H)
        half = info.width() // 2
        name = QRect(info.left() + 48, info.top(), max(40, half - 48), 22)  # right of "#N"
        bar = QRect(info.left() + half + 8, info.top() + 24, max(20, info.width() - half - 12), 6)
        strip_left, top = r.left() + PAD, info.bottom() + 6
    else:
        info = QRect(r.left() + PAD, r.top() + PAD, INFO_W - PAD, r.height() - 2 * PAD)
        name = QRect(info.left(), info.top() + 22, info.width(), 22)
        bar = QRect(info.left(), info.bottom() - 16, info.width() - 4, 6)
        strip_left, top = r.left() + INFO_W + PAD, r.top() + PAD
    thumbs = [QRect(strip_left + i * (size + GAP), top, size, size) for i in range(steps)]
    strip = QRect(strip_left, top, steps * size + (steps - 1) * GAP, size)
    return CardGeometry(info, name, bar, strip, thumbs, stacked)


def drag_zone(g: CardGeometry) -> QRect:
    """Where a press may start a drag edit: the thumbnail strip with its α labels and the knob under it.
    The card's text (index, name, eigenvalue) is not: a stray press there selects the card, nothing more."""
    return QRect(g.strip.left() - GAP, g.strip.top() - PAD // 2, g.strip.width() + 2 * GAP,
                 g.strip.height() + LABEL_H + PAD // 2)


def knob_rect(g: CardGeometry, alpha: float, amplitude: float) -> QRect:
    """The α knob under the strip (drawn for a card with an active edit)."""
    t = (max(-amplitude, min(amplitude, alpha)) + amplitude) / (2 * amplitude)
    first, last = g.thumbs[0].center().x(), g.thumbs[-1].center().x()
    x = int(round(first + t * (last - first)))
    return QRect(x - 9, g.strip.bottom() + 1, 18, 6)


def suggestion_rects(g: CardGeometry, texts: list[str], metrics: QFontMetrics) -> list[QRect]:
    """Where a card's label chips sit (under its name), shared by painting and hit-testing."""
    out, x = [], g.name.left()
    top = g.name.bottom() + 2
    for t in texts:
        w = metrics.horizontalAdvance(t) + 10
        if x + w > g.name.right() + 1 and out:
            break  # what does not fit is in the tooltip
        out.append(QRect(x, top, min(w, g.name.right() - x), metrics.height() + 2))
        x += w + 3
    return out


def chip_font(base: QFont) -> QFont:
    f = QFont(base)
    f.setPointSizeF(f.pointSizeF() * 0.8)
    return f


def thumb_pixmap(image: QImage, size: int, dpr: float) -> QPixmap:
    """A thumbnail from the worker (already rounded and at size × dpr there, off the GUI thread)."""
    if image.width() != int(round(size * dpr)):
        px = int(round(size * dpr))
        image = rounded_image(image, px, THUMB_RADIUS * dpr)
    pm = QPixmap.fromImage(image)
    pm.setDevicePixelRatio(dpr)
    return pm


class DirectionModel(QAbstractListModel):
    """Rows = directions of the current set; thumbnails arrive per row for one `context`."""

    renamed = Signal(int, str)  # the user renamed a card (row, new name); nothing changes until set_names
    # Repaint requests for thumbnails and α. Not dataChanged: QListView answers every dataChanged, even of
    # one row, by repainting its whole viewport (measured: 6 cards painted per drag event instead of 1).
    rowsChanged = Signal(list)  # rows; [] = all

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.values = np.zeros(0, np.float32)
        self.names: list[str] = []
        self.thumbs: dict[int, list[QPixmap]] = {}
        # Progressive thumbnails: a row's strip may be a low-resolution draft (the sharp one follows)
        # or stale (rendered for the previous seed, layers or set: painted dimmed until replaced).
        self.draft_rows: set[int] = set()
        self.stale_rows: set[int] = set()
        self.alphas: dict[int, float] = {}
        self.context: tuple | None = None
        self.dpr = 1.0  # device pixels per logical pixel of the view showing us
        self.thumb_px = THUMB  # logical size thumbnails are rendered at (the gallery sets it from its width)
        self.suggestions: dict[int, list[str]] = {}  # automatic labels per row (gui/labels_controller.py)
        self.pinned: set[int] = set()  # rows held fixed while editing the others
        self.value_kind = "sefa"  # what `values` are: eigenvalues, or a region set's locality ratios

    def value_text(self, row: int) -> str:
        """The card's number: SeFa's eigenvalue λ, or for region directions how many times more the
        direction changes the region than the rest of the image (its regularised ratio)."""
        v = float(self.values[row])
        if self.value_kind == "region":
            return f"region/rest {v:.3g}×"
        return f"λ = {v:,.0f}" if v >= 100 else f"λ = {v:.3g}"

    def set_directions(self, values: np.ndarray, names: list[str] | None = None, kind: str = "sefa") -> None:
        self.beginResetModel()
        self.value_kind = kind
        self.values = np.asarray(values, np.float32)
        self.names = list(names) if names else [""] * len(self.values)
        # New directions (other layers): the old strips stay, dimmed, until the new ones replace them.
        self.thumbs = {r: t for r, t in self.thumbs.items() if r < len(self.values)}
        self.stale_rows = set(self.thumbs)
        self.draft_rows.clear()
        self.alphas.clear()
        self.suggestions = {}
        self.pinned = set()
        self.context = None
        self.endResetModel()

    def set_suggestions(self, suggestions: dict[int, list[str]]) -> None:
        self.suggestions = {int(r): list(t) for r, t in suggestions.items()}
        self.rowsChanged.emit([])

    def set_pinned(self, rows: set[int]) -> None:
        if set(rows) != self.pinned:
            self.pinned = set(rows)
            self.rowsChanged.emit([])

    def set_context(self, context: tuple) -> None:
        """A new sample/direction set: old thumbnails no longer apply (kept, dimmed, until replaced)."""
        if context != self.context:
            self.context = context
            self.stale_rows = set(self.thumbs)
            self.draft_rows.clear()
            self.rowsChanged.emit([])

    def add_thumbnails(self, context: tuple, rows: list[tuple[int, list[QImage]]], draft: bool = False) -> bool:
        """Strips for `context` (draft: low resolution, the sharp ones follow); others are dropped."""
        if context != self.context:
            return False  # rendered for a sample or direction set no longer shown
        changed = []
        for row, images in rows:
            if not 0 <= row < self.rowCount() or (draft and row in self.thumbs and row not in self.stale_rows
                                                  and row not in self.draft_rows):
                continue  # a late draft never replaces a sharp strip
            self.thumbs[row] = [thumb_pixmap(im, self.thumb_px, self.dpr) for im in images]
            self.stale_rows.discard(row)
            (self.draft_rows.add if draft else self.draft_rows.discard)(row)
            changed.append(row)
        self.rowsChanged.emit(changed)
        return True

    def sharp_rows(self) -> set[int]:
        """Rows showing their final strip (not a draft, not stale)."""
        return set(self.thumbs) - self.draft_rows - self.stale_rows

    def drafted_rows(self, rows: list[int]) -> list[int]:
        """Of `rows`, those showing a current draft: they only need their sharp strip."""
        return [r for r in rows if r in self.draft_rows and r not in self.stale_rows]

    def set_names(self, names: list[str]) -> None:
        """The cards' names (the session's labels); repaints the rows that changed."""
        changed = [r for r, n in enumerate(names[: len(self.names)]) if self.names[r] != n]
        self.names = list(names) + [""] * (len(self.values) - len(names))
        if changed:
            self.rowsChanged.emit(changed)

    def set_alphas(self, alphas: dict[int, float]) -> None:
        changed = set(alphas) ^ set(self.alphas) | {r for r in alphas if self.alphas.get(r) != alphas[r]}
        self.alphas = dict(alphas)
        if changed:
            self.rowsChanged.emit(sorted(changed))

    def missing_thumbnails(self, rows: range) -> list[int]:
        sharp = self.sharp_rows()
        return [r for r in rows if r not in sharp]

    def name(self, row: int) -> str:
        return self.names[row] or f"direction {row}"

    # -- QAbstractListModel ----------------------------------------------------------------------
    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.values)

    def flags(self, index: QModelIndex | QPersistentModelIndex) -> Qt.ItemFlag:
        return super().flags(index) | Qt.ItemFlag.ItemIsEditable

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid():
            return None
        row = index.row()
        if role == Qt.ItemDataRole.DisplayRole:
            return self.name(row)
        if role == Qt.ItemDataRole.EditRole:
            return self.names[row]
        if role == ValueRole:
            return float(self.values[row])
        if role == FractionRole:
            top = float(self.values[0]) if len(self.values) else 1.0
            return float(self.values[row]) / top if top > 0 else 0.0
        if role == ThumbsRole:
            return self.thumbs.get(row)
        if role == AlphaRole:
            return self.alphas.get(row)
        if role == Qt.ItemDataRole.ToolTipRole:
            extra = ""
            if row in self.suggestions:
                extra += " Labels: " + ", ".join(self.suggestions[row]) + " (click one to name the card)."
            if row in self.pinned:
                extra += " Pinned: other edits keep it fixed."
            what = (f"changes the region {self.values[row]:.3g}× as much as the rest of the image"
                    if self.value_kind == "region" else f"eigenvalue {self.values[row]:.4g}")
            return (f"Direction {row}: {what}. Drag sideways to edit, "
                    "double-click a thumbnail to add it, F2 to rename." + extra)
        return None

    def setData(self, index: QModelIndex | QPersistentModelIndex, value, role: int = Qt.ItemDataRole.EditRole):
        if role != Qt.ItemDataRole.EditRole or not index.isValid():
            return False
        # A request: the session owns the names and sends them back through set_names.
        self.renamed.emit(index.row(), str(value).strip())
        return True


class CardDelegate(QStyledItemDelegate):
    def __init__(self, gallery: DirectionGallery) -> None:
        super().__init__(gallery)
        self.gallery = gallery

    def sizeHint(self, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> QSize:
        width = self.gallery.card_width()
        return QSize(width, card_height(width, len(self.gallery.alphas)))

    def paint(self, p: QPainter, option: QStyleOptionViewItem, index: QModelIndex | QPersistentModelIndex) -> None:
        pal: QPalette = option.palette
        steps = len(self.gallery.alphas)
        g = card_geometry(option.rect, steps)
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        hover = bool(option.state & QStyle.StateFlag.State_MouseOver)
        # Read the Python model directly: in PySide6 6.12 every invalid QVariant converted back to Python
        # (index.data() of a role without a value) drops a reference to None, which ends in a crash.
        model: DirectionModel = self.gallery.model
        row = index.row()
        alpha = model.alphas.get(row)
        p.save()
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        card = QRectF(option.rect.adjusted(PAD // 2, PAD // 2, -PAD // 2, -PAD // 2))
        base = pal.color(QPalette.ColorRole.Base)
        bg = pal.color(QPalette.ColorRole.AlternateBase) if hover else base
        accent = pal.color(QPalette.ColorRole.Highlight)
        border = accent if selected else pal.color(QPalette.ColorRole.Mid)
        path = QPainterPath()
        path.addRoundedRect(card, 8, 8)
        p.fillPath(path, bg)
        p.setPen(border)
        p.drawPath(path)
        if alpha is not None:  # an active edit: accent stripe on the left edge
            stripe = QPainterPath()
            stripe.addRoundedRect(QRectF(card.left() + 1, card.top() + 8, 3, card.height() - 16), 1.5, 1.5)
            p.fillPath(stripe, accent)

        text = pal.color(QPalette.ColorRole.Text)
        muted = pal.color(QPalette.ColorRole.PlaceholderText)
        f = QFont(option.font)
        f.setBold(True)
        f.setPointSizeF(f.pointSizeF() * 1.15)
        p.setFont(f)
        p.setPen(text)
        p.drawText(QRect(g.info.left(), g.info.top(), g.info.width(), 20), Qt.AlignmentFlag.AlignLeft,
                   f"#{row}")
        f2 = QFont(option.font)
        p.setFont(f2)
        p.setPen(text if model.names[row] else muted)
        name = p.fontMetrics().elidedText(model.name(row), Qt.TextElideMode.ElideRight, g.name.width())
        p.drawText(g.name, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, name)
        if row in model.pinned:
            p.setPen(accent)
            p.drawText(QRect(g.info.left(), g.info.top(), g.info.width() - 4, 20), Qt.AlignmentFlag.AlignRight,
                       "pinned")
        chips = model.suggestions.get(row)
        if chips:
            cf = chip_font(option.font)
            p.setFont(cf)
            for t, r in zip(chips, suggestion_rects(g, chips, QFontMetrics(cf)), strict=False):
                chip = QPainterPath()
                chip.addRoundedRect(QRectF(r), 4, 4)
                p.fillPath(chip, pal.color(QPalette.ColorRole.Midlight))
                p.setPen(text)
                p.drawText(r.adjusted(5, 0, -2, 0), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                           p.fontMetrics().elidedText(t, Qt.TextElideMode.ElideRight, r.width() - 7))
        small = QFont(option.font)
        small.setPointSizeF(small.pointSizeF() * 0.85)
        p.setFont(small)
        p.setPen(muted)
        value_text = model.value_text(row)
        if alpha is not None:
            value_text += f"   α = {alpha:+.2f}"
        p.drawText(QRect(g.bar.left(), g.bar.top() - 18, g.bar.width(), 16),
                   Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, value_text)
        track = QPainterPath()
        track.addRoundedRect(QRectF(g.bar), 3, 3)
        p.fillPath(track, pal.color(QPalette.ColorRole.Midlight))
        top = float(model.values[0]) if len(model.values) else 0.0
        frac = max(0.0, min(1.0, float(model.values[row]) / top)) if top > 0 else 0.0
        if frac > 0:
            fill = QPainterPath()
            fill.addRoundedRect(QRectF(g.bar.left(), g.bar.top(), max(6.0, g.bar.width() * frac), g.bar.height()),
                                3, 3)
            p.fillPath(fill, accent)

        thumbs = model.thumbs.get(row)
        placeholder = pal.color(QPalette.ColorRole.Window)
        stale = row in model.stale_rows  # another seed/layers/set: shown dimmed until replaced
        for i, r in enumerate(g.thumbs):
            if thumbs and i < len(thumbs):
                pm = thumbs[i]
                p.setOpacity(0.35 if stale else 1.0)
                if abs(pm.width() / pm.devicePixelRatio() - r.width()) < 0.5:
                    p.drawPixmap(r.topLeft(), pm)  # already rounded and at size: a plain blit
                else:
                    p.drawPixmap(r, pm)
                p.setOpacity(1.0)
            else:
                clip = QPainterPath()
                clip.addRoundedRect(QRectF(r), 5, 5)
                p.fillPath(clip, placeholder)
            p.setPen(muted)
            p.drawText(QRect(r.left(), r.bottom() + 6, r.width(), LABEL_H - 6),
                       Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop,
                       _alpha_label(self.gallery.alphas[i]))
        if alpha is not None and steps > 1:  # where the current α sits: a knob on a track under the strip
            first, last = g.thumbs[0].center().x(), g.thumbs[-1].center().x()
            y = g.strip.bottom() + 3
            track = QPainterPath()
            track.addRoundedRect(QRectF(first, y, last - first, 2), 1, 1)
            p.fillPath(track, pal.color(QPalette.ColorRole.Mid))
            knob = QPainterPath()
            knob.addRoundedRect(QRectF(knob_rect(g, alpha, self.gallery.amplitude)), 3, 3)
            p.fillPath(knob, accent)
            nearest = min(range(steps), key=lambda i: abs(self.gallery.alphas[i] - alpha))
            ring = QPainterPath()
            ring.addRoundedRect(QRectF(g.thumbs[nearest]).adjusted(-1.5, -1.5, 1.5, 1.5), 6, 6)
            p.setPen(accent)
            p.setBrush(Qt.BrushStyle.NoBrush)
            p.drawPath(ring)
        p.restore()

    # -- renaming ----------------------------------------------------------------------------------
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem,
                     index: QModelIndex | QPersistentModelIndex) -> QWidget:
        editor = QLineEdit(parent)
        editor.setPlaceholderText("name this direction")
        return editor

    def setEditorData(self, editor: QWidget, index: QModelIndex | QPersistentModelIndex) -> None:
        editor.setText(self.gallery.model.names[index.row()])  # type: ignore[attr-defined]

    def updateEditorGeometry(self, editor: QWidget, option: QStyleOptionViewItem,
                             index: QModelIndex | QPersistentModelIndex) -> None:
        editor.setGeometry(card_geometry(option.rect, len(self.gallery.alphas)).name.adjusted(-3, -1, 3, 1))


def _alpha_label(a: float) -> str:
    return "0" if abs(a) < 1e-9 else f"{a:+g}".replace("-", "−")


class DirectionGallery(QWidget):
    """The gallery pane. Signals carry direction rows of the current set."""

    alphaDragged = Signal(int, float)  # row, α while dragging (draft preview)
    alphaCommitted = Signal(int, float)  # row, α on release / key / double-click
    thumbnailsWanted = Signal(list)  # rows in view without thumbnails
    suggestionClicked = Signal(int, int)  # row, which of its label chips

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("directionGallery")
        self.amplitude = 3.0
        self.alphas = alphas_for(self.amplitude, 5)
        self.model = DirectionModel(self)
        self.view = QListView(self)
        self.view.setObjectName("directionView")
        self.view.setModel(self.model)
        self.view.setItemDelegate(CardDelegate(self))
        self.view.setUniformItemSizes(True)
        self.view.setMouseTracking(True)
        self.view.setVerticalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.view.setResizeMode(QListView.ResizeMode.Adjust)  # cards follow the view's width
        self.view.verticalScrollBar().setSingleStep(24)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(QAbstractItemView.EditTrigger.EditKeyPressed)
        self.view.setDragEnabled(False)
        self.view.setFrameShape(QListView.Shape.NoFrame)
        self.view.setSpacing(0)
        self.view.viewport().installEventFilter(self)
        self.view.installEventFilter(self)
        self.view.verticalScrollBar().valueChanged.connect(self._schedule_visible)
        self.model.modelReset.connect(self._schedule_visible)
        self.model.rowsChanged.connect(self._repaint_rows)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        lay.addWidget(self.view, 1)  # the cards take every spare pixel (panels above keep their height)
        self._drag: dict | None = None
        self.drag_serial = 0  # which drag the α signals belong to (one undo step per drag)
        self._visible_timer = QTimer(self)
        self._visible_timer.setSingleShot(True)
        self._visible_timer.setInterval(30)
        self._visible_timer.timeout.connect(self.request_visible)
        # The size thumbnails are rendered at follows the cards' size once a resize has settled (while it
        # goes on, the thumbnails in hand are scaled).
        self._size_timer = QTimer(self)
        self._size_timer.setSingleShot(True)
        self._size_timer.setInterval(200)
        self._size_timer.timeout.connect(self._update_thumb_px)

    # -- content -----------------------------------------------------------------------------------
    def set_directions(self, values: np.ndarray, names: list[str] | None = None, kind: str = "sefa") -> None:
        self.model.set_directions(values, names, kind)
        self.view.scrollToTop()

    def set_amplitude(self, amplitude: float, steps: int) -> None:
        """The α range of the strips (and of a full drag)."""
        self.amplitude = float(amplitude)
        self.alphas = alphas_for(self.amplitude, steps)
        self.view.viewport().update()

    def visible_rows(self) -> range:
        n = self.model.rowCount()
        if n == 0:
            return range(0)
        vp = self.view.viewport().rect()
        first = self.view.indexAt(vp.topLeft() + QPoint(4, 4))
        last = self.view.indexAt(QPoint(4, vp.bottom() - 1))
        lo = first.row() if first.isValid() else 0
        hi = last.row() if last.isValid() else n - 1
        return range(max(0, lo), min(n, hi + 2))  # one row of look-ahead

    def request_visible(self) -> None:
        self.model.dpr = self.view.devicePixelRatioF()
        missing = self.model.missing_thumbnails(self.visible_rows())
        if missing and self.model.context is not None:
            self.thumbnailsWanted.emit(missing)

    def _repaint_rows(self, rows: list[int]) -> None:
        if not rows:
            self.view.viewport().update()
        for r in rows:
            self.view.update(self.model.index(r))

    def _schedule_visible(self) -> None:
        self._visible_timer.start()

    def resizeEvent(self, event) -> None:  # noqa: N802
        super().resizeEvent(event)
        self._schedule_visible()
        self._size_timer.start()

    # -- layout: cards as wide as the view, thumbnails as large as fits -------------------------------
    def card_width(self) -> int:
        """Cards fill the view's width (no sideways scrolling) down to min_card_width(). The vertical
        scroll bar's room is always left: it comes and goes with the number of cards, and the cards
        must fit either way."""
        v = self.view
        bar = v.style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent, None, v)
        inner = v.width() - 2 * v.frameWidth() - (0 if v.verticalScrollBar().isVisible() else bar)
        return max(min_card_width(len(self.alphas)), min(inner, v.viewport().width()))

    def thumb_size(self) -> int:
        """The thumbnails' size on screen now (logical px)."""
        return thumb_size_for(self.card_width(), len(self.alphas))[0]

    def render_size(self) -> int:
        """The size to render thumbnails at: the size on screen rounded up to a step of 32 px, so that a
        window resize re-renders them only when it changes their size noticeably."""
        return min(MAX_THUMB, -(-self.thumb_size() // 32) * 32)

    def _update_thumb_px(self) -> None:
        px = self.render_size()
        if px != self.model.thumb_px:
            self.model.thumb_px = px
            self.model.thumbs.clear()  # rendered at the old size: ask again for the rows in view
            self.model.draft_rows.clear()
            self.model.stale_rows.clear()
            self.view.viewport().update()
            self._schedule_visible()

    def thumb_alpha_at(self, index: QModelIndex, pos: QPoint) -> float | None:
        g = card_geometry(self.view.visualRect(index), len(self.alphas))
        for a, r in zip(self.alphas, g.thumbs, strict=True):
            if r.adjusted(-2, -2, 2, LABEL_H).contains(pos):
                return a
        return None

    def suggestion_rect(self, row: int, i: int) -> QRect | None:
        """Where label chip `i` of `row` is in the viewport (None: not shown)."""
        texts = self.model.suggestions.get(row, [])
        g = card_geometry(self.view.visualRect(self.model.index(row)), len(self.alphas))
        rects = suggestion_rects(g, texts, QFontMetrics(chip_font(self.view.font())))
        return rects[i] if 0 <= i < len(rects) else None

    def suggestion_at(self, index: QModelIndex, pos: QPoint) -> int | None:
        texts = self.model.suggestions.get(index.row())
        if not texts:
            return None
        g = card_geometry(self.view.visualRect(index), len(self.alphas))
        for i, r in enumerate(suggestion_rects(g, texts, QFontMetrics(chip_font(self.view.font())))):
            if r.contains(pos):
                return i
        return None

    def _alpha_per_pixel(self, index: QModelIndex) -> float:
        g = card_geometry(self.view.visualRect(index), len(self.alphas))
        span = max(1, g.thumbs[-1].center().x() - g.thumbs[0].center().x())
        return 2 * self.amplitude / span

    # -- drag-to-edit and keys -----------------------------------------------------------------------
    def eventFilter(self, obj: QObject, event: QEvent) -> bool:  # noqa: N802
        et = event.type()
        if obj is self.view and et == QEvent.Type.KeyPress:
            return self._key(event)  # type: ignore[arg-type]
        if obj is not self.view.viewport():
            return False
        if et == QEvent.Type.MouseButtonPress:
            ev: QMouseEvent = event  # type: ignore[assignment]
            if ev.button() != Qt.MouseButton.LeftButton:
                return False
            pos = ev.position().toPoint()
            index = self.view.indexAt(pos)
            if not index.isValid():
                return False
            chip = self.suggestion_at(index, pos)
            if chip is not None:
                self.suggestionClicked.emit(index.row(), chip)
                return True
            g = card_geometry(self.view.visualRect(index), len(self.alphas))
            on_text = not drag_zone(g).contains(pos)
            current = self.model.alphas.get(index.row())
            on_knob = current is not None and knob_rect(g, current, self.amplitude).adjusted(-4, -4, 4, 4).contains(pos)
            thumb = None if on_knob or on_text else self.thumb_alpha_at(index, pos)
            current = current or 0.0
            self.drag_serial += 1
            self._drag = dict(row=index.row(), x0=pos.x(), y0=pos.y(), a0=current if thumb is None else thumb,
                              on_thumb=thumb is not None, active=False, alpha=None, on_text=on_text,
                              scale=self._alpha_per_pixel(index))
            self.view.setCurrentIndex(index)
            return False  # let the view select the card
        if et == QEvent.Type.MouseMove and self._drag is not None:
            ev = event  # type: ignore[assignment]
            dx = ev.position().toPoint().x() - self._drag["x0"]
            if not self._drag["active"] and self._drag["on_text"]:
                dy = ev.position().toPoint().y() - self._drag["y0"]
                if abs(dy) > max(DRAG_THRESHOLD, abs(dx)):  # mostly vertical: not an edit
                    self._drag = None
                    return False
                if abs(dx) < TEXT_DRAG_THRESHOLD:
                    return True
            if not self._drag["active"] and abs(dx) < DRAG_THRESHOLD:
                return True
            self._drag["active"] = True
            limit = 2 * self.amplitude
            alpha = max(-limit, min(limit, self._drag["a0"] + dx * self._drag["scale"]))
            self._drag["alpha"] = alpha
            self.alphaDragged.emit(self._drag["row"], alpha)
            return True
        if et == QEvent.Type.MouseButtonRelease and self._drag is not None:
            drag, self._drag = self._drag, None
            if drag["active"] and drag["alpha"] is not None:
                self.alphaCommitted.emit(drag["row"], drag["alpha"])
                return True
            return False
        if et == QEvent.Type.MouseButtonDblClick:
            ev = event  # type: ignore[assignment]
            pos = ev.position().toPoint()
            index = self.view.indexAt(pos)
            if not index.isValid():
                return False
            thumb = self.thumb_alpha_at(index, pos)
            if thumb is not None:
                self.alphaCommitted.emit(index.row(), thumb)
                return True
            if card_geometry(self.view.visualRect(index), len(self.alphas)).info.contains(pos):
                self.view.edit(index)
                return True
        return False

    def _key(self, ev: QKeyEvent) -> bool:
        if ev.key() not in (Qt.Key.Key_Left, Qt.Key.Key_Right) or self.view.state() == \
                QAbstractItemView.State.EditingState:
            return False
        index = self.view.currentIndex()
        if not index.isValid():
            return False
        step = KEY_STEP * self.amplitude * (1 if ev.key() == Qt.Key.Key_Right else -1)
        limit = 2 * self.amplitude
        alpha = max(-limit, min(limit, self.model.alphas.get(index.row(), 0.0) + step))
        self.alphaCommitted.emit(index.row(), round(alpha, 4))
        return True
