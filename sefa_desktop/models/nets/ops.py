"""Pure-torch building blocks of the StyleGAN2/3 generators (no custom CUDA/C++ ops).

All functions are written for inference: they run on CPU and GPU alike, in float32, and batch the
per-sample modulation into one grouped convolution (no Python loops over samples).

Conventions follow NVIDIA's reference implementations (upfirdn2d, bias_act, conv2d_resample,
filtered_lrelu) as described in docs/nvidia-pickles.md; the code here is our own.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import torch
import torch.nn.functional as F

SQRT2 = math.sqrt(2.0)

# Measured on a 2-core Zen 4 (bench/render.py, docs/performance.md): oneDNN's NCHW depthwise
# convolution slows down 5–30× once a channel's plane reaches ~256² (3 channels at 1027² take 68 ms,
# the same in bands of 64 rows 9 ms), and a dense 3×3 convolution over a 256²+ map runs 10–30 %
# faster in bands of rows. Both are cut into bands of output rows, written into one output — on the
# CPU only: a GPU runs the whole tensor at once better than many small launches.
_BAND_MIN_SIDE = 256
_DEPTHWISE_BAND_ELEMENTS = 1 << 19
_DENSE_BAND_ELEMENTS = 1 << 20


def needs_autograd(*tensors: torch.Tensor | None) -> bool:
    """Training or synthesize_differentiable: the out-of-place paths autograd can differentiate, not the
    in-place and cut-up inference ones."""
    return torch.is_grad_enabled() and any(t is not None and t.requires_grad for t in tensors)


def _band_rows(total: int, most: int, least: int = 1) -> int:
    """Rows per band that cut `total` rows into equal bands of about `most` (at least `least`) rows."""
    bands = -(-total // max(least, most))
    return -(-total // bands)


def _in_row_bands(x: torch.Tensor, kh: int, ph: int, rows: int,
                  conv: Callable[[torch.Tensor], torch.Tensor]) -> torch.Tensor:
    """A stride-1 convolution with kernel height kh and vertical zero padding ph, `rows` output rows at
    a time: each band reads its rows plus the kernel's halo; `conv` pads horizontally only."""
    h = x.shape[2]
    h_out = h + 2 * ph - kh + 1
    out: torch.Tensor | None = None
    for r0 in range(0, h_out, rows):
        r1 = min(r0 + rows, h_out)
        lo, hi = r0 - ph, r1 - ph + kh - 1
        band = x[:, :, max(lo, 0):min(hi, h)]
        if lo < 0 or hi > h:  # zero rows only at the image's top and bottom
            band = F.pad(band, (0, 0, max(-lo, 0), max(hi - h, 0)))
        y = conv(band)
        if out is None:
            out = y.new_empty(y.shape[0], y.shape[1], h_out, y.shape[3])
        out[:, :, r0:r1] = y
    assert out is not None
    return out


