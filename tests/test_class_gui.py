"""The class picker in the real window: shown only for a class-conditional model, type-to-search a
name, the preview and gallery re-render, Undo brings the previous class back, bad text is refused."""

from __future__ import annotations

import pytest

pytest.importorskip("pytestqt")

from biggan_helpers import make_biggan  # noqa: E402
from PySide6.QtCore import Qt  # noqa: E402
from test_gui_window import TIMEOUT, shown_image, shown_window  # noqa: E402


@pytest.fixture(scope="module")
def biggan_dir(tmp_path_factory):
    return make_biggan(tmp_path_factory.mktemp("gui") / "tiny-biggan")


def open_and_wait(qtbot, w, source: str, family: str) -> None:
    w.open_model(source)
    qtbot.waitUntil(lambda: (w.session.model_info or {}).get("family") == family and w.session.directions is not None
                    and w.render.frame_current and w.preview.image.pixmap is not None, timeout=TIMEOUT)


def settled(w) -> bool:
    """The newest preview is on screen and the visible cards show sharp strips of the current sample."""
    m = w.gallery.model
    rows = list(w.gallery.visible_rows())
    return (w.render.frame_current and m.context == w.render.thumb_context() and bool(rows)
            and all(r in m.thumbs and r not in m.stale_rows and r not in m.draft_rows for r in rows))


def type_class(qtbot, picker, text: str) -> None:
    edit = picker.lineEdit()
    edit.setFocus()
    edit.selectAll()
    qtbot.keyClicks(edit, text)
    qtbot.keyClick(edit, Qt.Key.Key_Return)


def test_pick_a_class_by_typing_its_name_then_undo(qtbot, biggan_dir):
    w = shown_window(qtbot, size=(1000, 700))
    picker = w.preview.class_picker
    assert not picker.isVisible()  # the bundled face model has no classes
    open_and_wait(qtbot, w, str(biggan_dir), "biggan")
    qtbot.waitUntil(lambda: settled(w), timeout=TIMEOUT)
    assert picker.isVisible() and picker.isEnabled() and picker.count() == 8
    assert picker.itemText(2) == "2: golden retriever" and picker.currentText() == "0: tench"
    assert (w.width(), w.height()) == (1000, 700)  # the extra row still fits the small window
    before = shown_image(w)
    strips_before = dict(w.gallery.model.thumbs)

    # type-to-search: any part of a name, any case
    completer = picker.completer()
    completer.setCompletionPrefix("GOLDEN")
    assert completer.completionCount() == 1 and completer.currentCompletion() == "2: golden retriever"
    completer.setCompletionPrefix("retriever")
    assert completer.completionCount() == 2

    type_class(qtbot, picker, "golden")
    qtbot.waitUntil(lambda: w.session.class_index == 2, timeout=TIMEOUT)
    assert picker.currentText() == "2: golden retriever"
    assert w.gallery.model.stale_rows  # old strips stay, dimmed, until replaced
    qtbot.waitUntil(lambda: settled(w) and shown_image(w) != before, timeout=TIMEOUT)
    dog = shown_image(w)
    assert any(w.gallery.model.thumbs[r] != strips_before.get(r) for r in w.gallery.visible_rows())
    assert "class" in w.undo_action.text()

    w.undo_action.trigger()
    qtbot.waitUntil(lambda: w.session.class_index is None and settled(w) and shown_image(w) == before,
                    timeout=TIMEOUT)
    assert picker.currentText() == "0: tench"
    w.redo_action.trigger()
    qtbot.waitUntil(lambda: w.session.class_index == 2 and settled(w) and shown_image(w) == dog, timeout=TIMEOUT)

    # text that names no class, or several: the class stays, the status bar says why
    for text, words in (("zebra", "no class is named like"), ("retriever", "matches 2 classes")):
        type_class(qtbot, picker, text)
        qtbot.waitUntil(lambda words=words: words in w.statusBar().currentMessage(), timeout=TIMEOUT)
        assert w.session.class_index == 2 and picker.currentText() == "2: golden retriever"
    # an index works too, and picking the default class again means "no class chosen"
    type_class(qtbot, picker, "0")
    qtbot.waitUntil(lambda: w.session.class_index is None, timeout=TIMEOUT)

    # another model: the class resets and the picker hides
    w.editor.set_class(5)
    open_and_wait(qtbot, w, "digiface-dcgan64", "dcgan")
    assert w.session.class_index is None and not picker.isVisible()
    w.close()


