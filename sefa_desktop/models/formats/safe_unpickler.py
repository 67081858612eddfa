"""A restricted unpickler for NVIDIA StyleGAN2-ADA / StyleGAN3 network pickles.

NVIDIA's own loader exec()s the Python source embedded in every pickled network; this one executes
nothing. `find_class` resolves exactly the globals these files use (see docs/nvidia-pickles.md) and
maps each to an inert replacement:

- `torch_utils.persistence._reconstruct_persistent_obj` → `PersistentRecord` (class name, version,
  state dict); the embedded `module_src` is dropped unread.
- `dnnlib.util.EasyDict` → a plain dict subclass; `collections.OrderedDict` / `builtins.set` →
  wrappers that only build from the literal items the stream supplies.
- `torch.storage._load_from_bytes` → `torch.load(weights_only=True)` of the nested blob (the stock
  function calls torch.load with weights_only=False, so it is itself unsafe).
- `torch._utils._rebuild_tensor_v2` / `_rebuild_parameter(_with_state)` → checked rebuilds (the
  declared size must fit in the storage; hooks/state must be empty).
- numpy dtype / scalar / ndarray reconstruction, under both the numpy-1 (`numpy.core`) and numpy-2
  (`numpy._core`) spellings.

Everything else is refused with `ModelLoadError` naming the global. Old TensorFlow pickles
(`dnnlib.tflib…`) get a "convert with …" message.

Amplification bombs: a stream can reference one memoized blob many times. Every byte materialised
from the stream (tensor blobs, numpy arrays, set/dict building) is charged against a budget
proportional to the file size, so no file can make us allocate much more memory than it occupies.
"""

from __future__ import annotations

import collections
import io
import pickle
import sys
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np
import torch

from ..errors import ModelLoadError
from .containers import first_line, torch_refusal

TF_CONVERT_HINT = ("this is an old TensorFlow StyleGAN pickle; convert it first with NVIDIA's "
                   "stylegan2-ada-pytorch `legacy.py --source=IN.pkl --dest=OUT.pkl` "
                   "(in an environment you trust), then open OUT.pkl")


class PersistentRecord:
    """Inert stand-in for a pickled `torch_utils.persistence` object: its class name and state."""

    __slots__ = ("class_name", "version", "state")

    def __init__(self, class_name: str, version: int, state: dict[str, Any]) -> None:
        self.class_name = class_name
        self.version = version
        self.state = state

    def __repr__(self) -> str:
        return f"PersistentRecord({self.class_name!r})"


class EasyDictData(dict):
    """`dnnlib.util.EasyDict` read back as data (attribute access is not needed)."""


class _Budget:
    """Bytes the stream may make us materialise, beyond the stream itself."""

    def __init__(self, limit: int) -> None:
        self.left = int(limit)

    def charge(self, nbytes: int, what: str) -> None:
        self.left -= max(0, int(nbytes))
        if self.left < 0:
            raise ModelLoadError(f"refused to load: the file materialises far more data than it holds "
                                 f"(at {what}); a decompression/reference bomb?")


