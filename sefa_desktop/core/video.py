"""Edit videos: a sweep along one direction, or a path through keyframes, for one seed or a grid of seeds.

Frames are rendered in batches by a producer thread and encoded on the calling thread, so encoding
overlaps rendering (torch and FFmpeg both release the GIL while they work). Output:

- `.mp4`  H.264 (libx264, CRF 18, yuv420p, +faststart) through PyAV; `codec="mpeg4"` avoids the GPL
  x264 library (see docs/exports.md).
- `.webm` VP9 (libvpx, BSD licensed) through PyAV.
- `.gif`  Pillow, frames pre-quantized (fast octree) as they arrive, written at the end.
- `.webp` animated WebP through Pillow.

Everything is written to a temp file beside the target and renamed at the end (util/atomic.py): a
cancelled or failed export leaves no file under the target name and never touches a previous one.
`frames` is always the number of frames in the file, ping-pong or not.
"""

from __future__ import annotations

import math
import queue
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import torch
from PIL import Image, ImageDraw, ImageFont

from ..util.atomic import WriteError, atomic_path
from .directions import DirectionSet
from .editing import DirectionEdit, apply_edits, seed_codes
from .imaging import to_uint8

VIDEO_SUFFIXES = (".mp4", ".webm", ".gif", ".webp")
Progress = Callable[[int, int], None]  # (frames done, total)


class ExportCancelled(Exception):
    """The user cancelled; nothing was written under the target name."""


@dataclass
class VideoSpec:
    """What to render. `keyframes` are {direction index: α} dicts; missing indices mean α = 0."""

    directions: DirectionSet
    keyframes: list[dict[int, float]]
    seeds: list[int] = field(default_factory=lambda: [0])
    frames: int = 60
    fps: float = 30.0
    pingpong: bool = False
    size: int | None = None  # px per seed cell; None = model resolution
    caption: bool = False
    truncation_psi: float = 1.0
    noise_mode: str = "const"
    layers: dict[int, tuple[int, ...]] = field(default_factory=dict)  # per-direction W+ rows override
    batch: int = 8  # images per synthesize call
    codec: str | None = None  # mp4 only: "libx264" (default when available) or "mpeg4"
    crf: int | None = None
    base_codes: torch.Tensor | None = None  # (1, *code_shape), e.g. a projected photo: replaces the seeds
    class_index: int | None = None  # the class of a class-conditional model's samples (None = its default)

    def validate(self) -> None:
        if not 1 <= self.frames <= 100_000:
            raise ValueError("frames must be between 1 and 100000")
        if not 0 < self.fps <= 240:
            raise ValueError("fps must be in (0, 240]")
        if not self.keyframes:
            raise ValueError("a video needs at least one keyframe")
        if not self.seeds or len(self.seeds) > 64:
            raise ValueError("give 1 to 64 seeds")
        if self.size is not None and not 8 <= self.size <= 4096:
            raise ValueError("size must be between 8 and 4096 px")
        if self.batch < 1:
            raise ValueError("batch must be ≥ 1")
        if self.base_codes is not None and self.base_codes.shape[0] != len(self.seeds):
            raise ValueError("give one base code per picture (a latent makes a video of one picture)")
        for kf in self.keyframes:
            for i in kf:
                if not 0 <= i < len(self.directions):
                    raise ValueError(f"direction {i} does not exist (the set has 0..{len(self.directions) - 1})")


def sweep_spec(dirs: DirectionSet, index: int, lo: float = -3.0, hi: float = 3.0, **kw: Any) -> VideoSpec:
    """A sweep along one direction from α = lo to α = hi."""
    return VideoSpec(directions=dirs, keyframes=[{index: lo}, {index: hi}], **kw)


def frame_positions(frames: int, n_keys: int, pingpong: bool) -> list[float]:
    """Path position s ∈ [0, n_keys − 1] of each frame.

    Straight: first frame at the first keyframe, last frame at the last. Ping-pong: out and back in
    `frames` frames, so that the loop closes (the frame after the last would be the first again).
    """
    span = max(n_keys - 1, 0)
    if frames == 1 or span == 0:
        return [0.0] * frames
    if not pingpong:
        return [span * i / (frames - 1) for i in range(frames)]
    out = []
    for i in range(frames):
        u = 2.0 * i / frames
        out.append(span * (u if u <= 1.0 else 2.0 - u))
    return out


def alphas_at(keyframes: Sequence[dict[int, float]], s: float) -> dict[int, float]:
    """Linear interpolation between the keyframes around path position s."""
    if len(keyframes) == 1:
        return dict(keyframes[0])
    k = min(int(math.floor(s)), len(keyframes) - 2)
    t = s - k
    a, b = keyframes[k], keyframes[k + 1]
    return {i: (1 - t) * a.get(i, 0.0) + t * b.get(i, 0.0) for i in sorted(set(a) | set(b))}


