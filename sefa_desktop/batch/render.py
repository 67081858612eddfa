"""What a batch worker does: load the model once, then render, encode and write images one by one.

Bytes are the same in every worker, engine and run because everything that decides them is fixed:
one image per forward pass (batching changes how reductions are split), a fixed number of torch
threads, the seed's own generator for its code, deterministic kernels on CUDA, and encoders with
fixed settings and no timestamps.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .plan import BatchError, Job

PROBE_PREFIX = ".batch-probe-"


@dataclass(frozen=True)
class RenderSpec:
    """Everything a worker needs; picklable, sent once to each worker."""

    model: str  # bundled name or absolute checkpoint path (must exist on every node of a cluster)
    weights_sha256: str  # each worker checks it loaded the same weights as the driver
    vectors: dict[int, np.ndarray]  # edit vector per swept direction (after --hold)
    layers: tuple[int, ...] | None  # W+ rows the edits move (None: all / Z models)
    latents: np.ndarray | None  # (n, *code_shape) codes of --latents, else None (seeds)
    truncation: float
    noise: str
    size: int | None
    fmt: str  # png | jpg | webp
    quality: int | None
    outdir: str
    probe: str  # name of the file that tells a worker it sees the driver's OUTDIR
    class_index: int | None = None  # the class of a class-conditional model's samples (None: its default)


@dataclass(frozen=True)
class Result:
    key: int
    sha256: str
    data: bytes | None  # the encoded image when the worker could not write it to OUTDIR itself
    worker: int = 0  # the rendering process's id (bench/batch.py times from when every worker is up)


def weights_sha256(model: object) -> str:
    """sha256 over every tensor the model owns (names, dtypes, shapes, bytes): identifies its weights."""
    import torch

    h = hashlib.sha256()
    for i, module in enumerate(model.modules()):  # type: ignore[attr-defined]
        for name, t in module.state_dict().items():
            t = t.detach().to("cpu").contiguous()
            h.update(f"{i}.{name}:{t.dtype}:{tuple(t.shape)}\n".encode())
            h.update(t.reshape(-1).view(torch.uint8).numpy().tobytes())
    return h.hexdigest()


def configure_torch(device: str, threads: int) -> None:
    """Fix what makes torch's results vary between processes: thread count and CUDA's kernel choice."""
    import torch

    torch.set_num_threads(max(1, int(threads)))
    if device.startswith("cuda"):
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # deterministic cuBLAS
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True
        torch.backends.cuda.matmul.allow_tf32 = False
        torch.backends.cudnn.allow_tf32 = False


def encode(img: np.ndarray, fmt: str, quality: int | None, text: dict[str, str]) -> bytes:
    """Encode (H, W, 3) uint8 with fixed settings (no time stamps), so equal pixels give equal bytes."""
    from PIL import Image, PngImagePlugin

    image = Image.fromarray(img)
    buf = io.BytesIO()
    if fmt == "png":
        info = PngImagePlugin.PngInfo()
        for k, v in text.items():
            info.add_text(k, v)
        image.save(buf, format="PNG", pnginfo=info, compress_level=6)
    elif fmt == "jpg":
        image.save(buf, format="JPEG", quality=quality or 95, subsampling=0, optimize=False)
    elif fmt == "webp":
        image.save(buf, format="WEBP", quality=quality or 90, method=4)
    else:
        raise BatchError(f"unknown format '{fmt}'")
    return buf.getvalue()


def write_image(target: Path, data: bytes) -> None:
    """Temp file + rename, so no reader ever sees half an image under its name. No fsync per image (it
    costs as much as rendering a small model): a resumed run re-hashes every recorded file and renders
    again any that a power cut left short."""
    target.parent.mkdir(exist_ok=True)
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        tmp.write_bytes(data)
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise BatchError(f"cannot write {target}: {e.strerror or e}") from None


class Renderer:
    """One model on one device; `render(jobs)` writes the images (or returns them) with their sha256."""

    def __init__(self, spec: RenderSpec, device: str = "cpu", threads: int = 1, model: object | None = None) -> None:
        configure_torch(device, threads)
        from ..models import load_model

        self.spec = spec
        if model is None:
            model = load_model(spec.model, device="cpu")
            if weights_sha256(model) != spec.weights_sha256:
                raise BatchError(f"{spec.model}: this worker's copy of the model has other weights than the "
                                 "driver's (a different file under the same path?)")
        self.model = model.to(device)  # type: ignore[attr-defined]
        self.device = device
        self.outdir = Path(spec.outdir)
        probe = self.outdir / spec.probe
        self.writes = probe.is_file() and probe.read_text() == spec.probe
        self.rendered = 0
        self._base: tuple[int, object] | None = None

    def base_codes(self, job: Job):  # -> torch.Tensor (1, *code_shape)
        import torch

        if self._base is not None and self._base[0] == job.sample:
            return self._base[1]
        if self.spec.latents is not None:
            codes = torch.as_tensor(self.spec.latents[job.latent][None]).to(self.model.device)
        else:
            from ..core.editing import seed_codes

            codes = seed_codes(self.model, job.seed, self.spec.truncation, self.spec.class_index)
        self._base = (job.sample, codes)
        return codes

    def image(self, job: Job) -> np.ndarray:
        from ..core.editing import DirectionEdit, apply_edits
        from ..core.imaging import resize, to_uint8

        codes = self.base_codes(job)
        if job.direction is not None:
            codes = apply_edits(codes, [DirectionEdit(self.spec.vectors[job.direction], job.alpha,
                                                      self.spec.layers)])
        out = self.model.synthesize(codes, noise_mode=self.spec.noise, truncation_psi=self.spec.truncation)
        img = to_uint8(out, self.model.image_range)[0]
        return resize(img, self.spec.size) if self.spec.size else img

    def render(self, jobs: list[Job]) -> list[Result]:
        results = []
        for job in jobs:
            text = {"sefa-desktop": json.dumps({"seed": job.seed, "latent": job.latent, "direction": job.direction,
                                                "alpha": job.alpha}, sort_keys=True)}
            data = encode(self.image(job), self.spec.fmt, self.spec.quality, text)
            sha = hashlib.sha256(data).hexdigest()
            if self.writes:
                write_image(self.outdir / job.path, data)
            results.append(Result(job.key, sha, None if self.writes else data, os.getpid()))
            self.rendered += 1
        return results
