"""StyleGAN (v1) generator in the genforce layout (the official SeFa code's zoo).

Mapping: PixelNorm(z) → dense{i} (gain √2, lr_mul 0.01, lrelu 0.2) → w, repeated to W+.
Synthesis, W+ row i feeds layer{i}; block b (resolution 4·2^b) = layer{2b}, layer{2b+1}, output{b}:
  layer0: const input; layer{2b≥2}: nearest ×2 + 3×3 conv, or at ≥ 128 px (genforce's
  fused_scale='auto') a stride-2 transposed 4×4 conv built from the 3×3 weight; then a [1,2,1]²/16
  blur; odd layers: 3×3 conv. Every layer then: + noise·weight → + bias → lrelu(0.2) → instance norm
  → x·(1 + style scale) + style shift, style = w_i·W_sᵀ/√w_dim + b_s.
  ToRGB: 1×1 conv + bias, no style. The stored `synthesis.lod` blends ToRGB outputs as in training.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace

import torch
import torch.nn.functional as F
from torch import nn

from ..base import BaseGanModel, LayerInfo
from ..errors import ModelLoadError
from ..preview import PrefixReuseMixin, blocks_for
from .loading import load_strict
from .pggan import SQRT2, pixel_norm

FUSED_MIN_RES = 128  # genforce fused_scale='auto'


@dataclass(frozen=True)
class StyleGANConfig:
    resolution: int
    z_dim: int = 512
    w_dim: int = 512
    mapping_dims: tuple[int, ...] = ()  # output width of each mapping layer
    channels: tuple[int, ...] = ()  # per block, 4×4 first
    image_channels: int = 3
    fused_min_res: int = FUSED_MIN_RES
    final_tanh: bool = False

    @property
    def num_blocks(self) -> int:
        return len(self.channels)

    @property
    def num_layers(self) -> int:
        return 2 * self.num_blocks


class _Dense(nn.Module):
    def __init__(self, din: int, dout: int, gain: float, lr_mul: float) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(dout, din))
        self.bias = nn.Parameter(torch.zeros(dout))
        self.w_scale = gain / math.sqrt(din) * lr_mul
        self.lr_mul = lr_mul

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight * self.w_scale, self.bias * self.lr_mul)


class MappingNet(nn.Module):
    def __init__(self, z_dim: int, dims: tuple[int, ...]) -> None:
        super().__init__()
        prev = z_dim
        for i, d in enumerate(dims):
            self.add_module(f"dense{i}", _Dense(prev, d, SQRT2, 0.01))
            prev = d
        self.num = len(dims)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = pixel_norm(z)
        for i in range(self.num):
            x = F.leaky_relu(getattr(self, f"dense{i}")(x), 0.2)
        return x


class Truncation(nn.Module):
    def __init__(self, w_dim: int) -> None:
        super().__init__()
        self.register_buffer("w_avg", torch.zeros(w_dim))


class _Noise(nn.Module):
    def __init__(self, channels: int, res: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(channels))
        self.register_buffer("noise", torch.zeros(1, 1, res, res))

    def forward(self, x: torch.Tensor, mode: str) -> torch.Tensor:
        if mode == "none":
            return x
        noise = self.noise if mode == "const" else torch.randn(x.shape[0], 1, *x.shape[2:], device=x.device)
        return x + noise * self.weight.view(1, -1, 1, 1)


class _Blur(nn.Module):
    def __init__(self, channels: int) -> None:
        super().__init__()
        self.register_buffer("kernel", torch.zeros(channels, 1, 3, 3))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.kernel, padding=1, groups=x.shape[1])


class StyleLayer(nn.Module):
    """One synthesis layer (const / conv / upsampling conv) with noise, AdaIN and its style affine."""

    def __init__(self, cin: int, cout: int, res: int, w_dim: int, kind: str) -> None:
        super().__init__()
        self.kind = kind  # "const" | "conv" | "up" | "up_fused"
        if kind == "const":
            self.const = nn.Parameter(torch.zeros(1, cout, res, res))
        else:
            self.weight = nn.Parameter(torch.zeros(cout, cin, 3, 3))
            self.w_scale = SQRT2 / math.sqrt(cin * 9)
        if kind.startswith("up"):
            self.blur = _Blur(cout)
        self.bias = nn.Parameter(torch.zeros(cout))
        self.apply_noise = _Noise(cout, res)
        self.style = _Dense(w_dim, 2 * cout, 1.0, 1.0)
        self.channels = cout

    def forward(self, x: torch.Tensor | None, w: torch.Tensor, noise_mode: str) -> torch.Tensor:
        if self.kind == "const":
            x = self.const.expand(w.shape[0], -1, -1, -1)
        else:
            assert x is not None
            weight = self.weight * self.w_scale
            if self.kind == "up_fused":
                # The 3×3 kernel applied after a nearest ×2 equals a 4×4 transposed conv with the
                # sum of its four shifted copies.
                weight = F.pad(weight, (1, 1, 1, 1))
                weight = weight[:, :, 1:, 1:] + weight[:, :, :-1, 1:] + weight[:, :, 1:, :-1] + weight[:, :, :-1, :-1]
                x = F.conv_transpose2d(x, weight.permute(1, 0, 2, 3), stride=2, padding=1)
            else:
                if self.kind == "up":
                    x = F.interpolate(x, scale_factor=2, mode="nearest")
                x = F.conv2d(x, weight, padding=1)
            if self.kind.startswith("up"):
                x = self.blur(x)
        x = self.apply_noise(x, noise_mode)
        x = F.leaky_relu(x + self.bias.view(1, -1, 1, 1), 0.2)
        x = x - x.mean(dim=(2, 3), keepdim=True)
        x = x * torch.rsqrt(x.square().mean(dim=(2, 3), keepdim=True) + 1e-8)
        style = self.style(w).view(-1, 2, self.channels, 1, 1)
        return x * (style[:, 0] + 1) + style[:, 1]


class _ToRGB(nn.Module):
    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(cout, cin, 1, 1))
        self.bias = nn.Parameter(torch.zeros(cout))
        self.w_scale = 1.0 / math.sqrt(cin)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight * self.w_scale, self.bias)


class Synthesis(nn.Module):
    def __init__(self, cfg: StyleGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.register_buffer("lod", torch.zeros(()))
        prev = cfg.channels[0]
        for b, c in enumerate(cfg.channels):
            res = 4 * 2 ** b
            kind = "const" if b == 0 else ("up_fused" if res >= cfg.fused_min_res else "up")
            self.add_module(f"layer{2 * b}", StyleLayer(prev, c, res, cfg.w_dim, kind))
            self.add_module(f"layer{2 * b + 1}", StyleLayer(c, c, res, cfg.w_dim, "conv"))
            self.add_module(f"output{b}", _ToRGB(c, cfg.image_channels))
            prev = c

    def layer(self, i: int) -> StyleLayer:
        return getattr(self, f"layer{i}")

    def run(self, wp: torch.Tensor, state: tuple[torch.Tensor | None, torch.Tensor | None], start: int,
            stop: int, num_blocks: int, noise_mode: str) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Run layers start..stop−1 from state (x, image); ToRGB of block b follows layer 2b+1.

        `num_blocks` is the depth of the image being made (early exit): it fixes the lod levels."""
        x, image = state
        lod = max(0.0, float(self.lod) - (self.cfg.num_blocks - num_blocks))
        for i in range(start, stop):
            b = i // 2
            cur = num_blocks - 1 - b
            if lod < cur + 1:
                x = self.layer(i)(x, wp[:, i], noise_mode)
            if i % 2 == 0:
                continue
            out: _ToRGB = getattr(self, f"output{b}")
            if cur - 1 < lod <= cur:
                image = out(x)
            elif cur < lod < cur + 1:
                alpha = math.ceil(lod) - lod
                assert image is not None
                image = out(x) * alpha + F.interpolate(image, scale_factor=2, mode="nearest") * (1 - alpha)
            elif image is not None:
                image = F.interpolate(image, scale_factor=2, mode="nearest")
        return x, image


