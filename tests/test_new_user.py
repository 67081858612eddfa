"""What a new user trips over (issue 14), driven through the real main window offscreen: small and large
windows, load errors, the bundled list, presets, the drag zone and the theme."""

from __future__ import annotations

import pytest
import torch

pytest.importorskip("pytestqt")

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt  # noqa: E402
from PySide6.QtGui import QMouseEvent, QPalette  # noqa: E402
from PySide6.QtWidgets import QApplication, QMessageBox  # noqa: E402

from sefa_desktop.gui.gallery import THUMB, card_geometry  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402
from sefa_desktop.models import ModelLoadError, load_model  # noqa: E402

TIMEOUT = 30_000


def start(qtbot, width: int, height: int, initial: str | None = None) -> MainWindow:
    w = MainWindow(initial_model=initial)
    qtbot.addWidget(w)
    w.resize(width, height)
    w.show()
    qtbot.waitExposed(w)
    qtbot.waitUntil(lambda: w.dirs is not None and w.preview.image.pixmap is not None, timeout=TIMEOUT)
    return w


def truncated_checkpoint(path) -> str:
    """A torch checkpoint cut in half (the "notes.pt" a user copied before it was complete)."""
    torch.save({"g_ema": {"weight": torch.zeros(200_000)}}, path)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return str(path)


def send_mouse(widget, kind, pos: QPoint) -> None:
    button = Qt.MouseButton.LeftButton
    buttons = Qt.MouseButton.NoButton if kind == QEvent.Type.MouseButtonRelease else button
    QApplication.sendEvent(widget, QMouseEvent(kind, QPointF(pos), QPointF(widget.mapToGlobal(pos)), button,
                                               buttons, Qt.KeyboardModifier.NoModifier))


# -- small and large windows ---------------------------------------------------------------------------
@pytest.mark.parametrize("size", [(1000, 700), (1280, 720)])
def test_every_alpha_column_is_visible_without_sideways_scrolling(qtbot, size):
    w = start(qtbot, *size)
    assert (w.width(), w.height()) == size  # the window really is that small (it could not go below 1057)
    view = w.gallery.view
    qtbot.waitUntil(lambda: not view.horizontalScrollBar().isVisible(), timeout=5000)
    vp = view.viewport().rect()
    for row in list(w.gallery.visible_rows())[:2]:
        g = card_geometry(view.visualRect(w.gallery.model.index(row)), len(w.gallery.alphas))
        assert len(g.thumbs) == 5 and all(vp.contains(r) for r in g.thumbs), (row, g.thumbs, vp)
        assert g.thumbs[0].width() >= 64  # not postage stamps either
    w.close()


def test_thumbnails_grow_with_a_large_window_and_the_welcome_is_compact(qtbot):
    w = start(qtbot, 1600, 1000)
    assert w.gallery.thumb_size() > THUMB + 40
    # rendered at their size on screen, not scaled up from the old 84 px
    qtbot.waitUntil(lambda: w.gallery.model.thumb_px >= w.gallery.thumb_size(), timeout=5000)
    rows = list(w.gallery.visible_rows())
    qtbot.waitUntil(lambda: all(r in w.gallery.model.thumbs for r in rows), timeout=TIMEOUT)
    pm = w.gallery.model.thumbs[rows[0]][0]
    assert round(pm.width() / pm.devicePixelRatio()) == w.gallery.model.thumb_px
    assert w.welcome is not None and w.welcome.isVisible()
    assert w.welcome.height() < 0.12 * w.gallery.height()
    w.close()


def test_welcome_is_compact_on_a_laptop_screen(qtbot):
    w = start(qtbot, 1280, 720)
    assert w.welcome is not None and w.welcome.isVisible()
    assert w.welcome.height() < 0.2 * w.gallery.height()  # it took a third of the gallery
    w.close()