class RestrictedUnpickler(pickle.Unpickler):
    """pickle.Unpickler whose find_class knows only the NVIDIA network-pickle globals."""

    def __init__(self, file: BinaryIO, budget_bytes: int) -> None:
        super().__init__(file)
        self.budget = _Budget(budget_bytes)
        b = self.budget

        def reconstruct_persistent(meta: Any) -> PersistentRecord:
            if not isinstance(meta, dict) or meta.get("type") != "class":
                raise ModelLoadError("refused to load: malformed persistent-object record")
            name, state = meta.get("class_name"), meta.get("state")
            if not isinstance(name, str) or not isinstance(state, dict):
                raise ModelLoadError("refused to load: persistent-object record without class name/state")
            # meta['module_src'] is deliberately never looked at: it is code, and we run none.
            return PersistentRecord(name, int(meta.get("version", 0)), state)

        def ordered_dict(*args: Any) -> collections.OrderedDict:
            if args:  # real streams rebuild OrderedDicts empty, then add items with SETITEMS
                raise ModelLoadError("refused to load: OrderedDict built from arguments")
            return collections.OrderedDict()

        def make_set(items: Any = ()) -> set:
            if not isinstance(items, list | tuple):
                raise ModelLoadError("refused to load: set built from a non-list")
            b.charge(64 * len(items), "set")
            return set(items)

        def load_from_bytes(data: Any) -> Any:
            if not isinstance(data, bytes | bytearray):
                raise ModelLoadError("refused to load: tensor blob is not bytes")
            b.charge(len(data), "tensor blob")
            fast = _parse_plain_storage_blob(data)
            if fast is not None:
                return fast
            try:
                out = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
            except pickle.UnpicklingError as e:
                raise ModelLoadError(f"refused to load: a nested tensor blob needs code we do not execute "
                                     f"({_torch_refusal(e)})") from None
            except Exception as e:
                raise ModelLoadError(f"corrupt nested tensor blob ({type(e).__name__}: {_first_line(e)})") \
                    from None
            if not isinstance(out, torch.TypedStorage | torch.UntypedStorage):
                raise ModelLoadError("refused to load: nested tensor blob does not hold a storage")
            return out

        def rebuild_tensor(storage: Any, offset: Any, size: Any, stride: Any, requires_grad: Any = False,
                           hooks: Any = None, metadata: Any = None) -> torch.Tensor:
            return _checked_tensor(storage, offset, size, stride, hooks)

        def rebuild_parameter(data: Any, requires_grad: Any = False, hooks: Any = None,
                              state: Any = None) -> torch.Tensor:
            if not isinstance(data, torch.Tensor) or hooks or state:
                raise ModelLoadError("refused to load: unexpected parameter record")
            return data

        def np_dtype(spec: Any, align: Any = False, copy: Any = False) -> np.dtype:
            if not isinstance(spec, str) or len(spec) > 16:
                raise ModelLoadError("refused to load: unexpected numpy dtype record")
            return np.dtype(spec, align=bool(align), copy=bool(copy))

        def np_scalar(dtype: Any, data: Any = None) -> Any:
            if not isinstance(dtype, np.dtype) or dtype.hasobject or not isinstance(data, bytes):
                raise ModelLoadError("refused to load: unexpected numpy scalar record")
            b.charge(len(data), "numpy scalar")
            return np.frombuffer(data, dtype=dtype, count=1)[0]

        def np_reconstruct(cls: Any, shape: Any, dtype_code: Any) -> np.ndarray:
            if cls is not _BudgetArray:
                raise ModelLoadError("refused to load: unexpected numpy array record")
            arr = np.ndarray.__new__(_BudgetArray, (0,), np.uint8)
            arr._budget = b  # type: ignore[attr-defined]
            return arr

        def codecs_encode(text: Any, encoding: Any = "utf-8") -> bytes:
            # protocol 2 spells bytes as _codecs.encode(str, 'latin1'); nothing else is accepted
            if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
                raise ModelLoadError("refused to load: unexpected _codecs.encode call")
            b.charge(len(text), "bytes literal")
            return text.encode("latin1")

        mp = {}
        for core in ("numpy.core.multiarray", "numpy._core.multiarray"):
            mp[(core, "scalar")] = np_scalar
            mp[(core, "_reconstruct")] = np_reconstruct
        mp.update({
            ("torch_utils.persistence", "_reconstruct_persistent_obj"): reconstruct_persistent,
            ("dnnlib.util", "EasyDict"): EasyDictData,
            ("collections", "OrderedDict"): ordered_dict,
            ("builtins", "set"): make_set,
            ("_codecs", "encode"): codecs_encode,
            ("__builtin__", "set"): make_set,
            ("torch.storage", "_load_from_bytes"): load_from_bytes,
            ("torch._utils", "_rebuild_tensor_v2"): rebuild_tensor,
            ("torch._utils", "_rebuild_parameter"): rebuild_parameter,
            ("torch._utils", "_rebuild_parameter_with_state"): rebuild_parameter,
            ("numpy", "dtype"): np_dtype,
            ("numpy", "ndarray"): _BudgetArray,
        })
        self._globals = mp

    def find_class(self, module: str, name: str) -> Any:
        if module.startswith("dnnlib.tflib"):
            raise ModelLoadError(TF_CONVERT_HINT)
        try:
            return self._globals[(module, name)]
        except KeyError:
            raise ModelLoadError(f"refused to load: the pickle references the forbidden global "
                                 f"'{module}.{name}' (only NVIDIA network-pickle data is accepted)") from None

    def persistent_load(self, pid: Any) -> Any:
        raise ModelLoadError("refused to load: unexpected persistent id in a network pickle")


class _BudgetArray(np.ndarray):
    """ndarray whose unpickling charges its data against the loader's budget."""

    def __setstate__(self, state: Any) -> None:
        if not isinstance(state, tuple) or len(state) != 5 or not isinstance(state[4], bytes | bytearray):
            raise ModelLoadError("refused to load: unexpected numpy array state")
        if not isinstance(state[2], np.dtype) or state[2].hasobject:
            raise ModelLoadError("refused to load: numpy object arrays are not accepted")
        budget = getattr(self, "_budget", None)
        if budget is not None:
            budget.charge(len(state[4]), "numpy array")
        super().__setstate__(state)


_LEGACY_MAGIC = 0x1950A86A20F9469CFC6C
_STORAGE_DTYPES = {"FloatStorage": torch.float32, "DoubleStorage": torch.float64, "HalfStorage": torch.float16,
                   "BFloat16Storage": torch.bfloat16, "LongStorage": torch.int64, "IntStorage": torch.int32,
                   "ShortStorage": torch.int16, "CharStorage": torch.int8, "ByteStorage": torch.uint8,
                   "BoolStorage": torch.bool}


