"""The thin export dialog and presets pane (offscreen Qt)."""

from __future__ import annotations

import os
from pathlib import Path

import av
import pytest

pytest.importorskip("pytestqt")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # before pytest-qt makes the QApplication

from sefa_desktop.core.sefa import factorize  # noqa: E402
from sefa_desktop.gui.export_dialog import VideoExportDialog  # noqa: E402
from sefa_desktop.gui.presets_pane import PresetsPane  # noqa: E402
from sefa_desktop.presets import ModelRef, Preset, PresetEdit, PresetStore  # noqa: E402


def test_dialog_exports_with_progress(qtbot, model, tmp_path: Path) -> None:
    dlg = VideoExportDialog(model, factorize(model, k=3), index=1, seed=2)
    qtbot.addWidget(dlg)
    assert dlg.format.currentData() == ".webm"  # the default needs no GPL library
    dlg.path.setText(str(tmp_path / "clip.webm"))
    dlg.format.setCurrentIndex(1)
    assert dlg.path.text().endswith("clip.mp4")
    dlg.frames.setValue(10)
    dlg.seeds.setText("2, 3")
    dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=30_000)
    assert dlg.last_result.startswith("wrote clip.mp4"), dlg.last_result
    assert dlg.bar.value() == 10
    with av.open(str(tmp_path / "clip.mp4")) as c:
        assert c.streams.video[0].codec_context.width == 128
        assert sum(1 for _ in c.decode(video=0)) == 10


def test_dialog_cancel_leaves_previous_file(qtbot, model, tmp_path: Path, job_gate) -> None:
    target = tmp_path / "clip.gif"
    target.write_bytes(b"old")
    dlg = VideoExportDialog(model, factorize(model, k=3))
    qtbot.addWidget(dlg)
    dlg.format.setCurrentIndex(2)
    dlg.path.setText(str(target))
    dlg.frames.setValue(2000)
    dlg.start()
    qtbot.waitUntil(lambda: dlg.bar.value() > 0, timeout=30_000)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=30_000)
    assert dlg.last_result.startswith("cancelled")
    assert target.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif"]


def test_dialog_bad_seeds_is_a_message(qtbot, model) -> None:
    dlg = VideoExportDialog(model, factorize(model, k=3))
    qtbot.addWidget(dlg)
    dlg.seeds.setText("one two")
    dlg.start()
    assert not dlg.is_running() and "whole numbers" in dlg.status.text()


def test_presets_pane_lists_saves_applies_and_reports_bad_files(qtbot, tmp_path: Path) -> None:
    store = PresetStore(tmp_path / "presets")
    store.save(Preset("alpha", ModelRef("digiface-dcgan64", "bundled", ""), edits=[PresetEdit("d0", 0, 1.0)]))
    (tmp_path / "presets" / "broken.json").write_text("{not json")
    pane = PresetsPane(store)
    qtbot.addWidget(pane)
    assert pane.list.count() == 1 and "broken.json" in pane.message.text()
    pane.set_current_provider(lambda: Preset("", ModelRef("digiface-dcgan64", "bundled", ""), seeds=[9]))
    assert pane.save_current("beta")
    assert [pane.list.item(i).text() for i in range(pane.list.count())] == ["alpha", "beta"]
    pane.list.setCurrentRow(1)
    with qtbot.waitSignal(pane.apply_requested) as sig:
        pane.apply_selected()
    assert sig.args[0].seeds == [9]
    pane.delete_selected()
    assert pane.list.count() == 1
