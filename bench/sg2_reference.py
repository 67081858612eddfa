"""A plain textbook StyleGAN2 synthesis, sample by sample: the baseline for bench/render.py and an
independent cross-check of sefa_desktop.models.nets.stylegan2 in the tests.

Deliberately naive: a Python loop over samples, each modulated conv built from its own weights,
upsampling written as explicit zero insertion + full convolution + FIR blur. It reads the weights of
a StyleGAN2Generator but none of its forward code.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F


def _fir(x: torch.Tensor, f: torch.Tensor, pad: tuple[int, int], gain: float) -> torch.Tensor:
    """Pad (lo, hi) on both axes and convolve every channel with the 2-D filter f × gain."""
    c = x.shape[1]
    x = F.pad(x, [pad[0], pad[1], pad[0], pad[1]])
    k = (f.flip([0, 1]) * gain)[None, None].repeat(c, 1, 1, 1)
    return F.conv2d(x, k, groups=c)


def _zero_insert(x: torch.Tensor, trailing: bool) -> torch.Tensor:
    n, c, h, w = x.shape
    out = x.new_zeros(n, c, 2 * h, 2 * w)
    out[:, :, ::2, ::2] = x
    return out if trailing else out[:, :, : 2 * h - 1, : 2 * w - 1]


def _layer(layer, x: torch.Tensor, w: torch.Tensor, gain: float = 1.0) -> torch.Tensor:
    outs = []
    for n in range(x.shape[0]):
        s = w[n] @ (layer.affine.weight / math.sqrt(w.shape[1])).t() + layer.affine.bias
        wt = layer.weight * s[None, :, None, None]
        wt = wt / (wt.square().sum(dim=[1, 2, 3], keepdim=True) + 1e-8).sqrt()
        xi = x[n: n + 1]
        if layer.up == 2:
            y = F.conv2d(F.pad(_zero_insert(xi, False), [2, 2, 2, 2]), wt.flip([2, 3]))  # = transposed conv
            y = _fir(y, layer.resample_filter, (1, 1), 4.0)
        else:
            y = F.conv2d(xi, wt, padding=1)
        if layer.use_noise:
            y = y + layer.noise_const * layer.noise_strength
        y = F.leaky_relu(y + layer.bias[None, :, None, None], 0.2) * math.sqrt(2) * gain
        if layer.conv_clamp is not None:
            y = y.clamp(-layer.conv_clamp * gain, layer.conv_clamp * gain)
        outs.append(y)
    return torch.cat(outs)


def _torgb(layer, x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    outs = []
    for n in range(x.shape[0]):
        s = (w[n] @ (layer.affine.weight / math.sqrt(w.shape[1])).t() + layer.affine.bias) / math.sqrt(x.shape[1])
        y = F.conv2d(x[n: n + 1], layer.weight * s[None, :, None, None]) + layer.bias[None, :, None, None]
        if layer.conv_clamp is not None:
            y = y.clamp(-layer.conv_clamp, layer.conv_clamp)
        outs.append(y)
    return torch.cat(outs)


def _up_image(x: torch.Tensor, f: torch.Tensor) -> torch.Tensor:
    return _fir(_zero_insert(x, True), f, (2, 1), 4.0)


def reference_synthesis(gen, ws: torch.Tensor, max_resolution: int | None = None) -> torch.Tensor:
    """ws (N, num_ws, w_dim) → images, 'const' noise, using `gen`'s weights only."""
    syn = gen.synthesis
    x = img = None
    row = 0
    for r in syn.block_resolutions:
        if max_resolution is not None and r > max_resolution:
            break
        blk = getattr(syn, f"b{r}")
        if r == 4:
            x = blk.const[None].repeat(ws.shape[0], 1, 1, 1)
            x = _layer(blk.conv1, x, ws[:, row])
            row += 1
        else:
            if syn.architecture == "resnet":
                y = F.conv2d(_up_image(x, blk.skip.resample_filter), blk.skip.weight / math.sqrt(x.shape[1]))
                y = y * math.sqrt(0.5)
                if blk.skip.conv_clamp is not None:
                    y = y.clamp(-blk.skip.conv_clamp * math.sqrt(0.5), blk.skip.conv_clamp * math.sqrt(0.5))
            x = _layer(blk.conv0, x, ws[:, row])
            x = _layer(blk.conv1, x, ws[:, row + 1], gain=math.sqrt(0.5) if syn.architecture == "resnet" else 1.0)
            if syn.architecture == "resnet":
                x = x + y
            row += 2
        if img is not None:
            img = _up_image(img, blk.resample_filter)
        if blk.has_torgb:
            t = _torgb(blk.torgb, x, ws[:, row])
            img = t if img is None else img + t
    return img
