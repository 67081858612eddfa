"""NVIDIA network pickles (stylegan2-ada-pytorch, stylegan3 repo) read without executing code.

The file is unpickled by `safe_unpickler.restricted_load`; `G_ema` (else `G`, else a bare network)
is a tree of inert `PersistentRecord`s. We read its `_init_kwargs`, collect parameters and
persistent buffers by walking `_modules`, and strictly load them into our own networks.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from .. import budget
from ..errors import ModelLoadError
from .safe_unpickler import PersistentRecord, restricted_load

MAX_MODULES = 100_000  # a network has hundreds; more means a crafted file (memo-reference bomb)


def _plain(obj: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """Copy init kwargs into plain JSON-like data, refusing deep/huge structures."""
    budget = [10_000] if budget is None else budget
    budget[0] -= 1
    if depth > 8 or budget[0] < 0:
        raise ModelLoadError("init kwargs are nested too deeply or too large")
    if obj is None or isinstance(obj, bool | int | float | str):
        return obj
    if hasattr(obj, "dtype") and getattr(obj, "shape", None) == ():  # numpy scalar
        return obj.item()
    if isinstance(obj, dict):
        return {str(k): _plain(v, depth + 1, budget) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_plain(v, depth + 1, budget) for v in obj]
    raise ModelLoadError(f"unexpected value of type {type(obj).__name__} in the network's init kwargs")


def collect_state(root: PersistentRecord) -> dict[str, torch.Tensor]:
    """Parameters and persistent buffers of a pickled module tree, keyed like state_dict()."""
    out: dict[str, torch.Tensor] = {}
    seen: set[int] = set()
    stack: list[tuple[str, Any]] = [("", root)]
    while stack:
        prefix, rec = stack.pop()
        if not isinstance(rec, PersistentRecord):
            raise ModelLoadError(f"module '{prefix.rstrip('.') or '<root>'}' is not a pickled network module")
        if id(rec) in seen or len(seen) >= MAX_MODULES:
            raise ModelLoadError("the network's module tree repeats itself (crafted file?)")
        seen.add(id(rec))
        st = rec.state
        nonpersistent = st.get("_non_persistent_buffers_set") or set()
        for group in ("_parameters", "_buffers"):
            items = st.get(group) or {}
            if not isinstance(items, dict):
                raise ModelLoadError(f"module '{prefix}' has a malformed {group}")
            for name, t in items.items():
                if t is None or (group == "_buffers" and name in nonpersistent):
                    continue
                if not isinstance(t, torch.Tensor):
                    raise ModelLoadError(f"'{prefix}{name}' is not a tensor")
                out[f"{prefix}{name}"] = t
        mods = st.get("_modules") or {}
        if not isinstance(mods, dict):
            raise ModelLoadError(f"module '{prefix}' has malformed children")
        for name, child in mods.items():
            if child is not None:
                stack.append((f"{prefix}{name}.", child))
    return out


def pick_generator(obj: Any) -> PersistentRecord:
    if isinstance(obj, PersistentRecord):
        return obj
    if isinstance(obj, dict):
        for key in ("G_ema", "G"):
            if isinstance(obj.get(key), PersistentRecord):
                return obj[key]
        keys = ", ".join(map(str, list(obj)[:8]))
        raise ModelLoadError(f"pickle holds no generator network (keys: {keys})")
    raise ModelLoadError(f"pickle holds a {type(obj).__name__}, not an NVIDIA network snapshot")


def detect_variant(gen: PersistentRecord, kwargs: dict[str, Any]) -> str:
    """'sg3' (StyleGAN3), 'ada' (stylegan2-ada-pytorch) or 'sg3repo' (stylegan3 repo's StyleGAN2)."""
    syn = (gen.state.get("_modules") or {}).get("synthesis")
    syn_children = (syn.state.get("_modules") or {}) if isinstance(syn, PersistentRecord) else {}
    if "input" in syn_children or {"magnitude_ema_beta", "conv_kernel", "use_radial_filters"} & set(kwargs):
        return "sg3"
    return "ada" if "synthesis_kwargs" in kwargs else "sg3repo"


class _Reader:
    name = "NVIDIA network pickle"
    container = "pickle"

    def matches(self, obj: Any) -> bool:
        # The only reader of bare pickles: claiming every one lets the restricted unpickler name
        # the forbidden global of a hostile file instead of a vague "unknown layout".
        return True

    def build(self, obj: Any, device: str, source: str) -> Any:
        path = Path(obj)
        data = restricted_load(path)
        try:
            return build_from_data(data, path.stem, source)
        except ModelLoadError as e:
            raise ModelLoadError(f"{path.name}: {e}") from None


def build_from_data(data: Any, name: str, source: str) -> Any:
    from ..nets.stylegan2 import StyleGAN2Model, build_stylegan2, stylegan2_config_from_nvidia

    gen = pick_generator(data)
    if gen.class_name != "Generator":
        raise ModelLoadError(f"generator network has unexpected class '{gen.class_name}'")
    kwargs = _plain(gen.state.get("_init_kwargs") or {})
    if not isinstance(kwargs, dict) or _plain(gen.state.get("_init_args") or ()):
        raise ModelLoadError("generator was pickled without keyword init arguments")
    state = collect_state(gen)
    # stride-0 / overlapping views pass the storage-size check but cost their full size once used
    budget.check(sum(budget.tensor_bytes(t) for t in state.values()), "its tensors")
    variant = detect_variant(gen, kwargs)
    try:
        if variant == "sg3":
            from ..nets.stylegan3 import StyleGAN3Model, build_stylegan3, stylegan3_config_from_nvidia
            net = build_stylegan3(stylegan3_config_from_nvidia(kwargs), state)
            _cross_check_layer_names(gen, net.synthesis.layer_names)
            return StyleGAN3Model(net, name, source)
        cfg = stylegan2_config_from_nvidia(kwargs, variant)
        return StyleGAN2Model(build_stylegan2(cfg, state), name, source)
    except KeyError as e:
        raise ModelLoadError(f"generator init kwargs lack {e}") from None


def _cross_check_layer_names(gen: PersistentRecord, ours: list[str]) -> None:
    """The pickled synthesis keeps its layer names; they must match our recomputed schedule."""
    syn = (gen.state.get("_modules") or {}).get("synthesis")
    stored = syn.state.get("layer_names") if isinstance(syn, PersistentRecord) else None
    if isinstance(stored, list) and [str(n) for n in stored] != ours:
        raise ModelLoadError(f"StyleGAN3 layer schedule mismatch: file has {stored[:3]}…, we computed {ours[:3]}…")


READER = _Reader()