def test_a_preset_remembers_the_class(qtbot, biggan_dir, tmp_path):
    w = shown_window(qtbot)
    open_and_wait(qtbot, w, str(biggan_dir), "biggan")
    w.editor.set_class(6)
    qtbot.waitUntil(lambda: settled(w), timeout=TIMEOUT)
    volcano = shown_image(w)
    assert w.presets.save_current("volcano")
    w.editor.set_class(3)
    qtbot.waitUntil(lambda: settled(w) and shown_image(w) != volcano, timeout=TIMEOUT)
    preset = w.presets._store().get("volcano")
    assert preset.class_index == 6
    w.presets.apply(preset)
    qtbot.waitUntil(lambda: w.session.class_index == 6 and settled(w) and shown_image(w) == volcano,
                    timeout=TIMEOUT)
    assert w.preview.class_picker.currentText() == "6: volcano"
    w.close()


def test_exports_render_the_chosen_class(qtbot, biggan_dir, tmp_path):
    import numpy as np
    from PIL import Image

    from sefa_desktop.cli import main

    w = shown_window(qtbot)
    open_and_wait(qtbot, w, str(biggan_dir), "biggan")
    w.editor.set_seed(1)
    type_class(qtbot, w.preview.class_picker, "daisy")
    qtbot.waitUntil(lambda: w.session.class_index == 7 and settled(w), timeout=TIMEOUT)
    w.exports.export_grid()
    dlg = w.exports.dialog
    assert dlg.class_index == 7 and "7: daisy" in dlg.summary.text()
    dlg.count.setValue(1)
    dlg.steps.setValue(3)
    dlg.cell.setValue(32)
    dlg.path.setText(str(tmp_path / "g.png"))
    dlg.start()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=TIMEOUT)
    assert dlg.last_result.startswith("wrote g.png"), dlg.last_result
    # the same grid from the command line with --class 7, and without: the export is the class-7 one
    args = ["grid", str(biggan_dir), "--directions", str(tmp_path / "d.npz"), "--top", "1", "--steps", "3",
            "--seeds", "1", "--size", "32", "-q"]
    w.exports.export_directions_as(str(tmp_path / "d.npz"), "sefa")
    assert main([*args, "--class", "7", "-o", str(tmp_path / "cli7.png")]) == 0
    assert main([*args, "-o", str(tmp_path / "cli0.png")]) == 0
    pix = {n: np.asarray(Image.open(tmp_path / f"{n}.png").convert("RGB")) for n in ("g", "cli7", "cli0")}
    assert np.array_equal(pix["g"], pix["cli7"]) and not np.array_equal(pix["g"], pix["cli0"])
    w.exports.shutdown()
    w.close()


def test_an_imagenet_biggan_without_names_lists_imagenets(qtbot, tmp_path):
    """The published configs carry no names: a 1000-class model gets ImageNet's, so "golden" finds 207."""
    from sefa_desktop.models.classes import imagenet_names

    if not imagenet_names():
        pytest.skip("neither torchvision nor open_clip is installed (the picker shows indices)")
    folder = make_biggan(tmp_path / "imagenet-biggan", names=False, num_classes=1000)
    w = shown_window(qtbot, size=(1000, 700))
    open_and_wait(qtbot, w, str(folder), "biggan")
    picker = w.preview.class_picker
    assert picker.count() == 1000 and picker.currentText() == "0: tench"
    assert (w.width(), w.height()) == (1000, 700)  # 1000 long names do not widen the pane
    completer = picker.completer()
    completer.setCompletionPrefix("golden")
    assert completer.currentCompletion() == "207: golden retriever"
    type_class(qtbot, picker, "golden retriever")
    qtbot.waitUntil(lambda: w.session.class_index == 207 and settled(w), timeout=TIMEOUT)
    assert picker.currentText() == "207: golden retriever"
    w.close()


def test_conditional_stylegan2_shows_noise_and_class(qtbot, tmp_path):
    """A conditional StyleGAN2-ADA pickle (CIFAR-10's kind) opens in the app (class 0 by default) and
    offers both its noise inputs and its classes, by index, in one row."""
    from test_nvidia_stylegan2 import _random_generator

    from bench.nvpickle import write_network_pickle

    g, kw = _random_generator("skip", c_dim=3)
    path = write_network_pickle(tmp_path / "cond.pkl", g, kw, protocol=2)
    w = shown_window(qtbot, size=(1000, 700))
    open_and_wait(qtbot, w, str(path), "stylegan2")
    picker = w.preview.class_picker
    assert picker.isVisible() and w.preview.noise.isVisible() and w.preview.noise.isEnabled()
    assert w.preview.noise_label.text() == "Noise · Class" and picker.count() == 3
    assert (w.width(), w.height()) == (1000, 700)
    qtbot.waitUntil(lambda: settled(w), timeout=TIMEOUT)
    before = shown_image(w)
    type_class(qtbot, picker, "2")
    qtbot.waitUntil(lambda: w.session.class_index == 2 and settled(w) and shown_image(w) != before, timeout=TIMEOUT)
