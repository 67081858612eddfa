"""The project's StyleGAN2 generator (one network for every StyleGAN2 checkpoint format).

Canonical state-dict layout = NVIDIA stylegan2-ada-pytorch / stylegan3-repo `networks_stylegan2`
names, so NVIDIA pickles load 1:1 and other formats (genforce, rosinality) are renamed onto it:

    mapping.embed.weight/bias            (only when c_dim > 0)   [w_dim? embed_features, c_dim]
    mapping.fc{i}.weight/bias            i = 0..num_layers-1
    mapping.w_avg                        buffer [w_dim]
    synthesis.b4.const                   [C4, 4, 4]
    synthesis.b{r}.resample_filter       buffer [4, 4] (the normalised [1,3,3,1] outer product)
    synthesis.b{r}.conv0.*               r > 4: upsampling conv, weight [C_r, C_{r/2}, 3, 3]
    synthesis.b{r}.conv1.*               weight [C_r, C_r, 3, 3]
        .weight .bias .affine.weight [C_in, w_dim] .affine.bias [C_in]
        .noise_strength (scalar) .noise_const buffer [r, r] (when use_noise) .resample_filter buffer
    synthesis.b{r}.torgb.weight [img_channels, C_r, 1, 1] .bias .affine.weight .affine.bias
                                         (every block for 'skip', only the last for 'orig'/'resnet')
    synthesis.b{r}.skip.weight [C_r, C_{r/2}, 1, 1] .resample_filter   ('resnet', r > 4)

API for other readers:

    net = build_stylegan2(config, state)   # StyleGAN2Generator, strictly loaded, eval mode
    model = StyleGAN2Model(net, name="ffhq", source=path)   # BaseGanModel (family "stylegan2")

`config` is a plain dict; keys (defaults in brackets):
    z_dim, w_dim, img_resolution (required); c_dim [0]; img_channels [3];
    channel_base [32768]; channel_max [512]   (C_r = min(channel_base // r, channel_max));
    channels [None]: {resolution: width} for every block, overriding the formula (genforce and
    rosinality files are converted with the widths read from their shapes);
    architecture ['skip'] ('skip' | 'orig' | 'resnet'); conv_clamp [None] (NVIDIA stylegan3-repo
    default is 256, stylegan2-ada-pytorch's is None — readers must pass what the checkpoint used);
    resample_filter [[1, 3, 3, 1]]; use_noise [True];
    mapping_layers [8]; mapping_lr_multiplier [0.01]; mapping_embed_features [w_dim];
    mapping_layer_features [w_dim];
    num_fp16_res / use_fp16 / fp16_channels_last / fused_modconv_default: accepted and ignored —
    we always compute in float32 (fp16 convs are missing on CPU and gain little for inference).
`stylegan2_config_from_nvidia(init_kwargs, variant)` turns NVIDIA `G.init_kwargs` into this dict.

Rendering extras (StyleGAN2 'skip'): `net.synthesis(ws, max_resolution=r)` stops after block r and
returns the image accumulated so far (an r×r preview); `StyleGAN2Model.prefix_state(codes, row)` +
`synthesize_from(prefix, codes)` reuse the feature maps computed from rows < row, so edits on rows
≥ row only run the remaining layers (docs/nvidia-pickles.md).
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
from ..bounds import check_stylegan2_config
from ..errors import ModelLoadError
from ..interrupt import checkpoint
from . import ops
from .loading import checked_weight

ARCHITECTURES = ("skip", "orig", "resnet")


def _setup_filter(taps: list[float] | tuple[float, ...]) -> torch.Tensor:
    # On the CPU explicitly: built inside a meta-device context, arithmetic on meta tensors pulls in
    # torch._dynamo (over a second, holding the GIL) on first use.
    f = torch.as_tensor(taps, dtype=torch.float32, device="cpu")
    f = torch.outer(f, f) if f.ndim == 1 else f
    return f / f.sum()


class FullyConnected(nn.Module):
    """y = x·(W·lr/√in)ᵀ + b·lr, then activation (lrelu includes the ×√2 gain)."""

    def __init__(self, in_f: int, out_f: int, lr_multiplier: float = 1.0, activation: str = "linear",
                 bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_f, in_f))
        self.bias = nn.Parameter(torch.zeros(out_f)) if bias else None
        self.activation = activation
        self.weight_gain = lr_multiplier / math.sqrt(in_f)
        self.bias_gain = lr_multiplier

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        w = self.weight * self.weight_gain
        b = self.bias * self.bias_gain if self.bias is not None else None
        if self.activation == "linear":
            return F.linear(x, w, b)
        return ops.bias_act(F.linear(x, w), b, act=self.activation, gain=ops.SQRT2)


class MappingNetwork(nn.Module):
    def __init__(self, z_dim: int, c_dim: int, w_dim: int, num_ws: int, num_layers: int = 8,
                 lr_multiplier: float = 0.01, embed_features: int | None = None,
                 layer_features: int | None = None) -> None:
        super().__init__()
        self.z_dim, self.c_dim, self.w_dim, self.num_ws, self.num_layers = z_dim, c_dim, w_dim, num_ws, num_layers
        embed_features = (w_dim if embed_features is None else embed_features) if c_dim else 0
        layer_features = w_dim if layer_features is None else layer_features
        feats = [z_dim + embed_features] + [layer_features] * (num_layers - 1) + [w_dim]
        if c_dim:
            self.embed = FullyConnected(c_dim, embed_features)
        for i in range(num_layers):
            setattr(self, f"fc{i}", FullyConnected(feats[i], feats[i + 1], lr_multiplier, "lrelu"))
        self.register_buffer("w_avg", torch.zeros(w_dim))

    def forward(self, z: torch.Tensor, c: torch.Tensor | None, truncation_psi: float = 1.0,
                truncation_cutoff: int | None = None) -> torch.Tensor:
        parts = []
        if self.z_dim:
            parts.append(ops.normalize_2nd_moment(z))
        if self.c_dim:
            if c is None:
                raise ValueError(f"this model is conditional: pass c with shape (n, {self.c_dim})")
            parts.append(ops.normalize_2nd_moment(self.embed(c)))
        x = torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]
        for i in range(self.num_layers):
            x = getattr(self, f"fc{i}")(x)
        x = x.unsqueeze(1).repeat(1, self.num_ws, 1)
        if truncation_psi != 1:
            cut = self.num_ws if truncation_cutoff is None else int(truncation_cutoff)
            x[:, :cut] = self.w_avg.lerp(x[:, :cut], truncation_psi)
        return x


class SynthesisLayer(nn.Module):
    """Modulated 3×3 conv (optionally ×2 upsampling) + noise + bias + lrelu."""

    def __init__(self, in_ch: int, out_ch: int, w_dim: int, resolution: int, up: int = 1,
                 use_noise: bool = True, conv_clamp: float | None = None,
                 resample_filter: torch.Tensor | None = None) -> None:
        super().__init__()
        self.up, self.resolution, self.use_noise, self.conv_clamp = up, resolution, use_noise, conv_clamp
        self.in_channels, self.out_channels = in_ch, out_ch
        self.affine = FullyConnected(w_dim, in_ch)
        self.weight = nn.Parameter(torch.zeros(out_ch, in_ch, 3, 3))
        self.register_buffer("resample_filter", resample_filter.clone() if resample_filter is not None
                             else _setup_filter([1, 3, 3, 1]))
        if use_noise:
            self.register_buffer("noise_const", torch.zeros(resolution, resolution))
            self.noise_strength = nn.Parameter(torch.zeros([]))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.weight_cache = ops.WeightCache()

    def forward(self, x: torch.Tensor, w: torch.Tensor, noise_mode: str = "const", gain: float = 1.0) -> torch.Tensor:
        styles = self.affine(w)
        noise = None
        if self.use_noise and noise_mode == "random":
            noise = torch.randn(x.shape[0], 1, self.resolution, self.resolution, device=x.device) \
                * self.noise_strength
        elif self.use_noise and noise_mode == "const":
            noise = self.noise_const * self.noise_strength
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        if ops.needs_autograd(x, styles, self.weight):
            x = ops.modulated_conv2d(x, self.weight, styles, demodulate=True, padding=1, up=self.up,
                                     resample_filter=self.resample_filter, noise=noise)
            return ops.bias_act(x, self.bias, act="lrelu", gain=ops.SQRT2 * gain, clamp=clamp)
        # Inference: gain·(conv + noise + bias) from the convolution, then lrelu in place
        # (lrelu(g·z) = g·lrelu(z) for g > 0).
        x = ops.modulated_conv2d(x, self.weight, styles, demodulate=True, padding=1, up=self.up,
                                 resample_filter=self.resample_filter, noise=noise, bias=self.bias,
                                 gain=ops.SQRT2 * gain, cache=self.weight_cache.refresh(self.weight))
        F.leaky_relu(x, 0.2, inplace=True)
        return x.clamp_(-clamp, clamp) if clamp is not None and clamp >= 0 else x


class ToRGBLayer(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, w_dim: int, conv_clamp: float | None = None) -> None:
        super().__init__()
        self.conv_clamp = conv_clamp
        self.affine = FullyConnected(w_dim, in_ch)
        self.weight = nn.Parameter(torch.zeros(out_ch, in_ch, 1, 1))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.weight_gain = 1 / math.sqrt(in_ch)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w) * self.weight_gain
        if ops.needs_autograd(x, styles, self.weight):
            x = ops.modulated_conv2d(x, self.weight, styles, demodulate=False)
            return ops.bias_act(x, self.bias, clamp=self.conv_clamp)
        x = ops.modulated_conv2d(x, self.weight, styles, demodulate=False, bias=self.bias)
        clamp = self.conv_clamp
        return x.clamp_(-clamp, clamp) if clamp is not None and clamp >= 0 else x


class SkipConv(nn.Module):
    """resnet skip branch: 1×1 conv (weight/√in, no bias) with ×2 FIR upsampling."""

    def __init__(self, in_ch: int, out_ch: int, resample_filter: torch.Tensor, conv_clamp: float | None) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.zeros(out_ch, in_ch, 1, 1))
        self.register_buffer("resample_filter", resample_filter.clone())
        self.weight_gain = 1 / math.sqrt(in_ch)
        self.conv_clamp = conv_clamp

    def forward(self, x: torch.Tensor, gain: float) -> torch.Tensor:
        # 1×1 conv and the per-channel FIR commute; convolving first is cheaper when channels shrink.
        x = F.conv2d(x, self.weight * self.weight_gain)
        x = ops.upsample2d(x, self.resample_filter)
        clamp = self.conv_clamp * gain if self.conv_clamp is not None else None
        return ops.bias_act(x, None, gain=gain, clamp=clamp)


class SynthesisBlock(nn.Module):
    def __init__(self, in_ch: int, out_ch: int, w_dim: int, resolution: int, img_channels: int, is_last: bool,
                 architecture: str, conv_clamp: float | None, resample_filter: torch.Tensor,
                 use_noise: bool) -> None:
        super().__init__()
        self.resolution, self.architecture, self.in_channels = resolution, architecture, in_ch
        self.register_buffer("resample_filter", resample_filter.clone())
        if in_ch == 0:
            self.const = nn.Parameter(torch.zeros(out_ch, resolution, resolution))
        else:
            self.conv0 = SynthesisLayer(in_ch, out_ch, w_dim, resolution, up=2, use_noise=use_noise,
                                        conv_clamp=conv_clamp, resample_filter=resample_filter)
        self.conv1 = SynthesisLayer(out_ch, out_ch, w_dim, resolution, use_noise=use_noise,
                                    conv_clamp=conv_clamp, resample_filter=resample_filter)
        self.has_torgb = is_last or architecture == "skip"
        if self.has_torgb:
            self.torgb = ToRGBLayer(out_ch, img_channels, w_dim, conv_clamp=conv_clamp)
        if in_ch != 0 and architecture == "resnet":
            self.skip = SkipConv(in_ch, out_ch, resample_filter, conv_clamp)
        self.num_conv = 1 if in_ch == 0 else 2


@dataclass
class _Step:
    """One style-reading step of the synthesis, in forward order (W+ rows are non-decreasing)."""

    block: int
    kind: str  # "conv0" | "conv1" | "convs" (resnet: conv0 + conv1 + skip, one step) | "torgb"
    rows: tuple[int, ...]


class SynthesisNetwork(nn.Module):
    def __init__(self, w_dim: int, img_resolution: int, img_channels: int, channel_base: int = 32768,
                 channel_max: int = 512, architecture: str = "skip", conv_clamp: float | None = None,
                 resample_filter: list[float] | None = None, use_noise: bool = True,
                 channels: Mapping[Any, int] | None = None) -> None:
        super().__init__()
        log2 = int(math.log2(img_resolution))
        if img_resolution < 4 or 2 ** log2 != img_resolution:
            raise ModelLoadError(f"img_resolution must be a power of two ≥ 4, got {img_resolution}")
        if architecture not in ARCHITECTURES:
            raise ModelLoadError(f"unsupported StyleGAN2 architecture {architecture!r}")
        self.w_dim, self.img_resolution, self.img_channels = w_dim, img_resolution, img_channels
        self.architecture = architecture
        self.block_resolutions = [2 ** i for i in range(2, log2 + 1)]
        self.channels = {r: min(channel_base // r, channel_max) for r in self.block_resolutions}
        if channels:  # explicit widths: converted files whose widths do not follow the formula
            given = {int(r): int(c) for r, c in channels.items()}
            missing = [r for r in self.block_resolutions if r not in given]
            if missing:
                raise ModelLoadError(f"channels gives no width for resolution {missing[0]}")
            self.channels = {r: given[r] for r in self.block_resolutions}
        filt = _setup_filter(resample_filter or [1, 3, 3, 1])
        self.num_ws = 0
        for r in self.block_resolutions:
            in_ch = self.channels[r // 2] if r > 4 else 0
            block = SynthesisBlock(in_ch, self.channels[r], w_dim, r, img_channels, r == img_resolution,
                                   architecture, conv_clamp, filt, use_noise)
            self.num_ws += block.num_conv
            setattr(self, f"b{r}", block)
        self.num_ws += 1  # the last toRGB
        self.steps = self._plan()
        # NHWC feature maps (every op after the first conv keeps the layout, same numbers): faster for
        # the transposed convs alone, but measured 8-12 % slower for the whole CPU frame
        # (bench/render.py --layouts, docs/performance.md), so off; kept as a switch for other devices.
        self.channels_last = False

    def block(self, i: int) -> SynthesisBlock:
        return getattr(self, f"b{self.block_resolutions[i]}")

    def _plan(self) -> list[_Step]:
        steps, row = [], 0
        for i in range(len(self.block_resolutions)):
            blk = self.block(i)
            if blk.in_channels == 0:
                steps.append(_Step(i, "conv1", (row,)))
            elif self.architecture == "resnet":  # the skip branch joins after both convs
                steps.append(_Step(i, "convs", (row, row + 1)))
            else:  # one step per conv, so a cached prefix can stop between a block's two convs
                steps += [_Step(i, "conv0", (row,)), _Step(i, "conv1", (row + 1,))]
            row += blk.num_conv
            if blk.has_torgb:
                steps.append(_Step(i, "torgb", (row,)))
        return steps

    def run(self, ws: torch.Tensor, noise_mode: str = "const", start: int = 0,
            x: torch.Tensor | None = None, img: torch.Tensor | None = None, stop: int | None = None,
            max_resolution: int | None = None) -> tuple[torch.Tensor | None, torch.Tensor | None]:
        """Run steps [start, stop) from state (x, img); stop early after block `max_resolution`'s toRGB."""
        stop = len(self.steps) if stop is None else stop
        for s in range(start, stop):
            st = self.steps[s]
            blk = self.block(st.block)
            if max_resolution is not None and blk.resolution > max_resolution:
                break
            checkpoint()  # a caller may stop a long render between layers (models/interrupt.py)
            if st.kind == "conv1" and blk.in_channels == 0:
                x = blk.const.unsqueeze(0).expand(ws.shape[0], -1, -1, -1)
                if self.channels_last:
                    x = x.contiguous(memory_format=torch.channels_last)
                x = blk.conv1(x, ws[:, st.rows[0]], noise_mode)
            elif st.kind == "convs":
                y = blk.skip(x, gain=math.sqrt(0.5))
                x = blk.conv0(x, ws[:, st.rows[0]], noise_mode)
                x = blk.conv1(x, ws[:, st.rows[1]], noise_mode, gain=math.sqrt(0.5))
                x = y + x
            elif st.kind == "conv0":
                x = blk.conv0(x, ws[:, st.rows[0]], noise_mode)
            elif st.kind == "conv1":
                x = blk.conv1(x, ws[:, st.rows[0]], noise_mode)
            else:
                if img is not None:
                    img = ops.upsample2d(img, blk.resample_filter)
                y = blk.torgb(x, ws[:, st.rows[0]])
                img = y if img is None else img + y
        return x, img

    def forward(self, ws: torch.Tensor, noise_mode: str = "const", max_resolution: int | None = None) -> torch.Tensor:
        if max_resolution is not None and self.architecture != "skip":
            # Only 'skip' has intermediate RGB outputs: render fully and downsample the result.
            img = self.run(ws, noise_mode)[1]
            assert img is not None
            return F.interpolate(img, size=(max_resolution, max_resolution), mode="area").contiguous() \
                if max_resolution < self.img_resolution else img.contiguous()
        img = self.run(ws, noise_mode, max_resolution=max_resolution)[1]
        assert img is not None
        return img.contiguous()


