"""The render client: turns the edit session into worker requests and the worker's answers into
results for the window. It owns every generation counter (which answer is still wanted) and decides,
in one place (`schedule`), what a change of the session must render: the preview, the thumbnails or
a new factorization.
"""

from __future__ import annotations

import time

import numpy as np
from PySide6.QtCore import QObject, QTimer, Signal, Slot
from PySide6.QtGui import QImage

from ..session import EditSession
from ..session.state import AMPLITUDE, DIRECTIONS, EDITS, HOLDS, LAYERS, SAMPLE, Change, LatentBase
from .requests import (
    DeviceRequest,
    DirectionsResult,
    EditSpec,
    FactorizeRequest,
    LoadRequest,
    PreviewRequest,
    SampleSpec,
    ThumbRequest,
)
from .worker import RenderWorker

REST_MS = 120  # pointer resting this long during a drag → render the full-resolution frame


class RenderClient(QObject):
    modelLoaded = Signal(int, dict)  # load generation, info: the load still wanted finished
    loadFailed = Signal(int, str)  # load generation, one-line message
    directionsReady = Signal(object)  # DirectionsResult of the factorization still wanted
    previewShown = Signal(QImage, float, bool)  # a frame newer than the one on screen: image, ms, draft
    thumbnailsReady = Signal(object, object)  # context, [(row, [QImage, …])]
    thumbnailDraftsReady = Signal(object, object)  # the same at low resolution; the sharp strips follow
    thumbnailsInvalidated = Signal(tuple)  # the context thumbnails now belong to; ask for visible rows

    def __init__(self, session: EditSession, worker: RenderWorker, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.worker = worker
        self.load_gen = 0
        self.fact_gen = 0
        self.preview_gen = 0
        self.shown_gen = 0
        self._requested_at: dict[int, float] = {}
        self.frame_latencies_ms: list[float] = []  # request → displayed, for the status bar and benches
        self.thumb_alphas: tuple[float, ...] = ()  # the gallery's strip α values (set by the window)
        self._rest_timer = QTimer(self)
        self._rest_timer.setSingleShot(True)
        self._rest_timer.setInterval(REST_MS)
        self._rest_timer.timeout.connect(lambda: self.request_preview(draft=False))
        worker.modelLoaded.connect(self._on_model_loaded)
        worker.loadFailed.connect(self._on_load_failed)
        worker.directionsReady.connect(self._on_directions)
        worker.previewReady.connect(self._on_preview)
        worker.thumbnailsReady.connect(self.thumbnailsReady)
        worker.thumbnailDraftsReady.connect(self.thumbnailDraftsReady)
        # The owner subscribes `schedule` to the session after the widgets' observers, so that a render
        # asked for by a change sees the widgets already showing it (e.g. the gallery's new row count).

    # -- what a change renders (the one place that decides) ------------------------------------------------
    def schedule(self, change: Change) -> None:
        a = change.aspects
        if LAYERS in a and self.session.model_info is not None:
            self.factorize(self.session.layers)
        if a & {DIRECTIONS, SAMPLE, HOLDS, AMPLITUDE}:
            self.thumbnailsInvalidated.emit(self.thumb_context())
        if a & {DIRECTIONS, SAMPLE, HOLDS, EDITS} and self.session.directions is not None:
            self.request_preview(draft=change.draft and EDITS in a)
        if EDITS in a:
            if change.draft:
                self._rest_timer.start()  # the pointer may rest: then render the full frame
            else:
                self._rest_timer.stop()

    # -- requests ----------------------------------------------------------------------------------------
    def load(self, source: str) -> int:
        self.load_gen = self.worker.submit(LoadRequest(source))
        return self.load_gen

    def cancel_load(self) -> None:
        self.worker.cancel("load")
        self.load_gen = -1

    def set_device(self, device: str) -> None:
        self.worker.submit(DeviceRequest(device))

    def factorize(self, layers: list[int]) -> None:
        if self.session.model_info is None or not layers:
            return
        self.fact_gen = self.worker.submit(FactorizeRequest(self.session.model_gen, tuple(layers)))

    def cancel_factorize(self) -> None:
        """A factorization still running must not replace the set shown now (e.g. one just imported)."""
        self.worker.cancel("factorize")
        self.fact_gen = -1

    def sample_spec(self) -> SampleSpec:
        s = self.session
        if isinstance(s.base, LatentBase):
            return SampleSpec(0, s.psi, s.noise, latent=s.base.codes, latent_key=s.base.key)
        return SampleSpec(s.seed, s.psi, s.noise, class_index=s.class_index)

    def _holds(self) -> tuple[np.ndarray, ...]:
        return tuple(self.session.held_vectors())

    def request_preview(self, draft: bool = False) -> None:
        s = self.session
        if s.model_info is None:
            return
        edits = tuple(EditSpec(e.vector, e.alpha, e.layers(s.num_layers, s.style, s.row_resolutions)) for e in s.edits)
        gen = self.worker.submit(PreviewRequest(s.model_gen, self.sample_spec(), edits, draft, self._holds()))
        self.preview_gen = gen
        self._requested_at[gen] = time.perf_counter()
        if len(self._requested_at) > 512:
            for g in sorted(self._requested_at)[:256]:
                del self._requested_at[g]

    def thumb_context(self) -> tuple:
        """What a gallery thumbnail shows; thumbnails rendered for another context are dropped."""
        s = self.session
        d = s.directions
        return (s.model_gen, 0 if d is None else d.id, self.sample_spec().key, self.thumb_alphas,
                tuple(s.holds))

    def request_thumbnails(self, rows: list[int], size: int, radius: float, drafted: list[int] | None = None) -> None:
        """Strips for `rows`, in that order (visible first); `drafted` rows show a draft already."""
        s = self.session
        d = s.directions
        rows = [r for r in rows if 0 <= r < (0 if d is None else len(d))]
        if d is None or not rows:
            return
        self.worker.submit(ThumbRequest(
            model_gen=s.model_gen, context=self.thumb_context(), sample=self.sample_spec(), rows=tuple(rows),
            vectors={r: d.vectors[r] for r in rows}, layers=tuple(d.layers) if s.style else None,
            alphas=self.thumb_alphas, size=size, radius=radius, holds=self._holds(),
            drafted=tuple(r for r in (drafted or ()) if r in rows)))

    def shutdown(self) -> None:
        """Quit: nothing new is rendered and the render in flight stops at its next synthesis block."""
        self._rest_timer.stop()
        self.worker.request_stop()

    @property
    def frame_current(self) -> bool:
        """Is the newest preview requested the one on screen?"""
        return self.shown_gen == self.preview_gen

    # -- answers -----------------------------------------------------------------------------------------
    @Slot(int, object)
    def _on_model_loaded(self, gen: int, info: dict) -> None:
        if gen == self.load_gen:
            self.modelLoaded.emit(gen, info)

    @Slot(int, str)
    def _on_load_failed(self, gen: int, message: str) -> None:
        if gen == self.load_gen:
            self.loadFailed.emit(gen, message)

    @Slot(int, object)
    def _on_directions(self, gen: int, result: DirectionsResult) -> None:
        if gen == self.fact_gen and result.model_gen == self.session.model_gen:
            self.directionsReady.emit(result)

    @Slot(int, QImage, float, bool)
    def _on_preview(self, gen: int, image: QImage, ms: float, draft: bool) -> None:
        if gen < self.shown_gen:
            return  # an older frame overtaken by a newer one
        self.shown_gen = gen
        t0 = self._requested_at.pop(gen, None)
        if t0 is not None:
            self.frame_latencies_ms.append((time.perf_counter() - t0) * 1000)
        self.previewShown.emit(image, ms, draft)
