"""The render worker: one QObject living in a QThread that owns the model, the device and all torch work.

Requests (gui/requests.py) arrive through a latest-wins mailbox (gui/mailbox.py). Only QImage (and
small numpy arrays / plain dicts) cross back to the GUI thread (gui/images.py makes them).

torch is imported here lazily, inside the worker thread, so importing this module costs nothing and the
window can appear before torch has loaded.
"""

from __future__ import annotations

import gc
import inspect
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QObject, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage

from .edit_vectors import fit_to_code, held_direction
from .images import rounded_image, to_qimages
from .mailbox import PRIORITY, Mailbox
from .render_plan import DraftPlanner, thumbnail_steps
from .requests import (
    MAX_DIRECTIONS,
    DeviceRequest,
    DirectionsResult,
    EditSpec,
    FactorizeRequest,
    LoadRequest,
    PreviewRequest,
    Request,
    SampleSpec,
    ThumbRequest,
)

if TYPE_CHECKING:  # torch is imported on the worker thread only
    import torch

    from ..models.base import GanModel

__all__ = ["DRAFT_RESOLUTION", "MAX_DIRECTIONS", "PRIORITY", "Cancelled", "DirectionsResult", "EditSpec",
           "Mailbox", "PreviewRequest", "RenderWorker", "SampleSpec", "ThumbRequest", "WorkerThread",
           "available_devices", "one_line", "rounded_image", "to_qimages"]

DRAFT_RESOLUTION = 256  # drag drafts of models without timings yet and without a cost profile
BATCH = 32  # images per synthesize call; halved on out-of-memory until the device or model changes


class Cancelled(Exception):
    pass


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return text or type(e).__name__


def _is_oom(e: BaseException) -> bool:
    return "out of memory" in str(e).lower() and isinstance(e, RuntimeError)


def _early_exit(model: Any) -> bool:
    """Does `synthesize(max_resolution=r)` stop after block r (cheap), rather than render in full and
    downsample? StyleGAN2 'skip', StyleGAN and PGGAN do; StyleGAN3, BigGAN, DCGAN do not."""
    if model is None:
        return False
    if model.family == "stylegan2":
        return getattr(model, "architecture", "skip") == "skip"
    return model.family in ("stylegan", "pggan")


