"""The real window on a 128 px StyleGAN2 (tiny widths): draft strips before sharp ones, the old strips
and the preview marked stale after a seed change, and quitting while a render is in flight."""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

import pytest

pytest.importorskip("pytestqt")

from sefa_desktop.gui.main_window import MainWindow  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402
from sefa_desktop.models.interrupt import checkpoint  # noqa: E402
from sefa_desktop.models.nets.stylegan2 import StyleGAN2Model  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.make_random_stylegan2 import build_random_stylegan2  # noqa: E402

TIMEOUT = 60_000


class SlowSwitch(StyleGAN2Model):
    """Renders normally; with `hold` set, a render stays inside the synthesis (as a 1024² frame would),
    passing checkpoints until the worker is told to stop."""

    hold = False
    entered = threading.Event()

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        while self.hold:
            self.entered.set()
            checkpoint()
            time.sleep(0.002)
        return super()._synthesize(codes, noise_mode, truncation_psi, max_resolution)


def loader(source: str, device: str):
    if source == "fake:sg128":
        net = build_random_stylegan2(128, seed=3, channel_base=256, channel_max=8, w_dim=8)
        return SlowSwitch(net, name="sg128", source=source)
    return load_model(source, device)


@pytest.fixture
def window(qtbot):
    w = MainWindow(initial_model="fake:sg128")
    w.worker.loader = loader
    qtbot.addWidget(w)
    w.resize(1200, 800)
    drafts: list[int] = []
    sharp: list[int] = []
    w.render.thumbnailDraftsReady.connect(lambda ctx, rows: drafts.extend(r for r, _ in rows))
    w.render.thumbnailsReady.connect(lambda ctx, rows: sharp.extend(r for r, _ in rows))
    w.show()
    qtbot.waitUntil(lambda: w.dirs is not None and w.model_info["name"] == "sg128", timeout=TIMEOUT)
    w.events = (drafts, sharp)
    yield w
    SlowSwitch.hold = False
    w.close()


def _visible_sharp(w: MainWindow) -> bool:
    return all(r in w.gallery.model.sharp_rows() for r in w.gallery.visible_rows())


def test_cards_get_drafts_first_then_sharp_strips(qtbot, window):
    w = window
    qtbot.waitUntil(lambda: _visible_sharp(w), timeout=TIMEOUT)
    drafts, sharp = w.events
    first = w.gallery.visible_rows()[0]
    assert drafts and drafts[0] == first  # the first visible card got its draft first …
    assert set(w.gallery.visible_rows()) <= set(sharp)  # … and every visible card its sharp strip
    qtbot.waitUntil(lambda: w.render_status.update_progress() or w.render_status.progress.text() == "",
                    timeout=TIMEOUT)


def test_seed_change_keeps_old_strips_dimmed_and_marks_the_preview(qtbot, window):
    w = window
    qtbot.waitUntil(lambda: _visible_sharp(w) and w.render.frame_current and w.preview.image.busy == "",
                    timeout=TIMEOUT)
    had = set(w.gallery.model.thumbs)
    w.preview.step_seed(1)
    # at once, before any new render: the old strips are still there, all stale; the preview is marked
    assert set(w.gallery.model.thumbs) == had and w.gallery.model.stale_rows == had
    assert w.preview.image.busy and w.preview.image.veil
    w.render_status.update_progress()
    assert w.render_status.progress.text().startswith("thumbnails 0/")
    qtbot.waitUntil(lambda: _visible_sharp(w) and w.preview.image.busy == "", timeout=TIMEOUT)
    assert not (w.gallery.model.stale_rows & set(w.gallery.visible_rows()))


def test_closing_during_a_render_stops_it_and_the_thread(qtbot, window):
    w = window
    qtbot.waitUntil(lambda: _visible_sharp(w) and w.render.frame_current, timeout=TIMEOUT)
    SlowSwitch.entered.clear()
    SlowSwitch.hold = True  # the next render never ends by itself
    w.render.request_preview(draft=False)
    qtbot.waitUntil(SlowSwitch.entered.is_set, timeout=TIMEOUT)
    w.close()
    assert not w.worker_thread.isRunning()
    assert w.worker.interruptions >= 1
