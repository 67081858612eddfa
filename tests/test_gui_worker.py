"""The render worker's failure paths, driven synchronously on the test thread (no QThread needed)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
import torch

pytest.importorskip("pytestqt")

from sefa_desktop.gui.worker import PreviewRequest, RenderWorker, SampleSpec, ThumbRequest  # noqa: E402
from sefa_desktop.models import BaseGanModel, LayerInfo  # noqa: E402


class TinyModel(BaseGanModel):
    family = "dcgan"
    edit_space = "z"

    def __init__(self, oom_above: int | None = None, oom_on_cuda: bool = False, nan: bool = False) -> None:
        super().__init__()
        self.name, self.z_dim, self.w_dim, self.num_layers, self.resolution = "tiny", 8, None, 1, 8
        self.layers = [LayerInfo(0, "z", 4)]
        self.oom_above, self.oom_on_cuda, self.nan = oom_above, oom_on_cuda, nan
        self.moved_to: list[str] = []
        self.calls: list[int] = []

    def to(self, device):  # no real device here: remember where we were asked to go
        self.moved_to.append(str(device))
        return self

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        self.calls.append(codes.shape[0])
        if self.oom_on_cuda and (not self.moved_to or self.moved_to[-1] != "cpu"):
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        if self.oom_above is not None and codes.shape[0] > self.oom_above:
            raise RuntimeError("CUDA out of memory. Tried to allocate 2.00 GiB")
        out = torch.tanh(codes[:, :3, None, None].expand(-1, 3, 8, 8).clone())
        if self.nan:
            out[0, 0, 0, 0] = float("nan")
        return out

    def selector_weight(self, layers=None, compat=None):
        return torch.eye(8)


def make_worker(model: Any, device: str = "cpu") -> RenderWorker:
    w = RenderWorker()
    w.model, w.model_gen, w.device = model, 1, device
    return w


def record(w: RenderWorker) -> tuple[list[str], list[Any], list[Any]]:
    """Lists that collect the worker's failure messages, preview images and thumbnail rows."""
    failures: list[str] = []
    frames: list[Any] = []
    thumbs: list[Any] = []
    w.failed.connect(lambda purpose, msg: failures.append(msg))
    w.previewReady.connect(lambda gen, img, ms, draft: frames.append(img))
    w.thumbnailsReady.connect(lambda ctx, rows: thumbs.extend(rows))
    return failures, frames, thumbs


def test_cuda_oom_retries_on_smaller_batches(qtbot):
    model = TinyModel(oom_above=2)
    w = make_worker(model, "cuda")
    w.batch = 8
    notices = []
    w.notice.connect(notices.append)
    images = w._synthesize(torch.zeros(6, 8), SampleSpec(), None)
    assert len(images) == 6 and w.batch == 2
    assert notices and "batches of" in notices[0]


def test_cuda_oom_at_batch_one_falls_back_to_cpu(qtbot):
    model = TinyModel(oom_on_cuda=True)
    w = make_worker(model, "cuda")
    w.batch = 1
    notices, devices = [], []
    w.notice.connect(notices.append)
    w.deviceChanged.connect(devices.append)
    images = w._synthesize(torch.zeros(2, 8), SampleSpec(), None)
    assert len(images) == 2 and w.device == "cpu" and model.moved_to[-1] == "cpu"
    assert devices == ["cpu"] and "CPU" in notices[-1]


def test_batch_size_is_restored_after_a_device_switch_or_another_model(qtbot):
    from sefa_desktop.gui.requests import DeviceRequest, LoadRequest
    from sefa_desktop.gui.worker import BATCH

    w = make_worker(TinyModel(oom_above=2), "cuda")
    w._synthesize(torch.zeros(6, 8), SampleSpec(), None)
    assert w.batch == 2  # halved twice on out-of-memory
    w._do_device(1, DeviceRequest("cpu"))
    assert w.batch == BATCH
    w.batch = 2
    w.loader = lambda source, device: TinyModel()
    w._do_load(w.box.latest("load"), LoadRequest("tiny"))
    assert w.batch == BATCH and w.model is not None and w.model.name == "tiny"


