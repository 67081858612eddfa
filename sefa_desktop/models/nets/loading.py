"""Strict state-dict loading whose errors name the key and the shape expected."""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from ..errors import ModelLoadError


def load_strict(net: nn.Module, state: Mapping[str, torch.Tensor]) -> None:
    """load_state_dict(strict=True), but failures name the key and the shape expected."""
    expected = net.state_dict()
    missing = [k for k in expected if k not in state]
    if missing:
        raise ModelLoadError(f"checkpoint is missing key '{missing[0]}' "
                             f"(expected shape {tuple(expected[missing[0]].shape)})")
    for k, v in expected.items():
        got = state[k]
        if tuple(got.shape) != tuple(v.shape):
            raise ModelLoadError(f"key '{k}' has shape {tuple(got.shape)}, expected {tuple(v.shape)}")
    unexpected = [k for k in state if k not in expected]
    if unexpected:
        raise ModelLoadError(f"checkpoint has unexpected key '{unexpected[0]}'")
    net.load_state_dict({k: state[k].float() if state[k].is_floating_point() else state[k] for k in expected})