class StyleGAN2Generator(nn.Module):
    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        cfg = dict(config)
        self.config = cfg
        self.z_dim, self.w_dim = int(cfg["z_dim"]), int(cfg["w_dim"])
        self.c_dim = int(cfg.get("c_dim", 0) or 0)
        self.img_resolution = int(cfg["img_resolution"])
        self.img_channels = int(cfg.get("img_channels", 3))
        clamp = cfg.get("conv_clamp")
        self.synthesis = SynthesisNetwork(
            self.w_dim, self.img_resolution, self.img_channels,
            channel_base=int(cfg.get("channel_base", 32768)), channel_max=int(cfg.get("channel_max", 512)),
            architecture=str(cfg.get("architecture", "skip")),
            conv_clamp=float(clamp) if clamp is not None else None,
            resample_filter=cfg.get("resample_filter"), use_noise=bool(cfg.get("use_noise", True)),
            channels=cfg.get("channels"))
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(
            self.z_dim, self.c_dim, self.w_dim, self.num_ws, num_layers=int(cfg.get("mapping_layers", 8)),
            lr_multiplier=float(cfg.get("mapping_lr_multiplier", 0.01)),
            embed_features=cfg.get("mapping_embed_features"), layer_features=cfg.get("mapping_layer_features"))

    def affines(self) -> list[tuple[str, int, str, FullyConnected]]:
        """Every style affine in ws order: (name, ws row, kind 'conv'|'torgb'|'torgb_last', module)."""
        out = []
        syn = self.synthesis
        for st in syn.steps:
            blk = syn.block(st.block)
            if st.kind in ("conv0", "conv1", "convs"):
                names = ["conv0", "conv1"] if st.kind == "convs" else [st.kind]
                for nm, row in zip(names, st.rows, strict=True):
                    out.append((f"synthesis.b{blk.resolution}.{nm}.affine", row, "conv", getattr(blk, nm).affine))
            else:
                kind = "torgb_last" if blk.resolution == syn.img_resolution else "torgb"
                out.append((f"synthesis.b{blk.resolution}.torgb.affine", st.rows[0], kind, blk.torgb.affine))
        return out


