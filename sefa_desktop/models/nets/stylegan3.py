"""StyleGAN3 (configs T and R) in pure torch, with NVIDIA's state-dict names.

    mapping.*                              as StyleGAN2 (2 layers by default)
    synthesis.input.weight [C0, C0]        .affine (w → 4: rotation cos/sin, translation x/y)
    synthesis.input.transform/freqs/phases buffers
    synthesis.L{i}_{size}_{channels}.weight/bias/affine.*   i = 0..num_layers (the last is toRGB)
        .magnitude_ema (scalar) .up_filter / .down_filter (1-D Kaiser, 2-D radial, or absent)

W+ rows: 0 → input.affine, i + 1 → L{i}. The per-layer schedule (sizes, sampling rates, cutoffs,
channels) is recomputed from the config exactly as NVIDIA does; the filters themselves are loaded
from the checkpoint (they are persistent buffers), so no filter design code is needed here.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .. import budget
from ..base import LayerInfo
from ..bounds import check_stylegan3_config
from ..errors import ModelLoadError
from ..interrupt import checkpoint
from . import ops
from .stylegan2 import FullyConnected, MappingNetwork, NvidiaStyleModel, load_assign


class SynthesisInput(nn.Module):
    def __init__(self, w_dim: int, channels: int, size: int, sampling_rate: float, bandwidth: float) -> None:
        super().__init__()
        self.channels, self.size, self.sampling_rate, self.bandwidth = channels, size, sampling_rate, bandwidth
        self.affine = FullyConnected(w_dim, 4)
        self.weight = nn.Parameter(torch.zeros(channels, channels))
        self.register_buffer("transform", torch.eye(3, device="cpu"))  # eye on meta imports dynamo
        self.register_buffer("freqs", torch.zeros(channels, 2))
        self.register_buffer("phases", torch.zeros(channels))

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        n = w.shape[0]
        t = self.affine(w)
        t = t / t[:, :2].norm(dim=1, keepdim=True)  # (cos, sin, tx, ty)
        rot = torch.eye(3, device=w.device).repeat(n, 1, 1)
        rot[:, 0, 0], rot[:, 0, 1], rot[:, 1, 0], rot[:, 1, 1] = t[:, 0], -t[:, 1], t[:, 1], t[:, 0]
        tra = torch.eye(3, device=w.device).repeat(n, 1, 1)
        tra[:, 0, 2], tra[:, 1, 2] = -t[:, 2], -t[:, 3]
        m = rot @ tra @ self.transform.unsqueeze(0)
        freqs = self.freqs.unsqueeze(0)
        phases = self.phases.unsqueeze(0) + (freqs @ m[:, :2, 2:]).squeeze(2)
        freqs = freqs @ m[:, :2, :2]  # [N, C, 2]
        amp = (1 - (freqs.norm(dim=2) - self.bandwidth) / (self.sampling_rate / 2 - self.bandwidth)).clamp(0, 1)
        # pixel-centre coordinates in units of the sampling grid (affine_grid, align_corners=False)
        s = self.size
        coords = (torch.arange(s, device=w.device, dtype=torch.float32) + 0.5 - s / 2) / self.sampling_rate
        gy, gx = torch.meshgrid(coords, coords, indexing="ij")
        grid = torch.stack([gx, gy], dim=-1)  # [H, W, 2]
        x = torch.einsum("hwk,nck->nhwc", grid, freqs) + phases[:, None, None, :]
        x = torch.sin(x * (2 * math.pi)) * amp[:, None, None, :]
        x = x @ (self.weight / math.sqrt(self.channels)).t()
        return x.permute(0, 3, 1, 2)


class SynthesisLayer3(nn.Module):
    def __init__(self, w_dim: int, is_torgb: bool, in_ch: int, out_ch: int, in_size: int, out_size: int,
                 in_sr: float, out_sr: float, critically_sampled: bool, conv_kernel: int, filter_size: int,
                 lrelu_upsampling: int, use_radial_filters: bool, conv_clamp: float | None) -> None:
        super().__init__()
        self.is_torgb, self.in_channels, self.out_channels = is_torgb, in_ch, out_ch
        self.in_size, self.out_size = in_size, out_size
        self.conv_kernel = 1 if is_torgb else conv_kernel
        self.conv_clamp = conv_clamp
        self.affine = FullyConnected(w_dim, in_ch)
        self.weight = nn.Parameter(torch.zeros(out_ch, in_ch, self.conv_kernel, self.conv_kernel))
        self.bias = nn.Parameter(torch.zeros(out_ch))
        self.register_buffer("magnitude_ema", torch.ones([]))
        tmp_sr = max(in_sr, out_sr) * (1 if is_torgb else lrelu_upsampling)
        self.up = int(np.rint(tmp_sr / in_sr))
        self.down = int(np.rint(tmp_sr / out_sr))
        up_taps = filter_size * self.up if self.up > 1 and not is_torgb else 1
        down_taps = filter_size * self.down if self.down > 1 and not is_torgb else 1
        radial = use_radial_filters and not critically_sampled
        self.register_buffer("up_filter", torch.zeros(up_taps) if up_taps > 1 else None)
        self.register_buffer("down_filter", (torch.zeros(down_taps, down_taps) if radial else torch.zeros(down_taps))
                             if down_taps > 1 else None)
        pad_total = (out_size - 1) * self.down + 1 - (in_size + self.conv_kernel - 1) * self.up \
            + up_taps + down_taps - 2
        lo = (pad_total + self.up) // 2
        self.padding = (lo, pad_total - lo, lo, pad_total - lo)

    def forward(self, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
        styles = self.affine(w)
        weight = self.weight
        if self.is_torgb:
            styles = styles / math.sqrt(self.in_channels * self.conv_kernel ** 2)
        else:  # NVIDIA's pre-normalisation (the style scale is per batch; demodulation cancels it)
            weight = weight * weight.square().mean(dim=[1, 2, 3], keepdim=True).rsqrt()
            styles = styles * styles.square().mean().rsqrt()
        k = self.conv_kernel
        y = ops.modulated_conv2d(x, weight, styles, demodulate=not self.is_torgb, padding=k - 1,
                                 input_gain=self.magnitude_ema.rsqrt())
        return filtered_lrelu(y, self.up_filter, self.down_filter, self.bias, self.up, self.down, self.padding,
                              gain=1.0 if self.is_torgb else ops.SQRT2, slope=1.0 if self.is_torgb else 0.2,
                              clamp=self.conv_clamp)


def filtered_lrelu(x: torch.Tensor, fu: torch.Tensor | None, fd: torch.Tensor | None, b: torch.Tensor, up: int,
                   down: int, padding: tuple[int, int, int, int], gain: float, slope: float,
                   clamp: float | None) -> torch.Tensor:
    """bias → ×up upsample (fu, gain up²) → lrelu(slope)·gain → clamp → fd filter → ×down downsample."""
    x = x + b.reshape(1, -1, 1, 1)
    x = ops.upfirdn2d(x, fu, up=up, padding=padding, gain=up * up)
    x = ops.bias_act(x, None, act="lrelu" if slope != 1 else "linear", gain=gain, clamp=clamp, alpha=slope)
    return ops.upfirdn2d(x, fd, down=down)


def layer_schedule(cfg: Mapping[str, Any]) -> dict[str, np.ndarray]:
    """NVIDIA's per-layer cutoffs, stopbands, sampling rates, half widths, sizes and channels."""
    res = int(cfg["img_resolution"])
    num_layers, num_critical = int(cfg["num_layers"]), int(cfg["num_critical"])
    last_cutoff = res / 2
    last_stopband = last_cutoff * float(cfg["last_stopband_rel"])
    exponents = np.minimum(np.arange(num_layers + 1) / (num_layers - num_critical), 1)
    first_cutoff, first_stopband = float(cfg["first_cutoff"]), float(cfg["first_stopband"])
    cutoffs = first_cutoff * (last_cutoff / first_cutoff) ** exponents
    stopbands = first_stopband * (last_stopband / first_stopband) ** exponents
    rates = np.exp2(np.ceil(np.log2(np.minimum(stopbands * 2, res))))
    half_widths = np.maximum(stopbands, rates / 2) - cutoffs
    sizes = rates + int(cfg["margin_size"]) * 2
    sizes[-2:] = res
    channels = np.rint(np.minimum((int(cfg["channel_base"]) / 2) / cutoffs, int(cfg["channel_max"])))
    channels[-1] = int(cfg["img_channels"])
    return {"cutoffs": cutoffs, "stopbands": stopbands, "rates": rates, "half_widths": half_widths,
            "sizes": sizes.astype(int), "channels": channels.astype(int)}


