"""Progressive gallery and drag priority, driven synchronously (no QThread, nothing timed): the order
of thumbnail work, interruption by a preview between synthesis blocks, quitting mid-render, and stale
/ draft thumbnails in the gallery model."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PySide6.QtGui import QImage  # noqa: E402

from sefa_desktop.gui.gallery import DirectionModel  # noqa: E402
from sefa_desktop.gui.worker import PreviewRequest, RenderWorker, SampleSpec, ThumbRequest  # noqa: E402
from sefa_desktop.models.nets.stylegan2 import StyleGAN2Model  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.make_random_stylegan2 import build_random_stylegan2  # noqa: E402

ALPHAS = (-1.0, 0.0, 1.0)


@pytest.fixture(scope="module")
def model():
    # 128 px: big enough for 32 px drafts (≥ 4× the draft), tiny widths so it renders in milliseconds
    return StyleGAN2Model(build_random_stylegan2(128, seed=2, channel_base=256, channel_max=8, w_dim=8), "r128")


class Recorder:
    """Every synthesis call's (batch, max_resolution), and optional actions at a given call."""

    def __init__(self, model, worker: RenderWorker) -> None:
        self.calls: list[tuple[int, int | None]] = []
        self.at: dict[int, object] = {}
        real = model.synthesize

        def synthesize(codes, *a, max_resolution=None, **kw):
            self.calls.append((codes.shape[0], max_resolution))
            action = self.at.pop(len(self.calls), None)
            if action is not None:
                action()
            return real(codes, *a, max_resolution=max_resolution, **kw)

        model.synthesize = synthesize
        self.model = model

    def restore(self) -> None:
        del self.model.synthesize


def make_worker(model) -> tuple[RenderWorker, list, list]:
    w = RenderWorker()
    w.model, w.model_gen, w.device = model, 1, "cpu"
    w._reset_planner()
    events: list = []
    w.thumbnailDraftsReady.connect(lambda ctx, rows: events.append(("draft", [r for r, _ in rows])))
    w.thumbnailsReady.connect(lambda ctx, rows: events.append(("sharp", [r for r, _ in rows])))
    w.previewReady.connect(lambda gen, img, ms, draft: events.append(("preview", draft)))
    return w, events, []


def thumbs(model, rows, **kw) -> ThumbRequest:
    vecs = {r: np.eye(model.latent_dim, dtype=np.float32)[r] for r in rows}
    return ThumbRequest(model_gen=1, context=("c",), sample=SampleSpec(seed=1), rows=tuple(rows), vectors=vecs,
                        alphas=ALPHAS, size=64, **kw)


def test_thumbnails_fill_in_order_drafts_first(qtbot, model):
    w, events, _ = make_worker(model)
    w.batch = 9  # three cards of three strips per batch
    rec = Recorder(model, w)
    try:
        w.submit(thumbs(model, [5, 1, 2, 3, 4]))
        w._drain()
    finally:
        rec.restore()
    assert events == [("draft", [5]), ("draft", [1, 2, 3]), ("draft", [4]),
                      ("sharp", [5]), ("sharp", [1]), ("sharp", [2]), ("sharp", [3]), ("sharp", [4])]
    # drafts first (16 or 32 px, by the model's cost profile), then sharp strips at 64 px; passes
    # small enough for a drag to cut in
    draft = w.planner.thumb_draft_resolution()
    assert draft in (16, 32)
    chunk = w._thumb_chunk(draft)
    assert [r for _, r in rec.calls] == sorted(r for _, r in rec.calls)
    assert {r for _, r in rec.calls} == {draft, 64} and max(n for n, _ in rec.calls) <= max(chunk, 3)
    assert sum(n for n, r in rec.calls if r == draft) == 15 and sum(n for n, r in rec.calls if r == 64) == 15


def test_drafted_rows_only_get_sharp_strips(qtbot, model):
    w, events, _ = make_worker(model)
    w.submit(thumbs(model, [0, 1], drafted=(0,)))
    w._drain()
    assert events == [("draft", [1]), ("sharp", [0]), ("sharp", [1])]


def test_a_drag_interrupts_the_thumbnail_batch_between_blocks_and_goes_first(qtbot, model):
    w, events, _ = make_worker(model)
    w.batch = 9
    rec = Recorder(model, w)
    preview = PreviewRequest(model_gen=1, sample=SampleSpec(seed=1), draft=True)
    first_card_passes = -(-len(ALPHAS) // w._thumb_chunk(32))
    rec.at[first_card_passes + 1] = lambda: w.submit(preview)  # the drag starts in the second draft step
    try:
        w.submit(thumbs(model, [0, 1, 2, 3]))
        w._drain()
    finally:
        rec.restore()
    assert w.interruptions == 1
    # the interrupted batch produced nothing; the preview came next; the batch then ran again
    assert events[:3] == [("draft", [0]), ("preview", True), ("draft", [1, 2, 3])]
    assert [e for e in events if e[0] == "sharp"] == [("sharp", [r]) for r in range(4)]


def test_a_full_frame_gives_way_to_a_newer_preview_but_a_draft_does_not(qtbot, model):
    w, events, _ = make_worker(model)
    rec = Recorder(model, w)
    rec.at[1] = lambda: w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=2), draft=True))
    try:
        w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=1), draft=False))
        w._drain()
        assert events == [("preview", True)] and w.interruptions == 1  # the full frame stopped
        events.clear()
        rec.at[len(rec.calls) + 1] = lambda: w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=3),
                                                                     draft=True))
        w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=2), draft=True))
        w._drain()
        assert events == [("preview", True), ("preview", True)]  # the draft finished, then the newer one
    finally:
        rec.restore()


