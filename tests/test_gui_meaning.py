"""The meaning features in the real window: marks → a boundary card, pinned cards change edits as
defined, labels on cards (accept one with a click), text search adds a card, the comparison view."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from clip_helpers import write_tiny_clip  # noqa: E402
from PySide6.QtCore import QPoint, Qt  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402
from PySide6.QtTest import QTest  # noqa: E402
from test_gui_window import shown_window  # noqa: E402

from sefa_desktop.core.boundary import fit_boundary  # noqa: E402
from sefa_desktop.core.editing import DirectionEdit, apply_edits, hold_fixed  # noqa: E402
from sefa_desktop.core.imaging import to_uint8  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402
from sefa_desktop.gui.marks_controller import mark_codes  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot):
    w = shown_window(qtbot, size=(1300, 850))
    yield w
    w.close()


def open_demo(qtbot, w: MainWindow) -> None:
    w.open_model("cartoon-faces-sg2-32")
    qtbot.waitUntil(lambda: w.model_info is not None and w.model_info["name"] == "cartoon-faces-sg2-32"
                    and w.dirs is not None and w.dirs.model_gen == w.model_gen, timeout=TIMEOUT)


def pixels(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    w, h = image.width(), image.height()
    return np.frombuffer(image.constBits(), np.uint8).reshape(h, image.bytesPerLine())[:, :3 * w].reshape(h, w, 3)


def test_ten_marks_make_a_boundary_card(qtbot, window):
    w = window
    rows = len(w.dirs)
    w.marks.name.setText("even seeds")
    w.gallery.view.setFocus()
    labels = []
    for k in range(10):
        w.editor.set_seed(k)
        label = k % 2 == 0
        labels.append(label)
        # + and − are window shortcuts; the pointer is not over a thumbnail, so they mark the preview
        QTest.keyClick(w.gallery.view, Qt.Key.Key_Plus if label else Qt.Key.Key_Minus)
    assert w.marks.counts() == (5, 5)
    assert [m.base.seed for m in w.marks.marks] == list(range(10))
    qtbot.waitUntil(lambda: len(w.dirs) == rows + 1, timeout=TIMEOUT)  # the tenth mark added a card
    assert w.dirs.labels[-1] == "even seeds"
    assert w.gallery.model.rowCount() == rows + 1 and w.gallery.model.name(rows) == "even seeds"
    # the card is the boundary fitted to the marked samples' codes
    model = load_model(w.model_info["source"])
    expected = fit_boundary(mark_codes(model, w.marks.marks), np.array(labels, float), "svm").vector
    np.testing.assert_allclose(w.dirs.vectors[-1], expected, atol=1e-5)
    # a thumbnail can be marked too: the sample moved along that card by the thumbnail's α
    m = w.marks.mark_thumbnail(1, 3.0, 1)
    assert m is not None and len(m.moves) == 1 and m.moves[0][1] == 3.0


def test_pinning_a_card_holds_it_fixed_in_edits(qtbot, window):
    w = window
    w.editor.set_seed(3)
    w.gallery.view.setCurrentIndex(w.gallery.model.index(2))
    w.gallery.alphaCommitted.emit(2, 2.5)
    qtbot.waitUntil(lambda: w.render.frame_current and bool(w.session.edits), timeout=TIMEOUT)
    # SeFa's directions are orthogonal (pinning one leaves the others as they are): pin a card that is not,
    # as a text or boundary card is; here half direction 2, half direction 0
    n2 = w.dirs.vectors[2].copy()
    mix = (w.dirs.vectors[0] + n2) / np.sqrt(2)
    w.session.append_directions(mix[None], ["mix"])
    pin = len(w.dirs) - 1
    model = load_model(w.model_info["source"])
    base = model.sample_codes(1, seed=3)

    def render(vector):
        codes = apply_edits(base, [DirectionEdit(vector, 2.5)])
        return to_uint8(model.synthesize(codes), model.image_range)[0]

    plain, held = render(n2), render(hold_fixed(n2, [mix]))
    qtbot.waitUntil(lambda: np.abs(pixels(w.preview.image.image).astype(int) - plain).max() <= 2, timeout=TIMEOUT)
    w.gallery.view.setCurrentIndex(w.gallery.model.index(pin))
    w.labels.pin_action.trigger()  # Directions ▸ Pin Card on the focused card
    assert w.session.holds == ((w.dirs.id, pin),) and w.gallery.model.pinned == {pin}
    qtbot.waitUntil(lambda: w.render.frame_current
                    and np.abs(pixels(w.preview.image.image).astype(int) - held).max() <= 2, timeout=TIMEOUT)
    assert np.abs(held.astype(int) - plain).max() > 10  # pinning changed the edit
    w.editor.undo()  # unpin: the edit is the plain direction again
    assert w.session.holds == () and w.gallery.model.pinned == set()
    qtbot.waitUntil(lambda: w.render.frame_current
                    and np.abs(pixels(w.preview.image.image).astype(int) - plain).max() <= 2, timeout=TIMEOUT)


def test_labels_on_cards_and_text_search(qtbot, window, tmp_path):
    w = window
    open_demo(qtbot, w)
    # the demo model ships predictors: label the cards with them
    assert w.labels.label_directions()
    qtbot.waitUntil(lambda: 2 in w.gallery.model.suggestions, timeout=TIMEOUT)
    assert w.gallery.model.suggestions[2][0].startswith("glasses")
    assert w.gallery.model.suggestions[1][0].startswith("less background")
    # a click on a label chip names the card
    w.gallery.view.scrollTo(w.gallery.model.index(2))
    rect = w.gallery.suggestion_rect(2, 0)
    assert rect is not None
    QTest.mouseClick(w.gallery.view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    qtbot.waitUntil(lambda: w.dirs.labels[2] == "glasses", timeout=TIMEOUT)
    # text → a new card named after the text (a predictor factor here)
    rows = len(w.dirs)
    w.labels.search.setText("hair colour")
    QTest.keyClick(w.labels.search, Qt.Key.Key_Return)
    qtbot.waitUntil(lambda: len(w.dirs) == rows + 1, timeout=TIMEOUT)
    assert w.dirs.labels[-1] == "hair colour" and abs(np.linalg.norm(w.dirs.vectors[-1]) - 1) < 1e-5


def test_clip_labels_and_text_search_in_the_app(qtbot, window, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    w = window
    path, _ = write_tiny_clip(tmp_path)
    from sefa_desktop.core.labelling import ClipJudge
    from sefa_desktop.core.vocabulary import default_vocabulary
    from sefa_desktop.models.clip import load_clip

    w.labels.judge_factory = lambda model: ClipJudge(load_clip(path, "sefa-tiny-clip"), default_vocabulary("faces"))
    rows = len(w.dirs)
    w.labels.search.setText("smile")
    QTest.keyClick(w.labels.search, Qt.Key.Key_Return)  # labels first (none yet), then the text direction
    qtbot.waitUntil(lambda: len(w.dirs) == rows + 1, timeout=TIMEOUT)
    assert w.dirs.labels[-1] == "smile"
    assert all(len(w.gallery.model.suggestions[r]) == 3 for r in range(min(rows, 20)))


def test_cancel_labelling_changes_nothing(qtbot, window):
    w = window
    started = []

    def judge(model):
        w.labels.jobs.runner.cancel()  # the user presses Cancel while the job starts: injected, not raced
        started.append(True)
        from sefa_desktop.demo.labels import predictor_judge

        return predictor_judge()

    w.labels.judge_factory = judge
    assert w.labels.label_directions()
    qtbot.waitUntil(lambda: not w.labels.jobs.busy(), timeout=TIMEOUT)
    assert started and w.labels.jobs.last_message == "cancelled" and not w.gallery.model.suggestions
    assert not w.labels.job_bar.isVisible()


def test_compare_view(qtbot, window, tmp_path):
    w = window
    w.dirs.dirset.save(tmp_path / "same.npz")
    w.labels.compare_sets()
    dlg = w.labels.compare_dialog
    assert dlg.load_file(str(tmp_path / "same.npz"))
    k = min(10, len(w.dirs))
    assert dlg.cos.shape == (k, k)
    np.testing.assert_allclose(np.diag(dlg.cos), 1.0, atol=1e-5)
    assert "A0 → B0" in dlg.matches.text()
    assert not dlg.load_file(str(tmp_path / "missing.npz")) and dlg.error.text()
    dlg.close()


def test_marks_shortcut_on_a_thumbnail(qtbot, window):
    w = window
    index = w.gallery.model.index(1)
    g = w.gallery.view.visualRect(index)
    hit = None
    for x in range(g.left(), g.right(), 4):
        hit = w.marks.thumbnail_under(QPoint(x, g.top() + 40))
        if hit is not None:
            break
    assert hit is not None and hit[0] == 1


def test_vocabulary_dialog_saves_per_model(qtbot, window):
    from sefa_desktop.core.vocabulary import load_vocabulary
    from sefa_desktop.gui.vocabulary_dialog import vocabulary_folder

    w = window
    w.labels.edit_vocabulary()
    qtbot.waitUntil(lambda: getattr(w.labels, "vocabulary_dialog", None) is not None, timeout=TIMEOUT)
    dlg = w.labels.vocabulary_dialog
    dlg.phrases.setPlainText("freckles\nround glasses\n\nfreckles")
    dlg.save()
    name, fingerprint = dlg.model_name, dlg.fingerprint
    assert load_vocabulary(vocabulary_folder(), name, fingerprint).phrases == ["freckles", "round glasses"]
    dlg.template.setText("no placeholder")
    dlg.save()  # a bad template: the dialog says why and keeps the text; the saved list is unchanged
    assert "exactly one {}" in dlg.error.text()
    assert load_vocabulary(vocabulary_folder(), name, fingerprint).phrases == ["freckles", "round glasses"]
