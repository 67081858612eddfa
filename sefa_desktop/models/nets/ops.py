"""Pure-torch building blocks of the StyleGAN2/3 generators (no custom CUDA/C++ ops).

All functions are written for inference: they run on CPU and GPU alike, in float32, and batch the
per-sample modulation into one grouped convolution (no Python loops over samples).

Conventions follow NVIDIA's reference implementations (upfirdn2d, bias_act, conv2d_resample,
filtered_lrelu) as described in docs/nvidia-pickles.md; the code here is our own.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)


def normalize_2nd_moment(x: torch.Tensor, eps: float = 1e-8) -> torch.Tensor:
    return x * (x.square().mean(dim=1, keepdim=True) + eps).rsqrt()


def bias_act(x: torch.Tensor, b: torch.Tensor | None, act: str = "linear", gain: float = 1.0,
             clamp: float | None = None, alpha: float = 0.2) -> torch.Tensor:
    """x + b (along dim 1) → activation → × gain → clamp(±clamp). `gain` includes the activation's
    default gain (√2 for lrelu), as the callers compute it."""
    if act not in ("lrelu", "linear"):
        raise ValueError(f"unsupported activation {act!r}")
    # One new tensor, then in place: at high resolution these passes are memory-bound, and fresh
    # allocations for each cost as much as the arithmetic.
    # Training (autograd) needs the intermediate results kept: out of place there.
    if torch.is_grad_enabled() and (x.requires_grad or (b is not None and b.requires_grad)):
        if b is not None:
            x = x + b.reshape([1, -1] + [1] * (x.ndim - 2))
        if act == "lrelu":
            x = F.leaky_relu(x, alpha)
        if gain != 1:
            x = x * gain
        if clamp is not None and clamp >= 0:
            x = x.clamp(-clamp, clamp)
        return x
    x = x + b.reshape([1, -1] + [1] * (x.ndim - 2)) if b is not None else x.clone()
    if act == "lrelu":
        F.leaky_relu(x, alpha, inplace=True)
    if gain != 1:
        x.mul_(gain)
    if clamp is not None and clamp >= 0:
        x.clamp_(-clamp, clamp)
    return x


def upfirdn2d(x: torch.Tensor, f: torch.Tensor | None, up: int = 1, down: int = 1,
              padding: tuple[int, int, int, int] = (0, 0, 0, 0), gain: float = 1.0,
              bias: torch.Tensor | None = None) -> torch.Tensor:
    """Upsample by zero insertion, pad (negative = crop; order x0, x1, y0, y1), FIR-filter, downsample.

    `f` is a 2-D filter [fh, fw] or a separable 1-D filter [fw] (applied along both axes), or None
    (identity). The filter is used as a true convolution (flipped), matching NVIDIA's upfirdn2d.
    `bias` [C] (2-D filter, no downsampling) is added by the filtering convolution itself.
    """
    if bias is not None and (f is None or f.ndim != 2 or down != 1):
        raise ValueError("upfirdn2d adds a bias only with a 2-D filter and no downsampling")
    n, c, h, w = x.shape
    px0, px1, py0, py1 = padding
    if up > 1:
        x = x.reshape(n, c, h, 1, w, 1)
        x = F.pad(x, [0, up - 1, 0, 0, 0, up - 1])
        x = x.reshape(n, c, h * up, w * up)
    conv_pad = 0
    if f is not None and px0 == px1 == py0 == py1 >= 0:
        conv_pad = px0  # symmetric: the convolution pads, no padded copy of x (a full pass saved)
    else:
        x = F.pad(x, [max(px0, 0), max(px1, 0), max(py0, 0), max(py1, 0)])
        x = x[:, :, max(-py0, 0): x.shape[2] - max(-py1, 0), max(-px0, 0): x.shape[3] - max(-px1, 0)]
    if f is not None:
        # Depthwise (groups=C) convolution: an order of magnitude faster on CPU than folding the
        # channels into the batch with a single-channel filter.
        f = f.to(x.dtype)
        if f.ndim == 1:
            g = f.flip(0) * (gain ** 0.5)
            x = F.conv2d(x, g.reshape(1, 1, 1, -1).expand(c, 1, 1, -1), padding=(0, conv_pad), groups=c)
            x = F.conv2d(x, g.reshape(1, 1, -1, 1).expand(c, 1, -1, 1), padding=(conv_pad, 0), groups=c)
        else:
            x = F.conv2d(x, (f.flip([0, 1]) * gain)[None, None].expand(c, 1, -1, -1), bias, padding=conv_pad,
                         groups=c)
    elif gain != 1:
        x = x * gain
    if down > 1:
        x = x[:, :, ::down, ::down]
    return x


def upsample2d(x: torch.Tensor, f: torch.Tensor, up: int = 2) -> torch.Tensor:
    """×up upsampling with FIR filter `f` (gain up², centred padding), as NVIDIA's upsample2d."""
    fw = f.shape[-1]
    p0, p1 = (fw + up - 1) // 2, (fw - up) // 2
    return upfirdn2d(x, f, up=up, padding=(p0, p1, p0, p1), gain=up * up)