SG3_DEFAULTS: dict[str, Any] = {
    "c_dim": 0, "img_channels": 3, "channel_base": 32768, "channel_max": 512, "num_layers": 14, "num_critical": 2,
    "first_cutoff": 2, "first_stopband": 2 ** 2.1, "last_stopband_rel": 2 ** 0.3, "margin_size": 10,
    "output_scale": 0.25, "conv_kernel": 3, "filter_size": 6, "lrelu_upsampling": 2, "use_radial_filters": False,
    "conv_clamp": 256, "mapping_layers": 2, "mapping_lr_multiplier": 0.01,
}


class SynthesisNetwork3(nn.Module):
    def __init__(self, cfg: Mapping[str, Any]) -> None:
        super().__init__()
        self.w_dim, self.img_resolution = int(cfg["w_dim"]), int(cfg["img_resolution"])
        self.num_layers = int(cfg["num_layers"])
        self.num_ws = self.num_layers + 2
        self.output_scale = float(cfg["output_scale"])
        sch = layer_schedule(cfg)
        self.schedule = sch
        self.input = SynthesisInput(self.w_dim, int(sch["channels"][0]), int(sch["sizes"][0]),
                                    float(sch["rates"][0]), float(sch["cutoffs"][0]))
        self.layer_names: list[str] = []
        clamp = cfg.get("conv_clamp")
        for i in range(self.num_layers + 1):
            prev = max(i - 1, 0)
            layer = SynthesisLayer3(
                self.w_dim, i == self.num_layers, int(sch["channels"][prev]), int(sch["channels"][i]),
                int(sch["sizes"][prev]), int(sch["sizes"][i]), int(sch["rates"][prev]), int(sch["rates"][i]),
                i >= self.num_layers - int(cfg["num_critical"]), int(cfg["conv_kernel"]), int(cfg["filter_size"]),
                int(cfg["lrelu_upsampling"]), bool(cfg["use_radial_filters"]),
                float(clamp) if clamp is not None else None)
            name = f"L{i}_{layer.out_size}_{layer.out_channels}"
            setattr(self, name, layer)
            self.layer_names.append(name)

    def run(self, ws: torch.Tensor, start: int = 0, x: torch.Tensor | None = None,
            stop: int | None = None) -> torch.Tensor:
        """Steps: 0 = input (row 0), i + 1 = layer L{i} (row i + 1). Runs [start, stop)."""
        stop = self.num_ws - 1 + 1 if stop is None else stop
        for s in range(start, stop):
            checkpoint()  # interruptible between layers (models/interrupt.py)
            x = self.input(ws[:, 0]) if s == 0 else getattr(self, self.layer_names[s - 1])(x, ws[:, s])
        assert x is not None
        return x

    def forward(self, ws: torch.Tensor) -> torch.Tensor:
        return self.run(ws) * self.output_scale


