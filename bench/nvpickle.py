"""Write NVIDIA-shaped network pickles from our own modules (for tests and benchmarks).

The stream has the same shape as an NVlabs snapshot: `{G, D, G_ema, augment_pipe, ...}` where each
network is `torch_utils.persistence._reconstruct_persistent_obj(meta)`, tensors pickled the stock
torch way (`_rebuild_tensor_v2` / `_rebuild_parameter` over `torch.storage._load_from_bytes`).
To let the stock pickler name those globals we register inert stand-in modules `torch_utils` and
`dnnlib` in sys.modules *of the writing process only*; their functions refuse to run.
"""

from __future__ import annotations

import collections
import pickle
import sys
import types
from pathlib import Path
from typing import Any

from torch import nn


def _install_standins() -> tuple[Any, type]:
    if "torch_utils.persistence" not in sys.modules:
        pkg = types.ModuleType("torch_utils")
        mod = types.ModuleType("torch_utils.persistence")

        def _reconstruct_persistent_obj(meta: Any) -> Any:
            raise RuntimeError("stand-in: never called by the readers under test")

        _reconstruct_persistent_obj.__module__ = "torch_utils.persistence"
        _reconstruct_persistent_obj.__qualname__ = "_reconstruct_persistent_obj"
        mod._reconstruct_persistent_obj = _reconstruct_persistent_obj  # type: ignore[attr-defined]
        pkg.persistence = mod  # type: ignore[attr-defined]
        sys.modules["torch_utils"], sys.modules["torch_utils.persistence"] = pkg, mod
    if "dnnlib.util" not in sys.modules:
        pkg = types.ModuleType("dnnlib")
        util = types.ModuleType("dnnlib.util")
        easy = type("EasyDict", (dict,), {"__module__": "dnnlib.util", "__qualname__": "EasyDict"})
        util.EasyDict = easy  # type: ignore[attr-defined]
        pkg.util = util  # type: ignore[attr-defined]
        sys.modules["dnnlib"], sys.modules["dnnlib.util"] = pkg, util
    return sys.modules["torch_utils.persistence"]._reconstruct_persistent_obj, sys.modules["dnnlib.util"].EasyDict


class _Record:
    """Pickles as `_reconstruct_persistent_obj(meta)`, like NVIDIA's persistent classes."""

    def __init__(self, meta: dict[str, Any]) -> None:
        self.meta = meta

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        fn, _ = _install_standins()
        return fn, (self.meta,)


def record_for(module: nn.Module, class_name: str | None = None, init_kwargs: dict[str, Any] | None = None,
               module_src: str = "# source removed", as_easydict: bool = True) -> _Record:
    """An NVIDIA-style persistent record of `module` (children recursively)."""
    _, easy = _install_standins()
    children = collections.OrderedDict(
        (name, record_for(child, module_src=module_src)) for name, child in module.named_children())
    state: dict[str, Any] = {
        "training": False,
        "_parameters": collections.OrderedDict(module._parameters),
        "_buffers": collections.OrderedDict(module._buffers),
        "_non_persistent_buffers_set": set(module._non_persistent_buffers_set),
        "_forward_hooks": collections.OrderedDict(),
        "_modules": children,
    }
    if init_kwargs is not None:
        kw = {k: (easy(v) if as_easydict and isinstance(v, dict) else v) for k, v in init_kwargs.items()}
        state["_init_args"] = ()
        state["_init_kwargs"] = easy(kw) if as_easydict else kw
    meta = {"type": "class", "version": 6, "module_src": module_src,
            "class_name": class_name or type(module).__name__, "state": state}
    return _Record(meta)


def dumps_network_pickle(gen: nn.Module, init_kwargs: dict[str, Any], protocol: int = 4,
                         module_src: str = "# source removed") -> bytes:
    root = record_for(gen, "Generator", init_kwargs, module_src=module_src)
    snapshot = {"G": root, "D": None, "G_ema": root, "augment_pipe": None, "training_set_kwargs": {}}
    return pickle.dumps(snapshot, protocol=protocol)


def write_network_pickle(path: Path, gen: nn.Module, init_kwargs: dict[str, Any], protocol: int = 4,
                         module_src: str = "# source removed") -> Path:
    path.write_bytes(dumps_network_pickle(gen, init_kwargs, protocol, module_src))
    return path