# -- load errors ---------------------------------------------------------------------------------------
def test_a_failed_load_clears_the_status_and_its_message_is_readable_in_full(qtbot, tmp_path):
    bad = truncated_checkpoint(tmp_path / "notes.pt")
    with pytest.raises(ModelLoadError) as err:
        load_model(bad)
    message = str(err.value)
    w = start(qtbot, 1000, 700)
    card_height = w.browser.card.height()
    w.open_model(bad)
    assert w.statusBar().currentMessage() == "Loading notes.pt…"
    qtbot.waitUntil(lambda: w.browser.error.isVisible(), timeout=TIMEOUT)
    assert w.statusBar().currentMessage() == ""  # not "Loading notes.pt…" forever
    panel = w.browser.error
    # all of the message is there: wrapped in the panel (scrolling past six lines), in the tooltip and
    # in Details…
    assert panel.text.text() == f"Could not open the model\n{message}"
    assert message in panel.toolTip()
    text = panel.text
    assert text.horizontalScrollBar().maximum() == 0  # wraps: nothing is cut at the right edge
    doc_height = text.document().size().height()
    assert text.height() >= min(doc_height, 6 * text.fontMetrics().lineSpacing())
    assert panel.details.isVisible()
    panel.details.click()
    box = panel.findChild(QMessageBox, "errorDetailsBox")
    assert box is not None and box.informativeText() == message
    box.close()
    # the error panel did not squeeze the model card
    assert w.browser.card.height() >= card_height
    assert w.browser.card.height() >= w.browser.card.minimumSizeHint().height()
    assert w.model_info["name"] == "digiface-dcgan64"
    w.close()


def test_launching_with_a_bad_file_shows_the_error_and_the_bundled_model(qtbot, tmp_path):
    bad = truncated_checkpoint(tmp_path / "notes.pt")
    w = start(qtbot, 1280, 720, initial=bad)
    assert w.model_info["name"] == "digiface-dcgan64"  # not an empty "No model loaded" window
    assert w.browser.error.isVisible() and "notes.pt" in w.browser.error_text.text()
    assert "notes.pt" in w.error_label.text()
    assert w.gallery.model.rowCount() > 0 and w.preview.image.pixmap is not None
    w.close()


# -- the bundled list ------------------------------------------------------------------------------------
def test_bundled_list_highlight_follows_the_loaded_model(qtbot):
    w = start(qtbot, 1280, 720)
    tree = w.browser.tree
    items = {tree.topLevelItem(0).child(i).text(0): tree.topLevelItem(0).child(i)
             for i in range(tree.topLevelItem(0).childCount())}
    cartoon, digiface = items["cartoon-faces-sg2-32"], items["digiface-dcgan64"]
    assert tree.currentItem() is digiface
    tree.setCurrentItem(cartoon)  # the user clicks the other model…
    tree.itemActivated.emit(cartoon, 0)
    qtbot.waitUntil(lambda: w.model_info["name"] == "cartoon-faces-sg2-32", timeout=TIMEOUT)
    w.open_model("digiface-dcgan64")  # …then opens the first one another way (a preset, File ▸ Recent)
    qtbot.waitUntil(lambda: w.model_info["name"] == "digiface-dcgan64", timeout=TIMEOUT)
    assert tree.currentItem() is digiface and tree.selectedItems() == [digiface]
    assert digiface.font(0).bold() and not cartoon.font(0).bold()
    w.close()


# -- presets -----------------------------------------------------------------------------------------------
def test_deleting_a_preset_asks_first(qtbot, tmp_path, monkeypatch):
    from sefa_desktop.gui.presets_pane import PresetsPane
    from sefa_desktop.presets import ModelRef, Preset, PresetStore

    store = PresetStore(tmp_path / "presets")
    store.save(Preset("smile", ModelRef("digiface-dcgan64", "bundled", "")))
    pane = PresetsPane(store)
    qtbot.addWidget(pane)
    pane.list.setCurrentRow(0)
    asked = []

    def answer(reply):
        def question(parent, title, text, *a, **k):
            asked.append(text)
            return reply
        return question

    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.No))
    pane.buttons["delete"].click()
    assert asked and "smile" in asked[0] and pane.list.count() == 1 and store.path_for("smile").exists()
    monkeypatch.setattr(QMessageBox, "question", answer(QMessageBox.StandardButton.Yes))
    pane.buttons["delete"].click()
    assert pane.list.count() == 0 and not store.path_for("smile").exists()


