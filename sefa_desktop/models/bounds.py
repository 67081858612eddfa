"""Bounds on the configs that checkpoints declare, checked before a network is built.

A config.json or a pickle's init kwargs decide how big a network is and how many modules it has;
building it is the first allocation (and, with 10⁶ mapping layers, a hang even on the meta device).
These bounds are generous for every real model: the largest entries of resources/catalogue.json
(StyleGAN3-R 1024: channel_base 65536, channel_max 1024, 14 layers; StyleGAN2 1024: 8 mapping layers,
w_dim 512; BigGAN-deep 512: channel_width 128, multipliers ≤ 16, 1000 classes) sit far inside them
(tests/test_fuzz_loaders.py checks it). What passes here is then measured against the file-size
budget (budget.py) on the meta device.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from .errors import ModelLoadError

MAX_RESOLUTION = 8192
MAX_WIDTH = 8192            # channels of any layer, z_dim, w_dim, mapping/embedding features
MAX_CHANNEL_BASE = 1 << 20
MAX_MAPPING_LAYERS = 64
MAX_SYNTHESIS_LAYERS = 64   # StyleGAN3 num_layers (real: 14)
MAX_CLASSES = 100_000
MAX_IMG_CHANNELS = 16
MAX_BIGGAN_LAYERS = 64      # GenBlocks (real: 13 at 512 px)
MAX_BIGGAN_MULTIPLIER = 64  # channel multipliers (real: ≤ 16)
MAX_N_STATS = 1024          # BN statistics rows (real: 51)
MAX_KERNEL = 16             # StyleGAN3 conv_kernel / filter_size (real: 1 or 3 / 6)
MAX_MARGIN = 256


def _int(cfg: Mapping[str, Any], key: str, lo: int, hi: int, family: str, default: Any = None,
         optional: bool = False) -> int | None:
    v = cfg.get(key, default)
    if v is None and optional:
        return None
    if isinstance(v, bool) or not isinstance(v, int | float) or (isinstance(v, float) and not v.is_integer()):
        raise ModelLoadError(f"{family} config: '{key}' must be an integer, got {v!r}")
    v = int(v)
    if not lo <= v <= hi:
        raise ModelLoadError(f"{family} config: '{key}' = {v} is outside {lo}..{hi} (no real model has that; "
                             "a corrupt or crafted file?)")
    return v


def _float(cfg: Mapping[str, Any], key: str, lo: float, hi: float, family: str, default: Any = None) -> None:
    v = cfg.get(key, default)
    if v is None:
        return
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or not lo <= v <= hi:
        raise ModelLoadError(f"{family} config: '{key}' = {v!r} is outside {lo:g}..{hi:g}")


def _resolution(cfg: Mapping[str, Any], family: str) -> None:
    r = _int(cfg, "img_resolution", 4, MAX_RESOLUTION, family)
    assert r is not None
    if r & (r - 1):
        raise ModelLoadError(f"{family} config: img_resolution must be a power of two, got {r}")


def check_stylegan2_config(cfg: Mapping[str, Any]) -> None:
    """Our StyleGAN2 config dict (nets/stylegan2.py), from any reader."""
    fam = "StyleGAN2"
    _int(cfg, "z_dim", 0, MAX_WIDTH, fam)
    _int(cfg, "w_dim", 1, MAX_WIDTH, fam)
    _int(cfg, "c_dim", 0, MAX_CLASSES, fam, default=0, optional=True)
    _resolution(cfg, fam)
    _int(cfg, "img_channels", 1, MAX_IMG_CHANNELS, fam, default=3)
    _int(cfg, "channel_base", 1, MAX_CHANNEL_BASE, fam, default=32768)
    _int(cfg, "channel_max", 1, MAX_WIDTH, fam, default=512)
    _int(cfg, "mapping_layers", 1, MAX_MAPPING_LAYERS, fam, default=8)
    _int(cfg, "mapping_embed_features", 1, MAX_WIDTH, fam, optional=True)
    _int(cfg, "mapping_layer_features", 1, MAX_WIDTH, fam, optional=True)
    _float(cfg, "conv_clamp", 0, 1e6, fam)
    _float(cfg, "mapping_lr_multiplier", 1e-9, 1e6, fam, default=0.01)
    channels = cfg.get("channels")
    if channels is not None:
        if not isinstance(channels, Mapping) or len(channels) > 32:
            raise ModelLoadError(f"{fam} config: 'channels' must map at most 32 resolutions to widths")
        for r, c in channels.items():
            if isinstance(c, bool) or not isinstance(c, int) or not 1 <= c <= MAX_WIDTH:
                raise ModelLoadError(f"{fam} config: width {c!r} at resolution {r} is outside 1..{MAX_WIDTH}")
    taps = cfg.get("resample_filter")
    if taps is not None and (not isinstance(taps, list | tuple) or not 1 <= len(taps) <= MAX_KERNEL):
        raise ModelLoadError(f"{fam} config: 'resample_filter' must list 1..{MAX_KERNEL} taps")


def check_stylegan3_config(cfg: Mapping[str, Any]) -> None:
    fam = "StyleGAN3"
    _int(cfg, "z_dim", 0, MAX_WIDTH, fam)
    _int(cfg, "w_dim", 1, MAX_WIDTH, fam)
    _int(cfg, "c_dim", 0, MAX_CLASSES, fam, default=0)
    _resolution(cfg, fam)
    _int(cfg, "img_channels", 1, MAX_IMG_CHANNELS, fam, default=3)
    _int(cfg, "channel_base", 1, MAX_CHANNEL_BASE, fam, default=32768)
    _int(cfg, "channel_max", 1, MAX_WIDTH, fam, default=512)
    n = _int(cfg, "num_layers", 1, MAX_SYNTHESIS_LAYERS, fam, default=14)
    crit = _int(cfg, "num_critical", 0, MAX_SYNTHESIS_LAYERS, fam, default=2)
    assert n is not None and crit is not None
    if crit >= n:
        raise ModelLoadError(f"{fam} config: num_critical ({crit}) must be below num_layers ({n})")
    _int(cfg, "margin_size", 0, MAX_MARGIN, fam, default=10)
    _int(cfg, "conv_kernel", 1, MAX_KERNEL, fam, default=3)
    _int(cfg, "filter_size", 1, MAX_KERNEL, fam, default=6)
    _int(cfg, "lrelu_upsampling", 1, 8, fam, default=2)
    _int(cfg, "mapping_layers", 1, MAX_MAPPING_LAYERS, fam, default=2)
    res = float(cfg.get("img_resolution", 4))
    _float(cfg, "first_cutoff", 1e-3, res, fam, default=2)
    _float(cfg, "first_stopband", 1e-3, 4 * res, fam, default=2 ** 2.1)
    _float(cfg, "last_stopband_rel", 1e-3, 64, fam, default=2 ** 0.3)
    _float(cfg, "output_scale", -1e6, 1e6, fam, default=0.25)
    _float(cfg, "conv_clamp", 0, 1e6, fam)
    _float(cfg, "mapping_lr_multiplier", 1e-9, 1e6, fam, default=0.01)


def check_biggan_config(cfg: Any) -> None:
    """A nets.biggan.BigGANConfig."""
    fam = "BigGAN"
    fields = {"z_dim": cfg.z_dim, "channel_width": cfg.channel_width, "num_classes": cfg.num_classes,
              "output_dim": cfg.output_dim, "n_stats": cfg.n_stats,
              "attention_layer_position": cfg.attention_layer_position}
    _int(fields, "z_dim", 1, MAX_WIDTH, fam)
    _int(fields, "channel_width", 1, 1024, fam)
    _int(fields, "num_classes", 1, MAX_CLASSES, fam)
    _int(fields, "output_dim", 4, MAX_RESOLUTION, fam)
    _int(fields, "n_stats", 1, MAX_N_STATS, fam)
    if not 1 <= len(cfg.layers) <= MAX_BIGGAN_LAYERS:
        raise ModelLoadError(f"{fam} config: {len(cfg.layers)} layers is outside 1..{MAX_BIGGAN_LAYERS}")
    _int(fields, "attention_layer_position", 0, len(cfg.layers), fam)
    ups = sum(1 for up, _, _ in cfg.layers if up)
    if 4 * 2 ** ups > MAX_RESOLUTION:
        raise ModelLoadError(f"{fam} config: {ups} up-sampling layers exceed {MAX_RESOLUTION} px")
    for i, (_, a, b) in enumerate(cfg.layers):
        for m in (a, b):
            if not 1 <= m <= MAX_BIGGAN_MULTIPLIER:
                raise ModelLoadError(f"{fam} config: layer {i} has channel multiplier {m}, outside "
                                     f"1..{MAX_BIGGAN_MULTIPLIER}")
    _float({"eps": cfg.eps}, "eps", 0, 1, fam)