def stylegan2_config_from_nvidia(init_kwargs: Mapping[str, Any], variant: str) -> dict[str, Any]:
    """Our config dict from NVIDIA `G.init_kwargs`. variant: 'ada' (stylegan2-ada-pytorch, nested
    synthesis_kwargs) or 'sg3repo' (stylegan3 repo networks_stylegan2, flat kwargs)."""
    kw = dict(init_kwargs)
    syn = dict(kw.get("synthesis_kwargs") or {}) if variant == "ada" else kw
    mk = dict(kw.get("mapping_kwargs") or {})
    known_map = {"num_layers", "lr_multiplier", "embed_features", "layer_features", "w_avg_beta", "activation",
                 "num_ws"}
    if set(mk) - known_map:
        raise ModelLoadError(f"unsupported mapping option(s): {', '.join(sorted(set(mk) - known_map))}")
    if mk.get("activation", "lrelu") != "lrelu":
        raise ModelLoadError(f"unsupported mapping activation {mk['activation']!r}")
    for key in ("activation",):
        if syn.get(key, "lrelu") != "lrelu":
            raise ModelLoadError(f"unsupported synthesis {key} {syn[key]!r}")
    cfg: dict[str, Any] = {
        "z_dim": int(kw["z_dim"]), "w_dim": int(kw["w_dim"]), "c_dim": int(kw.get("c_dim", 0) or 0),
        "img_resolution": int(kw["img_resolution"]), "img_channels": int(kw.get("img_channels", 3)),
        "channel_base": int(syn.get("channel_base", 32768)), "channel_max": int(syn.get("channel_max", 512)),
        "architecture": str(syn.get("architecture", "skip")),
        "conv_clamp": syn.get("conv_clamp", None if variant == "ada" else 256),
        "resample_filter": list(syn.get("resample_filter", [1, 3, 3, 1])),
        "use_noise": bool(syn.get("use_noise", True)),
        "mapping_layers": int(mk.get("num_layers", 8)),
        "mapping_lr_multiplier": float(mk.get("lr_multiplier", 0.01)),
        "mapping_embed_features": mk.get("embed_features"),
        "mapping_layer_features": mk.get("layer_features"),
        "num_fp16_res": int(syn.get("num_fp16_res", 0 if variant == "ada" else 4)),
    }
    return cfg


