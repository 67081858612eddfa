"""Other tools' direction files: rosinality `factor.pt`, InterFaceGAN boundary `.npy`, GANSpace `.npz`.

The readers and writers only; core/direction_io.py owns the table that maps suffixes and format
names to them (this module imports nothing from it).

- rosinality/stylegan2-pytorch `factor.pt`: `{'ckpt': str, 'eigvec': float32 tensor [dim, k]}`,
  directions as *columns*, exactly what its `apply_factor.py` reads. Plain tensors and strings only,
  so `torch.load(weights_only=True)` reads it. It stores no eigenvalues and no labels.
- InterFaceGAN boundary `.npy`: one unit normal of shape (1, dim) float32 per file. A set of k
  directions is written as k files `<stem>_<i>.npy` (or exactly FILE when one direction is written,
  see `write_boundaries`). Reading a (1, dim) or (dim,) array gives a 1-direction set; a (k, dim)
  array gives k directions.
- GANSpace components `.npz` (`lat_comp` [C, 1, dim], `lat_mean` [1, dim], `lat_stdev` [C],
  `var_ratio` [C], `act_comp`, `act_mean`, `act_stdev`, `random_stdevs`): told apart from our own
  `.npz` by content (ours has a `format` entry, GANSpace's has `lat_comp`). We write it when the file
  name ends in `.ganspace.npz` or when the format is asked for by name. `lat_stdev` is written as 1 so
  GANSpace's "stdev units" slider moves exactly our α; `var_ratio` is the eigenvalue share.
"""

from __future__ import annotations

import io
import math
import re
import zipfile
from pathlib import Path
from typing import Any

import numpy as np

from ..util.atomic import atomic_path, atomic_write_all, atomic_write_bytes
from ..util.budget import over_budget
from .array_files import ArrayFileError, check_npy, check_npz, check_torch_zip
from .directions import FORMAT_NAME, DirectionFileError, DirectionSet

GANSPACE_SUFFIX = ".ganspace.npz"


def _model_rows(model: Any) -> list[int]:
    """Directions from other tools move every W+ row (that is how their tools apply them)."""
    n = int(getattr(model, "num_layers", 0) or 0)
    return list(range(n)) if n else []


def _check_dim(path: Path, dim: int, model: Any, what: str) -> None:
    want = int(getattr(model, "latent_dim", 0) or 0) if model is not None else 0
    if want and want != dim:
        raise DirectionFileError(
            f"{path.name}: {what} has {dim}-dimensional directions, but model "
            f"'{getattr(model, 'name', '?')}' edits a {want}-dimensional latent "
            f"({getattr(model, 'edit_space', 'z').upper()}); it does not fit this model")


def _unit_rows(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, dtype=np.float64)
    if not np.isfinite(v).all():
        raise ValueError("contains NaN or infinite values")
    norms = np.linalg.norm(v, axis=1, keepdims=True)
    if np.any(norms < 1e-12):
        raise ValueError("contains an all-zero direction")
    return (v / norms).astype(np.float32)


# -- rosinality factor.pt ---------------------------------------------------------------------------
def write_rosinality(dirs: DirectionSet, path: Path) -> None:
    import torch

    eigvec = torch.from_numpy(np.ascontiguousarray(dirs.vectors.T, dtype=np.float32))
    payload = {"ckpt": str(dirs.model_name or "sefa-desktop"), "eigvec": eigvec}
    buf = io.BytesIO()
    torch.save(payload, buf)
    atomic_write_bytes(path, buf.getvalue())