def modulated_conv2d(x: torch.Tensor, weight: torch.Tensor, styles: torch.Tensor, demodulate: bool = True,
                     padding: int = 0, up: int = 1, resample_filter: torch.Tensor | None = None,
                     noise: torch.Tensor | None = None, input_gain: torch.Tensor | float | None = None,
                     bias: torch.Tensor | None = None, gain: float = 1.0) -> torch.Tensor:
    """Per-sample modulated (and optionally demodulated) convolution, batched.

    x [N, I, H, W], weight [O, I, k, k], styles [N, I]. For N = 1 the modulation and demodulation
    are folded into the weights (NVIDIA's fused path without groups). For N > 1, instead of building N
    modulated weight tensors and running a grouped conv (slow on CPU), the modulation scales the input
    channels and the demodulation scales the output channels around one shared-weight conv:
    conv(x·s, W)·d equals conv(x, W·s)·d exactly in real arithmetic (NVIDIA's non-fused path).
    up=2 is a stride-2 transposed conv (weight not flipped) followed by the FIR `resample_filter`
    with gain 4 and padding 1 → exactly 2H × 2W. `noise` is added after demodulation.
    `bias` [O] and `gain` (inference only): returns gain·(conv + noise + bias) with the gain folded into
    the weights and the bias added by a convolution, so an activation can follow in place: the
    layer then makes two passes over its output instead of five (bias_act's copy, add, gain).
    """
    n = x.shape[0]
    o, i, kh, kw = weight.shape
    # input_gain (StyleGAN3's magnitude EMA) scales the input after demodulation is computed
    s = styles if input_gain is None else styles * input_gain
    if n == 1:
        # One sample (the app's preview): fold modulation and demodulation into the weights, which
        # are far smaller than the activations at high resolution — two full passes over x saved.
        if demodulate:
            d = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()
            wt = weight * (d.reshape(o, 1) * gain * s.reshape(1, i)).reshape(o, i, 1, 1)
        else:
            wt = weight * (s.reshape(1, i, 1, 1) * gain)
        y = _conv_up(x, wt, padding, up, resample_filter, bias * gain if bias is not None else None)
        if noise is not None:
            y.add_(noise, alpha=gain)
        return y
    x = x * s.reshape(n, i, 1, 1)
    y = _conv_up(x, weight, padding, up, resample_filter)
    if demodulate:
        # d[n, o] = rsqrt(Σ_i,k (W[o,i,k]·s[n,i])² + 1e-8): one small matmul instead of N weight copies
        d = (styles.square() @ weight.square().sum(dim=[2, 3]).t() + 1e-8).rsqrt()
        y.mul_(d.reshape(n, o, 1, 1) * gain)
    elif gain != 1:
        y.mul_(gain)
    if noise is not None:
        y.add_(noise, alpha=gain)
    if bias is not None:
        y.add_((bias * gain).reshape(1, o, 1, 1))
    return y


def _conv_up(x: torch.Tensor, weight: torch.Tensor, padding: int, up: int,
             resample_filter: torch.Tensor | None, bias: torch.Tensor | None = None) -> torch.Tensor:
    o, i, kh, kw = weight.shape
    if up == 1:
        y = F.conv2d(x, weight, bias, padding=padding)
    else:
        assert resample_filter is not None
        y = F.conv_transpose2d(x, weight.transpose(0, 1), stride=up)
        fw = resample_filter.shape[-1]
        # NVIDIA's conv2d_resample padding for the transposed-conv fast path.
        px0 = padding + (fw + up - 1) // 2 - (kw - 1)
        px1 = padding + (fw - up) // 2 - (kw - up)
        y = upfirdn2d(y, resample_filter, padding=(px0, px1, px0, px1), gain=up * up,
                      bias=bias if resample_filter.ndim == 2 else None)
        if bias is not None and resample_filter.ndim != 2:
            y = y.add_(bias.reshape(1, -1, 1, 1))
    return y
