"""Shared last step of the StyleGAN2 converters (genforce, rosinality): build our network from a
renamed state dict. The FIR kernels and w_avg are ours to fill in: the converters check that the
file's kernels are the standard [1,3,3,1] and set w_avg themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from .. import budget
from ..bounds import check_stylegan2_config
from ..errors import ModelLoadError


def build_converted(config: Mapping[str, Any], canon: Mapping[str, torch.Tensor]) -> Any:
    from ..nets.stylegan2 import StyleGAN2Generator, _setup_filter, build_stylegan2

    check_stylegan2_config(config)
    try:
        with torch.device("meta"):  # nothing allocated: the template only names keys and shapes
            template = StyleGAN2Generator(config).state_dict()
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        raise ModelLoadError(f"bad StyleGAN2 configuration: {type(e).__name__}: {e}") from None
    budget.check(sum(budget.tensor_bytes(t) for t in template.values()),
                 "the StyleGAN2 network its shapes describe")
    state = dict(canon)
    filt = _setup_filter(config.get("resample_filter") or [1, 3, 3, 1])
    for key, value in template.items():
        if key not in state and key.endswith("resample_filter"):
            state[key] = filt
        elif key not in state and key == "mapping.w_avg":
            state[key] = torch.zeros(value.shape)
    return build_stylegan2(config, state)
