"""Latent files: the codes encoders and projectors write, and our own versioned `.npz`.

Read (`read_latent`): `.npy`, `.npz` and `.pt` files holding one code in any of the shapes the
encoders write — (dim,), (1, dim), (rows, dim), (1, rows, dim), (n, rows, dim) (one picked by index)
— e4e/pSp/ReStyle/PTI/HyperStyle (`.pt`/`.npy`), NVIDIA's projector (`projected_w.npz`, key `w`), and
ours. A single code (dim,) or (1, dim) on a W+ model is copied to every row.

Safety: `.npy`/`.npz` are read with pickles refused, and every array's declared shape is checked
against the bytes that are really there before anything is allocated (a hostile header cannot make us
allocate gigabytes); `.pt` files go through `torch.load(weights_only=True)`, which executes no code.

Our file (version 1), an `.npz` read with allow_pickle=False:
  codes (1, *code_shape) float32; meta: a JSON string with format "sefa-desktop-latent", version,
  model_name, model_fingerprint, space ("w", "w+" or "z"), crop (the source image, box and alignment
  used, or null), psnr (dB, or null), created_at.
"""

from __future__ import annotations

import datetime as _dt
import io
import json
import math
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from ..util.atomic import atomic_path

FORMAT_NAME = "sefa-desktop-latent"
FORMAT_VERSION = 1
LATENT_SUFFIXES = (".npz", ".npy", ".pt", ".pth")
MAX_FILE_BYTES = 1 << 30  # a latent file is kilobytes; anything above 1 GiB is not one
_FLOAT_KINDS = "f"
# keys encoders and projectors use for their codes, in order of preference
_KEYS = ("codes", "w", "latent", "latents", "ws", "w_plus", "wp", "z", "projected_w", "w_pivot")


class LatentFileError(ValueError):
    """A latent file cannot be read or does not fit the model; one clear line."""


@dataclass
class Latent:
    """One code as read from a file, before it is fitted to a model."""

    array: np.ndarray  # the picked code: (dim,), (rows, dim) — float32
    path: str = ""
    note: str = ""  # what was picked, e.g. "key 'w', code 2 of 5"
    meta: dict[str, Any] = field(default_factory=dict)  # our format's metadata ({} for encoders' files)

    @property
    def is_ours(self) -> bool:
        return self.meta.get("format") == FORMAT_NAME


# -- reading -------------------------------------------------------------------------------------------
def read_latent(path: str | Path, index: int = 0) -> Latent:
    """The code stored in `path` (code `index` when the file holds several)."""
    p = Path(path)
    if not p.is_file():
        raise LatentFileError(f"{p}: no such file")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise LatentFileError(f"{p.name}: {size / 2**20:.0f} MiB is too large for a latent file")
    suffix = p.suffix.lower()
    try:
        if suffix == ".npy":
            with open(p, "rb") as f:
                try:
                    arrays = {"": _read_npy(f, size)}
                except LatentFileError as e:
                    raise LatentFileError(f"{p.name}: {e}") from None
            meta: dict[str, Any] = {}
        elif suffix == ".npz":
            arrays, meta = _read_npz(p)
        elif suffix in (".pt", ".pth"):
            arrays, meta = _read_torch(p), {}
        else:
            raise LatentFileError(f"{p.name}: unknown latent file type (use {', '.join(LATENT_SUFFIXES)})")
    except LatentFileError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, RuntimeError) as e:
        raise LatentFileError(f"{p.name}: not a readable latent file ({_first_line(e)})") from None
    key, arr = _choose_array(p, arrays)
    code, picked = _pick_code(p, arr, index)
    note = ", ".join(x for x in (f"key '{key}'" if key else "", picked) if x)
    return Latent(code, str(p), note, meta)


def _first_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    return text[0][:200] if text else type(e).__name__


def _read_npy(f: BinaryIO, available: int) -> np.ndarray:
    """One .npy array from `f`, its header checked against the `available` bytes before reading."""
    start = f.tell()
    version = np.lib.format.read_magic(f)
    if version == (1, 0):
        shape, fortran, dtype = np.lib.format.read_array_header_1_0(f)
    elif version in ((2, 0), (3, 0)):
        shape, fortran, dtype = np.lib.format.read_array_header_2_0(f)
    else:
        raise ValueError(f"unsupported .npy version {version}")
    if dtype.hasobject:
        raise LatentFileError("holds Python objects (a pickle), which are not read for safety")
    if dtype.kind not in _FLOAT_KINDS:
        raise LatentFileError(f"holds {dtype} numbers, not floating-point codes")
    count = math.prod(int(s) for s in shape)
    need = count * dtype.itemsize
    left = available - (f.tell() - start)
    if need > left:
        raise LatentFileError(f"declares shape {tuple(shape)} ({need} bytes) but only {max(left, 0)} bytes "
                              f"follow: truncated or corrupt")
    data = f.read(need)
    if len(data) != need:
        raise LatentFileError("ends early: truncated or corrupt")
    arr = np.frombuffer(data, dtype=dtype, count=count)
    return arr.reshape(shape, order="F" if fortran else "C").astype(np.float32)


