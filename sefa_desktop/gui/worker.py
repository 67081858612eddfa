"""The render worker: one QObject living in a QThread that owns the model, the device and all torch work.

Requests arrive through a latest-wins mailbox (one slot per purpose). The GUI thread overwrites a slot
and, if the worker is idle, posts one queued wake-up; the worker drains the newest request of the most
urgent purpose first. A burst of 200 drag events therefore renders a handful of frames and never a
stale one. Only QImage (and small numpy arrays / plain dicts) cross back to the GUI thread.

torch is imported here lazily, inside the worker thread, so importing this module costs nothing and the
window can appear before torch has loaded.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, QRectF, Qt, QThread, Signal, Slot
from PySide6.QtGui import QImage, QPainter, QPainterPath

# Most urgent first: a device switch or load invalidates everything after it; the preview is what the
# user is looking at while dragging; thumbnails fill in behind it, one batch at a time.
PRIORITY = ("device", "load", "factorize", "preview", "thumbs")
DRAFT_RESOLUTION = 256  # preview size while the pointer moves, for models bigger than this
MAX_DIRECTIONS = 100  # gallery rows; the tail of the spectrum is noise


@dataclass(frozen=True)
class EditSpec:
    """One active edit as the worker needs it: a direction vector, α and the W+ rows it moves."""

    vector: np.ndarray
    alpha: float
    layers: tuple[int, ...] | None = None


@dataclass(frozen=True)
class SampleSpec:
    seed: int = 0
    psi: float = 1.0
    noise: str = "const"


@dataclass(frozen=True)
class PreviewRequest:
    model_gen: int
    sample: SampleSpec
    edits: tuple[EditSpec, ...] = ()
    draft: bool = False


@dataclass(frozen=True)
class ThumbRequest:
    """Thumbnails of `rows` of one direction set, for one sample. `context` identifies what they show."""

    model_gen: int
    context: tuple
    sample: SampleSpec
    rows: tuple[int, ...]
    vectors: dict[int, np.ndarray] = field(default_factory=dict)
    layers: tuple[int, ...] | None = None
    alphas: tuple[float, ...] = (-3.0, -1.5, 0.0, 1.5, 3.0)
    size: int = 64  # device pixels
    radius: float = 5.0  # corner radius, device pixels


@dataclass
class DirectionsResult:
    model_gen: int
    layers: list[int]
    vectors: np.ndarray  # (k, dim)
    values: np.ndarray  # (k,)
    dirset: Any  # core.DirectionSet, for export


class Cancelled(Exception):
    pass


class Mailbox:
    """Latest-wins slots, one per purpose, guarded by a lock; tells the caller when to wake the worker."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._slots: dict[str, tuple[int, Any]] = {}
        self._gens: dict[str, int] = {}
        self._scheduled = False

    def put(self, purpose: str, params: Any) -> tuple[int, bool]:
        """Store a request; returns (its generation, whether a wake-up must be posted)."""
        with self._lock:
            gen = self._gens.get(purpose, 0) + 1
            self._gens[purpose] = gen
            self._slots[purpose] = (gen, params)
            wake = not self._scheduled
            self._scheduled = True
            return gen, wake

    def put_back(self, purpose: str, gen: int, params: Any) -> None:
        """Re-queue the rest of a multi-step job unless a newer request took its slot."""
        with self._lock:
            if purpose not in self._slots and self._gens.get(purpose) == gen:
                self._slots[purpose] = (gen, params)

    def take(self) -> tuple[str, int, Any] | None:
        with self._lock:
            for purpose in PRIORITY:
                if purpose in self._slots:
                    gen, params = self._slots.pop(purpose)
                    return purpose, gen, params
            self._scheduled = False
            return None

    def cancel(self, purpose: str) -> None:
        """Drop a pending request and make a running one stale (its result is discarded)."""
        with self._lock:
            self._slots.pop(purpose, None)
            self._gens[purpose] = self._gens.get(purpose, 0) + 1

    def latest(self, purpose: str) -> int:
        with self._lock:
            return self._gens.get(purpose, 0)

    def urgent_waiting(self, than: str) -> bool:
        """Is a request more urgent than `than` waiting?"""
        with self._lock:
            rank = PRIORITY.index(than)
            return any(p in self._slots for p in PRIORITY[:rank])


