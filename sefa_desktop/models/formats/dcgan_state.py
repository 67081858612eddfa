"""Plain DCGAN state dicts in the PyTorch-tutorial layout (`main.0.weight` …), bare or wrapped
in a training dict under `netG_state_dict` / `netG` / `state_dict` / `generator`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..nets.dcgan import DCGANModel, build_dcgan

WRAPPER_KEYS = ("netG_state_dict", "netG", "state_dict", "generator", "G")


def _state(obj: Any) -> Mapping[str, torch.Tensor] | None:
    if not isinstance(obj, Mapping):
        return None
    if "main.0.weight" in obj and isinstance(obj["main.0.weight"], torch.Tensor):
        return obj
    for key in WRAPPER_KEYS:
        inner = obj.get(key)
        if isinstance(inner, Mapping) and isinstance(inner.get("main.0.weight"), torch.Tensor):
            return inner
    return None


class _Reader:
    name = "DCGAN state dict"
    container = "torch"

    def matches(self, obj: Any) -> bool:
        state = _state(obj)
        return state is not None and state["main.0.weight"].ndim == 4

    def build(self, obj: Any, device: str, source: str) -> DCGANModel:
        state = _state(obj)
        assert state is not None
        return DCGANModel(build_dcgan(state), name=Path(source).stem, source=source)


READER = _Reader()