def available_devices() -> list[str]:
    import torch

    devs = ["cpu"]
    if torch.cuda.is_available():
        devs.insert(0, "cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devs.insert(0, "mps")
    return devs


class RenderWorker(QObject):
    """Owns the GanModel; every slot here runs on the worker thread."""

    ready = Signal(object)  # {"bundled": [...], "devices": [...], "device": str, "default": str}
    modelLoaded = Signal(int, object)  # load generation, info dict
    loadFailed = Signal(int, str)
    directionsReady = Signal(int, object)  # factorize generation, DirectionsResult
    thumbnailsReady = Signal(object, object)  # context, [(row, [QImage, ...])]
    thumbnailDraftsReady = Signal(object, object)  # the same, low-resolution drafts (sharp ones follow)
    previewReady = Signal(int, QImage, float, bool)  # preview generation, image, ms, draft
    failed = Signal(str, str)  # purpose, one-line message
    notice = Signal(str)
    deviceChanged = Signal(str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.box = Mailbox()
        self.model: GanModel | None = None
        self.model_gen = 0
        self.device = "cpu"
        self.batch = BATCH
        # Test hook: a callable (source, device) -> model used instead of models.load_model.
        self.loader: Callable[[str, str], GanModel] | None = None
        self._base_cache: dict[tuple, torch.Tensor] = {}
        self._prefixes: dict[tuple, Any] = {}
        self.prefix_hits = 0  # frames finished from a cached prefix (for tests and benches)
        self.planner = DraftPlanner()  # drag-draft resolution from measured frame times
        self.interruptions = 0  # renders stopped between synthesis blocks (for tests and benches)
        self.closing = False  # set from the GUI thread on quit: every render stops at its next block
        self._resume: ThumbRequest | None = None  # the thumbnail plan in flight, to put back if interrupted
        self.dtype: Any = None  # autocast dtype on a GPU when measured faster and within 2/255; None = float32
        self.precision_report: dict[str, tuple[float, float]] = {}
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    # -- called from the GUI thread (thread-safe) -----------------------------------------------
    def submit(self, request: Request) -> int:
        """Queue `request` in its purpose's slot (replacing an older one); returns its generation."""
        gen, wake = self.box.put(request.purpose, request)
        if wake:
            self._wake.emit()
        return gen

    def cancel(self, purpose: str) -> None:
        self.box.cancel(purpose)

    def request_stop(self) -> None:
        """Quitting: the render in flight stops at its next synthesis block, nothing new starts."""
        self.closing = True
        for purpose in PRIORITY:
            self.box.cancel(purpose)

    # -- worker thread ------------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """First slot on the worker thread: import torch and the model registry."""
        import torch

        # Leave one core to the GUI thread (set_num_threads is process-wide); idle OpenMP threads sleep
        # instead of spinning against the GUI and neighbours (util/threads.py, set before torch loaded).
        from ..util.threads import worker_threads

        torch.set_num_threads(worker_threads())
        # The GUI thread waits at most one switch interval for the GIL when the worker runs Python code
        # (5 ms by default); 1 ms keeps heartbeat gaps small at a negligible cost to the worker.
        sys.setswitchinterval(0.001)
        from ..models import DEFAULT_MODEL, bundled_models

        devices = available_devices()
        self.device = devices[0]
        bundled = [dict(name=m.name, family=m.family, resolution=m.resolution, description=m.description,
                        licence=m.licence) for m in bundled_models()]
        # torch's import leaves ~10⁵ long-lived objects; a full cyclic-GC pass over them stalls every
        # thread for tens of ms at random moments (e.g. mid-drag). Freezing moves them out of its sight.
        gc.freeze()
        self.ready.emit(dict(bundled=bundled, devices=devices, device=self.device, default=DEFAULT_MODEL))

    @Slot()
    def _drain(self) -> None:
        from ..models.interrupt import Interrupted, interruptible

        while True:
            item = self.box.take(self._defer)
            if item is None or self.closing:
                return
            purpose, gen, params = item
            self._resume = None
            try:
                with interruptible(self._stop_test(purpose, gen, params)):
                    getattr(self, f"_do_{purpose}")(gen, params)
            except Cancelled:
                pass
            except Interrupted:
                self.interruptions += 1
                if purpose == "thumbs" and not self.closing:  # resumes (this step again) after the urgent work
                    self.box.put_back("thumbs", gen, self._resume if self._resume is not None else params)
            except Exception as e:  # the worker keeps serving whatever went wrong
                if purpose == "load":
                    self.loadFailed.emit(gen, one_line(e))
                else:
                    self.failed.emit(purpose, one_line(e))

    def _stale(self, purpose: str, gen: int) -> bool:
        return self.box.latest(purpose) != gen

    def _defer(self, purpose: str, req: Any, waiting: dict[str, Any]) -> bool:
        """A full preview frame of a big model waits behind the gallery's draft strips (each a few % of
        a frame): the cards show something within about one frame time of the directions appearing.
        A drag's drafts and everything else keep their priority."""
        if purpose != "preview" or getattr(req, "draft", True) or self.planner.draft_resolution() is None:
            return False
        thumbs = waiting.get("thumbs")
        if thumbs is None:
            return False
        steps = thumbs.steps
        return (steps[0].draft if steps else not set(thumbs.rows) <= set(thumbs.drafted))

    def _stop_test(self, purpose: str, gen: int, req: Request) -> Callable[[], bool]:
        """When a render of `purpose` stops between synthesis blocks: on quit; thumbnails as soon as
        anything more urgent (a drag's preview) waits or newer thumbnails were asked for; a full
        preview frame when a newer preview waits (a drag started); a drag draft only for a load,
        device switch or factorization (it is the freshest frame there is)."""
        box = self.box
        if purpose == "thumbs":
            def thumbs_stop() -> bool:
                if self.closing or box.latest("thumbs") != gen or box.urgent_waiting("preview"):
                    return True
                waiting = box.peek("preview")
                if waiting is None:
                    return False
                if waiting.draft:
                    return True  # a drag
                current = self._resume  # a full frame waits: it does not stop draft strips (see _defer)
                return not (current is not None and current.steps and current.steps[0].draft
                            and self.planner.draft_resolution() is not None)

            return thumbs_stop
        if purpose == "preview":
            full = not getattr(req, "draft", False)
            return lambda: self.closing or box.urgent_waiting("preview") or (full and box.waiting("preview"))
        return lambda: self.closing

    # -- handlers -----------------------------------------------------------------------------------
    def _do_device(self, gen: int, req: DeviceRequest) -> None:
        self._switch_device(req.device)

    def _switch_device(self, device: str) -> None:
        if self.model is not None:
            self.model.to(device)
        self.device = device
        self.batch = BATCH  # what did not fit on one device says nothing about another
        self._base_cache.clear()
        self._prefixes.clear()
        self._reset_planner()
        self._choose_precision()
        self.deviceChanged.emit(device)

    def _choose_precision(self) -> None:
        """On a GPU: float16/bfloat16 autocast if one frame renders faster and within 2/255 of float32
        (models/precision.py); on the CPU always float32."""
        self.dtype, self.precision_report = None, {}
        model = self.model
        if model is None or not str(self.device).startswith("cuda"):
            return
        from ..models.precision import choose_precision

        try:
            codes = self._base_codes(SampleSpec(seed=0)).to(model.device)
            self.dtype, self.precision_report = choose_precision(model, codes)
        except (RuntimeError, ValueError, TypeError):  # OOM or an op without half support: float32
            self.dtype = None

    def _reset_planner(self) -> None:
        model = self.model
        profile = model.cost_profile() if model is not None and hasattr(model, "cost_profile") else None
        # Without an early exit a draft costs a full frame: no candidates, drafts render in full.
        self.planner.reset(int(model.resolution) if _early_exit(model) else 0, profile)

    def _do_load(self, gen: int, req: LoadRequest) -> None:
        source = req.source
        if self.loader is not None:
            model = self.loader(source, self.device)
        else:
            from ..models import load_model

            model = load_model(source, device=self.device)
        if self._stale("load", gen):
            raise Cancelled  # cancelled or superseded while loading: keep the current model
        self.model, self.model_gen = model, gen
        self.batch = BATCH  # nor about another model
        self._base_cache.clear()
        self._prefixes.clear()
        self._reset_planner()
        self._choose_precision()
        if Path(source).exists():  # a checkpoint path, not a bundled name; the write fsyncs: not on the GUI
            from .. import settings

            settings.add_recent_model(str(Path(source).resolve()))
        gc.collect()  # free the previous model now, then keep the new one's objects out of later passes
        gc.freeze()
        self.modelLoaded.emit(gen, self._describe(model, source))

    def _describe(self, model: GanModel, source: str) -> dict[str, Any]:
        return dict(
            source=source, name=str(model.name), family=str(model.family), resolution=int(model.resolution),
            z_dim=int(model.z_dim), w_dim=None if model.w_dim is None else int(model.w_dim),
            num_layers=int(model.num_layers), edit_space=str(getattr(model, "edit_space", "z")),
            latent_dim=int(getattr(model, "latent_dim", 0) or model.w_dim or model.z_dim),  # a direction's length
            layers=[(int(li.index), str(li.name), int(li.resolution)) for li in model.layers],
            device=self.device, **_class_info(model))

    def _do_factorize(self, gen: int, req: FactorizeRequest) -> None:
        if req.model_gen != self.model_gen or self.model is None:
            raise Cancelled
        from ..core import factorize

        dirs = factorize(self.model, layers=list(req.layers), k=req.k)
        if self._stale("factorize", gen):
            raise Cancelled
        self.directionsReady.emit(gen, DirectionsResult(req.model_gen, list(dirs.layers), dirs.vectors.copy(),
                                                        dirs.values.copy(), dirs))

    def _do_preview(self, gen: int, req: PreviewRequest) -> None:
        if req.model_gen != self.model_gen or self.model is None:
            raise Cancelled
        from ..core.editing import DirectionEdit, apply_edits

        t0 = time.perf_counter()
        base = self._base_codes(req.sample)
        codes = apply_edits(base, [DirectionEdit(fit_to_code(held_direction(e.vector, req.holds), base.shape[-1]),
                                                 e.alpha, e.layers)
                                   for e in req.edits])
        max_res = self.planner.draft_resolution() if req.draft else None
        t1 = time.perf_counter()
        image = self._synthesize(codes, req.sample, max_res, prefix_row=self._first_edited_row(req))[0]
        self.planner.record(max_res, time.perf_counter() - t1)
        ms = (time.perf_counter() - t0) * 1000
        # Emit even if a newer request arrived meanwhile: it is still the freshest frame there is (dropping
        # it would show nothing at all while the pointer keeps moving); the GUI drops frames older than
        # the one on screen, and the newest request is rendered next.
        self.previewReady.emit(gen, image, ms, req.draft)

    def _do_thumbs(self, gen: int, req: ThumbRequest) -> None:
        if req.model_gen != self.model_gen or self.model is None or not req.rows:
            raise Cancelled
        import torch

        from ..core.editing import sweep_codes

        # The plan (gui/render_plan.py): drafts for the cards in order (the first alone), then each
        # card's sharp strip. One step per turn; the rest goes back to the mailbox, so a drag's preview
        # goes first between steps (and interrupts a step in flight between synthesis blocks).
        steps = req.steps or thumbnail_steps(
            req.rows, int(self.model.resolution), max(8, req.size), drafted=req.drafted,
            draft_resolution=self.planner.thumb_draft_resolution(),
            cards_per_batch=max(1, self.batch // max(1, len(req.alphas))))
        if not steps:
            return
        step, rest = steps[0], steps[1:]
        self._resume = replace(req, steps=steps)  # an interruption puts back the plan, this step still in it
        rows = step.rows
        base = self._base_codes(req.sample)
        codes = torch.cat([sweep_codes(base, fit_to_code(held_direction(req.vectors[r], req.holds), base.shape[-1]),
                                       req.alphas,
                                       req.layers) for r in rows])
        images = self._synthesize(codes, req.sample, step.resolution, chunk=self._thumb_chunk(step.resolution))
        images = [rounded_image(im, req.size, req.radius) for im in images]
        n = len(req.alphas)
        signal = self.thumbnailDraftsReady if step.draft else self.thumbnailsReady
        signal.emit(req.context, [(r, images[i * n:(i + 1) * n]) for i, r in enumerate(rows)])
        if rest:
            self.box.put_back("thumbs", gen, replace(req, steps=rest))

    # -- rendering ----------------------------------------------------------------------------------
    def _base_codes(self, sample: SampleSpec) -> torch.Tensor:
        key = (self.model_gen, sample.code_key, self.device)
        if key not in self._base_cache:
            if len(self._base_cache) > 64:
                self._base_cache.clear()
            if sample.latent is not None:  # a given code (projected photo, latent file): used as it is
                import torch

                codes = torch.from_numpy(np.array(sample.latent, np.float32))[None].to(self.model.device)
            elif hasattr(self.model, "sample_codes"):  # each family truncates its own way (BigGAN: in z)
                codes = self.model.sample_codes(1, seed=sample.seed, truncation_psi=sample.psi,
                                                **_class_kw(sample))
            else:
                z = self.model.sample_z(1, seed=sample.seed).to(self.model.device)
                codes = self.model.codes(z, truncation_psi=sample.psi)
            self._base_cache[key] = codes.detach()
        return self._base_cache[key]

    def _first_edited_row(self, req: PreviewRequest) -> int:
        """The first W+ row any edit moves: the layers before it render the same for every α."""
        if self.model.edit_space != "w" or not req.edits:
            return 0
        rows = [min(e.layers) if e.layers else 0 for e in req.edits if e.alpha != 0]
        return min(rows) if rows else 0

    def _thumb_chunk(self, resolution: int | None) -> int:
        """Images per forward pass for gallery strips of a big model: few enough that the costliest
        layer of the pass takes ≤ ~1/5 of a full frame, so a drag waits at most that long (a stop
        test runs between layers) and its ¼-frame draft still shows within ½ a frame. Small or fast
        models: the whole batch."""
        cost = self.planner.cost
        if self.model is None or not cost or self.planner.draft_resolution() is None:
            return self.batch
        full = cost.get(int(self.model.resolution))
        r = int(resolution or self.model.resolution)
        block = cost.get(r, 0.0) - cost.get(r // 2, 0.0)
        if not full or block <= 0:
            return self.batch
        return max(1, min(self.batch, int(0.2 * full / block)))

    def _synthesize(self, codes: torch.Tensor, sample: SampleSpec, max_res: int | None,
                    prefix_row: int = 0, chunk: int | None = None) -> list[QImage]:
        """Render in batches (of `chunk` at most); on CUDA out-of-memory halve the batch, then fall
        back to the CPU."""
        import torch

        from ..core.imaging import to_uint8

        out: list[QImage] = []
        i = 0
        while i < codes.shape[0]:
            part = codes[i:i + min(self.batch, chunk or self.batch)].to(self.model.device)
            try:
                images = self._call_synthesize(part, sample, max_res, prefix_row)
            except (RuntimeError, MemoryError) as e:
                if not _is_oom(e) or self.device == "cpu":
                    raise
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                if self.batch > 1:
                    self.batch = max(1, self.batch // 2)
                    self.notice.emit(f"Out of GPU memory: retrying with batches of {self.batch}")
                else:
                    self._switch_device("cpu")
                    self.notice.emit("Out of GPU memory even one image at a time: switched to the CPU")
                continue
            if not torch.isfinite(images).all():
                raise ValueError("the generator produced NaN or infinite values for this code")
            out += to_qimages(to_uint8(images, tuple(getattr(self.model, "image_range", (-1.0, 1.0)))))
            i += part.shape[0]
        return out

    def _call_synthesize(self, codes: torch.Tensor, sample: SampleSpec, max_res: int | None,
                         prefix_row: int = 0) -> torch.Tensor:
        if self.dtype is not None:
            from ..models.precision import autocast_to

            with autocast_to(self.dtype, codes.device.type):
                return self._call_synthesize_at(codes, sample, max_res, prefix_row).float()
        return self._call_synthesize_at(codes, sample, max_res, prefix_row)

    def _call_synthesize_at(self, codes: torch.Tensor, sample: SampleSpec, max_res: int | None,
                            prefix_row: int = 0) -> torch.Tensor:
        assert self.model is not None
        if prefix_row > 0:
            images = self._from_prefix(codes, sample, max_res, prefix_row)
            if images is not None:
                return images
        # BigGAN's truncation also picks its batch-norm statistics; the other families ignore it here.
        kw: dict[str, Any] = dict(noise_mode=sample.noise, truncation_psi=sample.psi)
        # Early exit at thumbnail size where the family offers it; otherwise render in full. Whether it
        # does is asked of the signature, not guessed from a TypeError: a real bug must surface.
        if max_res is not None and _accepts(self.model.synthesize, "max_resolution"):
            try:
                return self.model.synthesize(codes, max_resolution=max_res, **kw)
            except NotImplementedError:  # the family's way of saying "no early exit here"
                pass
        return self.model.synthesize(codes, **kw)

    def _from_prefix(self, codes: torch.Tensor, sample: SampleSpec, max_res: int | None,
                     row: int) -> torch.Tensor | None:
        """Fine-row edits of one frame: resume from the cached output of the layers before `row` (the
        families that offer prefix_state/synthesize_from). None = not possible here, render in full.
        Errors raised by those methods are real errors and propagate."""
        import torch

        model = self.model
        if not (hasattr(model, "prefix_state") and hasattr(model, "synthesize_from")) \
                or sample.noise == "random" or codes.shape[0] != 1:
            return None
        key = (self.model_gen, sample.key, row, self.device)
        prefix = self._prefixes.get(key)
        if prefix is None or not torch.equal(codes[:, :row], prefix.codes_head.to(codes.device)):
            prefix = model.prefix_state(codes, row, noise_mode=sample.noise)  # new rows before `row`
            self._prefixes = {key: prefix}  # one prefix at a time: it holds activations
        else:
            self.prefix_hits += 1
        return model.synthesize_from(prefix, codes, max_resolution=max_res)


def _class_info(model: Any) -> dict[str, Any]:
    """What the class picker needs: whether the model takes a class, how many, their names."""
    from ..models.classes import class_names, is_class_conditional

    if not is_class_conditional(model):
        return dict(class_conditional=False, num_classes=int(getattr(model, "num_classes", 0) or 0), class_names=[])
    return dict(class_conditional=True, num_classes=int(model.num_classes), class_names=class_names(model),
                default_class=int(getattr(model, "default_class", 0)))


def _class_kw(sample: SampleSpec) -> dict[str, Any]:
    """`c=` for sample_codes when a class was chosen; nothing otherwise (other families never see it)."""
    return {} if sample.class_index is None else {"c": int(sample.class_index)}


def _accepts(fn: Callable[..., Any], name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # a builtin without a signature: assume the protocol's
        return True
    return name in params or any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values())


class WorkerThread(QThread):
    """The thread the worker lives in; `worker.start` runs first on it."""

    def __init__(self, worker: RenderWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sefa-render-worker")
        worker.moveToThread(self)
        self.started.connect(worker.start)
