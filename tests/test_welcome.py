"""First-run welcome panel, window icon and macOS file-open routing."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from PySide6.QtCore import QPoint, QSettings  # noqa: E402
from PySide6.QtGui import QFileOpenEvent  # noqa: E402
from PySide6.QtWidgets import QApplication, QToolButton  # noqa: E402

from sefa_desktop.gui import welcome  # noqa: E402
from sefa_desktop.gui.desktop import app_icon, install_file_open  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402


class Opener:
    def __init__(self) -> None:
        self.dialogs = 0
        self.paths: list[str] = []


@pytest.fixture
def make_window(qtbot, monkeypatch: pytest.MonkeyPatch):
    """MainWindow whose file dialog only counts (and whose worker never starts: no torch needed)."""
    opener = Opener()
    monkeypatch.setattr(MainWindow, "open_dialog", lambda self: setattr(opener, "dialogs", opener.dialogs + 1))
    monkeypatch.setattr(MainWindow, "showEvent", lambda self, ev: None)

    def make() -> MainWindow:
        w = MainWindow()
        qtbot.addWidget(w)
        w.resize(1200, 800)
        w.show()
        qtbot.waitExposed(w)
        return w

    make.opener = opener
    return make


def _global_rect(widget):
    return widget.rect().translated(widget.mapToGlobal(QPoint(0, 0)))


def test_first_run_shows_welcome_without_covering_any_pane(make_window) -> None:
    w = make_window()
    assert w.welcome is not None and w.welcome.isVisible()
    text = w.welcome.body.text()
    assert "Drag left or right" in text and "direction" in text
    panel = _global_rect(w.welcome)
    for pane in (w.gallery.view, w.preview, w.browser, w.layer_tree):
        assert not panel.intersects(_global_rect(pane)), pane.objectName()
    # A point in the gallery list is the list's, not the panel's: input reaches the pane.
    centre = w.gallery.view.viewport().rect().center()
    # childAt walks the window's own widget tree (widgetAt needs a real screen and answers None offscreen)
    hit = w.childAt(w.gallery.view.viewport().mapTo(w, centre))
    assert hit is not None and (hit is w.gallery.view.viewport() or w.gallery.view.isAncestorOf(hit))
    assert not (hit is w.welcome or w.welcome.isAncestorOf(hit))
    assert not w.welcome.isModal() and not w.welcome.isWindow()


def test_open_button_opens_the_checkpoint_dialog(make_window, qtbot) -> None:
    w = make_window()
    w.welcome.open_button.click()
    assert make_window.opener.dialogs == 1
    assert w.welcome.isVisible()  # opening a file does not dismiss the introduction


def test_dismiss_is_remembered(make_window, qtbot) -> None:
    w = make_window()
    assert not welcome.dismissed(w.qsettings)
    list_height = w.gallery.view.height()
    w.welcome.ok_button.click()
    assert not w.welcome.isVisible()
    qtbot.waitUntil(lambda: w.gallery.view.height() > list_height)  # the list takes the space back
    assert welcome.dismissed(QSettings(w.qsettings.fileName(), QSettings.Format.IniFormat))
    w.close()
    again = make_window()
    assert again.welcome is None


def test_close_button_dismisses_too(make_window) -> None:
    w = make_window()
    close = w.welcome.findChild(QToolButton, "welcomeClose")
    assert close is not None
    close.click()
    assert welcome.dismissed(w.qsettings) and not w.welcome.isVisible()


def test_app_icon_has_every_size() -> None:
    sizes = {(s.width(), s.height()) for s in app_icon().availableSizes()}
    assert {(16, 16), (48, 48), (256, 256), (512, 512)} <= sizes


def test_file_open_event_opens_the_model(qtbot) -> None:
    opened: list[str] = []

    class Win:
        def open_model(self, path: str) -> None:
            opened.append(path)

    app = QApplication.instance()
    filt = install_file_open(app, Win())
    try:
        path = str(Path("/tmp/some model.pkl"))
        QApplication.sendEvent(app, QFileOpenEvent(path))
        assert opened == [path]
    finally:
        app.removeEventFilter(filt)


def test_first_run_layout_gives_the_preview_image_the_height(make_window, qtbot) -> None:
    """A 1280×800 laptop window: the image being edited, not the tool panes, gets the right column."""
    w = make_window()
    w.resize(1280, 800)
    w.first_run_layout()
    lower = w._docks_below[id(w.preview_dock)]
    qtbot.waitUntil(lambda: w.preview_dock.height() > 1.6 * lower.height())
    image = w.preview.image
    assert image.height() >= 180 and image.height() > 2 * w.preview.edit_box.parentWidget().height()


def test_a_layout_saved_with_other_docks_is_not_restored(make_window) -> None:
    """A dock layout from a version whose panes were arranged differently (saved with an older layout
    version) gives way to today's first-run layout; one saved by this version comes back."""
    from sefa_desktop.gui.window_layout import LAYOUT_VERSION

    w = make_window()
    assert not w._layout_restored  # first run
    w.qsettings.setValue("window/state", w.saveState(LAYOUT_VERSION - 1))
    w.qsettings.sync()
    assert not make_window()._layout_restored
    w.save_layout()
    again = make_window()
    assert again._layout_restored


def test_the_smallest_window_still_gives_the_preview_image_room(make_window, qtbot) -> None:
    """1000×700: the tabbed panes under the preview shrink their pictures and lists (not below two list
    rows and 88 px photos) so that the image being edited is not the smallest thing on screen."""
    w = make_window()
    w.resize(1000, 700)
    w.first_run_layout()
    # 114 px before the panes shrank; 150-154 px now (128 leaves room for the app style other tests set)
    qtbot.waitUntil(lambda: w.preview.image.height() >= 128)
    photo = w.photo.panel
    assert photo.live.height() >= 88 and photo.target.height() >= 88