def read_rosinality(path: Path, model: Any) -> DirectionSet | None:
    import pickle

    import torch

    try:
        check_torch_zip(path)
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except ArrayFileError as e:
        raise DirectionFileError(f"{path.name}: refused: {e}") from None
    except MemoryError:
        raise DirectionFileError(f"{path.name}: out of memory reading it (a corrupt file?)") from None
    except pickle.UnpicklingError as e:
        raise DirectionFileError(f"{path.name}: not a readable factor.pt (it needs code we do not execute: "
                                 f"{_torch_global(e)})") from None
    except Exception as e:  # torch raises many types for damaged files
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise DirectionFileError(f"{path.name}: not a readable factor.pt ({first[:160]})") from None
    if not isinstance(obj, dict) or "eigvec" not in obj:
        keys = ", ".join(map(str, list(obj)[:6])) if isinstance(obj, dict) else type(obj).__name__
        raise DirectionFileError(f"{path.name}: not a rosinality factor.pt (expected keys 'ckpt', 'eigvec'; "
                                 f"found {keys})")
    eig = obj["eigvec"]
    if not isinstance(eig, torch.Tensor) or eig.ndim != 2:
        raise DirectionFileError(f"{path.name}: 'eigvec' must be a 2-D tensor [dim, k]")
    why = over_budget("'eigvec'", eig.numel() * 4, path.stat().st_size)  # stride-0 views count in full
    if why:
        raise DirectionFileError(f"{path.name}: refused: {why}")
    if not eig.is_floating_point():
        raise DirectionFileError(f"{path.name}: 'eigvec' holds {str(eig.dtype).removeprefix('torch.')} values, "
                                 "not floating-point directions")
    _check_dim(path, int(eig.shape[0]), model, "this factor.pt")
    vectors = eig.detach().to(torch.float32).t().contiguous().numpy()
    if not np.isfinite(vectors).all():
        raise DirectionFileError(f"{path.name}: 'eigvec' contains NaN or infinite values")
    k = vectors.shape[0]
    return DirectionSet(vectors=vectors, values=np.zeros(k, np.float32), layers=_model_rows(model),
                        method="rosinality", model_name=str(obj.get("ckpt", "")))


def _torch_global(e: BaseException) -> str:
    m = re.search(r"GLOBAL ([\w.]+)", str(e))
    return f"forbidden global '{m.group(1)}'" if m else "a pickle it refuses"


# -- InterFaceGAN boundaries ------------------------------------------------------------------------
def boundary_paths(path: Path, count: int) -> list[Path]:
    """Where `write_boundaries` puts `count` directions: FILE itself for one, `<stem>_<i>.npy` else."""
    if count == 1:
        return [path]
    width = max(2, len(str(count - 1)))
    return [path.with_name(f"{path.stem}_{i:0{width}d}{path.suffix}") for i in range(count)]


def write_boundaries(dirs: DirectionSet, path: Path, index: int | None = None) -> list[Path]:
    """One (1, dim) float32 file per direction; `index` writes just that direction to FILE."""
    if index is not None:
        if not 0 <= index < len(dirs):
            raise ValueError(f"direction {index} does not exist (the set has 0..{len(dirs) - 1})")
        vectors = dirs.vectors[index:index + 1]
    else:
        vectors = dirs.vectors
    paths = boundary_paths(path, len(vectors))
    blobs = []
    for vec in vectors:
        buf = io.BytesIO()
        np.save(buf, vec.reshape(1, -1).astype(np.float32))
        blobs.append(buf.getvalue())
    atomic_write_all(list(zip(paths, blobs, strict=True)))  # all files or none (a full disk leaves none)
    return paths


def write_boundary_files(dirs: DirectionSet, path: Path) -> None:
    """`write_boundaries` as a table writer (every direction, no return value)."""
    write_boundaries(dirs, path)


