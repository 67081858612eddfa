"""rosinality/stylegan2-pytorch `.pt` checkpoints, renamed onto our StyleGAN2 network.

train.py writes `{g, d, g_ema, g_optim, d_optim, args, ada_aug_p}` (args: argparse.Namespace,
tensors often on CUDA); convert_weight.py writes `{g_ema, latent_avg}` (+ g, d). We use `g_ema`
only, and read every size from tensor shapes: `args` is absent from converted files and its
channel_multiplier does not describe files trained with edited widths.

Rows of W+ (n_latent = 2·log2(size) − 2) line up with the canonical network one to one:
conv1 → b4.conv1 (row 0), to_rgb1 → b4.torgb (row 1), convs.2j → b{8·2^j}.conv0 (row 2j+1),
convs.2j+1 → conv1 (row 2j+2), to_rgbs.j → torgb (row 2j+3); noises.noise_k follow the convs.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelLoadError
from ..nets.loading import checked_weight

# Without latent_avg (train.py files) w_avg is estimated as rosinality's scripts do,
# mean_latent(n) = mean of mapping(randn(n, d)), from a fixed seed so it is reproducible.
W_AVG_SAMPLES = 4096
W_AVG_SEED = 0
STANDARD_FIR = torch.tensor([1.0, 3.0, 3.0, 1.0])


def g_ema_state(obj: Any) -> Mapping[str, torch.Tensor] | None:
    if not isinstance(obj, Mapping):
        return None
    g = obj.get("g_ema")
    if isinstance(g, Mapping) and "style.1.weight" in g and "conv1.conv.weight" in g:
        return g
    return None


def _get(state: Mapping[str, torch.Tensor], key: str, shape: tuple[int | None, ...], what: str) -> torch.Tensor:
    """state[key] checked against `shape` (None = any size); errors name the key and shape."""
    v = state.get(key)
    if not isinstance(v, torch.Tensor):
        raise ModelLoadError(f"rosinality checkpoint is missing key '{key}' (expected shape {what})")
    if v.ndim != len(shape) or any(s is not None and int(d) != s for d, s in zip(v.shape, shape, strict=True)):
        raise ModelLoadError(f"key '{key}' has shape {tuple(v.shape)}, expected {what}")
    return checked_weight(key, v.detach().to("cpu"), torch.float32)


def _check_fir(state: Mapping[str, torch.Tensor], key: str) -> None:
    """The blur/upsample kernels are buffers; we rebuild them, so they must be the standard one."""
    k = state.get(key)
    if k is None:
        return
    f = STANDARD_FIR.outer(STANDARD_FIR)
    k = k.detach().to("cpu", torch.float32)
    if tuple(k.shape) != (4, 4) or not torch.allclose(k / k.sum(), f / f.sum(), atol=1e-6):
        raise ModelLoadError(f"key '{key}' is not the [1,3,3,1] FIR kernel this loader supports")


def _modconv(state, src: str, dst: str, out: dict[str, torch.Tensor], cin: int, w_dim: int,
             noise: str | None) -> int:
    """Copy one rosinality StyledConv / ToRGB onto canonical names; returns its out channels."""
    is_rgb = noise is None
    w = _get(state, f"{src}.conv.weight", (1, None, cin, None, None), f"(1, out, {cin}, k, k)")
    out[f"{dst}.weight"] = w[0]
    out[f"{dst}.affine.weight"] = _get(state, f"{src}.conv.modulation.weight", (cin, w_dim), f"({cin}, {w_dim})")
    out[f"{dst}.affine.bias"] = _get(state, f"{src}.conv.modulation.bias", (cin,), f"({cin},)")
    cout = int(w.shape[1])
    if is_rgb:
        out[f"{dst}.bias"] = _get(state, f"{src}.bias", (1, cout, 1, 1), f"(1, {cout}, 1, 1)").reshape(cout)
    else:
        out[f"{dst}.bias"] = _get(state, f"{src}.activate.bias", (cout,), f"({cout},)")
        out[f"{dst}.noise_strength"] = _get(state, f"{src}.noise.weight", (1,), "(1,)").reshape(())
        out[f"{dst}.noise_const"] = _get(state, noise, (1, 1, None, None), "(1, 1, r, r)")[0, 0]
    return cout


def convert_rosinality(state: Mapping[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """(config, canonical state) for our StyleGAN2 network from a rosinality `g_ema` state dict."""
    n_mlp = 0
    while f"style.{n_mlp + 1}.weight" in state:
        n_mlp += 1
    if n_mlp == 0:
        raise ModelLoadError("rosinality checkpoint is missing key 'style.1.weight' (expected shape (d, d))")
    w_dim = int(_get(state, "style.1.weight", (None, None), "(style_dim, style_dim)").shape[0])
    rgb = _get(state, "to_rgb1.conv.weight", (1, None, None, 1, 1), "(1, 3, C4, 1, 1)")
    if int(rgb.shape[1]) == 12:
        raise ModelLoadError("this is a SWAGAN (wavelet) checkpoint; only the 'stylegan2' architecture is supported")
    n_up = 0
    while f"to_rgbs.{n_up}.conv.weight" in state:
        n_up += 1
    resolution = 4 * 2 ** n_up
    out: dict[str, torch.Tensor] = {}
    for i in range(n_mlp):
        out[f"mapping.fc{i}.weight"] = _get(state, f"style.{i + 1}.weight", (w_dim, w_dim), f"({w_dim}, {w_dim})")
        out[f"mapping.fc{i}.bias"] = _get(state, f"style.{i + 1}.bias", (w_dim,), f"({w_dim},)")
    const = _get(state, "input.input", (1, None, 4, 4), "(1, C4, 4, 4)")
    c4 = int(const.shape[1])
    channels = {4: c4}
    out["synthesis.b4.const"] = const[0]
    c = _modconv(state, "conv1", "synthesis.b4.conv1", out, c4, w_dim, "noises.noise_0")
    _modconv(state, "to_rgb1", "synthesis.b4.torgb", out, c, w_dim, None)
    for j in range(n_up):
        r = 8 * 2 ** j
        _check_fir(state, f"convs.{2 * j}.conv.blur.kernel")
        _check_fir(state, f"to_rgbs.{j}.upsample.kernel")
        c = _modconv(state, f"convs.{2 * j}", f"synthesis.b{r}.conv0", out, c, w_dim, f"noises.noise_{2 * j + 1}")
        c = _modconv(state, f"convs.{2 * j + 1}", f"synthesis.b{r}.conv1", out, c, w_dim, f"noises.noise_{2 * j + 2}")
        _modconv(state, f"to_rgbs.{j}", f"synthesis.b{r}.torgb", out, c, w_dim, None)
        channels[r] = c
    for key, v in list(out.items()):
        if key.endswith("noise_const"):
            r = int(key.split(".")[1][1:])
            if tuple(v.shape) != (r, r):
                raise ModelLoadError(f"noise buffer for '{key}' has shape {tuple(v.shape)[-2:]}, expected ({r}, {r})")
    config: dict[str, Any] = {
        "z_dim": w_dim, "w_dim": w_dim, "img_resolution": resolution, "img_channels": int(rgb.shape[1]),
        "channels": channels, "architecture": "skip", "conv_clamp": None, "mapping_layers": n_mlp,
        "mapping_lr_multiplier": 0.01,
    }
    return config, out


def _w_avg(net: Any, latent_avg: Any) -> torch.Tensor:
    if isinstance(latent_avg, torch.Tensor):
        avg = latent_avg.detach().to("cpu", torch.float32).reshape(-1)
        if avg.numel() != net.w_dim:
            raise ModelLoadError(f"key 'latent_avg' has shape {tuple(latent_avg.shape)}, expected ({net.w_dim},)")
        return avg
    gen = torch.Generator().manual_seed(W_AVG_SEED)
    z = torch.randn(W_AVG_SAMPLES, net.z_dim, generator=gen)
    with torch.inference_mode():
        return net.mapping(z, None)[:, 0].mean(0)


class _Reader:
    name = "rosinality StyleGAN2 .pt"
    container = "torch"

    def matches(self, obj: Any) -> bool:
        return g_ema_state(obj) is not None

    def build(self, obj: Any, device: str, source: str) -> Any:
        from ..nets.stylegan2 import StyleGAN2Model
        from .stylegan2_convert import build_converted

        state = g_ema_state(obj)
        assert state is not None
        config, canon = convert_rosinality(state)
        net = build_converted(config, canon)
        net.mapping.w_avg.copy_(_w_avg(net, obj.get("latent_avg")))
        return StyleGAN2Model(net, name=Path(source).stem, source=source)


READER = _Reader()
