"""Fast checks of the GUI's pure logic: presets, the latest-wins mailbox, start-up imports."""

import os
import subprocess
import sys
from pathlib import Path

from sefa_desktop.gui.layer_tree import _ranges, preset_rows
from sefa_desktop.gui.worker import PRIORITY, Mailbox

REPO = Path(__file__).resolve().parents[1]


def test_presets_match_the_paper_at_18_rows():
    assert preset_rows("coarse", 18) == [0, 1]
    assert preset_rows("middle", 18) == [2, 3, 4, 5]
    assert preset_rows("fine", 18) == list(range(6, 14))
    assert preset_rows("all", 18) == list(range(18))


def test_presets_scale_and_are_never_empty():
    for n in (1, 2, 3, 6, 8, 10, 12, 14, 16, 18):
        groups = [preset_rows(p, n) for p in ("coarse", "middle", "fine")]
        for g in groups:
            assert g and all(0 <= i < n for i in g)
        if n >= 3:  # disjoint and ordered coarse < middle < fine
            assert max(groups[0]) < min(groups[1]) and max(groups[1]) < min(groups[2])
    assert preset_rows("coarse", 1) == [0] and preset_rows("fine", 1) == [0]


def test_ranges_text():
    assert _ranges([0, 1, 2, 5, 7, 8]) == "0–2, 5, 7–8"


def test_mailbox_keeps_only_the_newest_request_per_purpose():
    box = Mailbox()
    wakes = [box.put("preview", i)[1] for i in range(200)]
    assert wakes[0] and not any(wakes[1:])  # one wake-up for the whole burst
    purpose, gen, params = box.take()
    assert (purpose, gen, params) == ("preview", 200, 199)
    assert box.take() is None


def test_mailbox_serves_urgent_purposes_first_and_cancels():
    box = Mailbox()
    box.put("thumbs", "t")
    box.put("preview", "p")
    box.put("load", "l")
    assert [box.take()[0] for _ in range(3)] == [p for p in PRIORITY if p in ("thumbs", "preview", "load")]
    gen, _ = box.put("factorize", "f")
    box.cancel("factorize")
    assert box.take() is None and box.latest("factorize") == gen + 1
    box.put_back("thumbs", 0, "rest")  # stale generation: not re-queued
    box.put_back("thumbs", 1, "rest")  # current one: re-queued
    assert box.take() == ("thumbs", 1, "rest")
    assert box.take() is None


def test_window_modules_do_not_import_torch():
    code = ("import sys, sefa_desktop.app, sefa_desktop.gui.main_window; "
            "print('torch' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"