def depthwise_conv2d(x: torch.Tensor, k: torch.Tensor, bias: torch.Tensor | None = None,
                     padding: tuple[int, int] = (0, 0)) -> torch.Tensor:
    """F.conv2d(x, k, bias, padding, groups=C) for a per-channel filter k [C, 1, kh, kw]; over large
    planes in bands of rows (same numbers, several times faster)."""
    n, c, h, w = x.shape
    ph, pw = padding
    h_out = h + 2 * ph - k.shape[2] + 1
    if min(h, w) < _BAND_MIN_SIDE or x.device.type != "cpu" or needs_autograd(x, k, bias):
        return F.conv2d(x, k, bias, padding=padding, groups=c)
    rows = _band_rows(h_out, min(64, _DEPTHWISE_BAND_ELEMENTS // max(1, n * c * w)), least=4)
    return _in_row_bands(x, k.shape[2], ph, rows, lambda band: F.conv2d(band, k, bias, padding=(0, pw), groups=c))


def conv2d_banded(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None, padding: int) -> torch.Tensor:
    """F.conv2d(x, weight, bias, padding) (dense, stride 1); over large maps in bands of rows."""
    n, c, h, w = x.shape
    kh = weight.shape[2]
    h_out = h + 2 * padding - kh + 1
    rows = _band_rows(h_out, _DENSE_BAND_ELEMENTS // max(1, n * c * w))
    if min(h, w) < _BAND_MIN_SIDE or rows >= h_out or x.device.type != "cpu" or needs_autograd(x, weight, bias):
        return F.conv2d(x, weight, bias, padding=padding)
    return _in_row_bands(x, kh, padding, rows, lambda band: F.conv2d(band, weight, bias, padding=(0, padding)))


def pointwise_conv2d(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """1×1 convolution as a matrix product: oneDNN's 1×1 conv with 3 output channels (toRGB) runs at a
    quarter of the speed of the same sgemm over a big map."""
    n, i, h, w = x.shape
    o = weight.shape[0]
    wm = weight.reshape(o, i)
    if n == 1:
        y = torch.addmm(bias.reshape(o, 1), wm, x.reshape(i, h * w)) if bias is not None \
            else wm @ x.reshape(i, h * w)
        return y.reshape(1, o, h, w)
    y = torch.matmul(wm, x.reshape(n, i, h * w))
    if bias is not None:
        y = y + bias.reshape(1, o, 1)
    return y.reshape(n, o, h, w)


class WeightCache:
    """Constants of one modulated conv's weight that every frame would recompute: Σ_k W² [O, I] (for
    demodulation) and, for a transposed conv, the weight in [I, O, k, k] layout. Recomputed when the
    weight changes (tensor version, storage, device or dtype)."""

    def __init__(self) -> None:
        self._key: tuple | None = None
        self.square_sum = torch.empty(0)
        self.transposed = torch.empty(0)

    def refresh(self, weight: torch.Tensor) -> WeightCache:
        key = (weight._version, weight.data_ptr(), weight.device, weight.dtype, weight.shape)
        if key != self._key:
            with torch.no_grad():
                self.square_sum = weight.square().sum(dim=[2, 3])
                self.transposed = weight.transpose(0, 1).contiguous()
            self._key = key
        return self


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
    if needs_autograd(x, b):
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
            x = depthwise_conv2d(x, g.reshape(1, 1, 1, -1).expand(c, 1, 1, -1), padding=(0, conv_pad))
            x = depthwise_conv2d(x, g.reshape(1, 1, -1, 1).expand(c, 1, -1, 1), padding=(conv_pad, 0))
        else:
            x = depthwise_conv2d(x, (f.flip([0, 1]) * gain)[None, None].expand(c, 1, -1, -1), bias,
                                 padding=(conv_pad, conv_pad))
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
                     bias: torch.Tensor | None = None, gain: float = 1.0,
                     cache: WeightCache | None = None) -> torch.Tensor:
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
    `cache` (inference only) holds the weight's per-frame constants (WeightCache).
    """
    n = x.shape[0]
    o, i, kh, kw = weight.shape
    # input_gain (StyleGAN3's magnitude EMA) scales the input after demodulation is computed
    s = styles if input_gain is None else styles * input_gain
    square_sum = cache.square_sum if cache is not None else None
    if demodulate and square_sum is None:
        square_sum = weight.square().sum(dim=[2, 3])
    weight_t = cache.transposed if cache is not None and up > 1 else None
    # On small maps (≤ 64² at 512 channels) scaling the activations costs less than a new weight; on
    # big ones a folded weight per sample beats four extra passes over the batch's activations.
    big_map = x.shape[2] * x.shape[3] * (i + o * up * up) >= o * i * kh * kw
    if n > 1 and cache is not None and big_map and x.device.type == "cpu":  # a GPU prefers one batched conv
        per_sample_noise = noise is not None and noise.ndim == 4 and noise.shape[0] == n
        return torch.cat([
            modulated_conv2d(x[j:j + 1], weight, styles[j:j + 1], demodulate, padding, up, resample_filter,
                             noise[j:j + 1] if per_sample_noise else noise, input_gain, bias, gain, cache)
            for j in range(n)])
    fold = n == 1 and (cache is None or big_map)
    if fold:
        # One sample (the app's preview): fold modulation and demodulation into the weights, which
        # are far smaller than the activations at high resolution — two full passes over x saved.
        scale = s.reshape(1, i) * gain
        if demodulate:
            scale = scale * (styles.square() @ square_sum.t() + 1e-8).rsqrt().reshape(o, 1)
        else:
            scale = scale.expand(o, i)
        if weight_t is not None:  # built in the transposed conv's own layout: no copy of the weight
            wt, wt_t = None, weight_t * scale.t().reshape(i, o, 1, 1)
        else:
            wt, wt_t = weight * scale.reshape(o, i, 1, 1), None
        y = _conv_up(x, wt, padding, up, resample_filter, bias * gain if bias is not None else None, wt_t)
        if noise is not None:
            y.add_(noise, alpha=gain)
        return y
    x = x * s.reshape(n, i, 1, 1)
    y = _conv_up(x, weight, padding, up, resample_filter, weight_t=weight_t)
    if demodulate:
        # d[n, o] = rsqrt(Σ_i,k (W[o,i,k]·s[n,i])² + 1e-8): one small matmul instead of N weight copies
        d = (styles.square() @ square_sum.t() + 1e-8).rsqrt()
        y.mul_(d.reshape(n, o, 1, 1) * gain)
    elif gain != 1:
        y.mul_(gain)
    if noise is not None:
        y.add_(noise, alpha=gain)
    if bias is not None:
        y.add_((bias * gain).reshape(1, o, 1, 1))
    return y


def _conv_up(x: torch.Tensor, weight: torch.Tensor | None, padding: int, up: int,
             resample_filter: torch.Tensor | None, bias: torch.Tensor | None = None,
             weight_t: torch.Tensor | None = None) -> torch.Tensor:
    """Convolution (up=1) or transposed conv + FIR (up>1). `weight` [O, I, k, k]; for up>1 it may be
    given instead as `weight_t` [I, O, k, k], the layout conv_transpose2d reads."""
    if up == 1:
        assert weight is not None
        if weight.shape[2:] == (1, 1) and padding == 0:
            return pointwise_conv2d(x, weight, bias)
        return conv2d_banded(x, weight, bias, padding)
    assert resample_filter is not None
    if weight_t is None:
        assert weight is not None
        weight_t = weight.transpose(0, 1)
    kw = weight_t.shape[3]
    y = F.conv_transpose2d(x, weight_t, stride=up)
    fw = resample_filter.shape[-1]
    # NVIDIA's conv2d_resample padding for the transposed-conv fast path.
    px0 = padding + (fw + up - 1) // 2 - (kw - 1)
    px1 = padding + (fw - up) // 2 - (kw - up)
    y = upfirdn2d(y, resample_filter, padding=(px0, px1, px0, px1), gain=up * up,
                  bias=bias if resample_filter.ndim == 2 else None)
    if bias is not None and resample_filter.ndim != 2:
        y = y.add_(bias.reshape(1, -1, 1, 1))
    return y