class _BuggyEarlyExit(TinyModel):
    """A family whose early exit has a bug (a TypeError inside, not a missing parameter)."""

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        if max_resolution is not None:
            raise TypeError("unsupported operand type(s) for *: 'NoneType' and 'int'")
        return super()._synthesize(codes, noise_mode, truncation_psi, max_resolution)


def test_a_bug_in_the_early_exit_is_reported_not_hidden_by_a_full_render(qtbot):
    w = make_worker(_BuggyEarlyExit())
    with pytest.raises(TypeError, match="NoneType"):
        w._synthesize(torch.zeros(2, 8), SampleSpec(), 4)


def test_a_model_without_early_exit_renders_in_full(qtbot):
    class NoEarlyExit:  # duck-typed: synthesize() knows no max_resolution
        device = "cpu"
        resolution = 8

        def synthesize(self, codes, noise_mode="const", truncation_psi=None):
            return torch.zeros(codes.shape[0], 3, 8, 8)

    w = make_worker(NoEarlyExit())
    assert len(w._synthesize(torch.zeros(2, 8), SampleSpec(), 4)) == 2


class _BuggyPrefix(TinyModel):
    edit_space = "w"

    def prefix_state(self, codes, row, noise_mode="const"):
        raise ValueError("shape mismatch in a bugged prefix")

    def synthesize_from(self, prefix, codes, max_resolution=None):
        raise AssertionError("never reached")


def test_a_bug_in_the_prefix_path_is_reported_not_hidden(qtbot):
    w = make_worker(_BuggyPrefix())
    with pytest.raises(ValueError, match="bugged prefix"):
        w._synthesize(torch.zeros(1, 8), SampleSpec(), None, prefix_row=2)


def test_nan_output_is_reported_and_the_worker_keeps_serving(qtbot):
    model = TinyModel(nan=True)
    w = make_worker(model)
    failures, frames = [], []
    w.failed.connect(lambda purpose, msg: failures.append((purpose, msg)))
    w.previewReady.connect(lambda gen, img, ms, draft: frames.append(gen))
    w.box.put("preview", PreviewRequest(1, SampleSpec()))
    w._drain()
    assert failures and failures[0][0] == "preview" and "NaN" in failures[0][1]
    model.nan = False
    gen, _ = w.box.put("preview", PreviewRequest(1, SampleSpec(seed=3)))
    w._drain()
    assert frames == [gen]


def test_requests_for_an_old_model_are_ignored(qtbot):
    w = make_worker(TinyModel())
    frames = []
    w.previewReady.connect(lambda gen, img, ms, draft: frames.append(gen))
    w.box.put("preview", PreviewRequest(0, SampleSpec()))  # model generation 0 is gone
    w._drain()
    assert frames == []


def test_thumbnail_jobs_yield_between_batches(qtbot):
    model = TinyModel()
    w = make_worker(model)
    w.batch = 10  # two rows of 5 per batch
    got, sizes = [], []
    w.thumbnailsReady.connect(lambda ctx, rows: (got.append([r for r, _ in rows]),
                                                 sizes.extend(len(imgs) for _, imgs in rows)))
    vectors = {r: np.eye(8, dtype=np.float32)[r] for r in range(6)}
    w.box.put("thumbs", ThumbRequest(1, ("ctx",), SampleSpec(), tuple(range(6)), vectors, size=8))
    w._drain()
    assert got == [[0, 1], [2, 3], [4, 5]]
    assert sizes == [5] * 6


def test_worker_serves_a_class_conditional_biggan(qtbot):
    """BigGAN codes are [z, class]: the worker pads z-directions and passes ψ to synthesize."""
    from conftest import shared_dir

    from sefa_desktop.core import factorize
    from sefa_desktop.gui.worker import EditSpec
    from sefa_desktop.models import load_model

    base = shared_dir()
    if base is None or not (base / "fixtures" / "biggan" / "config.json").is_file():
        pytest.skip("../shared/fixtures/biggan is not present next to the checkout")
    model = load_model(str(base / "fixtures" / "biggan"))
    w = make_worker(model)
    dirs = factorize(model, layers=[0, 1])
    failures, frames, thumbs = record(w)
    sample = SampleSpec(seed=1, psi=0.5)
    w.box.put("preview", PreviewRequest(1, sample))
    w._drain()
    w.box.put("preview", PreviewRequest(1, sample, (EditSpec(dirs.vectors[0], 3.0),)))
    w._drain()
    w.box.put("thumbs", ThumbRequest(1, ("c",), sample, (0,), {0: dirs.vectors[0]}, size=16))
    w._drain()
    assert failures == []
    assert len(frames) == 2 and frames[0] != frames[1]
    assert len(thumbs) == 1 and len(thumbs[0][1]) == 5


