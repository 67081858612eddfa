"""Drive the real main window offscreen: load, gallery, drag-to-edit, layer tree, errors."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from fakes import FakeStyleModel  # noqa: E402
from PySide6.QtCore import QEvent, QMimeData, QPoint, QPointF, Qt, QUrl  # noqa: E402
from PySide6.QtGui import QDropEvent, QImage, QKeySequence, QMouseEvent  # noqa: E402
from PySide6.QtWidgets import QAbstractItemView, QApplication, QWidget  # noqa: E402

from sefa_desktop.gui.gallery import card_geometry, knob_rect  # noqa: E402
from sefa_desktop.gui.layer_tree import preset_rows  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402

TIMEOUT = 20_000


def fake_loader(source: str, device: str):
    if source == "fake:style":  # rows at 4, 4, 8, 8, 16, 16 px
        return FakeStyleModel(seed=7, name="fake-style", family="stylegan2", source=source)
    return load_model(source, device)


def shown_window(qtbot, loader=None, size: tuple[int, int] = (1400, 900)) -> MainWindow:
    """The main window shown, with the default model's directions and first preview (other GUI tests
    start from it too)."""
    w = MainWindow()
    if loader is not None:
        w.worker.loader = loader
    qtbot.addWidget(w)
    w.resize(*size)
    w.show()
    qtbot.waitUntil(lambda: w.dirs is not None and w.preview.image.pixmap is not None, timeout=TIMEOUT)
    return w


@pytest.fixture
def window(qtbot):
    w = shown_window(qtbot, fake_loader)
    yield w
    w.close()


def send_mouse(widget: QWidget, kind: QEvent.Type, pos: QPoint, button=Qt.MouseButton.LeftButton) -> None:
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else Qt.MouseButton.LeftButton
    ev = QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)),
                     Qt.MouseButton.NoButton if kind == QEvent.Type.MouseMove else button, buttons,
                     Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(widget, ev)


def shown_image(w: MainWindow) -> QImage:
    return w.preview.image.image.copy()


def wait_for_model(qtbot, w: MainWindow, name: str) -> None:
    qtbot.waitUntil(lambda: w.model_info is not None and w.model_info["name"] == name and w.dirs is not None
                    and w.dirs.model_gen == w.model_gen, timeout=TIMEOUT)


def test_bundled_model_fills_the_gallery_with_thumbnails(qtbot, window):
    w = window
    for name in ("modelBrowser", "layerTree", "directionGallery", "preview"):
        assert w.findChild(QWidget, name) is not None, name
    assert w.model_info["name"] == "digiface-dcgan64"
    view = w.gallery.view
    assert isinstance(view, QAbstractItemView) and view.isVisible()
    assert view.model().rowCount() == len(w.dirs.values) == 100
    assert np.all(np.diff(w.dirs.values) <= 0)  # ordered by eigenvalue
    visible = list(w.gallery.visible_rows())
    qtbot.waitUntil(lambda: all(r in w.gallery.model.thumbs for r in visible), timeout=TIMEOUT)
    assert len(w.gallery.model.thumbs[0]) == len(w.gallery.alphas)
    assert len(w.gallery.model.thumbs) < 100  # only the rows in view were rendered
    assert "digiface" in w.browser.details.text()
    assert "CPU" in w.device_label.text()


def test_dragging_a_thumbnail_edits_the_preview(qtbot, window):
    w = window
    before = shown_image(w)
    vp = w.gallery.view.viewport()
    rect = w.gallery.view.visualRect(w.gallery.model.index(0))
    g = card_geometry(rect, len(w.gallery.alphas))
    start = g.thumbs[len(g.thumbs) // 2].center()  # the α = 0 thumbnail
    send_mouse(vp, QEvent.Type.MouseButtonPress, start)
    for dx in range(4, 124, 8):
        send_mouse(vp, QEvent.Type.MouseMove, start + QPoint(dx, 1))
        qtbot.wait(5)
    qtbot.waitUntil(lambda: shown_image(w) != before, timeout=TIMEOUT)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, start + QPoint(120, 1))
    assert len(w.preview.edits) == 1
    edit = w.preview.edits[0]
    assert edit.key[1] == 0 and edit.alpha > 1.0
    assert w.gallery.model.alphas == {0: edit.alpha}
    # the final (non-draft) frame for the released α is what is shown
    qtbot.waitUntil(lambda: w.render.frame_current, timeout=TIMEOUT)
    assert "ms/frame" in w.timing_label.text()

    # a stray press on the card's text never edits: a jittery click, or a move more vertical than sideways
    first_alpha = edit.alpha
    text = g.info.center()
    send_mouse(vp, QEvent.Type.MouseButtonPress, text)
    for d in (QPoint(4, 1), QPoint(10, -2), QPoint(-8, 3)):
        send_mouse(vp, QEvent.Type.MouseMove, text + d)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, text + QPoint(-8, 3))
    send_mouse(vp, QEvent.Type.MouseButtonPress, text)
    for d in (QPoint(2, 8), QPoint(30, 60), QPoint(200, 80)):
        send_mouse(vp, QEvent.Type.MouseMove, text + d)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, text + QPoint(200, 80))
    assert [e.alpha for e in w.preview.edits] == [first_alpha]
    # a deliberate horizontal drag that starts on the text edits (DESIGN.md: anywhere in the card's
    # rectangle), from the card's current α rather than from a thumbnail's
    send_mouse(vp, QEvent.Type.MouseButtonPress, text)
    for dx in (-10, -20, -30):
        send_mouse(vp, QEvent.Type.MouseMove, text + QPoint(dx, 0))
    send_mouse(vp, QEvent.Type.MouseButtonRelease, text + QPoint(-30, 0))
    assert len(w.preview.edits) == 1
    text_alpha = w.preview.edits[0].alpha
    assert 0 < text_alpha < first_alpha
    assert text_alpha == pytest.approx(first_alpha - 30 * w.gallery._alpha_per_pixel(w.gallery.model.index(0)))
    first_alpha = text_alpha
    # a drag that starts on the α knob continues from the current α (no jump to a thumbnail's α)
    knob = knob_rect(g, first_alpha, w.gallery.amplitude).center()
    send_mouse(vp, QEvent.Type.MouseButtonPress, knob)
    send_mouse(vp, QEvent.Type.MouseMove, knob - QPoint(20, 0))
    send_mouse(vp, QEvent.Type.MouseButtonRelease, knob - QPoint(20, 0))
    assert len(w.preview.edits) == 1
    assert 0 < w.preview.edits[0].alpha < first_alpha


def drag_card(qtbot, w: MainWindow, row: int, dx_total: int) -> None:
    """Press on the α = 0 thumbnail of `row`, move sideways in small steps, release."""
    vp = w.gallery.view.viewport()
    g = card_geometry(w.gallery.view.visualRect(w.gallery.model.index(row)), len(w.gallery.alphas))
    start = g.thumbs[len(g.thumbs) // 2].center()
    send_mouse(vp, QEvent.Type.MouseButtonPress, start)
    step = 8 if dx_total > 0 else -8
    for dx in range(4 * (1 if dx_total > 0 else -1), dx_total, step):
        send_mouse(vp, QEvent.Type.MouseMove, start + QPoint(dx, 1))
        qtbot.wait(5)
    send_mouse(vp, QEvent.Type.MouseButtonRelease, start + QPoint(dx_total, 1))


def test_undo_and_redo_of_a_drag_restore_the_preview_exactly(qtbot, window):
    w = window
    assert QKeySequence("Ctrl+Z") in w.undo_action.shortcuts()
    assert any(k in w.redo_action.shortcuts() for k in (QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")))
    assert not w.undo_action.isEnabled()
    qtbot.waitUntil(lambda: w.render.frame_current, timeout=TIMEOUT)
    unedited = shown_image(w)
    drag_card(qtbot, w, 0, 120)
    qtbot.waitUntil(lambda: w.render.frame_current and shown_image(w) != unedited, timeout=TIMEOUT)
    edited = shown_image(w)
    alpha = w.preview.edits[0].alpha
    assert w.undo_action.isEnabled() and "Edit α" in w.undo_action.text()

    w.undo_action.trigger()  # the whole drag is one step
    assert not w.preview.edits and not w.gallery.model.alphas and not w.undo_action.isEnabled()
    qtbot.waitUntil(lambda: w.render.frame_current and shown_image(w) == unedited, timeout=TIMEOUT)

    w.redo_action.trigger()
    assert [(e.key[1], e.alpha) for e in w.preview.edits] == [(0, alpha)] and w.gallery.model.alphas == {0: alpha}
    qtbot.waitUntil(lambda: w.render.frame_current and shown_image(w) == edited, timeout=TIMEOUT)


def test_undo_covers_seed_psi_rename_and_reset(qtbot, window):
    w = window
    w.preview.seed.setValue(3)
    w.preview.psi.setValue(0.5)
    w.gallery.model.setData(w.gallery.model.index(2), "yaw")
    w.gallery.alphaCommitted.emit(2, 1.0)
    w.preview.clear_edits()
    assert w.session.sample()[:2] == (3, 0.5) and w.gallery.model.names[2] == "yaw" and not w.preview.edits
    w.undo_action.trigger()  # reset
    assert [(e.key[1], e.name) for e in w.preview.edits] == [(2, "yaw")]
    w.undo_action.trigger()  # α
    w.undo_action.trigger()  # rename
    assert w.gallery.model.names[2] == "" and w.gallery.model.data(w.gallery.model.index(2)) == "direction 2"
    w.undo_action.trigger()  # ψ
    assert w.preview.psi.value() == 1.0
    w.undo_action.trigger()  # seed
    assert w.preview.seed.value() == 0 and not w.undo_action.isEnabled()


def test_an_edit_keeps_its_alpha_when_the_alpha_range_changes(qtbot, window):
    w = window
    w.range_spin.setValue(1.0)
    w.gallery.alphaCommitted.emit(0, 1.5)
    row = w.preview.rows[(w.dirs_gen, 0)]
    w.range_spin.setValue(5.0)  # raise the range, then go beyond the old slider's reach
    w.gallery.alphaCommitted.emit(0, 8.0)
    assert w.preview.edits[0].alpha == 8.0
    assert row.slider.value() == 800 and row.slider.maximum() >= 800
    w.range_spin.setValue(1.0)  # a narrower range does not clamp an edit that is already further out
    assert w.preview.edits[0].alpha == 8.0 and row.slider.value() == 800


def test_export_directions_writes_the_names_without_changing_the_shared_set(qtbot, window, tmp_path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog

    from sefa_desktop.core.directions import DirectionSet

    w = window
    w.gallery.model.setData(w.gallery.model.index(1), "smile")
    shared = w.dirs.dirset
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "d.npz"), ""))
    w.export_directions()
    assert DirectionSet.load(tmp_path / "d.npz").labels[1] == "smile"
    assert shared.labels[1] == "" and w.dirs.dirset is shared


def test_double_click_and_arrow_keys_add_edits(qtbot, window):
    w = window
    view = w.gallery.view
    rect = view.visualRect(w.gallery.model.index(1))
    g = card_geometry(rect, len(w.gallery.alphas))
    send_mouse(view.viewport(), QEvent.Type.MouseButtonDblClick, g.thumbs[-1].center())
    assert [(e.key[1], e.alpha) for e in w.preview.edits] == [(1, w.gallery.amplitude)]
    view.setFocus()
    view.setCurrentIndex(w.gallery.model.index(2))
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Right)
    qtbot.keyClick(view, Qt.Key.Key_Left)
    assert {e.key[1]: e.alpha for e in w.preview.edits}[2] == pytest.approx(0.25 * w.gallery.amplitude)
    w.preview.clear_edits()
    assert not w.preview.edits and not w.gallery.model.alphas


def test_layer_group_toggle_refactorizes(qtbot, window):
    w = window
    qtbot.waitUntil(lambda: "ms/frame" in w.timing_label.text(), timeout=TIMEOUT)
    shown_at_switch: list[str] = []
    w.session.subscribe(lambda change: "model" in change.aspects and shown_at_switch.append(w.timing_label.text()))
    w.open_model("fake:style")
    wait_for_model(qtbot, w, "fake-style")
    assert shown_at_switch == [""]  # the old model's frame time is not shown under the new model's name
    assert w.layer_tree.tree.topLevelItemCount() == 3  # 4×4, 8×8, 16×16
    assert w.dirs.layers == list(range(6))
    before = w.dirs.vectors.copy()
    group = w.layer_tree.group_item(8)
    group.setCheckState(0, Qt.CheckState.Unchecked)
    qtbot.waitUntil(lambda: w.dirs.layers == [0, 1, 4, 5], timeout=TIMEOUT)
    assert not np.allclose(np.abs(before), np.abs(w.dirs.vectors), atol=1e-3)
    w.layer_tree.apply_preset("coarse")
    coarse = w.layer_tree.preset_rows("coarse")  # split by resolution: the 4×4 rows
    assert coarse == preset_rows("coarse", 6, w.session.row_resolutions) == [0, 1]
    qtbot.waitUntil(lambda: w.dirs.layers == coarse, timeout=TIMEOUT)
    # a style model's edit moves only the factorized rows unless overridden
    w.gallery.alphaCommitted.emit(0, 2.0)
    assert w.preview.edits[0].layers(6, True) == tuple(coarse)


def test_broken_file_shows_an_error_and_the_app_keeps_working(qtbot, window, tmp_path):
    w = window
    bad = tmp_path / "broken.pt"
    bad.write_bytes(b"this is not a checkpoint at all")
    mime = QMimeData()  # dropped onto the window, as from a file manager
    mime.setUrls([QUrl.fromLocalFile(str(bad))])
    drop = QDropEvent(QPointF(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)
    w.dropEvent(drop)
    qtbot.waitUntil(lambda: w.browser.error.isVisible(), timeout=TIMEOUT)
    assert "broken.pt" in w.browser.error_text.text()
    assert "broken.pt" in w.error_label.text()
    assert w.model_info["name"] == "digiface-dcgan64"  # the loaded model stays
    before = shown_image(w)
    w.preview.step_seed(1)
    qtbot.waitUntil(lambda: shown_image(w) != before, timeout=TIMEOUT)
    w.open_model("digiface-dcgan64")  # and another load still works
    qtbot.waitUntil(lambda: not w.browser.progress_box.isVisible(), timeout=TIMEOUT)


def test_window_layout_and_last_model_are_saved(qtbot, window, tmp_path):
    from sefa_desktop import settings

    window.close()
    ini = settings.config_dir() / "window.ini"
    assert ini.is_file() and "geometry" in ini.read_text()
    again = MainWindow()
    qtbot.addWidget(again)
    assert again.qsettings.value("model/last", "") == "digiface-dcgan64"
    again.close()


def test_a_vanished_last_model_falls_back_to_the_bundled_one(qtbot, tmp_path):
    from PySide6.QtCore import QSettings

    from sefa_desktop import settings

    settings.config_dir().mkdir(parents=True, exist_ok=True)
    ini = QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    ini.setValue("model/last", str(tmp_path / "gone.pt"))
    ini.sync()
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.dirs is not None, timeout=TIMEOUT)
    assert w.model_info["name"] == "digiface-dcgan64"
    assert "gone.pt" in w.browser.error_text.text() and w.browser.error.isVisible()
    w.close()


def test_opening_a_checkpoint_path_adds_it_to_the_recents(qtbot, window):
    from pathlib import Path

    from sefa_desktop import settings
    from sefa_desktop.models import bundled_models

    path = str(bundled_models()[0].path.resolve())
    window.open_model(path)
    qtbot.waitUntil(lambda: window.model_info["source"] == path and window.dirs is not None
                    and window.dirs.model_gen == window.model_gen,
                    timeout=TIMEOUT)
    assert settings.recent_models()[0] == path
    assert window.browser._recent_root.child(0).text(0) == Path(path).name