def one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()[0] if str(e).strip() else ""
    return text or type(e).__name__


def _is_oom(e: BaseException) -> bool:
    return "out of memory" in str(e).lower() and isinstance(e, RuntimeError)


def to_qimages(images: np.ndarray) -> list[QImage]:
    """(n, H, W, 3) uint8 → detached QImages (copied: they must not point at the numpy buffer)."""
    out = []
    for img in images:
        img = np.ascontiguousarray(img)
        h, w = img.shape[:2]
        out.append(QImage(img.data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())
    return out


def _fit(vector: np.ndarray, code_dim: int) -> np.ndarray:
    """A direction padded with zeros to the code's length: BigGAN's codes are [z, class], its directions
    live in z (the first `latent_dim` entries)."""
    v = np.asarray(vector, np.float32)
    if v.shape[-1] < code_dim:
        v = np.concatenate([v, np.zeros(code_dim - v.shape[-1], np.float32)])
    return v


def rounded_image(image: QImage, px: int, radius: float) -> QImage:
    """`image` scaled to px × px with rounded (transparent) corners. QPainter on a QImage is safe off the
    GUI thread, so thumbnails arrive ready to blit; a rounded clip at paint time cost ~0.2 ms each."""
    out = QImage(px, px, QImage.Format.Format_ARGB32_Premultiplied)
    out.fill(Qt.GlobalColor.transparent)
    p = QPainter(out)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform)
    clip = QPainterPath()
    clip.addRoundedRect(QRectF(0, 0, px, px), radius, radius)
    p.setClipPath(clip)
    p.drawImage(QRectF(0, 0, px, px), image, QRectF(image.rect()))
    p.end()
    return out


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
    previewReady = Signal(int, QImage, float, bool)  # preview generation, image, ms, draft
    failed = Signal(str, str)  # purpose, one-line message
    notice = Signal(str)
    deviceChanged = Signal(str)
    _wake = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.box = Mailbox()
        self.model: Any = None
        self.model_gen = 0
        self.device = "cpu"
        self.batch = 32
        # Test hook: a callable (source, device) -> model used instead of models.load_model.
        self.loader: Callable[[str, str], Any] | None = None
        self._base_cache: dict[tuple, Any] = {}
        self._prefixes: dict[tuple, Any] = {}
        self.prefix_hits = 0  # frames finished from a cached prefix (for tests and benches)
        self._wake.connect(self._drain, Qt.ConnectionType.QueuedConnection)

    # -- called from the GUI thread (thread-safe) -----------------------------------------------
    def submit(self, purpose: str, params: Any) -> int:
        gen, wake = self.box.put(purpose, params)
        if wake:
            self._wake.emit()
        return gen

    def cancel(self, purpose: str) -> None:
        self.box.cancel(purpose)

    # -- worker thread ------------------------------------------------------------------------------
    @Slot()
    def start(self) -> None:
        """First slot on the worker thread: import torch and the model registry."""
        import torch

        # Leave one core to the GUI thread (set_num_threads is process-wide).
        torch.set_num_threads(max(1, (os.cpu_count() or 2) - 1))
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
        while True:
            item = self.box.take()
            if item is None:
                return
            purpose, gen, params = item
            try:
                getattr(self, f"_do_{purpose}")(gen, params)
            except Cancelled:
                pass
            except Exception as e:  # the worker keeps serving whatever went wrong
                if purpose == "load":
                    self.loadFailed.emit(gen, one_line(e))
                else:
                    self.failed.emit(purpose, one_line(e))

    def _stale(self, purpose: str, gen: int) -> bool:
        return self.box.latest(purpose) != gen

    # -- handlers -----------------------------------------------------------------------------------
    def _do_device(self, gen: int, device: str) -> None:
        if self.model is not None:
            self.model.to(device)
        self.device = device
        self._base_cache.clear()
        self._prefixes.clear()
        self.deviceChanged.emit(device)

    def _do_load(self, gen: int, source: str) -> None:
        if self.loader is not None:
            model = self.loader(source, self.device)
        else:
            from ..models import load_model

            model = load_model(source, device=self.device)
        if self._stale("load", gen):
            raise Cancelled  # cancelled or superseded while loading: keep the current model
        self.model, self.model_gen = model, gen
        self._base_cache.clear()
        self._prefixes.clear()
        if Path(source).exists():  # a checkpoint path, not a bundled name; the write fsyncs: not on the GUI
            from .. import settings

            settings.add_recent_model(str(Path(source).resolve()))
        gc.collect()  # free the previous model now, then keep the new one's objects out of later passes
        gc.freeze()
        self.modelLoaded.emit(gen, self._describe(model, source))

    def _describe(self, model: Any, source: str) -> dict[str, Any]:
        return dict(
            source=source, name=str(model.name), family=str(model.family), resolution=int(model.resolution),
            z_dim=int(model.z_dim), w_dim=None if model.w_dim is None else int(model.w_dim),
            num_layers=int(model.num_layers), edit_space=str(getattr(model, "edit_space", "z")),
            latent_dim=int(getattr(model, "latent_dim", 0) or model.w_dim or model.z_dim),  # a direction's length
            layers=[(int(li.index), str(li.name), int(li.resolution)) for li in model.layers],
            device=self.device)

    def _do_factorize(self, gen: int, params: tuple[int, list[int]]) -> None:
        model_gen, layers = params
        if model_gen != self.model_gen or self.model is None:
            raise Cancelled
        from ..core import factorize

        dirs = factorize(self.model, layers=layers, k=MAX_DIRECTIONS)
        if self._stale("factorize", gen):
            raise Cancelled
        self.directionsReady.emit(gen, DirectionsResult(model_gen, list(dirs.layers), dirs.vectors.copy(),
                                                        dirs.values.copy(), dirs))

    def _do_preview(self, gen: int, req: PreviewRequest) -> None:
        if req.model_gen != self.model_gen or self.model is None:
            raise Cancelled
        from ..core.editing import DirectionEdit, apply_edits

        t0 = time.perf_counter()
        base = self._base_codes(req.sample)
        codes = apply_edits(base, [DirectionEdit(_fit(e.vector, base.shape[-1]), e.alpha, e.layers)
                                   for e in req.edits])
        max_res = DRAFT_RESOLUTION if req.draft and self.model.resolution > DRAFT_RESOLUTION else None
        image = self._synthesize(codes, req.sample, max_res, prefix_row=self._first_edited_row(req))[0]
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

        per_batch = max(1, self.batch // len(req.alphas))
        rows, rest = req.rows[:per_batch], req.rows[per_batch:]
        base = self._base_codes(req.sample)
        codes = torch.cat([sweep_codes(base, _fit(req.vectors[r], base.shape[-1]), req.alphas, req.layers)
                           for r in rows])
        max_res = max(8, 1 << max(0, int(req.size - 1).bit_length()))  # smallest power of two ≥ size
        images = self._synthesize(codes, req.sample, max_res if max_res < self.model.resolution else None)
        images = [rounded_image(im, req.size, req.radius) for im in images]
        n = len(req.alphas)
        self.thumbnailsReady.emit(req.context, [(r, images[i * n:(i + 1) * n]) for i, r in enumerate(rows)])
        if rest:  # yield between batches so a drag's preview goes first
            self.box.put_back("thumbs", gen, replace(req, rows=rest))

    # -- rendering ----------------------------------------------------------------------------------
    def _base_codes(self, sample: SampleSpec) -> Any:
        key = (self.model_gen, sample.seed, sample.psi, self.device)
        if key not in self._base_cache:
            if len(self._base_cache) > 64:
                self._base_cache.clear()
            if hasattr(self.model, "sample_codes"):  # each family truncates its own way (BigGAN: in z)
                codes = self.model.sample_codes(1, seed=sample.seed, truncation_psi=sample.psi)
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

    def _synthesize(self, codes: Any, sample: SampleSpec, max_res: int | None,
                    prefix_row: int = 0) -> list[QImage]:
        """Render in batches; on CUDA out-of-memory halve the batch, then fall back to the CPU."""
        import torch

        from ..core.imaging import to_uint8

        out: list[QImage] = []
        i = 0
        while i < codes.shape[0]:
            chunk = codes[i:i + self.batch].to(self.model.device)
            try:
                images = self._call_synthesize(chunk, sample, max_res, prefix_row)
            except (RuntimeError, MemoryError) as e:
                if not _is_oom(e) or self.device == "cpu":
                    raise
                if torch.cuda.is_available():
                    torch.cuda.empty_cache()
                if self.batch > 1:
                    self.batch = max(1, self.batch // 2)
                    self.notice.emit(f"Out of GPU memory: retrying with batches of {self.batch}")
                else:
                    self._do_device(0, "cpu")
                    self.notice.emit("Out of GPU memory even one image at a time: switched to the CPU")
                continue
            if not torch.isfinite(images).all():
                raise ValueError("the generator produced NaN or infinite values for this code")
            out += to_qimages(to_uint8(images, tuple(getattr(self.model, "image_range", (-1.0, 1.0)))))
            i += chunk.shape[0]
        return out

    def _call_synthesize(self, codes: Any, sample: SampleSpec, max_res: int | None, prefix_row: int = 0) -> Any:
        if prefix_row > 0:
            images = self._from_prefix(codes, sample, max_res, prefix_row)
            if images is not None:
                return images
        # BigGAN's truncation also picks its batch-norm statistics; the other families ignore it here.
        kw: dict[str, Any] = dict(noise_mode=sample.noise, truncation_psi=sample.psi)
        # Early exit at thumbnail size where the family offers it; otherwise render in full.
        if max_res is not None:
            try:
                return self.model.synthesize(codes, max_resolution=max_res, **kw)
            except (TypeError, NotImplementedError):
                pass
        return self.model.synthesize(codes, **kw)

    def _from_prefix(self, codes: Any, sample: SampleSpec, max_res: int | None, row: int) -> Any:
        """Fine-row edits of one frame: resume from the cached output of the layers before `row` (the
        families that offer prefix_state/synthesize_from). None = not possible here, render in full."""
        model = self.model
        if not hasattr(model, "prefix_state") or sample.noise == "random" or codes.shape[0] != 1:
            return None
        key = (self.model_gen, sample.seed, sample.psi, sample.noise, row, self.device)
        prefix = self._prefixes.get(key)
        if prefix is not None:
            try:
                images = model.synthesize_from(prefix, codes, max_resolution=max_res)
                self.prefix_hits += 1
                return images
            except ValueError:  # rows before `row` differ from the cached prefix's: compute a new one
                pass
            except (TypeError, NotImplementedError):
                return None
        try:
            prefix = model.prefix_state(codes, row, noise_mode=sample.noise)
            images = model.synthesize_from(prefix, codes, max_resolution=max_res)
        except (TypeError, NotImplementedError, ValueError):
            return None
        self._prefixes = {key: prefix}  # one prefix at a time: it holds activations
        return images


class WorkerThread(QThread):
    """The thread the worker lives in; `worker.start` runs first on it."""

    def __init__(self, worker: RenderWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sefa-render-worker")
        worker.moveToThread(self)
        self.started.connect(worker.start)