class StyleGANGenerator(nn.Module):
    def __init__(self, cfg: StyleGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.mapping = MappingNet(cfg.z_dim, cfg.mapping_dims)
        self.truncation = Truncation(cfg.w_dim)
        self.synthesis = Synthesis(cfg)


def _shape(state: Mapping[str, torch.Tensor], key: str, ndim: int, what: str) -> tuple[int, ...]:
    v = state.get(key)
    if not isinstance(v, torch.Tensor):
        raise ModelLoadError(f"StyleGAN checkpoint is missing key '{key}' (expected shape {what})")
    if v.ndim != ndim:
        raise ModelLoadError(f"key '{key}' has shape {tuple(v.shape)}, expected {what}")
    return tuple(int(s) for s in v.shape)


def infer_stylegan_config(state: Mapping[str, torch.Tensor]) -> StyleGANConfig:
    """Sizes from shapes; fused upsampling at ≥ 128 px is genforce's class default."""
    dims = []
    z_dim = _shape(state, "mapping.dense0.weight", 2, "(mapping_fmaps, z_dim)")[1]
    while f"mapping.dense{len(dims)}.weight" in state:
        dims.append(_shape(state, f"mapping.dense{len(dims)}.weight", 2, "(out, in)")[0])
    channels = [_shape(state, "synthesis.layer0.const", 4, "(1, C, 4, 4)")[1]]
    while f"synthesis.layer{2 * len(channels)}.weight" in state:
        channels.append(_shape(state, f"synthesis.layer{2 * len(channels)}.weight", 4, "(out, in, 3, 3)")[0])
    img = state.get("synthesis.output0.weight")
    return StyleGANConfig(
        resolution=4 * 2 ** (len(channels) - 1), z_dim=z_dim, w_dim=dims[-1], mapping_dims=tuple(dims),
        channels=tuple(channels), image_channels=int(img.shape[0]) if isinstance(img, torch.Tensor) else 3)


def build_stylegan(state: Mapping[str, torch.Tensor], **overrides: object) -> StyleGANGenerator:
    cfg = infer_stylegan_config(state)
    if overrides:
        cfg = replace(cfg, **overrides)  # type: ignore[arg-type]
    net = StyleGANGenerator(cfg)
    load_strict(net, state)
    return net.eval()


class StyleGANModel(PrefixReuseMixin, BaseGanModel):
    """GanModel over StyleGAN v1: codes are W+; row i's selector is layer i's style affine
    (scale and shift rows both, as the official code factorizes)."""

    family = "stylegan"
    edit_space = "w"

    def __init__(self, net: StyleGANGenerator, name: str, source: str = "") -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        cfg = net.cfg
        self.name = name
        self.source = source or name
        self.z_dim, self.w_dim = cfg.z_dim, cfg.w_dim
        self.num_layers = cfg.num_layers
        self.resolution = cfg.resolution
        self.layers = []
        for i in range(cfg.num_layers):
            b = i // 2
            res, ch = 4 * 2 ** b, cfg.channels[b]
            what = ("const" if b == 0 else "upsample conv") if i % 2 == 0 else "conv"
            self.layers.append(LayerInfo(i, f"{res}×{res} {what} ({ch} ch)", res, ch))

    @property
    def resolutions(self) -> list[int]:
        """Resolutions `synthesize(max_resolution=…)` can stop at (one per ToRGB)."""
        return [4 * 2 ** b for b in range(self.net.cfg.num_blocks)]

    def modules(self) -> list[nn.Module]:
        return [self.net]

    @property
    def w_avg(self) -> torch.Tensor:
        return self.net.truncation.w_avg

    def codes(self, z, truncation_psi=1.0, truncation_layers=None, c=None) -> torch.Tensor:
        z = self._as_tensor(z)
        with torch.inference_mode():
            w = self.net.mapping(z)
        wp = w.unsqueeze(1).repeat(1, self.num_layers, 1)
        if truncation_psi != 1.0:
            n = self.num_layers if truncation_layers is None else max(0, min(int(truncation_layers),
                                                                             self.num_layers))
            avg = self.w_avg.view(1, 1, -1)
            wp[:, :n] = avg + (wp[:, :n] - avg) * float(truncation_psi)
        return wp.clone()

    def _num_blocks(self, nb: int | None) -> int:
        return self.net.cfg.num_blocks if nb is None else nb

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        nb = self._num_blocks(blocks_for(self.resolution, max_resolution))
        return self._finish(codes, (None, None), 0, noise_mode, nb)

    def _prefix_state(self, codes, row, noise_mode, nb):
        nb = self._num_blocks(nb)
        return self.net.synthesis.run(codes, (None, None), 0, min(row, 2 * nb), nb, noise_mode)

    def _prefix_usable(self, row: int, nb: int) -> bool:
        # The early exit must not stop before the prefix's layers; a fractional lod makes the
        # cached image depend on the depth, so then only full-depth renders may reuse it.
        return row <= 2 * nb and float(self.net.synthesis.lod) == 0.0

    def _finish(self, codes, state, row, noise_mode, nb):
        nb = self._num_blocks(nb)
        _, image = self.net.synthesis.run(codes, state, min(row, 2 * nb), 2 * nb, nb, noise_mode)
        assert image is not None
        return torch.tanh(image) if self.net.cfg.final_tanh else image

    def selector_weight(self, layers=None, compat=None) -> torch.Tensor:
        rows = self.check_layers(layers)
        return torch.cat([self.net.synthesis.layer(i).style.weight.detach().float() for i in rows])
