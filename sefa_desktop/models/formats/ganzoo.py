"""pytorch_GAN_zoo checkpoints (facebookresearch; torch.hub 'PGAN' / 'DCGAN'): `{config, netG, netD, avgG}`.

`avgG` (the moving-average generator) is preferred over `netG`. `config` is a
`models.utils.config.BaseConfig`; containers.py maps that name onto an inert attribute bag, so the
weights-only load never imports or runs the project's code. Keys may carry the `.module.` of the
equalized-lr wrapper (newer versions) or not (older versions' state_dict override), and a leading
`module.` from DataParallel: all are normalized away.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelLoadError
from ..nets.dcgan import DCGANModel, build_dcgan
from ..nets.ganzoo_pgan import GanZooPGANModel, PGANOptions, build_pgan

GENERATOR_KEYS = ("avgG", "netG")
# Loss criteria whose generator ends in tanh (pytorch_GAN_zoo loss_criterions: generationActivation).
TANH_LOSSES = ("DCGAN", "MSE")


def normalize_keys(state: Mapping[str, Any]) -> dict[str, torch.Tensor]:
    out: dict[str, torch.Tensor] = {}
    for k, v in state.items():
        if not isinstance(v, torch.Tensor):
            continue
        key = k[len("module."):] if k.startswith("module.") else k
        out[key.replace(".module.", ".")] = v
    return out


def generator_state(obj: Any) -> tuple[str, dict[str, torch.Tensor]] | None:
    """(which generator, its key-normalized state) or None when `obj` is not a GAN-zoo file."""
    if not isinstance(obj, Mapping):
        return None
    for name in GENERATOR_KEYS:
        inner = obj.get(name)
        if isinstance(inner, Mapping) and inner:
            state = normalize_keys(inner)
            if isinstance(state.get("formatLayer.weight"), torch.Tensor):
                return name, state
    return None


def config_value(config: Any, field: str, default: Any) -> Any:
    if isinstance(config, Mapping):
        return config.get(field, default)
    return getattr(config, field, default) if config is not None else default


def _activation(config: Any, default_loss: str) -> str | None:
    loss = str(config_value(config, "lossCriterion", default_loss))
    return "tanh" if loss in TANH_LOSSES else None


def dcgan_to_tutorial_keys(state: Mapping[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    """GAN-zoo DCGAN names → the tutorial's `main.<index>` names (same structure: ConvT, BN, ReLU, …).

    formatLayer → main.0; main.batchNorm{i} → main.{3i+1}; main.convTranspose{i} → main.{3i};
    main.outlayer → main.{3(depth+1)}.
    """
    depth = 0
    while f"main.convTranspose{depth + 1}.weight" in state:
        depth += 1
    out: dict[str, torch.Tensor] = {}
    for k, v in state.items():
        head, _, param = k.rpartition(".")
        if head == "formatLayer":
            idx = 0
        elif head == "main.outlayer":
            idx = 3 * (depth + 1)
        elif head.startswith("main.batchNorm") and head[len("main.batchNorm"):].isdigit():
            idx = 3 * int(head[len("main.batchNorm"):]) + 1
        elif head.startswith("main.convTranspose") and head[len("main.convTranspose"):].isdigit():
            idx = 3 * int(head[len("main.convTranspose"):])
        else:
            raise ModelLoadError(f"GAN-zoo DCGAN: unexpected key '{k}'")
        out[f"main.{idx}.{param}"] = v
    if f"main.{3 * (depth + 1)}.weight" not in out:
        raise ModelLoadError("GAN-zoo DCGAN: checkpoint is missing key 'main.outlayer.weight'")
    return out


class _Reader:
    name = "pytorch_GAN_zoo checkpoint"
    container = "torch"

    def matches(self, obj: Any) -> bool:
        return generator_state(obj) is not None

    def build(self, obj: Any, device: str, source: str) -> Any:
        found = generator_state(obj)
        assert found is not None
        which, state = found
        config = obj.get("config")
        name = Path(source).stem
        fmt = state["formatLayer.weight"]
        if fmt.ndim == 2:  # PGAN: equalized linear latent → 16·depthScale0
            opts = PGANOptions(
                normalization=bool(config_value(config, "perChannelNormalization", True)),
                equalized=bool(config_value(config, "equalizedlR", True)),
                leak=float(config_value(config, "leakyReluLeak", 0.2)),
                alpha=float(config_value(config, "alpha", 0.0) or 0.0),
                activation=_activation(config, "WGANGP"),
            )
            model: Any = GanZooPGANModel(build_pgan(state, opts), name=name, source=source)
        elif fmt.ndim == 4:  # DCGAN: ConvTranspose latent → dimG·2^depth at 4×4
            # GNet's own default is tanh; a file without a config is assumed to have it.
            act = _activation(config, "DCGAN") if config is not None else "tanh"
            model = DCGANModel(build_dcgan(dcgan_to_tutorial_keys(state), activation=act), name=name, source=source)
        else:
            raise ModelLoadError(f"GAN-zoo {which}: 'formatLayer.weight' has shape {tuple(fmt.shape)}, expected "
                                 "(16·depthScale0, latent) for PGAN or (latent, dimG·2^depth, 4, 4) for DCGAN")
        model.generator_key = which
        return model


READER = _Reader()