def build_stylegan2(config: Mapping[str, Any], state: Mapping[str, torch.Tensor]) -> StyleGAN2Generator:
    """Build from a config dict (keys in the module docstring) and strictly load `state` (canonical names)."""
    check_stylegan2_config(config)
    try:
        with torch.device("meta"):  # no memory is allocated for weights we are about to replace
            net = StyleGAN2Generator(config)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        raise ModelLoadError(f"bad StyleGAN2 configuration: {type(e).__name__}: {e}") from None
    budget.check_net(net, "the StyleGAN2 network its config describes")
    load_assign(net, state)
    return net.eval().requires_grad_(False)


def load_assign(net: nn.Module, state: Mapping[str, torch.Tensor]) -> None:
    """Strict load (errors name the key and expected shape) that adopts the given tensors instead of
    copying them into freshly allocated ones; `net` may live on the meta device."""
    expected = net.state_dict()
    load_strict_check(expected, state)
    net.load_state_dict({k: checked_weight(k, state[k], v.dtype).contiguous() for k, v in expected.items()},
                        strict=True, assign=True)


def load_strict_check(expected: Mapping[str, torch.Tensor], state: Mapping[str, torch.Tensor]) -> None:
    missing = [k for k in expected if k not in state]
    if missing:
        raise ModelLoadError(f"checkpoint is missing key '{missing[0]}' "
                             f"(expected shape {tuple(expected[missing[0]].shape)})")
    for k, v in expected.items():
        if not isinstance(state[k], torch.Tensor) or tuple(state[k].shape) != tuple(v.shape):
            got = tuple(state[k].shape) if isinstance(state[k], torch.Tensor) else type(state[k]).__name__
            raise ModelLoadError(f"key '{k}' has shape {got}, expected {tuple(v.shape)}")
    unexpected = [k for k in state if k not in expected]
    if unexpected:
        raise ModelLoadError(f"checkpoint has unexpected key '{unexpected[0]}'")