class StyleGAN3Generator(nn.Module):
    def __init__(self, config: Mapping[str, Any]) -> None:
        super().__init__()
        cfg = {**SG3_DEFAULTS, **dict(config)}
        self.config = cfg
        self.z_dim, self.w_dim, self.c_dim = int(cfg["z_dim"]), int(cfg["w_dim"]), int(cfg["c_dim"] or 0)
        self.img_resolution, self.img_channels = int(cfg["img_resolution"]), int(cfg["img_channels"])
        self.synthesis = SynthesisNetwork3(cfg)
        self.num_ws = self.synthesis.num_ws
        self.mapping = MappingNetwork(self.z_dim, self.c_dim, self.w_dim, self.num_ws,
                                      num_layers=int(cfg["mapping_layers"]),
                                      lr_multiplier=float(cfg["mapping_lr_multiplier"]))


def stylegan3_config_from_nvidia(init_kwargs: Mapping[str, Any]) -> dict[str, Any]:
    kw = dict(init_kwargs)
    mk = dict(kw.pop("mapping_kwargs", None) or {})
    kw.pop("synthesis_kwargs", None)
    unknown = set(mk) - {"num_layers", "lr_multiplier", "w_avg_beta"}
    if unknown:
        raise ModelLoadError(f"unsupported StyleGAN3 mapping option(s): {', '.join(sorted(unknown))}")
    cfg = {k: kw[k] for k in SG3_DEFAULTS if k in kw}
    for k in ("z_dim", "w_dim", "img_resolution"):
        cfg[k] = int(kw[k])
    cfg["mapping_layers"] = int(mk.get("num_layers", 2))
    cfg["mapping_lr_multiplier"] = float(mk.get("lr_multiplier", 0.01))
    return cfg