def _read_npz(p: Path) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    arrays: dict[str, np.ndarray] = {}
    meta: dict[str, Any] = {}
    with zipfile.ZipFile(p) as zf:
        for info in zf.infolist():
            if not info.filename.endswith(".npy"):
                continue
            key = info.filename[:-4]
            if info.file_size > MAX_FILE_BYTES:
                raise LatentFileError(f"{p.name}: member '{key}' is too large for a latent file")
            with zf.open(info) as member:
                # the zip's declared size bounds what the header may claim; the read itself is bounded
                # too, so a member that lies about its size cannot make us read more
                raw = member.read(info.file_size + 1)
            if len(raw) != info.file_size:
                raise LatentFileError(f"{p.name}: member '{key}' is corrupt (size mismatch)")
            if key == "meta":
                meta = _parse_meta(p, raw)
                continue
            try:
                arrays[key] = _read_npy(io.BytesIO(raw), len(raw))
            except LatentFileError as e:
                raise LatentFileError(f"{p.name}: array '{key}' {e}") from None
    if not arrays:
        raise LatentFileError(f"{p.name}: the archive holds no arrays")
    if meta.get("format") == FORMAT_NAME and int(meta.get("version", 0)) > FORMAT_VERSION:
        raise LatentFileError(f"{p.name}: written by a newer sefa-desktop (latent format version "
                              f"{meta.get('version')}; this one reads up to {FORMAT_VERSION})")
    return arrays, meta


def _parse_meta(p: Path, raw: bytes) -> dict[str, Any]:
    """Our `meta` member: a 0-d unicode array holding JSON."""
    f = io.BytesIO(raw)
    version = np.lib.format.read_magic(f)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, fortran, dtype = reader(f)
    if dtype.kind != "U" or math.prod(shape) != 1:
        raise LatentFileError(f"{p.name}: 'meta' is not a JSON string")
    need = dtype.itemsize
    text = np.frombuffer(f.read(need), dtype=dtype, count=1)[0]
    try:
        meta = json.loads(str(text))
    except json.JSONDecodeError:
        raise LatentFileError(f"{p.name}: 'meta' is not valid JSON") from None
    if not isinstance(meta, dict):
        raise LatentFileError(f"{p.name}: 'meta' is not a JSON object")
    return meta


def _read_torch(p: Path) -> dict[str, np.ndarray]:
    try:
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except Exception as e:  # noqa: BLE001 — the unpickler refuses code with a variety of errors
        msg = _first_line(e)
        if "weights only" in msg.lower() or "weights_only" in msg or "Unsupported global" in msg:
            raise LatentFileError(f"{p.name}: needs code execution to load (only tensors are read)") from None
        raise LatentFileError(f"{p.name}: not a readable torch file ({msg})") from None
    arrays: dict[str, np.ndarray] = {}

    def add(key: str, v: Any) -> None:
        if isinstance(v, torch.Tensor) and v.is_floating_point():
            arrays[key] = v.detach().to(torch.float32).numpy()
        elif isinstance(v, np.ndarray) and v.dtype.kind in _FLOAT_KINDS:
            arrays[key] = v.astype(np.float32)

    if isinstance(obj, dict):
        for k, v in obj.items():
            add(str(k), v)
    elif isinstance(obj, list | tuple):
        for i, v in enumerate(obj):
            add(str(i), v)
    else:
        add("", obj)
    if not arrays:
        raise LatentFileError(f"{p.name}: holds no floating-point tensor")
    return arrays


def _choose_array(p: Path, arrays: dict[str, np.ndarray]) -> tuple[str, np.ndarray]:
    if len(arrays) == 1:
        return next(iter(arrays.items()))
    for k in _KEYS:
        if k in arrays:
            return k, arrays[k]
    # a dict of per-image codes (e4e/ReStyle style: name → code) of one shape: stack them
    shapes = {a.shape for a in arrays.values()}
    if len(shapes) == 1:
        keys = list(arrays)
        return "", np.stack([arrays[k] for k in keys])
    raise LatentFileError(f"{p.name}: several arrays ({', '.join(sorted(arrays))}) and none is named "
                          f"{' / '.join(_KEYS[:4])}")


