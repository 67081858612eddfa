"""BigGAN-deep generator in the pytorch-pretrained-biggan layout (state-dict keys and float behaviour).

cond = [z, embeddings(class vector)] feeds the first linear layer `gen_z` and the scale/offset projections
of every conditional BatchNorm. Weights are spectral-normalized with the *stored* power-iteration vectors
(eval behaviour: σ = u·(W v), no further iteration), and every BatchNorm picks its statistics from
n_stats rows indexed by the truncation value, reproducing the reference's (reversed) interpolation.
See docs/biggan.md.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from .. import budget
from ..base import BaseGanModel, LayerInfo
from ..bounds import check_biggan_config
from ..errors import ModelLoadError
from .loading import load_strict


@dataclass(frozen=True)
class BigGANConfig:
    """The fields of pytorch-pretrained-biggan's config.json that shape the network."""

    output_dim: int
    z_dim: int
    channel_width: int
    num_classes: int
    layers: tuple[tuple[bool, int, int], ...]  # (upsample, in multiplier, out multiplier) per GenBlock
    attention_layer_position: int
    eps: float = 1e-4
    n_stats: int = 51
    class_names: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> BigGANConfig:
        try:
            layers = tuple((bool(u), int(a), int(b)) for u, a, b in data["layers"])
            names = data.get("class_names") or ()
            return cls(
                output_dim=int(data["output_dim"]), z_dim=int(data["z_dim"]),
                channel_width=int(data["channel_width"]), num_classes=int(data["num_classes"]),
                layers=layers, attention_layer_position=int(data["attention_layer_position"]),
                eps=float(data.get("eps", 1e-4)), n_stats=int(data.get("n_stats", 51)),
                class_names=tuple(str(n) for n in names),
            )
        except (KeyError, TypeError, ValueError) as e:
            raise ModelLoadError(f"BigGAN config.json is incomplete or malformed ({type(e).__name__}: {e})") from None

    @property
    def resolution(self) -> int:
        return 4 * 2 ** sum(1 for up, _, _ in self.layers if up)


# -- spectral norm (eval) -------------------------------------------------------------------------

class _SpectralNormed(nn.Module):
    """Holds weight_orig / weight_u / weight_v as the reference stores them; weight = W / (u·(W v))."""

    def __init__(self, shape: tuple[int, ...], bias: bool) -> None:
        super().__init__()
        self.weight_orig = nn.Parameter(torch.zeros(shape), requires_grad=False)
        self.register_buffer("weight_u", torch.zeros(shape[0]))
        self.register_buffer("weight_v", torch.zeros(math.prod(shape[1:])))
        self.bias = nn.Parameter(torch.zeros(shape[0]), requires_grad=False) if bias else None

    @property
    def weight(self) -> torch.Tensor:
        w = self.weight_orig
        # Same op order as torch.nn.utils.spectral_norm in eval mode (float32 dot of u and W v).
        sigma = torch.dot(self.weight_u, torch.mv(w.reshape(w.shape[0], -1), self.weight_v))
        return w / sigma