def build_stylegan3(config: Mapping[str, Any], state: Mapping[str, torch.Tensor]) -> StyleGAN3Generator:
    check_stylegan3_config({**SG3_DEFAULTS, **config})
    try:
        with torch.device("meta"):
            net = StyleGAN3Generator(config)
    except (KeyError, TypeError, ValueError, ZeroDivisionError, OverflowError) as e:
        raise ModelLoadError(f"bad StyleGAN3 configuration: {type(e).__name__}: {e}") from None
    budget.check_net(net, "the StyleGAN3 network its config describes")
    load_assign(net, state)
    return net.eval().requires_grad_(False)


@dataclass
class SynthesisPrefix3:
    row: int
    codes_head: torch.Tensor
    x: torch.Tensor | None


class StyleGAN3Model(NvidiaStyleModel):
    """W+ codes (n, 16, w_dim): row 0 drives the input transform, rows 1..15 layers L0..L14."""

    family = "stylegan3"

    def __init__(self, net: StyleGAN3Generator, name: str, source: str = "") -> None:
        super().__init__(net, name, source)
        syn = net.synthesis
        self.layers = [LayerInfo(0, "input: rotation/translation (not a SeFa selector)",
                                 syn.input.size, 4)]
        for i, name_ in enumerate(syn.layer_names):
            layer = getattr(syn, name_)
            self.layers.append(LayerInfo(i + 1, name_, layer.out_size, layer.out_channels))

    def _synthesize(self, codes: torch.Tensor, noise_mode: str, truncation_psi: float | None,
                    max_resolution: int | None) -> torch.Tensor:
        img = self.net.synthesis(codes)
        return _shrink(img, max_resolution)

    def prefix_state(self, codes: torch.Tensor, row: int, noise_mode: str = "const") -> SynthesisPrefix3:
        """Output of the steps reading rows < `row` (StyleGAN3 has no noise inputs)."""
        codes = self._as_tensor(codes)
        with torch.inference_mode():
            x = self.net.synthesis.run(codes, stop=row) if row > 0 else None
        return SynthesisPrefix3(int(row), codes[:, :row].clone(), x)

    def synthesize_from(self, prefix: SynthesisPrefix3, codes: torch.Tensor,
                        max_resolution: int | None = None) -> torch.Tensor:
        codes = self._as_tensor(codes)
        if codes.shape[0] != prefix.codes_head.shape[0] or not torch.equal(codes[:, :prefix.row], prefix.codes_head):
            raise ValueError(f"codes differ from the prefix's codes on rows < {prefix.row}")
        with torch.inference_mode():
            syn = self.net.synthesis
            img = syn.run(codes, start=prefix.row, x=prefix.x) * syn.output_scale
        return _shrink(img, max_resolution)

    def input_affine_weight(self) -> torch.Tensor:
        """The 4 × w_dim input affine (rotation/translation), offered apart from SeFa's selectors."""
        return self.net.synthesis.input.affine.weight.detach().float()

    def selector_weight(self, layers: list[int] | None = None, compat: str | None = None) -> torch.Tensor:
        """Raw affine weights of L0..L14 for the chosen rows; row 0 (input affine) contributes none."""
        if compat not in (None, "genforce"):
            raise ValueError(f"unknown compat mode {compat!r}")
        rows = self.check_layers(layers)
        syn = self.net.synthesis
        mats = [getattr(syn, syn.layer_names[r - 1]).affine.weight.detach().float() for r in rows if r > 0]
        return torch.cat(mats, 0) if mats else torch.zeros(0, self.net.w_dim)


def _shrink(img: torch.Tensor, max_resolution: int | None) -> torch.Tensor:
    # StyleGAN3 has no intermediate RGB; a smaller preview is the full image area-downsampled.
    if max_resolution is None or max_resolution >= img.shape[-1]:
        return img
    return F.interpolate(img, size=(int(max_resolution), int(max_resolution)), mode="area")
