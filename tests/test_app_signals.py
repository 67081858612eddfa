"""The GUI process and signals: Ctrl+C in the terminal and SIGTERM (logout, `kill`) close the window
properly — the layout is saved and, for SIGTERM, the temp files of exports in progress are removed
first (sefa_desktop/app.py)."""

from __future__ import annotations

import os
import signal

import pytest

pytest.importorskip("pytestqt")

from sefa_desktop import app as app_module  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402
from sefa_desktop.util import atomic  # noqa: E402

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX signals")


@pytest.fixture
def window(qtbot, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setattr(MainWindow, "showEvent", lambda self, ev: None)  # no worker: no torch needed
    previous = {s: signal.getsignal(s) for s in (signal.SIGINT, signal.SIGTERM)}
    w = MainWindow()
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    yield w
    for s, handler in previous.items():
        signal.signal(s, handler)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_closes_the_window_and_saves_its_layout(qtbot, window, monkeypatch, sig) -> None:
    removed: list[bool] = []
    monkeypatch.setattr(atomic, "remove_live_temps", lambda: removed.append(True))
    app_module._close_on_ctrl_c(window)
    assert not window.qsettings.contains("window/state")
    os.kill(os.getpid(), sig)
    qtbot.waitUntil(lambda: not window.isVisible())
    assert window.qsettings.contains("window/state")  # closed through closeEvent, not killed
    assert removed == ([True] if sig == signal.SIGTERM else [])


def test_sigterm_removes_an_export_temp_file(qtbot, window, tmp_path) -> None:
    """A write in progress when SIGTERM arrives leaves no hidden temp file beside its target."""
    target = tmp_path / "sheet.png"
    app_module._close_on_ctrl_c(window)
    with pytest.raises(RuntimeError, match="ended"), atomic.atomic_path(target) as tmp:
        tmp.write_bytes(b"partial")
        os.kill(os.getpid(), signal.SIGTERM)
        qtbot.waitUntil(lambda: not window.isVisible())
        assert not tmp.exists()
        raise RuntimeError("ended")  # (the real process ends here: closing its last window quits it)
    assert list(tmp_path.iterdir()) == []