class SNLinear(_SpectralNormed):
    def __init__(self, cin: int, cout: int, bias: bool = True) -> None:
        super().__init__((cout, cin), bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.linear(x, self.weight, self.bias)


class SNConv2d(_SpectralNormed):
    def __init__(self, cin: int, cout: int, k: int, bias: bool = True) -> None:
        super().__init__((cout, cin, k, k), bias)
        self.padding = k // 2

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return F.conv2d(x, self.weight, self.bias, padding=self.padding)


# -- batch norm with truncation-indexed statistics -------------------------------------------------

def stats_row(truncation: float, n_stats: int) -> tuple[int, float]:
    """(row index i, weight of row i) exactly as the reference computes them in Python floats.

    The reference uses mean = row[i]·frac + row[i+1]·(1 − frac) with frac, i = modf(t / step): the weights
    are the reverse of ordinary interpolation, and float error puts e.g. t = 0.58 on row 28. Copied on purpose.
    """
    frac, start = math.modf(truncation / (1.0 / (n_stats - 1)))
    return int(start), frac


class ConditionalBN(nn.Module):
    def __init__(self, channels: int, cond_dim: int, n_stats: int, eps: float, conditional: bool = True) -> None:
        super().__init__()
        self.eps = eps
        self.conditional = conditional
        self.register_buffer("running_means", torch.zeros(n_stats, channels))
        self.register_buffer("running_vars", torch.ones(n_stats, channels))
        if conditional:
            self.scale = SNLinear(cond_dim, channels, bias=False)
            self.offset = SNLinear(cond_dim, channels, bias=False)
        else:
            self.weight = nn.Parameter(torch.ones(channels), requires_grad=False)
            self.bias = nn.Parameter(torch.zeros(channels), requires_grad=False)

    def statistics(self, truncation: float) -> tuple[torch.Tensor, torch.Tensor]:
        i, frac = stats_row(truncation, self.running_means.shape[0])
        if frac != 0.0:
            mean = self.running_means[i] * frac + self.running_means[i + 1] * (1 - frac)
            var = self.running_vars[i] * frac + self.running_vars[i + 1] * (1 - frac)
        else:
            mean, var = self.running_means[i], self.running_vars[i]
        return mean, var

    def forward(self, x: torch.Tensor, truncation: float, cond: torch.Tensor | None = None) -> torch.Tensor:
        mean, var = self.statistics(truncation)
        if not self.conditional:
            return F.batch_norm(x, mean, var, self.weight, self.bias, training=False, momentum=0.0, eps=self.eps)
        assert cond is not None
        mean = mean[None, :, None, None]
        var = var[None, :, None, None]
        gain = 1 + self.scale(cond)[:, :, None, None]
        shift = self.offset(cond)[:, :, None, None]
        return (x - mean) / torch.sqrt(var + self.eps) * gain + shift


class GenBlock(nn.Module):
    """Bottleneck residual block: 4 × (cBN → ReLU → conv) with a channel-dropping, upsampling skip."""

    def __init__(self, cin: int, cout: int, cond_dim: int, up: bool, n_stats: int, eps: float) -> None:
        super().__init__()
        mid = cin // 4
        self.up = up
        self.cin, self.cout = cin, cout
        self.bn_0 = ConditionalBN(cin, cond_dim, n_stats, eps)
        self.conv_0 = SNConv2d(cin, mid, 1)
        self.bn_1 = ConditionalBN(mid, cond_dim, n_stats, eps)
        self.conv_1 = SNConv2d(mid, mid, 3)
        self.bn_2 = ConditionalBN(mid, cond_dim, n_stats, eps)
        self.conv_2 = SNConv2d(mid, mid, 3)
        self.bn_3 = ConditionalBN(mid, cond_dim, n_stats, eps)
        self.conv_3 = SNConv2d(mid, cout, 1)

    def bns(self) -> list[ConditionalBN]:
        return [self.bn_0, self.bn_1, self.bn_2, self.bn_3]

    def forward(self, x: torch.Tensor, cond: torch.Tensor, truncation: float) -> torch.Tensor:
        h = self.conv_0(F.relu(self.bn_0(x, truncation, cond)))
        h = F.relu(self.bn_1(h, truncation, cond))
        if self.up:
            h = F.interpolate(h, scale_factor=2, mode="nearest")
        h = self.conv_1(h)
        h = self.conv_2(F.relu(self.bn_2(h, truncation, cond)))
        h = self.conv_3(F.relu(self.bn_3(h, truncation, cond)))
        skip = x[:, : x.shape[1] // 2] if self.cin != self.cout else x
        if self.up:
            skip = F.interpolate(skip, scale_factor=2, mode="nearest")
        return h + skip


class SelfAttention(nn.Module):
    """SAGAN attention with 2×2 max-pooled keys/values and a learned residual gain `gamma`."""

    def __init__(self, ch: int) -> None:
        super().__init__()
        self.snconv1x1_theta = SNConv2d(ch, ch // 8, 1, bias=False)
        self.snconv1x1_phi = SNConv2d(ch, ch // 8, 1, bias=False)
        self.snconv1x1_g = SNConv2d(ch, ch // 2, 1, bias=False)
        self.snconv1x1_o_conv = SNConv2d(ch // 2, ch, 1, bias=False)
        self.gamma = nn.Parameter(torch.zeros(1), requires_grad=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        n, ch, h, w = x.shape
        theta = self.snconv1x1_theta(x).reshape(n, ch // 8, h * w)
        phi = F.max_pool2d(self.snconv1x1_phi(x), 2).reshape(n, ch // 8, h * w // 4)
        attn = torch.softmax(torch.bmm(theta.transpose(1, 2), phi), dim=-1)  # (n, hw, hw/4)
        g = F.max_pool2d(self.snconv1x1_g(x), 2).reshape(n, ch // 2, h * w // 4)
        out = torch.bmm(g, attn.transpose(1, 2)).reshape(n, ch // 2, h, w)
        return x + self.gamma * self.snconv1x1_o_conv(out)


class Generator(nn.Module):
    def __init__(self, cfg: BigGANConfig) -> None:
        super().__init__()
        ch = cfg.channel_width
        cond_dim = 2 * cfg.z_dim  # [z, class embedding (z_dim)]
        self.ch = ch
        self.gen_z = SNLinear(cond_dim, 4 * 4 * 16 * ch)
        layers: list[nn.Module] = []
        for i, (up, a, b) in enumerate(cfg.layers):
            if i == cfg.attention_layer_position:
                layers.append(SelfAttention(ch * a))
            layers.append(GenBlock(ch * a, ch * b, cond_dim, up, cfg.n_stats, cfg.eps))
        self.layers = nn.ModuleList(layers)
        self.bn = ConditionalBN(ch, cond_dim, cfg.n_stats, cfg.eps, conditional=False)
        self.conv_to_rgb = SNConv2d(ch, ch, 3)

    def forward(self, cond: torch.Tensor, truncation: float) -> torch.Tensor:
        x = self.gen_z(cond)
        # gen_z's output is laid out (4, 4, C) as in the TF original.
        x = x.reshape(-1, 4, 4, 16 * self.ch).permute(0, 3, 1, 2).contiguous()
        for layer in self.layers:
            x = layer(x, cond, truncation) if isinstance(layer, GenBlock) else layer(x)
        x = self.conv_to_rgb(F.relu(self.bn(x, truncation)))
        return torch.tanh(x[:, :3])


class BigGANNet(nn.Module):
    def __init__(self, cfg: BigGANConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.embeddings = nn.Linear(cfg.num_classes, cfg.z_dim, bias=False)
        self.embeddings.weight.requires_grad_(False)
        self.generator = Generator(cfg)

    def forward(self, z: torch.Tensor, class_vector: torch.Tensor, truncation: float) -> torch.Tensor:
        cond = torch.cat([z, self.embeddings(class_vector)], dim=1)
        return self.generator(cond, truncation)

    def blocks(self) -> list[GenBlock]:
        return [m for m in self.generator.layers if isinstance(m, GenBlock)]


BIGGAN_KEYS = ("embeddings.weight", "generator.gen_z.weight_orig", "generator.conv_to_rgb.weight_orig")


def is_biggan_state(obj: Any) -> bool:
    return isinstance(obj, Mapping) and all(isinstance(obj.get(k), torch.Tensor) for k in BIGGAN_KEYS)


def build_biggan(state: Mapping[str, torch.Tensor], cfg: BigGANConfig) -> BigGANNet:
    """Build and strictly load the network (errors name the key and the shape expected)."""
    if cfg.attention_layer_position > len(cfg.layers) or not cfg.layers:
        raise ModelLoadError(f"BigGAN config: attention_layer_position {cfg.attention_layer_position} "
                             f"is outside the {len(cfg.layers)} layers")
    check_biggan_config(cfg)
    if budget.current() is not None:
        with torch.device("meta"):  # what the config would allocate, before allocating it
            budget.check_net(BigGANNet(cfg), "the BigGAN network its config.json describes")
    net = BigGANNet(cfg)
    load_strict(net, state)
    return net.eval()


# -- the GanModel ---------------------------------------------------------------------------------

class BigGANModel(BaseGanModel):
    """Class-conditional BigGAN-deep. Codes are [z, c] (n, z_dim + num_classes); directions move z only.

    * `sample_z(n, seed, truncation_psi=1.0)`: truncated normal on [−2, 2] times ψ (the reference's
      `truncated_noise_sample`), reproducible from the seed.
    * `codes(z, c=...)`: z as given, c a one-hot/soft class vector (n, num_classes) or class indices (n,);
      c=None uses `default_class`.
    * `synthesize(codes, truncation_psi=ψ)`: ψ in (0, 1] picks the BN-statistics row (None → 1.0).
    * `latent_dim` is z_dim: a direction of length z_dim is added to the leading z part of the code
      (core.editing.apply_edits) and the class part never moves.
    * Layers for the factorization: 0 = gen_z, 1.. = the conditional-BN projections of each GenBlock
      (their z columns). Every selection edits the same z; the layer picks which weights define "change".
    """

    family = "biggan"
    edit_space = "z"

    def __init__(self, net: BigGANNet, name: str, source: str = "") -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        cfg = net.cfg
        self.cfg = cfg
        self.name = name
        self.source = source or name
        self.z_dim = cfg.z_dim
        self.w_dim = None
        self.num_classes = cfg.num_classes
        self.class_names: list[str] = list(cfg.class_names)
        self.resolution = cfg.resolution
        ch = cfg.channel_width
        self.layers = [LayerInfo(0, f"gen_z: [z, class] → 4×4 ({16 * ch} ch)", 4, 16 * ch)]
        res = 4
        for b, block in enumerate(net.blocks()):
            res_out = res * 2 if block.up else res
            self.layers.append(LayerInfo(b + 1, f"block {b}: conditional BN {block.cin}→{block.cout} ch @ {res_out}px",
                                         res_out, block.cin))
            res = res_out
        self.num_layers = len(self.layers)

    def modules(self) -> list[nn.Module]:
        return [self.net]

    @property
    def code_shape(self) -> tuple[int, ...]:
        return (self.z_dim + self.num_classes,)

    @property
    def latent_dim(self) -> int:
        return self.z_dim

    def sample_z(self, n: int, seed: int = 0, truncation_psi: float = 1.0) -> torch.Tensor:
        """(n, z_dim): truncnorm(−2, 2)·ψ by inverse CDF (deterministic per seed on every device)."""
        gen = torch.Generator().manual_seed(int(seed))
        lo = 0.5 * math.erfc(2.0 / math.sqrt(2.0))  # Φ(−2)
        u = torch.rand(n, self.z_dim, generator=gen, dtype=torch.float64) * (1.0 - 2.0 * lo) + lo
        z = torch.special.ndtri(u).clamp(-2.0, 2.0)
        return (z * float(truncation_psi)).to(torch.float32)

    def sample_codes(self, n: int, seed: int = 0, truncation_psi: float = 1.0,
                     truncation_layers: int | None = None, c: Any = None) -> torch.Tensor:
        """BigGAN truncates by drawing z from the truncated normal scaled by ψ (and by the BN row
        `synthesize(truncation_psi=ψ)` picks)."""
        return self.codes(self.sample_z(n, seed=seed, truncation_psi=truncation_psi), c=c)

    def codes(self, z, truncation_psi=1.0, truncation_layers=None, c=None) -> torch.Tensor:
        z = self._as_tensor(z)
        if z.ndim != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"z must have shape (n, {self.z_dim}), got {tuple(z.shape)}")
        return torch.cat([z, self.class_vector(c, z.shape[0])], dim=1)

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        psi = 1.0 if truncation_psi is None else float(truncation_psi)
        if not 0.0 < psi <= 1.0:
            raise ValueError(f"BigGAN truncation must be in (0, 1], got {psi}")
        z, c = codes[:, : self.z_dim], codes[:, self.z_dim:]
        return self.net(z, c, psi)

    def selector_weight(self, layers=None, compat=None) -> torch.Tensor:
        """z columns of the spectral-normalized weights: gen_z (layer 0) and each block's BN scale/offset."""
        rows = self.check_layers(layers)
        parts = []
        with torch.no_grad():
            for r in rows:
                if r == 0:
                    mats = [self.net.generator.gen_z.weight]
                else:
                    block = self.net.blocks()[r - 1]
                    mats = [m for bn in block.bns() for m in (bn.scale.weight, bn.offset.weight)]
                parts += [w[:, : self.z_dim] for w in mats]
        return torch.cat(parts).detach().float()

    def describe(self) -> dict[str, Any]:
        out = super().describe()
        out["class_names"] = bool(self.class_names)
        return out
