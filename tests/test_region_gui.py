"""The region tool in the real window: draw a rectangle on the preview, Find directions here, a region
set appears in the gallery with its region drawn on the preview, dragging one of its cards edits the
preview, one click goes back to the global set; brush, eraser and Cancel."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPoint, Qt  # noqa: E402
from test_gui_window import (  # noqa: E402
    TIMEOUT,
    drag_card,
    send_mouse,
    shown_image,
    shown_window,
    wait_for_model,
)

from sefa_desktop.gui.region_mask import RegionMask  # noqa: E402
from sefa_desktop.gui.region_tool import image_box  # noqa: E402


@pytest.fixture
def window(qtbot):
    w = shown_window(qtbot)
    w.open_model("cartoon-faces-sg2-32")
    wait_for_model(qtbot, w, "cartoon-faces-sg2-32")
    qtbot.waitUntil(lambda: w.preview.image.pixmap is not None and w.render.frame_current, timeout=TIMEOUT)
    yield w
    w.close()


def point(overlay, fx: float, fy: float) -> QPoint:
    box = image_box(overlay)
    return QPoint(int(box.left() + fx * box.width()), int(box.top() + fy * box.height()))


def draw(overlay, points: list[tuple[float, float]]) -> None:
    send_mouse(overlay, QEvent.Type.MouseButtonPress, point(overlay, *points[0]))
    for p in points[1:]:
        send_mouse(overlay, QEvent.Type.MouseMove, point(overlay, *p))
    send_mouse(overlay, QEvent.Type.MouseButtonRelease, point(overlay, *points[-1]))


def test_rectangle_find_directions_and_drag_a_region_card(qtbot, window):
    w = window
    tool = w.region_tool
    global_set = w.session.directions
    assert global_set.kind == "sefa" and not tool.switch_btn.isEnabled()

    tool.tool_buttons["rect"].click()
    assert tool.overlay.tool == "rect"
    draw(tool.overlay, [(0.2, 0.38), (0.5, 0.5), (0.8, 0.58)])
    cells = tool.mask.cells
    assert cells.any() and 0.08 < cells.mean() < 0.16  # the band: 60% × 20% of the image
    ys, xs = np.nonzero(cells)
    assert abs(xs.min() / cells.shape[1] - 0.2) < 0.03 and abs(ys.max() / cells.shape[0] - 0.58) < 0.03

    tool.find_btn.click()
    assert tool.overlay.tool == ""  # the tool is put down while it runs
    qtbot.waitUntil(lambda: w.session.directions is not None and w.session.directions.kind == "region",
                    timeout=60_000)
    d = w.session.directions
    assert len(d) == 10 and d.dirset.method == "region" and d.layers == list(range(8))
    assert d.labels[0] == "region 0" and "for the region" in w.gallery_sub.text()
    assert w.gallery.view.model().rowCount() == 10
    # the card's number is the region/rest ratio, not an eigenvalue
    gm = w.gallery.model
    ratio = float(d.values[0])
    assert gm.value_text(0) == f"region/rest {ratio:.3g}×" and "λ" not in gm.value_text(0)
    assert "as much as the rest" in gm.data(gm.index(0), Qt.ItemDataRole.ToolTipRole)
    # the region is drawn (faintly) over the preview while these directions are shown
    assert tool.overlay.shown is not None and tool.overlay.shown.mean() == pytest.approx(cells.mean(), abs=0.03)

    qtbot.waitUntil(lambda: w.render.frame_current, timeout=TIMEOUT)
    before = shown_image(w)
    drag_card(qtbot, w, 0, 120)
    qtbot.waitUntil(lambda: len(w.preview.edits) == 1 and w.render.frame_current and shown_image(w) != before,
                    timeout=TIMEOUT)
    edit = w.preview.edits[0]
    assert edit.key == (d.id, 0) and edit.alpha > 1.0 and edit.name == "region 0"

    # one click back to the global set: no region on the preview; the edit stays
    assert tool.switch_btn.isEnabled() and tool.switch_btn.text() == "Global directions"
    tool.switch_btn.click()
    assert w.session.directions is global_set and tool.overlay.shown is None
    assert gm.value_text(0).startswith("λ = ")
    assert w.gallery.view.model().rowCount() == len(global_set) and len(w.preview.edits) == 1
    tool.switch_btn.click()  # and back
    assert w.session.directions.kind == "region" and tool.overlay.shown is not None


def test_brush_eraser_and_empty_region(qtbot, window):
    w = window
    tool = w.region_tool
    assert not tool.find_directions()  # nothing painted: a message, no job
    assert "Paint a region" in w.error_label.text()
    tool.set_tool("brush")
    tool.size.setValue(10)
    draw(tool.overlay, [(0.1, 0.1), (0.5, 0.1)])
    painted = tool.mask.cells.sum()
    assert painted > 0 and tool.mask.cells[:, : tool.mask.side // 2].any()
    tool.set_tool("eraser")
    assert not tool.tool_buttons["brush"].isChecked()
    draw(tool.overlay, [(0.1, 0.1), (0.3, 0.1)])
    assert 0 < tool.mask.cells.sum() < painted
    tool.clear()
    assert tool.mask.is_empty()


def test_cancel_leaves_the_gallery_as_it_was(qtbot, window):
    w = window
    tool = w.region_tool
    global_set = w.session.directions
    tool.mask.rect(0.0, 0.0, 0.3, 0.3)
    assert tool.find_directions()
    tool.jobs.runner.cancel()  # before the job's first progress report: it cannot finish, whatever the timing
    qtbot.waitUntil(lambda: not tool.jobs.busy(), timeout=60_000)
    assert tool.jobs.last_message == "cancelled"
    assert w.session.directions is global_set and "region" not in w.session.sets


def test_region_mask_geometry():
    m = RegionMask(10)
    m.rect(0.72, 0.28, 0.28, 0.02)  # corners in any order; cells whose centres are inside
    assert m.cells.sum() == 3 * 4 and m.cells[0:3, 3:7].all()
    m.clear()
    m.stroke(0.05, 0.55, 0.95, 0.55, 0.06)
    assert m.cells[5].all() and m.cells.sum() == 10
    m.stroke(0.55, 0.55, 0.55, 0.55, 0.06, value=False)  # one cell centre within reach
    assert m.cells.sum() == 9
    assert m.to_region().fraction == pytest.approx(0.09)