def test_quitting_stops_the_render_in_flight(qtbot, model):
    w, events, _ = make_worker(model)
    rec = Recorder(model, w)
    rec.at[1] = w.request_stop
    try:
        w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=1), draft=False))
        w.submit(thumbs(model, [0, 1]))
        w._drain()
    finally:
        rec.restore()
    assert events == [] and w.interruptions == 1 and len(rec.calls) == 1  # nothing else started


def test_draft_resolution_comes_from_the_planner(qtbot, model):
    w, events, _ = make_worker(model)
    rec = Recorder(model, w)
    try:
        w.planner.record(None, 4.0)  # a slow full frame …
        w.planner.record(64, 0.5)  # … and a 64 px frame within a quarter of it
        w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=1), draft=True))
        w._drain()
        w.planner.record(64, 1.9)  # the average (1.2 s) no longer fits: the next draft is smaller
        w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=2), draft=True))
        w._drain()
    finally:
        rec.restore()
    assert [r for _, r in rec.calls] == [64, 32]


def _img() -> QImage:
    im = QImage(4, 4, QImage.Format.Format_RGB888)
    im.fill(0)
    return im


def test_gallery_model_keeps_old_strips_dimmed_and_drafts_never_replace_sharp(qtbot):
    m = DirectionModel()
    m.set_directions(np.array([3.0, 2.0, 1.0]))
    m.set_context(("a",))
    m.add_thumbnails(("a",), [(0, [_img()]), (1, [_img()])])
    assert m.sharp_rows() == {0, 1} and m.missing_thumbnails(range(3)) == [2]
    m.set_context(("b",))  # another seed: the strips stay, stale
    assert set(m.thumbs) == {0, 1} and m.stale_rows == {0, 1} and m.missing_thumbnails(range(3)) == [0, 1, 2]
    assert not m.add_thumbnails(("a",), [(2, [_img()])])  # late strips for the old seed are dropped
    m.add_thumbnails(("b",), [(0, [_img()])], draft=True)
    assert m.stale_rows == {1} and m.draft_rows == {0} and m.drafted_rows([0, 1, 2]) == [0]
    assert m.missing_thumbnails(range(3)) == [0, 1, 2]  # a draft still wants its sharp strip
    m.add_thumbnails(("b",), [(0, [_img()])])
    m.add_thumbnails(("b",), [(0, [_img()])], draft=True)  # a late draft: ignored
    assert m.sharp_rows() == {0} and m.draft_rows == set()
    m.set_directions(np.array([5.0, 4.0]))  # other layers: old strips of rows that still exist, stale
    assert set(m.thumbs) == {0, 1} and m.stale_rows == {0, 1}
    m.set_directions(np.zeros(0))
    assert m.thumbs == {}


def test_cost_profile_is_cumulative_and_ends_at_the_full_frame(model):
    prof = model.cost_profile()
    assert list(prof) == model.net.synthesis.block_resolutions
    assert all(b > a for a, b in zip(list(prof.values()), list(prof.values())[1:], strict=False))
    # cross-check with torch's FLOP counter on the real network (multiply-adds = FLOPs / 2)
    from torch.utils.flop_counter import FlopCounterMode

    codes = model.codes(model.sample_z(1, seed=0))
    with FlopCounterMode(display=False) as fc:
        model.synthesize(codes, max_resolution=32)
    assert abs(fc.get_total_flops() / 2 / prof[32] - 1) < 0.05


def test_a_full_frame_waits_behind_the_draft_strips_but_not_behind_sharp_ones(qtbot, model):
    w, events, _ = make_worker(model)
    assert w.planner.draft_resolution() is not None  # a "big" model: drafts are in use
    w.submit(PreviewRequest(model_gen=1, sample=SampleSpec(seed=1), draft=False))
    w.submit(thumbs(model, [0, 1, 2]))
    w._drain()
    assert events == [("draft", [0]), ("draft", [1, 2]), ("preview", False),
                      ("sharp", [0]), ("sharp", [1]), ("sharp", [2])]


def test_mailbox_defer_lets_a_request_wait_but_never_starves_it():
    from sefa_desktop.gui.mailbox import Mailbox

    box = Mailbox()
    box.put("thumbs", "t")
    box.put("preview", "p")
    assert box.peek("preview") == "p" and box.waiting("thumbs")
    def defer(purpose, params, waiting):
        return purpose == "preview" and "thumbs" in waiting
    assert box.take(defer)[0] == "thumbs"
    assert box.take(defer)[0] == "preview"  # nothing else waits: served
    assert box.take(defer) is None
