"""Saving from the window: the typed extension picks the directions format, every dialog starts in the
last folder used (remembered across runs), exports default to a useful size, the video dialog says
Close when it is done."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

import torch  # noqa: E402
from PySide6.QtWidgets import QDialogButtonBox, QFileDialog  # noqa: E402
from test_gui_window import shown_window  # noqa: E402

from sefa_desktop.gui import file_dialogs  # noqa: E402
from sefa_desktop.gui.export_menu import DIRECTION_FORMATS  # noqa: E402

TIMEOUT = 30_000
DEFAULT_FILTER = DIRECTION_FORMATS[0][0]  # "SeFa directions (*.npz)": what the dialog opens with


class FakeDialogs:
    """Stands in for the platform's file dialogs: records where each one opened, answers `answer`."""

    def __init__(self, monkeypatch):
        self.starts: list[str] = []
        self.answer: tuple[str, str] = ("", "")

        def save(parent, title, start, filters, selected="", *a, **k):
            self.starts.append(start)
            return self.answer

        def open_(parent, title, start, filters, *a, **k):
            self.starts.append(start)
            return self.answer

        monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(save))
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(open_))


@pytest.fixture
def window(qtbot):
    w = shown_window(qtbot, size=(1300, 850))
    yield w
    w.exports.shutdown()
    w.close()


def test_typed_extension_chooses_the_format():
    fmt = DIRECTION_FORMATS
    assert file_dialogs.format_for("/x/factor.pt", DEFAULT_FILTER, fmt) == ("rosinality", "/x/factor.pt")
    assert file_dialogs.format_for("/x/c.ganspace.npz", DEFAULT_FILTER, fmt) == ("ganspace", "/x/c.ganspace.npz")
    assert file_dialogs.format_for("/x/b.NPY", DEFAULT_FILTER, fmt) == ("interfacegan", "/x/b.NPY")
    assert file_dialogs.format_for("/x/d.npz", fmt[1][0], fmt) == ("sefa", "/x/d.npz")
    # no extension typed: the filter decides, and its suffix is added
    assert file_dialogs.format_for("/x/factor", fmt[1][0], fmt) == ("rosinality", "/x/factor.pt")
    assert file_dialogs.format_for("/x/dirs", DEFAULT_FILTER, fmt) == ("sefa", "/x/dirs.npz")


def test_directions_as_factor_pt_writes_rosinality_format(qtbot, window, tmp_path, monkeypatch):
    dialogs = FakeDialogs(monkeypatch)
    # what Qt returns when the user types factor.pt and leaves the filter at its default
    dialogs.answer = (str(tmp_path / "factor.pt"), DEFAULT_FILTER)
    written = window.exports.export_directions_as()
    assert written == [tmp_path / "factor.pt"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["factor.pt"]  # not factor.pt.npz
    payload = torch.load(tmp_path / "factor.pt", weights_only=True)
    assert set(payload) == {"ckpt", "eigvec"}  # rosinality's closed_form_factorization.py layout
    assert tuple(payload["eigvec"].shape) == (int(window.model_info["latent_dim"]), len(window.dirs.values))


def test_dialogs_open_in_the_last_folder_used_and_remember_it(qtbot, window, tmp_path, monkeypatch):
    dialogs = FakeDialogs(monkeypatch)
    first = tmp_path / "first"
    first.mkdir()
    dialogs.answer = (str(first / "dirs.npz"), DEFAULT_FILTER)
    window.exports.export_directions_as()
    assert (first / "dirs.npz").is_file()
    assert Path(dialogs.starts[-1]).parent != first  # nothing remembered yet: not there by chance

    # every other save dialog now opens there, not in the process's working directory or $HOME
    dialogs.answer = ("", "")
    window.export_directions()
    window.export_preview()
    window.exports.export_directions_as()
    window.exports.import_directions()
    assert [Path(s).parent if Path(s).suffix else Path(s) for s in dialogs.starts[1:]] == [first] * 4, dialogs.starts

    # exports too: their file fields start in that folder
    window.exports.export_grid()
    assert Path(window.exports.dialog.path.text()).parent == first
    window.exports.export_video()
    assert Path(window.exports.dialog.path.text()).parent == first

    # remembered across runs: in the window settings file on disk
    from PySide6.QtCore import QSettings

    from sefa_desktop import settings

    ini = QSettings(str(settings.config_dir() / "window.ini"), QSettings.Format.IniFormat)
    assert Path(ini.value(file_dialogs.KEY)) == first.resolve()
    assert file_dialogs.default_path("x.png") == str(first.resolve() / "x.png")


def test_exports_default_to_a_useful_size_and_video_says_close_when_done(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setattr(file_dialogs, "last_folder", lambda: tmp_path)
    res = int(window.model_info["resolution"])
    assert res <= 64  # the bundled default model: the case where "native size" was a thumbnail
    window.exports.export_grid()
    assert window.exports.dialog.cell.value() >= 128
    window.exports.export_video()
    dlg = window.exports.dialog
    assert dlg.size.value() >= 256
    dlg.format.setCurrentIndex(2)  # GIF: quick
    dlg.frames.setValue(3)
    dlg.size.setValue(32)
    dlg.export_button.click()
    assert dlg.cancel_button.text() == "Cancel"  # while it runs, the button stops it
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=TIMEOUT)
    assert dlg.last_result.startswith("wrote"), dlg.last_result
    assert dlg.cancel_button.text() == "Close"
    assert dlg.buttons.buttonRole(dlg.cancel_button) == QDialogButtonBox.ButtonRole.RejectRole
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.isVisible())