@dataclass
class SynthesisPrefix:
    """Feature maps computed from W+ rows < `row`; resume with StyleGAN2Model.synthesize_from."""

    row: int
    step: int
    codes_head: torch.Tensor  # codes[:, :row], to check the prefix still applies
    noise_mode: str
    x: torch.Tensor | None
    img: torch.Tensor | None


class NvidiaStyleModel(BaseGanModel):
    """What StyleGAN2 and StyleGAN3 models share: an NVIDIA-layout generator whose mapping network
    gives W+ codes (n, num_ws, w_dim). Subclasses add layers, synthesis and selectors."""

    edit_space = "w"

    def __init__(self, net: Any, name: str, source: str = "") -> None:
        super().__init__()
        self.net = net.eval().requires_grad_(False)
        self.name, self.source = name, source or name
        self.z_dim, self.w_dim, self.num_classes = net.z_dim, net.w_dim, net.c_dim
        self.num_layers = net.num_ws
        self.resolution = net.img_resolution

    def modules(self) -> list[nn.Module]:
        return [self.net]

    def codes(self, z: torch.Tensor, truncation_psi: float = 1.0, truncation_layers: int | None = None,
              c: Any = None) -> torch.Tensor:
        """W+ codes of z; for a conditional model (StyleGAN2-ADA's CIFAR-10, say) `c` is a class index,
        indices or class vectors, and None renders `default_class` (0), as BigGAN does: the app and
        `--class` choose another."""
        z = self._as_tensor(z)
        cc = self.class_vector(c, z.shape[0]) if self.num_classes else None
        with torch.inference_mode():
            return self.net.mapping(z, cc, truncation_psi, truncation_layers)