def test_worker_serves_a_stylegan2_with_early_exit_thumbnails(qtbot):
    """A real StyleGAN2 (rosinality tiny fixture): W+ edits on chosen rows, small thumbnails through
    synthesize(max_resolution=…), previews at full size."""
    from conftest import shared_dir

    from sefa_desktop.core import factorize
    from sefa_desktop.gui.worker import EditSpec
    from sefa_desktop.models import load_model

    base = shared_dir()
    path = None if base is None else base / "fixtures" / "rosinality" / "stylegan2_tiny.pt"
    if path is None or not path.is_file():
        pytest.skip("../shared/fixtures/rosinality is not present next to the checkout")
    model = load_model(str(path))
    assert model.edit_space == "w" and model.num_layers > 2
    w = make_worker(model)
    dirs = factorize(model, layers=[0, 1])
    failures, frames, thumbs = record(w)
    sample = SampleSpec(seed=2, psi=0.7)
    w.box.put("preview", PreviewRequest(1, sample))
    w._drain()
    w.box.put("preview", PreviewRequest(1, sample, (EditSpec(dirs.vectors[0], 4.0, (0, 1)),)))
    w._drain()
    small = max(4, model.resolution // 4)
    w.box.put("thumbs", ThumbRequest(1, ("c",), sample, (0, 1), {0: dirs.vectors[0], 1: dirs.vectors[1]},
                                     layers=(0, 1), size=small))
    w._drain()
    assert failures == []
    assert [f.width() for f in frames] == [model.resolution] * 2 and frames[0] != frames[1]
    assert len(thumbs) == 2 and all(im.width() == small for _, ims in thumbs for im in ims)


def test_fine_row_previews_resume_from_a_cached_prefix(qtbot):
    """Dragging a fine-row direction re-renders only the layers from its first row on, and the frame is the
    same as a full render."""
    from conftest import shared_dir

    from sefa_desktop.core import factorize
    from sefa_desktop.core.editing import DirectionEdit, apply_edits
    from sefa_desktop.core.imaging import to_uint8
    from sefa_desktop.gui.worker import EditSpec
    from sefa_desktop.models import load_model

    base = shared_dir()
    path = None if base is None else base / "fixtures" / "rosinality" / "stylegan2_tiny.pt"
    if path is None or not path.is_file():
        pytest.skip("../shared/fixtures/rosinality is not present next to the checkout")
    model = load_model(str(path))
    if not hasattr(model, "prefix_state"):
        pytest.skip("this family has no prefix reuse")
    rows = tuple(range(4, model.num_layers))
    vec = factorize(model, layers=list(rows)).vectors[0]
    w = RenderWorker()
    w.model, w.model_gen = model, 1
    frames = []
    w.previewReady.connect(lambda gen, img, ms, draft: frames.append(img))
    sample = SampleSpec(seed=5, psi=1.0)
    for alpha in (1.0, 2.5, -2.0):
        w.box.put("preview", PreviewRequest(1, sample, (EditSpec(vec, alpha, rows),), draft=True))
        w._drain()
    assert len(frames) == 3 and w.prefix_hits == 2
    codes = apply_edits(model.sample_codes(1, seed=5), [DirectionEdit(vec, -2.0, rows)])
    full = to_uint8(model.synthesize(codes))[0]
    im = frames[-1].convertToFormat(frames[-1].Format.Format_RGB888)
    got = np.frombuffer(im.constBits(), np.uint8).reshape(im.height(), im.bytesPerLine())[:, : 3 * im.width()]
    assert np.abs(got.reshape(full.shape).astype(int) - full.astype(int)).max() <= 1
