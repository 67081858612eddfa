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
    net.load_state_dict({k: checked_weight(k, state[k], v.dtype) for k, v in expected.items()})


def checked_weight(key: str, t: torch.Tensor, expected_dtype: torch.dtype) -> torch.Tensor:
    """`t` as the network wants it: floating-point weights as float32 (float16, bfloat16 and float64
    are converted), and all of them finite. Integer or boolean data where the network has weights,
    and NaN/Inf anywhere, are refused naming the tensor: such a model renders black or flat images
    and factorizes to NaN directions."""
    if not expected_dtype.is_floating_point:
        return t
    if not t.is_floating_point():
        raise ModelLoadError(f"key '{key}' holds {str(t.dtype).removeprefix('torch.')} values where the network "
                             "has floating-point weights (a corrupt or mis-converted checkpoint?)")
    if t.dtype != torch.float32:
        t = t.float()
    if t.numel() and not bool(torch.isfinite(t).all()):
        bad = "NaN" if bool(torch.isnan(t).any()) else "infinite"
        raise ModelLoadError(f"key '{key}' contains {bad} values (a diverged or corrupt checkpoint)")
    return t
