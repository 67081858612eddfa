"""Progressive GAN generator in the pytorch_GAN_zoo layout (facebookresearch, torch.hub 'PGAN').

z → PixelNorm → formatLayer (equalized linear, latent → 16·d0) → LReLU → (n, d0, 4, 4) → PixelNorm →
groupScale0 conv3×3 → LReLU → PixelNorm → per scale: nearest ×2 → 2 × (conv3×3 → LReLU → PixelNorm) →
toRGB (1×1) of the last scale, blended with the previous scale's upsampled RGB when alpha > 0 →
output activation (none for WGANGP, tanh for DCGAN/MSE losses).

Equalized learning rate multiplies the layer's whole output (bias included) by √(2 / fan_in).
Widths come from the tensor shapes; only switches that shapes cannot show (normalization, equalized lr,
leak, alpha, loss) come from the checkpoint's config.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from ..base import BaseGanModel, LayerInfo
from ..errors import ModelLoadError
from .loading import load_strict


@dataclass(frozen=True)
class PGANOptions:
    normalization: bool = True  # perChannelNormalization
    equalized: bool = True  # equalizedlR
    leak: float = 0.2  # leakyReluLeak
    alpha: float = 0.0  # blend with the previous scale (0 = the last scale only)
    activation: str | None = None  # None or "tanh"


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """x / √(mean over channels of x² + eps), per sample and pixel (dim 1)."""
    return x * ((x * x).mean(dim=1, keepdim=True) + eps).rsqrt()


class EqualizedLayer(nn.Module):
    """A conv (4-D weight) or linear (2-D weight) whose output is scaled by He's constant √(2/fan_in)."""

    def __init__(self, weight_shape: tuple[int, ...], equalized: bool) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(weight_shape), requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(weight_shape[0]), requires_grad=False)
        self.scale = math.sqrt(2.0 / math.prod(weight_shape[1:])) if equalized else 1.0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.weight.ndim == 2:
            y = F.linear(x, self.weight, self.bias)
        else:
            y = F.conv2d(x, self.weight, self.bias, padding=self.weight.shape[-1] // 2)
        return y * self.scale if self.scale != 1.0 else y


def upscale2d(x: torch.Tensor) -> torch.Tensor:
    return F.interpolate(x, scale_factor=2, mode="nearest")


class PGANGenerator(nn.Module):
    def __init__(self, latent: int, depths: list[int], out_channels: int, opts: PGANOptions) -> None:
        super().__init__()
        self.latent, self.depths, self.opts = latent, depths, opts
        eq = opts.equalized
        d0 = depths[0]
        self.formatLayer = EqualizedLayer((16 * d0, latent), eq)
        self.groupScale0 = nn.ModuleList([EqualizedLayer((d0, d0, 3, 3), eq)])
        self.scaleLayers = nn.ModuleList(
            nn.ModuleList([EqualizedLayer((d, prev, 3, 3), eq), EqualizedLayer((d, d, 3, 3), eq)])
            for prev, d in zip(depths[:-1], depths[1:], strict=True))
        self.toRGBLayers = nn.ModuleList(EqualizedLayer((out_channels, d, 1, 1), eq) for d in depths)

    @property
    def resolution(self) -> int:
        return 4 * 2 ** (len(self.depths) - 1)

    def _act(self, x: torch.Tensor) -> torch.Tensor:
        x = F.leaky_relu(x, self.opts.leak)
        return pixel_norm(x) if self.opts.normalization else x

    def normalize_z(self, z: torch.Tensor) -> torch.Tensor:
        z = z.reshape(z.shape[0], -1)
        return pixel_norm(z) if self.opts.normalization else z

    def forward_from_code(self, code: torch.Tensor, max_scale: int | None = None) -> torch.Tensor:
        """Everything after the input PixelNorm; `max_scale` = k stops at scale k (its toRGB, no blend)."""
        last = len(self.depths) - 1 if max_scale is None else max_scale
        x = F.leaky_relu(self.formatLayer(code), self.opts.leak).reshape(code.shape[0], -1, 4, 4)
        if self.opts.normalization:
            x = pixel_norm(x)
        x = self._act(self.groupScale0[0](x))
        prev = x
        for layers in self.scaleLayers[:last]:
            prev = x
            x = upscale2d(x)
            for conv in layers:
                x = self._act(conv(x))
        out = self.toRGBLayers[last](x)
        if max_scale is None and self.opts.alpha > 0 and last > 0:
            y = upscale2d(self.toRGBLayers[last - 1](prev))
            out = self.opts.alpha * y + (1.0 - self.opts.alpha) * out
        if self.opts.activation == "tanh":
            out = torch.tanh(out)
        return out

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return self.forward_from_code(self.normalize_z(z))


def infer_pgan(state: Mapping[str, torch.Tensor]) -> tuple[int, list[int], int]:
    """(latent, per-scale depths, output channels) from the shapes of a key-normalized netG state."""
    w = state.get("formatLayer.weight")
    if not isinstance(w, torch.Tensor) or w.ndim != 2 or w.shape[0] % 16:
        shape = None if not isinstance(w, torch.Tensor) else tuple(w.shape)
        raise ModelLoadError(f"key 'formatLayer.weight' should be (16·depthScale0, latent), got {shape}")
    latent, depths = int(w.shape[1]), [int(w.shape[0]) // 16]
    i = 0
    while f"scaleLayers.{i}.0.weight" in state:
        depths.append(int(state[f"scaleLayers.{i}.0.weight"].shape[0]))
        i += 1
    rgb = state.get("toRGBLayers.0.weight")
    if not isinstance(rgb, torch.Tensor) or rgb.ndim != 4:
        raise ModelLoadError("checkpoint is missing key 'toRGBLayers.0.weight' "
                             f"(expected shape (3, {depths[0]}, 1, 1))")
    return latent, depths, int(rgb.shape[0])


def build_pgan(state: Mapping[str, torch.Tensor], opts: PGANOptions) -> PGANGenerator:
    latent, depths, out_ch = infer_pgan(state)
    net = PGANGenerator(latent, depths, out_ch, opts)
    load_strict(net, state)
    return net.eval()


class GanZooPGANModel(BaseGanModel):
    """GanModel over a GAN-zoo PGAN. Codes are the pixel-normalized z (what formatLayer reads), so an
    edit code + α·n is not re-normalized: the first layer stays linear in the code, as SeFa assumes."""

    family = "pggan"
    edit_space = "z"

    def __init__(self, net: PGANGenerator, name: str, source: str = "") -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        self.name = name
        self.source = source or name
        self.z_dim = net.latent
        self.w_dim = None
        self.num_layers = 1
        self.resolution = net.resolution
        self.layers = [LayerInfo(0, f"z → 4×4 ({net.depths[0]} ch)", 4, net.depths[0])]
        self.image_range = (-1.0, 1.0)

    def modules(self) -> list[nn.Module]:
        return [self.net]

    def codes(self, z, truncation_psi=1.0, truncation_layers=None, c=None) -> torch.Tensor:
        z = self._as_tensor(z)
        with torch.inference_mode():
            return self.net.normalize_z(z).clone()

    def preview_resolutions(self) -> list[int]:
        """Resolutions `synthesize(max_resolution=r)` can stop at (one RGB output per scale)."""
        return [4 * 2 ** k for k in range(len(self.net.depths))]

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        scale = None
        if max_resolution is not None and max_resolution < self.resolution:
            # the largest scale not above the requested resolution (at least 4×4)
            scale = max(0, int(math.floor(math.log2(max(4, int(max_resolution)) / 4))))
        return self.net.forward_from_code(codes, scale)

    def selector_weight(self, layers=None, compat=None) -> torch.Tensor:
        self.check_layers(layers)
        fmt = self.net.formatLayer
        return (fmt.weight.detach() * fmt.scale).float()