def test_save_preset_dialog_is_roomy_with_its_title_whole(qtbot):
    from sefa_desktop.gui.save_preset_dialog import TITLE, SavePresetDialog

    dlg = SavePresetDialog("digiface-dcgan64 seed 0", "digiface-dcgan64, seed 0, 2 active edits")
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    assert dlg.windowTitle() == TITLE
    # a title bar shows the title beside the window buttons: leave them room
    assert dlg.width() >= dlg.fontMetrics().horizontalAdvance(TITLE) + 200
    assert dlg.name.width() >= 320 and dlg.name.text() == "digiface-dcgan64 seed 0"
    assert dlg.name.width() > dlg.name.fontMetrics().horizontalAdvance(dlg.name.text())
    dlg.name.setText("  ")
    assert not dlg.buttons.button(dlg.buttons.StandardButton.Save).isEnabled()  # no empty names


# -- drag zone ---------------------------------------------------------------------------------------------
def test_a_stray_press_on_a_cards_text_never_starts_an_edit(qtbot):
    """A click with some jitter, or a press that wanders off mostly up or down, on the index, name or
    bar never edits (a stray press sent α to +6 for one user). A deliberate sideways drag there still
    edits: DESIGN.md promises a drag anywhere in the card's rectangle (tests/test_gui_window.py)."""
    w = start(qtbot, 1280, 720)
    vp = w.gallery.view.viewport()
    g = card_geometry(w.gallery.view.visualRect(w.gallery.model.index(0)), len(w.gallery.alphas))
    for point in (g.info.center(), g.name.center(), g.bar.center()):
        send_mouse(vp, QEvent.Type.MouseButtonPress, point)
        for d in (QPoint(5, 2), QPoint(12, -3), QPoint(-9, 1)):  # jitter under the text-drag threshold
            send_mouse(vp, QEvent.Type.MouseMove, point + d)
        send_mouse(vp, QEvent.Type.MouseButtonRelease, point + QPoint(-9, 1))
        send_mouse(vp, QEvent.Type.MouseButtonPress, point)
        for d in (QPoint(3, 10), QPoint(40, 90), QPoint(300, 200)):  # more vertical than sideways first
            send_mouse(vp, QEvent.Type.MouseMove, point + d)
        send_mouse(vp, QEvent.Type.MouseButtonRelease, point + QPoint(300, 200))
    assert not w.session.edits and not w.gallery.model.alphas
    # the thumbnail strip still starts one
    start_pt = g.thumbs[2].center()
    send_mouse(vp, QEvent.Type.MouseButtonPress, start_pt)
    for dx in (5, 20, 40):
        send_mouse(vp, QEvent.Type.MouseMove, start_pt + QPoint(dx, 0))
    send_mouse(vp, QEvent.Type.MouseButtonRelease, start_pt + QPoint(40, 0))
    assert [e.key[1] for e in w.session.edits] == [0] and w.session.edits[0].alpha > 0
    w.close()


# -- theme -------------------------------------------------------------------------------------------------
def test_view_theme_switches_and_is_remembered(qtbot):
    from sefa_desktop.gui import theme

    w = start(qtbot, 1000, 700)
    actions = {a.objectName(): a for a in w.theme_menu.actions()}
    assert set(actions) == {"theme-system", "theme-light", "theme-dark"}
    try:
        actions["theme-dark"].trigger()
        assert QApplication.instance().palette().color(QPalette.ColorRole.Window).name() == "#1f2125"
        assert theme.saved_choice() == "dark"
        actions["theme-light"].trigger()
        assert QApplication.instance().palette().color(QPalette.ColorRole.Window).name() == "#f3f4f7"
        assert theme.saved_choice() == "light"
        w.theme_menu.aboutToShow.emit()
        assert actions["theme-light"].isChecked() and not actions["theme-dark"].isChecked()
    finally:
        actions["theme-system"].trigger()
    assert theme.saved_choice() == "system"
    w.close()
