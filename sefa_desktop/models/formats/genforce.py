"""genforce `.pth` checkpoints (the official SeFa code's model zoo): PGGAN, StyleGAN, StyleGAN2.

A file is a dict with `generator_smooth` (the averaged generator, preferred), `generator` and often
`discriminator`; or a bare generator state dict. There is no config inside: the family is told by
its keys, sizes come from tensor shapes and everything else from the classes' defaults
(notes/genforce-formats.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelLoadError

PREFERRED_KEYS = ("generator_smooth", "generator")


def generator_state(obj: Any) -> Mapping[str, torch.Tensor] | None:
    """The generator state dict inside a genforce file (generator_smooth first), or None."""
    if not isinstance(obj, Mapping):
        return None
    for key in PREFERRED_KEYS:
        inner = obj.get(key)
        if isinstance(inner, Mapping) and family_of(inner) is not None:
            return inner
    return obj if family_of(obj) is not None else None


def family_of(state: Mapping[str, Any]) -> str | None:
    """'pggan' | 'stylegan' | 'stylegan2' from the characteristic keys, else None."""
    if "synthesis.early_layer.const" in state and "synthesis.layer0.style.weight" in state:
        return "stylegan2"
    if "synthesis.layer0.const" in state and "synthesis.layer0.style.weight" in state:
        return "stylegan"
    if "layer0.weight" in state and "output0.weight" in state and "lod" in state:
        return "pggan"
    return None


def _recognised(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return f"content of type {type(obj).__name__}"
    keys = list(obj.keys())
    return "top-level keys: " + ", ".join(map(str, keys[:8])) + ("…" if len(keys) > 8 else "")


class _Reader:
    name = "genforce .pth"
    container = "torch"

    def matches(self, obj: Any) -> bool:
        return generator_state(obj) is not None

    def build(self, obj: Any, device: str, source: str) -> Any:
        state = generator_state(obj)
        if state is None:
            raise ModelLoadError(f"not a genforce generator ({_recognised(obj)})")
        state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
        family = family_of(state)
        name = Path(source).stem
        if family == "pggan":
            from ..nets.pggan import PGGANModel, build_pggan
            return PGGANModel(build_pggan(state), name=name, source=source)
        if family == "stylegan":
            from ..nets.stylegan import StyleGANModel, build_stylegan
            return StyleGANModel(build_stylegan(state), name=name, source=source)
        if family == "stylegan2":
            return build_genforce_stylegan2(state, name, source)
        raise ModelLoadError(f"unknown genforce generator layout ({_recognised(state)})")


def build_genforce_stylegan2(state: Mapping[str, torch.Tensor], name: str, source: str) -> Any:
    raise ModelLoadError("genforce StyleGAN2 files are not supported yet")


READER = _Reader()
