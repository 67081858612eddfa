"""DCGAN generator in the PyTorch-tutorial layout, of any width and depth.

z (n, nz, 1, 1) → ConvTranspose 4×4 s1 p0 (→ 4×4) → [BN → ReLU → ConvTranspose 4×4 s2 p1 (×2)]… → tanh.
Widths and depth (so the resolution: 4·2^(convs − 1), e.g. 32, 64, 128) come from the state dict's shapes,
never from a config; convolution biases are used when the file has them. pytorch_GAN_zoo's DCGAN has the
same structure under other key names (formats/ganzoo.py renames them) and may have no output activation.
"""

from __future__ import annotations

from collections.abc import Mapping

import torch
from torch import nn

from ..base import BaseGanModel, LayerInfo
from ..errors import ModelLoadError
from .loading import load_strict


class DCGANGenerator(nn.Module):
    def __init__(self, channels: list[int], bias: bool = False, activation: str | None = "tanh") -> None:
        """channels = [nz, c1, c2, ..., n_out]; one ConvTranspose between each pair."""
        super().__init__()
        if activation not in ("tanh", None):
            raise ValueError(f"unsupported DCGAN output activation {activation!r}")
        layers: list[nn.Module] = []
        for i, (cin, cout) in enumerate(zip(channels[:-1], channels[1:], strict=True)):
            first = i == 0
            layers.append(nn.ConvTranspose2d(cin, cout, 4, 1 if first else 2, 0 if first else 1, bias=bias))
            if i < len(channels) - 2:
                layers += [nn.BatchNorm2d(cout), nn.ReLU(True)]
        layers.append(nn.Tanh() if activation == "tanh" else nn.Identity())
        self.main = nn.Sequential(*layers)
        self.channels = channels

    @property
    def resolution(self) -> int:
        return 4 * 2 ** (len(self.channels) - 2)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.main(z.reshape(z.shape[0], -1, 1, 1))


def infer_channels(state: Mapping[str, torch.Tensor], prefix: str = "main.") -> list[int]:
    """Read [nz, c1, …, n_out] from the ConvTranspose weights (in, out, 4, 4) under `prefix`."""
    convs = sorted(
        (int(k[len(prefix):].split(".")[0]), v)
        for k, v in state.items()
        if k.startswith(prefix) and k.endswith(".weight") and getattr(v, "ndim", 0) == 4
    )
    if not convs:
        raise ModelLoadError(f"no ConvTranspose weights found under '{prefix}*'")
    channels = [int(convs[0][1].shape[0])]
    for _, w in convs:
        if int(w.shape[0]) != channels[-1] or tuple(w.shape[2:]) != (4, 4):
            raise ModelLoadError(
                f"DCGAN layer shapes do not chain: expected ({channels[-1]}, *, 4, 4), got {tuple(w.shape)}")
        channels.append(int(w.shape[1]))
    return channels


def build_dcgan(state: Mapping[str, torch.Tensor], prefix: str = "main.",
                activation: str | None = "tanh") -> DCGANGenerator:
    """Build and strictly load a tutorial-layout DCGAN from its state dict (eval mode)."""
    channels = infer_channels(state, prefix)
    if len(channels) < 3:
        raise ModelLoadError(f"a DCGAN needs at least two ConvTranspose layers under '{prefix}*', found one")
    net = DCGANGenerator(channels, bias=f"{prefix}0.bias" in state, activation=activation)
    own = {"main." + k[len(prefix):]: v for k, v in state.items() if k.startswith(prefix)}
    load_strict(net, own)
    return net.eval()


class DCGANModel(BaseGanModel):
    """GanModel over a DCGAN: the selector is the first ConvTranspose, a linear map of z."""

    family = "dcgan"
    edit_space = "z"

    def __init__(self, net: DCGANGenerator, name: str, source: str = "") -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        self.name = name
        self.source = source or name
        self.z_dim = net.channels[0]
        self.w_dim = None
        self.num_layers = 1
        self.resolution = net.resolution
        self.layers = [LayerInfo(0, f"z → 4×4 ({net.channels[1]} ch)", 4, net.channels[1])]

    def modules(self) -> list[nn.Module]:
        return [self.net]

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        img = self.net(codes)
        # grey-level generators (MNIST-style, one output channel) are shown as RGB
        return img.repeat(1, 3, 1, 1) if img.shape[1] == 1 else img

    def selector_weight(self, layers=None, compat=None) -> torch.Tensor:
        self.check_layers(layers)
        w = self.net.main[0].weight.detach()  # (nz, out, 4, 4): y = A z with A = w.reshape(nz, -1)ᵀ
        return w.reshape(w.shape[0], -1).t().float()