def frame_alphas(spec: VideoSpec) -> list[dict[int, float]]:
    return [alphas_at(spec.keyframes, s) for s in frame_positions(spec.frames, len(spec.keyframes), spec.pingpong)]


def grid_shape(n: int) -> tuple[int, int]:
    """(rows, cols) for n seeds side by side: as square as possible, wider than tall."""
    cols = math.ceil(math.sqrt(n))
    return math.ceil(n / cols), cols


def frame_size(spec: VideoSpec, model: Any, even: bool) -> tuple[int, int]:
    """(width, height) of a frame; yuv420p codecs need even sizes, so those are padded by one pixel."""
    cell = spec.size or int(model.resolution)
    rows, cols = grid_shape(len(spec.seeds))
    w, h = cols * cell, rows * cell
    if even:
        w, h = w + w % 2, h + h % 2
    return w, h


def caption_text(dirs: DirectionSet, alphas: dict[int, float]) -> str:
    # "alpha" spelled out: Pillow's built-in font has no Greek glyphs
    parts = [f"{dirs.label(i)}  alpha {a:+.2f}" for i, a in alphas.items()]
    return "   ".join(parts)


class FrameRenderer:
    """Renders frames (H, W, 3) uint8 of a spec; one instance per export (holds the base codes)."""

    def __init__(self, model: Any, spec: VideoSpec, even: bool = False) -> None:
        spec.validate()
        self.model, self.spec = model, spec
        self.alphas = frame_alphas(spec)
        self.cell = spec.size or int(model.resolution)
        self.rows, self.cols = grid_shape(len(spec.seeds))
        self.width, self.height = frame_size(spec, model, even)
        # per seed, exactly as the preview and `render` draw a seed's sample
        self.base = spec.base_codes if spec.base_codes is not None else \
            torch.cat([seed_codes(model, s, spec.truncation_psi, spec.class_index) for s in spec.seeds])
        self._w_plus = self.base.ndim == 3
        default_rows = tuple(spec.directions.layers) or None
        self._rows_of = {i: spec.layers.get(i, default_rows) for kf in spec.keyframes for i in kf}
        self._font: ImageFont.ImageFont | ImageFont.FreeTypeFont | None = None

    def __len__(self) -> int:
        return len(self.alphas)

    def edits(self, f: int) -> list[DirectionEdit]:
        d = self.spec.directions
        return [DirectionEdit(d.vectors[i], a, self._rows_of[i] if self._w_plus else None)
                for i, a in self.alphas[f].items()]

    def render(self, start: int, stop: int) -> np.ndarray:
        """Frames start..stop-1 as (m, H, W, 3) uint8."""
        n_seeds = len(self.spec.seeds)
        codes = torch.cat([apply_edits(self.base, self.edits(f)) for f in range(start, stop)])
        images = []
        for j in range(0, len(codes), self.spec.batch):
            images.append(self.model.synthesize(codes[j:j + self.spec.batch], noise_mode=self.spec.noise_mode,
                                                truncation_psi=self.spec.truncation_psi))
        cells = to_uint8(torch.cat(images), self.model.image_range)
        if cells.shape[1] != self.cell or cells.shape[2] != self.cell:
            cells = np.stack([np.asarray(Image.fromarray(c).resize((self.cell, self.cell), Image.Resampling.LANCZOS))
                              for c in cells])
        cells = cells.reshape(stop - start, n_seeds, self.cell, self.cell, 3)
        out = np.zeros((stop - start, self.height, self.width, 3), np.uint8)
        for s in range(n_seeds):
            r, c = divmod(s, self.cols)
            out[:, r * self.cell:(r + 1) * self.cell, c * self.cell:(c + 1) * self.cell] = cells[:, s]
        if self.spec.caption:
            for k in range(stop - start):
                out[k] = self._draw_caption(out[k], caption_text(self.spec.directions, self.alphas[start + k]))
        return out

    def _draw_caption(self, frame: np.ndarray, text: str) -> np.ndarray:
        img = Image.fromarray(frame)
        if self._font is None:
            self._font = ImageFont.load_default(size=max(9, self.height // 18))
        draw = ImageDraw.Draw(img, "RGBA")
        x0, y0, x1, y1 = draw.textbbox((0, 0), text, font=self._font)
        pad = max(2, self.height // 80)
        top = self.height - (y1 - y0) - 3 * pad
        draw.rectangle((0, top, min(self.width, x1 - x0 + 3 * pad), self.height), fill=(0, 0, 0, 150))
        draw.text((pad, top + pad - y0), text, font=self._font, fill=(255, 255, 255, 255))
        return np.asarray(img)


# -- encoders ---------------------------------------------------------------------------------------
class _PyAVEncoder:
    def __init__(self, path: Path, fmt: str, codec: str, width: int, height: int, fps: float,
                 crf: int | None) -> None:
        import av

        options = {"movflags": "+faststart"} if fmt == "mp4" else {}
        self._container = av.open(str(path), mode="w", format=fmt, options=options)
        try:
            self._stream = self._container.add_stream(codec, rate=Fraction(fps).limit_denominator(1001))
            self._stream.width, self._stream.height = width, height
            self._stream.pix_fmt = "yuv420p"
            if codec == "libx264":
                self._stream.options = x264_options(width, height, crf)
            elif codec == "libvpx-vp9":
                self._stream.options = {"crf": str(30 if crf is None else crf), "b": "0", "deadline": "good",
                                        "cpu-used": "4", "row-mt": "1"}
            elif codec == "mpeg4":
                self._stream.options = {"qscale": str(2 if crf is None else max(1, min(31, crf)))}
                self._stream.codec_context.flags |= av.codec.context.Flags.qscale
        except BaseException:
            self._container.close()
            raise
        self._av = av

    def write(self, frame: np.ndarray) -> None:
        vf = self._av.VideoFrame.from_ndarray(frame, format="rgb24")
        for packet in self._stream.encode(vf):
            self._container.mux(packet)

    def close(self) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()

    def abort(self) -> None:
        try:
            self._container.close()
        except Exception:  # closing a half-written container may fail; the temp file goes anyway
            pass


class _PillowEncoder:
    """GIF / animated WebP: Pillow needs all frames at once, so keep them (quantized for GIF)."""

    def __init__(self, path: Path, fmt: str, fps: float) -> None:
        self.path, self.fmt = path, fmt
        self.duration = max(1, round(1000.0 / fps))
        if fmt == "GIF":
            self.duration = max(2, round(100.0 / fps)) * 10  # GIF stores centiseconds; < 2 cs plays slowly
        self.frames: list[Image.Image] = []
        self._previous: np.ndarray | None = None

    def write(self, frame: np.ndarray) -> None:
        # Pillow (GIF) and libwebp merge a frame identical to the previous one into a longer one, which
        # would break "--frames N is the number of frames in the file" (a ping-pong turn or a still
        # keyframe repeats a frame): nudge one corner pixel of such a frame.
        repeat = self._previous is not None and np.array_equal(frame, self._previous)
        self._previous = frame
        if repeat and self.fmt == "WEBP":
            frame = frame.copy()
            frame[0, 0] = np.where(frame[0, 0] < 128, frame[0, 0] + 24, frame[0, 0] - 24)  # > lossy tolerance
        img = Image.fromarray(frame)
        if self.fmt == "GIF":  # pre-quantizing is 60× faster than letting the GIF writer do it
            img = img.quantize(256, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.NONE)
            if repeat:
                _nudge_paletted(img)
        self.frames.append(img)

    def close(self) -> None:
        first, rest = self.frames[0], self.frames[1:]
        kw: dict[str, Any] = {"save_all": True, "append_images": rest, "duration": self.duration, "loop": 0}
        if self.fmt == "WEBP":
            kw.update(quality=90, method=4)
        else:
            kw.update(optimize=False, disposal=1)
        first.save(self.path, format=self.fmt, **kw)

    def abort(self) -> None:
        self.frames.clear()


def _nudge_paletted(img: Image.Image) -> None:
    """Give pixel (0, 0) the nearest other palette colour, so the frame differs from an identical one."""
    pal = np.asarray(img.getpalette() or [], np.int32).reshape(-1, 3)
    idx = int(img.getpixel((0, 0)))  # type: ignore[arg-type]
    if len(pal) < 2:
        return
    dist = np.abs(pal - pal[idx]).sum(axis=1)
    dist[idx] = 1 << 30
    img.putpixel((0, 0), int(dist.argmin()))


def x264_options(width: int, height: int, crf: int | None = None) -> dict[str, str]:
    """CRF 18 (visually lossless), preset medium for normal sizes. Small frames lose more to 4:2:0
    chroma and render so fast that the encoder's CPU time shows, so they get CRF 12 with preset
    ultrafast (64 px: 39 dB PSNR vs 35 dB at CRF 18/medium, a third of veryfast's CPU time; the
    files stay small: ~1.2 kB a frame)."""
    small = min(width, height) < 192
    if crf is None:
        crf = 12 if small else 18
    # one x264 thread for small frames: the encoding thread is already one of ours, and x264's own
    # frame threads would take CPU from rendering (measured: bench/export.py, docs/exports.md)
    return {"crf": str(crf), "preset": "ultrafast" if small else "medium", "threads": "1" if small else "0"}


def default_mp4_codec() -> str:
    import av

    try:
        av.codec.Codec("libx264", "w")
        return "libx264"
    except Exception:  # a build without the GPL x264 library: MPEG-4 part 2 is LGPL
        return "mpeg4"


def _open_encoder(path: Path, suffix: str, spec: VideoSpec, width: int, height: int) -> Any:
    if suffix == ".mp4":
        return _PyAVEncoder(path, "mp4", spec.codec or default_mp4_codec(), width, height, spec.fps, spec.crf)
    if suffix == ".webm":
        return _PyAVEncoder(path, "webm", "libvpx-vp9", width, height, spec.fps, spec.crf)
    if suffix == ".gif":
        return _PillowEncoder(path, "GIF", spec.fps)
    if suffix == ".webp":
        return _PillowEncoder(path, "WEBP", spec.fps)
    raise ValueError(f"video output must end in one of: {', '.join(VIDEO_SUFFIXES)}")


@dataclass(frozen=True)
class VideoResult:
    path: Path
    frames: int
    width: int
    height: int
    fps: float
    codec: str
    seconds: float


_DONE = object()


def export_video(model: Any, spec: VideoSpec, path: str | Path, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> VideoResult:
    """Render and encode `spec` into `path` (format from its suffix). Raises ExportCancelled when
    `cancel` is set, WriteError when the file cannot be written; either way nothing is left behind."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in VIDEO_SUFFIXES:
        raise ValueError(f"video output must end in one of: {', '.join(VIDEO_SUFFIXES)}")
    renderer = FrameRenderer(model, spec, even=suffix in (".mp4", ".webm"))
    total = len(renderer)
    cancel = cancel or threading.Event()
    t0 = time.perf_counter()
    codec = {".mp4": spec.codec or default_mp4_codec(), ".webm": "libvpx-vp9", ".gif": "gif", ".webp": "webp"}[suffix]
    with atomic_path(path) as tmp:
        try:
            encoder = _open_encoder(tmp, suffix, spec, renderer.width, renderer.height)
        except Exception as e:
            raise _write_error(path, e) from None
        try:
            _pump(renderer, encoder, total, progress, cancel)
            encoder.close()
        except BaseException as e:
            encoder.abort()
            if isinstance(e, ExportCancelled | OSError | ValueError | KeyboardInterrupt):
                raise
            raise _write_error(path, e) from None
    return VideoResult(path, total, renderer.width, renderer.height, spec.fps, codec, time.perf_counter() - t0)


def _write_error(path: Path, e: BaseException) -> BaseException:
    import av

    if isinstance(e, av.FFmpegError | OSError):
        return WriteError(f"cannot write {path}: {getattr(e, 'strerror', None) or e}")
    return e


def _pump(renderer: FrameRenderer, encoder: Any, total: int, progress: Progress | None,
          cancel: threading.Event) -> None:
    """Producer thread renders batches into a small queue; this thread encodes them."""
    q: queue.Queue[Any] = queue.Queue(maxsize=2)
    stop = threading.Event()
    batch = max(1, renderer.spec.batch // len(renderer.spec.seeds))

    def put(item: Any) -> None:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    threads = torch.get_num_threads()

    def produce() -> None:
        try:
            # OpenMP's thread count is per calling thread: give the render thread the caller's setting
            torch.set_num_threads(threads)
            with torch.inference_mode():
                for start in range(0, total, batch):
                    if stop.is_set() or cancel.is_set():
                        return
                    put(renderer.render(start, min(total, start + batch)))
            put(_DONE)
        except BaseException as e:  # handed to the encoding thread, which raises it
            put(e)

    worker = threading.Thread(target=produce, name="video-render", daemon=True)
    worker.start()
    done = 0
    try:
        while done < total:
            if cancel.is_set():
                raise ExportCancelled("export cancelled")
            try:
                item = q.get(timeout=0.1)
            except queue.Empty:
                continue
            if isinstance(item, BaseException):
                raise item
            if item is _DONE:
                break
            for frame in item:
                if cancel.is_set():
                    raise ExportCancelled("export cancelled")
                encoder.write(frame)
                done += 1
                if progress is not None:
                    progress(done, total)
        if done != total:
            raise ExportCancelled("export cancelled")
    finally:
        stop.set()
        worker.join(timeout=30)
