"""Shared last step of the StyleGAN2 converters (genforce, rosinality): build our network from a
renamed state dict. The FIR kernels and w_avg are ours to fill in: the converters check that the
file's kernels are the standard [1,3,3,1] and set w_avg themselves."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import torch

from ..errors import ModelLoadError


def build_converted(config: Mapping[str, Any], canon: Mapping[str, torch.Tensor]) -> Any:
    from ..nets.stylegan2 import StyleGAN2Generator, build_stylegan2

    try:
        template = StyleGAN2Generator(config).state_dict()
    except (KeyError, TypeError, ValueError) as e:
        raise ModelLoadError(f"bad StyleGAN2 configuration: {type(e).__name__}: {e}") from None
    state = dict(canon)
    for key, value in template.items():
        if key not in state and (key.endswith("resample_filter") or key == "mapping.w_avg"):
            state[key] = value
    return build_stylegan2(config, state)