class StyleGAN2Model(NvidiaStyleModel):
    """GanModel over StyleGAN2Generator. Codes are W+ (n, num_ws, w_dim)."""

    family = "stylegan2"

    def __init__(self, net: StyleGAN2Generator, name: str, source: str = "") -> None:
        super().__init__(net, name, source)
        self.architecture = net.synthesis.architecture
        self.layers = self._layer_infos()

    def _layer_infos(self) -> list[LayerInfo]:
        per_row: dict[int, list[tuple[str, int, str, FullyConnected]]] = {}
        for a in self.net.affines():
            per_row.setdefault(a[1], []).append(a)
        infos = []
        for row in range(self.num_layers):
            affs = per_row[row]
            conv = next((a for a in affs if a[2] == "conv"), affs[0])
            res = int(conv[0].split(".")[1][1:])
            parts = [a[0].split(".")[1] + "." + a[0].split(".")[2] for a in affs]
            infos.append(LayerInfo(row, f"w{row}: {' + '.join(parts)}", res, int(conv[3].weight.shape[0])))
        return infos

    def _synthesize(self, codes: torch.Tensor, noise_mode: str, truncation_psi: float | None,
                    max_resolution: int | None) -> torch.Tensor:
        return self.net.synthesis(codes, noise_mode, self._check_res(max_resolution))

    def _check_res(self, max_resolution: int | None) -> int | None:
        if max_resolution is None or max_resolution >= self.resolution:
            return None
        if max_resolution not in self.net.synthesis.block_resolutions:
            raise ValueError(f"max_resolution must be one of {self.net.synthesis.block_resolutions}")
        return int(max_resolution)

    def cost_profile(self) -> dict[int, float]:
        """Multiply-adds of one frame up to each block resolution (its toRGB included): what an early
        exit at that resolution costs, for planning draft resolutions (gui/render_plan.py)."""
        syn = self.net.synthesis
        total, out = 0.0, {}
        for r in syn.block_resolutions:
            blk = syn.block(syn.block_resolutions.index(r))
            c = syn.channels[r]
            if blk.in_channels:  # transposed conv at the input size, its 4×4 FIR, the image's FIR
                total += blk.in_channels * c * 9 * (r // 2) ** 2 + (c + syn.img_channels) * 16 * r * r
            total += c * c * 9 * r * r + c * syn.img_channels * r * r  # conv1, toRGB
            total += syn.w_dim * (blk.in_channels + 2 * c)  # the style affines
            out[r] = total
        return out

    # -- prefix reuse ----------------------------------------------------------------------------
    def prefix_state(self, codes: torch.Tensor, row: int, noise_mode: str = "const") -> SynthesisPrefix:
        """Run every step that reads only rows < `row`; edits of rows ≥ `row` can resume from it."""
        codes = self._as_tensor(codes)
        syn = self.net.synthesis
        stop = next((i for i, st in enumerate(syn.steps) if max(st.rows) >= row), len(syn.steps))
        with torch.inference_mode():
            x, img = syn.run(codes, noise_mode, stop=stop)
        return SynthesisPrefix(int(row), stop, codes[:, :row].clone(), noise_mode, x, img)

    def synthesize_from(self, prefix: SynthesisPrefix, codes: torch.Tensor,
                        max_resolution: int | None = None) -> torch.Tensor:
        """Finish the synthesis of `codes` from `prefix`; rows < prefix.row must be unchanged."""
        codes = self._as_tensor(codes)
        if codes.shape[0] != prefix.codes_head.shape[0] or \
                not torch.equal(codes[:, :prefix.row], prefix.codes_head):
            raise ValueError(f"codes differ from the prefix's codes on rows < {prefix.row}")
        if prefix.noise_mode == "random":
            raise ValueError("a prefix computed with random noise cannot be resumed reproducibly")
        with torch.inference_mode():
            res = self._check_res(max_resolution)
            _, img = self.net.synthesis.run(codes, prefix.noise_mode, start=prefix.step, x=prefix.x,
                                            img=prefix.img, max_resolution=res)
        assert img is not None
        if res is not None and img.shape[-1] > res:  # the prefix already ran past `res`
            img = F.interpolate(img, size=(res, res), mode="area")
        return img.contiguous()

    # -- SeFa --------------------------------------------------------------------------------------
    def selector_weight(self, layers: list[int] | None = None, compat: str | None = None) -> torch.Tensor:
        """Raw affine weights reading the rows: all of them (conv + toRGB) by default; with
        compat='genforce' the conv affines plus only the final toRGB (the official selection);
        compat='rosinality' the conv affines plus only the first (4×4) toRGB, as rosinality's
        closed_form_factorization.py stacks them (it skips `to_rgbs.*` but keeps `to_rgb1`)."""
        rows = set(self.check_layers(layers))
        if compat not in (None, "genforce", "rosinality"):
            raise ValueError(f"unknown compat mode {compat!r}")
        first_rgb = f"synthesis.b{self.net.synthesis.block_resolutions[0]}.torgb.affine"

        def keep(name: str, kind: str) -> bool:
            if compat == "genforce":
                return kind != "torgb"
            if compat == "rosinality":
                return kind == "conv" or name == first_rgb
            return True

        mats = [m.weight.detach().float() for name, row, kind, m in self.net.affines()
                if row in rows and keep(name, kind)]
        if not mats:
            return torch.zeros(0, self.w_dim or 0)
        return torch.cat(mats, dim=0)