class _StorageHeaderUnpickler(pickle.Unpickler):
    """Reads the tiny header pickles of a legacy torch.save(storage) blob; knows no globals but
    the storage type names (returned as plain strings)."""

    def find_class(self, module: str, name: str) -> Any:
        if module == "torch" and name in _STORAGE_DTYPES:
            return name
        raise pickle.UnpicklingError("not a plain storage blob")

    def persistent_load(self, pid: Any) -> Any:
        return ("pid", pid)


def _parse_plain_storage_blob(data: bytes) -> torch.TypedStorage | None:
    """Fast path for the one blob shape NVIDIA pickles contain: a legacy torch.save of a single
    CPU storage (magic, protocol 1001, sys info, persistent id, [key], int64 count, raw data).
    Returns None for anything else; the caller then uses torch.load(weights_only=True)."""
    try:
        f = io.BytesIO(data)
        if _StorageHeaderUnpickler(f).load() != _LEGACY_MAGIC or _StorageHeaderUnpickler(f).load() != 1001:
            return None
        info = _StorageHeaderUnpickler(f).load()
        if not isinstance(info, dict) or info.get("little_endian") is not True or sys.byteorder != "little":
            return None
        obj = _StorageHeaderUnpickler(f).load()
        if not (isinstance(obj, tuple) and len(obj) == 2 and obj[0] == "pid"):
            return None
        pid = obj[1]
        if not (isinstance(pid, tuple) and len(pid) == 6 and pid[0] == "storage" and pid[3] == "cpu"
                and pid[5] is None and isinstance(pid[4], int) and pid[1] in _STORAGE_DTYPES):
            return None
        if _StorageHeaderUnpickler(f).load() != [pid[2]]:
            return None
        dtype = _STORAGE_DTYPES[pid[1]]
        count = f.read(8)
        if len(count) != 8:
            return None
        numel = int.from_bytes(count, "little")
        start = f.tell()
        if numel != pid[4] or len(data) - start != numel * dtype.itemsize:
            return None
        raw = torch.frombuffer(bytearray(memoryview(data)[start:]), dtype=torch.uint8) if numel else \
            torch.empty(0, dtype=torch.uint8)
        return torch.TypedStorage(wrap_storage=raw.untyped_storage(), dtype=dtype, _internal=True)
    except Exception:
        return None


def _first_line(e: BaseException) -> str:
    return first_line(e)


def _torch_refusal(e: BaseException) -> str:
    return torch_refusal(e)


def _checked_tensor(storage: Any, offset: Any, size: Any, stride: Any, hooks: Any) -> torch.Tensor:
    if not isinstance(storage, torch.TypedStorage | torch.UntypedStorage):
        raise ModelLoadError("refused to load: tensor record without a storage")
    if hooks:
        raise ModelLoadError("refused to load: tensor record with backward hooks")
    ints = (int, np.integer)
    if not isinstance(offset, ints) or not isinstance(size, tuple | torch.Size) \
            or not isinstance(stride, tuple) or len(size) != len(stride) or len(size) > 8 \
            or not all(isinstance(v, ints) and v >= 0 for v in (*size, *stride)) or offset < 0:
        raise ModelLoadError("refused to load: malformed tensor record")
    if isinstance(storage, torch.TypedStorage):  # element count without TypedStorage's deprecation warning
        n_storage = storage._untyped_storage.nbytes() // storage.dtype.itemsize
    else:
        n_storage = storage.nbytes()
    needed = 0 if any(s == 0 for s in size) else int(offset) + 1 + sum((s - 1) * st for s, st in
                                                                        zip(size, stride, strict=True))
    if needed > n_storage:
        raise ModelLoadError(f"refused to load: a tensor declares shape {tuple(size)} but its storage holds "
                             f"only {n_storage} elements")
    if isinstance(storage, torch.TypedStorage):
        t = torch.empty((0,), dtype=storage.dtype)
        return t.set_(storage._untyped_storage, int(offset), tuple(size), tuple(stride))
    t = torch.empty((0,), dtype=torch.uint8)
    return t.set_(storage, int(offset), tuple(size), tuple(stride))


def restricted_load(path: Path) -> Any:
    """Unpickle `path` with RestrictedUnpickler. Every failure is ModelLoadError."""
    try:
        size = path.stat().st_size
        with path.open("rb") as f:
            # Real pickles materialise each byte about once; allow 2× plus slack for small files.
            unpickler = RestrictedUnpickler(f, budget_bytes=2 * size + (1 << 20))
            return unpickler.load()
    except ModelLoadError as e:
        raise ModelLoadError(f"{path.name}: {e}") from None
    except MemoryError:
        raise ModelLoadError(f"{path.name}: out of memory while unpickling") from None
    except RecursionError:
        raise ModelLoadError(f"{path.name}: refused to load: nesting too deep") from None
    except EOFError:
        raise ModelLoadError(f"{path.name}: truncated pickle (unexpected end of file)") from None
    except Exception as e:  # UnpicklingError, ValueError, TypeError, … all mean "not a valid pickle"
        raise ModelLoadError(f"{path.name}: not a readable network pickle ({type(e).__name__}: "
                             f"{_first_line(e)})") from None