def read_boundary(path: Path, model: Any) -> DirectionSet | None:
    try:
        shape, dtype = check_npy(path)  # from the header alone, before any data is read
    except ArrayFileError as e:
        raise DirectionFileError(f"{path.name}: {e}") from None
    except OSError as e:
        raise DirectionFileError(f"{path.name}: cannot read it ({e.strerror or e})") from None
    if dtype.kind not in "fiu" or len(shape) not in (1, 2) or shape[-1] < 2:
        raise DirectionFileError(f"{path.name}: a boundary must be a numeric (1, dim) array, got {shape} {dtype}")
    _check_dim(path, shape[-1], model, "this boundary")
    try:
        arr = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, MemoryError) as e:
        raise DirectionFileError(f"{path.name}: not a readable .npy boundary ({e})") from None
    if not isinstance(arr, np.ndarray) or arr.dtype.kind not in "fiu":
        raise DirectionFileError(f"{path.name}: a boundary must be a numeric array")
    if arr.ndim == 1:
        arr = arr.reshape(1, -1)
    if arr.ndim != 2 or arr.shape[1] < 2:
        raise DirectionFileError(f"{path.name}: a boundary must have shape (1, dim), got {arr.shape}")
    _check_dim(path, arr.shape[1], model, "this boundary")
    try:
        vectors = _unit_rows(arr)
    except ValueError as e:
        raise DirectionFileError(f"{path.name}: {e}") from None
    return DirectionSet(vectors=vectors, values=np.zeros(len(vectors), np.float32), layers=_model_rows(model),
                        method="interfacegan", model_name=path.stem,
                        labels=[path.stem] if len(vectors) == 1 else [])


# -- GANSpace components ----------------------------------------------------------------------------
def write_ganspace(dirs: DirectionSet, path: Path) -> None:
    k, dim = dirs.vectors.shape
    comp = dirs.vectors.reshape(k, 1, dim).astype(np.float32)
    mean = np.zeros((1, dim), np.float32)  # SeFa has no sample mean; GANSpace's edits do not use it
    stdev = np.ones(k, np.float32)  # so that GANSpace's slider value equals our α
    vals = np.clip(dirs.values.astype(np.float64), 0, None)
    ratio = (vals / vals.sum() if vals.sum() > 0 else np.full(k, 1.0 / k)).astype(np.float32)
    with atomic_path(path, suffix=".npz") as tmp, open(tmp, "wb") as f:
        np.savez_compressed(f, act_comp=comp, act_mean=mean, act_stdev=stdev, lat_comp=comp, lat_mean=mean,
                            lat_stdev=stdev, var_ratio=ratio, random_stdevs=stdev)


def read_ganspace(path: Path, model: Any) -> DirectionSet | None:
    try:
        members = check_npz(path)  # zip directory and array headers only: bombs stop here
    except ArrayFileError as e:
        if "not a readable" in str(e):
            return None  # let our own reader give its message
        raise DirectionFileError(f"{path.name}: refused: {e}") from None
    except OSError:
        return None
    if "lat_comp" in members and "format" not in members:
        shape = members["lat_comp"][0]
        if len(shape) < 2:
            raise DirectionFileError(f"{path.name}: GANSpace 'lat_comp' must be [C, 1, dim], got {shape}")
        _check_dim(path, math.prod(shape[1:]), model, "this GANSpace components file")
    try:
        data = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError, zipfile.BadZipFile):
        return None  # let our own reader give its message
    with data:
        files = set(data.files)
        if "format" in files and str(data["format"]) == FORMAT_NAME:
            return None
        if "lat_comp" not in files:
            return None
        comp = np.asarray(data["lat_comp"])
        if comp.ndim < 2:
            raise DirectionFileError(f"{path.name}: GANSpace 'lat_comp' must be [C, 1, dim], got {comp.shape}")
        comp = comp.reshape(comp.shape[0], -1)
        ratio = np.asarray(data["var_ratio"], np.float32).reshape(-1) if "var_ratio" in files else None
    _check_dim(path, comp.shape[1], model, "this GANSpace components file")
    try:
        vectors = _unit_rows(comp)
    except ValueError as e:
        raise DirectionFileError(f"{path.name}: {e}") from None
    values = ratio if ratio is not None and ratio.shape == (len(vectors),) else np.zeros(len(vectors), np.float32)
    return DirectionSet(vectors=vectors, values=values, layers=_model_rows(model), method="ganspace",
                        model_name=path.name.removesuffix(GANSPACE_SUFFIX).removesuffix(".npz"))


def write_npz(dirs: DirectionSet, path: Path) -> None:
    """`.npz`: ours, unless the name ends in `.ganspace.npz`."""
    if path.name.lower().endswith(GANSPACE_SUFFIX):
        write_ganspace(dirs, path)
    else:
        dirs.save(path)

