"""Progressive GAN generator in the genforce layout (the official SeFa code's zoo).

z → PixelNorm → (n, z, 1, 1) → per resolution r = 4·2^b: layer{2b} (4×4 'dense' conv at b = 0,
nearest ×2 + 3×3 conv otherwise), layer{2b+1} (3×3 conv), each preceded by PixelNorm and followed
by bias + lrelu(0.2); ToRGB `output{b}` = PixelNorm → 1×1 conv + bias. The stored `lod` blends
the last two ToRGB outputs as the training code did (lod = 0 for finished models).
Weights are stored raw and scaled at run time by gain/√fan_in (equalized learning rate).
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
from ..preview import blocks_for
from .loading import load_strict

SQRT2 = math.sqrt(2.0)


def pixel_norm(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    """x / √(mean over channels of x² + eps) (dim 1)."""
    return x * torch.rsqrt(x.square().mean(dim=1, keepdim=True) + eps)


def nf(res: int, fmaps_base: int, fmaps_max: int) -> int:
    return min(fmaps_base // res, fmaps_max)


@dataclass(frozen=True)
class PGGANConfig:
    resolution: int
    z_dim: int = 512
    channels: tuple[int, ...] = ()  # feature channels per block, 4×4 first
    image_channels: int = 3
    final_tanh: bool = False

    @property
    def num_blocks(self) -> int:
        return len(self.channels)


class _Conv(nn.Module):
    """Equalized-lr conv with bias; `weight` (out, in, k, k) raw, scaled by gain/√(in·k²)."""

    def __init__(self, cin: int, cout: int, k: int, gain: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.scale = gain / math.sqrt(cin * k * k)

    def forward(self, x: torch.Tensor, padding: int) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.scale, self.bias, padding=padding)


class PGGANGenerator(nn.Module):
    def __init__(self, cfg: PGGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.register_buffer("lod", torch.zeros(()))
        prev = cfg.z_dim
        for b, c in enumerate(cfg.channels):
            k = 4 if b == 0 else 3
            self.add_module(f"layer{2 * b}", _Conv(prev, c, k, SQRT2))
            self.add_module(f"layer{2 * b + 1}", _Conv(c, c, 3, SQRT2))
            self.add_module(f"output{b}", _Conv(c, cfg.image_channels, 1, 1.0))
            prev = c

    def block(self, b: int, x: torch.Tensor) -> torch.Tensor:
        """Both convolutions of block b (resolution 4·2^b)."""
        first: _Conv = getattr(self, f"layer{2 * b}")
        second: _Conv = getattr(self, f"layer{2 * b + 1}")
        x = pixel_norm(x)
        if b == 0:
            x = first(x, padding=3)  # 1×1 → 4×4
        else:
            x = first(F.interpolate(x, scale_factor=2, mode="nearest"), padding=1)
        x = F.leaky_relu(x, 0.2)
        return F.leaky_relu(second(pixel_norm(x), padding=1), 0.2)

    def to_rgb(self, b: int, x: torch.Tensor) -> torch.Tensor:
        return getattr(self, f"output{b}")(pixel_norm(x), padding=0)

    def forward(self, z: torch.Tensor, num_blocks: int | None = None) -> torch.Tensor:
        """Image at resolution 4·2^(num_blocks−1) (all blocks when None)."""
        nb = self.cfg.num_blocks if num_blocks is None else num_blocks
        # A truncated network keeps the same lod relative to its last block.
        lod = max(0.0, float(self.lod) - (self.cfg.num_blocks - nb))
        x = pixel_norm(z).reshape(z.shape[0], -1, 1, 1)
        image: torch.Tensor | None = None
        for b in range(nb):
            cur = nb - 1 - b  # this block's lod level
            if lod < cur + 1:
                x = self.block(b, x)
            if cur - 1 < lod <= cur:
                image = self.to_rgb(b, x)
            elif cur < lod < cur + 1:
                alpha = math.ceil(lod) - lod
                assert image is not None
                image = self.to_rgb(b, x) * alpha + F.interpolate(image, scale_factor=2, mode="nearest") * (1 - alpha)
            elif image is not None:
                image = F.interpolate(image, scale_factor=2, mode="nearest")
        assert image is not None
        return torch.tanh(image) if self.cfg.final_tanh else image


def infer_pggan_config(state: Mapping[str, torch.Tensor]) -> PGGANConfig:
    """Config from shapes: layer0.weight (nf4, z, 4, 4), then one block per output{b}."""
    w0 = state.get("layer0.weight")
    if not isinstance(w0, torch.Tensor) or w0.ndim != 4 or tuple(w0.shape[2:]) != (4, 4):
        got = "missing" if w0 is None else f"shape {tuple(getattr(w0, 'shape', ()))}"
        raise ModelLoadError(f"PGGAN key 'layer0.weight' expected shape (C, z_dim, 4, 4), got {got}")
    channels = []
    b = 0
    while f"layer{2 * b}.weight" in state:
        w = state[f"layer{2 * b}.weight"]
        if w.ndim != 4:
            raise ModelLoadError(f"PGGAN key 'layer{2 * b}.weight' expected 4-D (out, in, k, k), "
                                 f"got shape {tuple(w.shape)}")
        channels.append(int(w.shape[0]))
        b += 1
    out = state.get(f"output{b - 1}.weight")
    image_channels = int(out.shape[0]) if isinstance(out, torch.Tensor) and out.ndim == 4 else 3
    return PGGANConfig(resolution=4 * 2 ** (b - 1), z_dim=int(w0.shape[1]), channels=tuple(channels),
                       image_channels=image_channels)


def build_pggan(state: Mapping[str, torch.Tensor], final_tanh: bool = False) -> PGGANGenerator:
    cfg = infer_pggan_config(state)
    if final_tanh:
        cfg = PGGANConfig(cfg.resolution, cfg.z_dim, cfg.channels, cfg.image_channels, True)
    net = PGGANGenerator(cfg)
    load_strict(net, state)
    return net.eval()


class PGGANModel(BaseGanModel):
    """GanModel over PGGAN. Codes are pixel-normalized z (the space the official tool edits);
    the selector is layer0, a linear map of z (the official flip/permute does not change AᵀA)."""

    family = "pggan"
    edit_space = "z"

    def __init__(self, net: PGGANGenerator, name: str, source: str = "") -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        cfg = net.cfg
        self.name = name
        self.source = source or name
        self.z_dim = cfg.z_dim
        self.w_dim = None
        self.num_layers = 1
        self.resolution = cfg.resolution
        self.layers = [LayerInfo(0, f"z → 4×4 ({cfg.channels[0]} ch)", 4, cfg.channels[0])]

    @property
    def resolutions(self) -> list[int]:
        """Resolutions `synthesize(max_resolution=…)` can stop at (one per ToRGB)."""
        return [4 * 2 ** b for b in range(self.net.cfg.num_blocks)]

    def modules(self) -> list[nn.Module]:
        return [self.net]

    def codes(self, z, truncation_psi=1.0, truncation_layers=None, c=None) -> torch.Tensor:
        return pixel_norm(self._as_tensor(z))  # PGGAN has no truncation

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        return self.net(codes, num_blocks=blocks_for(self.resolution, max_resolution))

    def selector_weight(self, layers=None, compat=None) -> torch.Tensor:
        self.check_layers(layers)
        w = self.net.layer0.weight.detach()  # (out, z, 4, 4): y = A z, A = (out·16, z)
        return w.permute(0, 2, 3, 1).reshape(-1, w.shape[1]).float()