def _pick_code(p: Path, arr: np.ndarray, index: int) -> tuple[np.ndarray, str]:
    """(dim,) or (rows, dim) from any of the encoders' shapes."""
    a = np.asarray(arr, dtype=np.float32)
    if not np.isfinite(a).all():
        raise LatentFileError(f"{p.name}: the code holds NaN or infinite values")
    picked = ""
    if a.ndim == 3:
        n = a.shape[0]
        if not -n <= index < n:
            raise LatentFileError(f"{p.name}: holds {n} codes; index {index} is out of range 0..{n - 1}")
        a = a[index]
        picked = f"code {index % n} of {n}" if n > 1 else ""
    elif a.ndim not in (1, 2):
        raise LatentFileError(f"{p.name}: a code of shape {tuple(a.shape)} is none of (dim,), (rows, dim), "
                              f"(n, rows, dim)")
    elif index not in (0, -1) and (a.ndim == 1 or a.shape[0] == 1):
        raise LatentFileError(f"{p.name}: holds one code; index {index} is out of range")
    return np.ascontiguousarray(a), picked


# -- fitting to a model ------------------------------------------------------------------------------
def fit_latent(latent: Latent, model: Any, index: int = 0, allow_other_model: bool = False) -> torch.Tensor:
    """The latent as the model's codes (1, *model.code_shape); a mismatch is one clear line.

    `model` needs `code_shape`, `name` and `fingerprint` (any GanModel). A W+ model takes (dim,),
    (1, dim) (copied to every row) or (rows, dim); a Z model takes (dim,), or one row of (n, dim)
    (row `index`)."""
    shape = tuple(int(s) for s in model.code_shape)
    name = Path(latent.path).name or "latent"
    if latent.is_ours and not allow_other_model:
        fp = latent.meta.get("model_fingerprint")
        if fp and fp != getattr(model, "fingerprint", fp):
            raise LatentFileError(f"{name} was made for {latent.meta.get('model_name') or 'another model'}, "
                                  f"not {model.name} (fingerprints differ)")
    a = latent.array
    dim = shape[-1]
    if a.shape[-1] != dim:
        raise LatentFileError(f"{name}: codes of {a.shape[-1]} numbers do not fit {model.name}, whose codes "
                              f"have {dim} per {'row' if len(shape) == 2 else 'code'}")
    if len(shape) == 2:  # W+ (rows, dim)
        rows = shape[0]
        if a.ndim == 1 or a.shape[0] == 1:
            a = np.broadcast_to(a.reshape(1, dim), (rows, dim))
        elif a.shape[0] != rows:
            raise LatentFileError(f"{name}: {a.shape[0]} W+ rows do not fit {model.name}, which has {rows}")
    else:  # Z: one code of `dim`
        if a.ndim == 2:
            n = a.shape[0]
            if n > 1:
                if not -n <= index < n:
                    raise LatentFileError(f"{name}: holds {n} codes; index {index} is out of range 0..{n - 1}")
                a = a[index]
            else:
                a = a[0]
    return torch.from_numpy(np.array(a, dtype=np.float32)).reshape(1, *shape).to(getattr(model, "device", "cpu"))


def load_latent_codes(path: str | Path, model: Any, index: int = 0, allow_other_model: bool = False,
                      ) -> torch.Tensor:
    """Read a latent file and fit it to `model`: codes (1, *code_shape) ready for `synthesize`."""
    latent = read_latent(path, index=index)
    # a 2-D (n, dim) array on a Z model is n codes: the index picks one in fit_latent
    pick = index if latent.array.ndim == 2 and len(model.code_shape) == 1 else 0
    return fit_latent(latent, model, index=pick, allow_other_model=allow_other_model)


# -- writing our format --------------------------------------------------------------------------------
def latent_meta(model: Any, space: str, crop: dict[str, Any] | None = None, psnr: float | None = None,
                **extra: Any) -> dict[str, Any]:
    """Metadata of our latent file for codes of `model`."""
    if space not in ("w", "w+", "z"):
        raise ValueError(f"space must be w, w+ or z, not {space!r}")
    meta = {"format": FORMAT_NAME, "version": FORMAT_VERSION, "model_name": getattr(model, "name", ""),
            "model_fingerprint": getattr(model, "fingerprint", ""), "space": space, "crop": crop,
            "psnr": None if psnr is None else float(psnr),
            "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
    meta.update(extra)
    return meta


def write_latent(path: str | Path, codes: torch.Tensor | np.ndarray, model: Any, space: str,
                 crop: dict[str, Any] | None = None, psnr: float | None = None, **extra: Any) -> Path:
    """Write codes (1, *code_shape) of `model` to our versioned `.npz`, atomically."""
    p = Path(path)
    if p.suffix.lower() != ".npz":
        raise LatentFileError(f"{p.name}: latent files are written as .npz")
    arr = codes.detach().cpu().numpy() if isinstance(codes, torch.Tensor) else np.asarray(codes)
    arr = arr.astype(np.float32).reshape(1, *tuple(model.code_shape))
    meta = latent_meta(model, space, crop, psnr, **extra)
    buf = io.BytesIO()
    np.savez(buf, codes=arr, meta=np.array(json.dumps(meta)))
    with atomic_path(p) as tmp:
        tmp.write_bytes(buf.getvalue())
    return p
