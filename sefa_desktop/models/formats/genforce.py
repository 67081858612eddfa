"""genforce `.pth` checkpoints (the official SeFa code's model zoo): PGGAN, StyleGAN, StyleGAN2.

A file is a dict with `generator_smooth` (the averaged generator, preferred), `generator` and often
`discriminator`; or a bare generator state dict. There is no config inside: the family is told by
its keys, sizes come from tensor shapes and everything else from the classes' defaults
(notes/genforce-formats.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import torch

from ..errors import ModelLoadError
from ..nets.loading import checked_weight

PREFERRED_KEYS = ("generator_smooth", "generator")


def generator_state(obj: Any) -> Mapping[str, torch.Tensor] | None:
    """The generator state dict inside a genforce file (generator_smooth first), or None."""
    if not isinstance(obj, Mapping):
        return None
    # The first wrapper key present decides: a damaged generator_smooth must never make us fall
    # back silently to the (non-averaged) generator.
    inner = next((obj[k] for k in PREFERRED_KEYS if isinstance(obj.get(k), Mapping)), obj)
    return inner if family_of(inner) is not None else None


def family_of(state: Mapping[str, Any]) -> str | None:
    """'pggan' | 'stylegan' | 'stylegan2' from the characteristic keys, else None."""
    if "synthesis.early_layer.const" in state and "synthesis.layer0.style.weight" in state:
        return "stylegan2"
    if "synthesis.layer0.const" in state and "synthesis.layer0.style.weight" in state:
        return "stylegan"
    w0 = state.get("layer0.weight")
    if "output0.weight" in state and getattr(w0, "ndim", 0) == 4 and tuple(w0.shape[2:]) == (4, 4):
        return "pggan"
    return None


def _recognised(obj: Any) -> str:
    if not isinstance(obj, Mapping):
        return f"content of type {type(obj).__name__}"
    keys = list(obj.keys())
    return "top-level keys: " + ", ".join(map(str, keys[:8])) + ("…" if len(keys) > 8 else "")


class _Reader:
    name = "genforce .pth"
    container = "torch"

    def matches(self, obj: Any) -> bool:
        return generator_state(obj) is not None

    def build(self, obj: Any, device: str, source: str) -> Any:
        state = generator_state(obj)
        if state is None:
            raise ModelLoadError(f"not a genforce generator ({_recognised(obj)})")
        state = {k: v for k, v in state.items() if isinstance(v, torch.Tensor)}
        family = family_of(state)
        name = Path(source).stem
        if family == "pggan":
            from ..nets.pggan import PGGANModel, build_pggan
            return PGGANModel(build_pggan(state), name=name, source=source)
        if family == "stylegan":
            from ..nets.stylegan import StyleGANModel, build_stylegan
            return StyleGANModel(build_stylegan(state), name=name, source=source)
        if family == "stylegan2":
            return build_genforce_stylegan2(state, name, source)
        raise ModelLoadError(f"unknown genforce generator layout ({_recognised(state)})")


def convert_genforce_stylegan2(state: Mapping[str, torch.Tensor]) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    """(config, canonical NVIDIA-layout state) from a genforce StyleGAN2 generator state dict.

    Renames: dense{i} → fc{i}; early_layer.const → b4.const; layer0 → b4.conv1; layer{2j−1} →
    b{r}.conv0 (upsampling); layer{2j} → b{r}.conv1; output{j} → b{r}.torgb; style → affine.
    Arithmetic differences: genforce adds 1 to every style at run time (TF convention) where NVIDIA
    initialises the affine bias to 1, so affine.bias = style.bias + 1; genforce's transposed conv
    uses the spatially flipped kernel, NVIDIA's the kernel as stored, so conv0 weights are flipped.
    """
    def get(key: str, shape: tuple[int | None, ...], what: str) -> torch.Tensor:
        v = state.get(key)
        if not isinstance(v, torch.Tensor):
            raise ModelLoadError(f"genforce StyleGAN2 checkpoint is missing key '{key}' (expected shape {what})")
        if v.ndim != len(shape) or any(s is not None and int(d) != s for d, s in zip(v.shape, shape, strict=True)):
            raise ModelLoadError(f"key '{key}' has shape {tuple(v.shape)}, expected {what}")
        return checked_weight(key, v.detach().to("cpu"), torch.float32)

    if "synthesis.layer0.const" in state or any(k.startswith("synthesis.layer") and ".skip" in k for k in state):
        raise ModelLoadError("genforce StyleGAN2 'resnet' architecture is not supported (broken in the reference code)")
    n_map = 0
    while f"mapping.dense{n_map}.weight" in state:
        n_map += 1
    z_dim = int(get("mapping.dense0.weight", (None, None), "(mapping_fmaps, z_dim)").shape[1])
    w_dim = int(get(f"mapping.dense{n_map - 1}.weight", (None, None), "(w_dim, mapping_fmaps)").shape[0])
    out: dict[str, torch.Tensor] = {}
    prev = z_dim
    for i in range(n_map):
        w = get(f"mapping.dense{i}.weight", (None, prev), f"(out, {prev})")
        out[f"mapping.fc{i}.weight"] = w
        out[f"mapping.fc{i}.bias"] = get(f"mapping.dense{i}.bias", (int(w.shape[0]),), f"({int(w.shape[0])},)")
        prev = int(w.shape[0])
    out["mapping.w_avg"] = get("truncation.w_avg", (w_dim,), f"({w_dim},)")
    const = get("synthesis.early_layer.const", (1, None, 4, 4), "(1, C4, 4, 4)")
    out["synthesis.b4.const"] = const[0]
    channels = {4: int(const.shape[1])}
    num_layers = 0
    while f"synthesis.layer{num_layers}.weight" in state:
        num_layers += 1
    skip = f"synthesis.output{num_layers // 2 - 1}.weight" in state and "synthesis.output0.weight" in state
    last = num_layers // 2  # index of the last output{b} ('origin' has only this one)
    if f"synthesis.output{last}.weight" not in state:
        raise ModelLoadError(f"genforce StyleGAN2 checkpoint is missing key 'synthesis.output{last}.weight' "
                             "(expected shape (3, C, 1, 1))")
    cin = channels[4]
    for i in range(num_layers):
        b = (i + 1) // 2
        r = 4 * 2 ** b
        dst = "conv1" if i % 2 == 0 else "conv0"
        src = f"synthesis.layer{i}"
        w = get(f"{src}.weight", (None, cin, 3, 3), f"(out, {cin}, 3, 3)")
        cout = int(w.shape[0])
        if i % 2 == 1:
            w = w.flip([2, 3])
            _check_kernel(state, f"{src}.filter.kernel")
        pre = f"synthesis.b{r}.{dst}"
        out[f"{pre}.weight"] = w
        out[f"{pre}.bias"] = get(f"{src}.bias", (cout,), f"({cout},)")
        out[f"{pre}.noise_strength"] = get(f"{src}.noise_strength", (), "()")
        out[f"{pre}.noise_const"] = get(f"{src}.noise", (1, 1, r, r), f"(1, 1, {r}, {r})")[0, 0]
        out[f"{pre}.affine.weight"] = get(f"{src}.style.weight", (cin, w_dim), f"({cin}, {w_dim})")
        out[f"{pre}.affine.bias"] = get(f"{src}.style.bias", (cin,), f"({cin},)") + 1
        channels[r] = cin = cout
    _check_kernel(state, "synthesis.upsample.kernel")
    for b in range(last + 1):
        src = f"synthesis.output{b}"
        if not skip and b != last:
            continue
        c = channels[4 * 2 ** b]
        w = get(f"{src}.weight", (None, c, 1, 1), f"(3, {c}, 1, 1)")
        pre = f"synthesis.b{4 * 2 ** b}.torgb"
        out[f"{pre}.weight"] = w
        out[f"{pre}.bias"] = get(f"{src}.bias", (int(w.shape[0]),), f"({int(w.shape[0])},)")
        out[f"{pre}.affine.weight"] = get(f"{src}.style.weight", (c, w_dim), f"({c}, {w_dim})")
        out[f"{pre}.affine.bias"] = get(f"{src}.style.bias", (c,), f"({c},)") + 1
    config: dict[str, Any] = {
        "z_dim": z_dim, "w_dim": w_dim, "img_resolution": 4 * 2 ** last,
        "img_channels": int(out[f"synthesis.b{4 * 2 ** last}.torgb.weight"].shape[0]),
        "channels": channels, "architecture": "skip" if skip else "orig", "conv_clamp": None,
        "mapping_layers": n_map, "mapping_lr_multiplier": 0.01,
        "mapping_layer_features": int(out["mapping.fc0.weight"].shape[0]) if n_map > 1 else None,
    }
    return config, out


def _check_kernel(state: Mapping[str, torch.Tensor], key: str) -> None:
    """genforce stores its FIR kernels; we rebuild them, so they must be the standard [1,3,3,1]."""
    k = state.get(key)
    if k is None:
        return
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = f.outer(f)
    k = k.detach().to("cpu", torch.float32).reshape(-1)
    if k.numel() != 16 or not torch.allclose(k / k.sum(), (f / f.sum()).reshape(-1), atol=1e-6):
        raise ModelLoadError(f"key '{key}' is not the [1,3,3,1] FIR kernel this loader supports")


def genforce_stylegan2_state(net: Any) -> dict[str, torch.Tensor]:
    """The genforce StyleGAN2 state dict (names, shapes and conventions of the official
    `StyleGAN2Generator.state_dict()`, buffers included) of one of our StyleGAN2Generators: the exact
    inverse of `convert_genforce_stylegan2`. Only what genforce can express: 'skip' or 'orig', no
    conv clamp, no labels, the [1,3,3,1] filter, noise on every layer."""
    syn, mp = net.synthesis, net.mapping
    if syn.architecture not in ("skip", "orig"):
        raise ValueError(f"genforce cannot hold a StyleGAN2 '{syn.architecture}' generator")
    if net.c_dim or not mp.z_dim:
        raise ValueError("genforce cannot hold a conditional StyleGAN2 generator")
    f = torch.tensor([1.0, 3.0, 3.0, 1.0])
    f = torch.outer(f, f)
    kernel = (f / f.sum() * 4).reshape(1, 1, 4, 4)  # genforce stores the ×2 upsampling gain (sum 4)
    for r in syn.block_resolutions:
        blk = getattr(syn, f"b{r}")
        layers = [blk.conv1] + ([blk.conv0] if blk.in_channels else [])
        if any(la.conv_clamp is not None or not la.use_noise for la in layers):
            raise ValueError("genforce cannot hold a StyleGAN2 generator with conv clamping or without noise")
        if not torch.allclose(blk.resample_filter.cpu(), f / f.sum(), atol=1e-6):
            raise ValueError("genforce cannot hold a StyleGAN2 generator with a non-[1,3,3,1] filter")

    def t(x: torch.Tensor) -> torch.Tensor:
        return x.detach().to("cpu", torch.float32).clone().contiguous()

    out: dict[str, torch.Tensor] = {}
    for i in range(mp.num_layers):
        fc = getattr(mp, f"fc{i}")
        out[f"mapping.dense{i}.weight"], out[f"mapping.dense{i}.bias"] = t(fc.weight), t(fc.bias)
    out["truncation.w_avg"] = t(mp.w_avg)
    out["synthesis.early_layer.const"] = t(syn.b4.const)[None]

    def layer(pre: str, la: Any, r: int, flip: bool) -> None:
        out[f"{pre}.weight"] = t(la.weight.flip([2, 3]) if flip else la.weight)
        out[f"{pre}.bias"] = t(la.bias)
        out[f"{pre}.noise_strength"] = t(la.noise_strength)
        out[f"{pre}.noise"] = t(la.noise_const).reshape(1, 1, r, r)
        if flip:
            out[f"{pre}.filter.kernel"] = kernel.clone()
        out[f"{pre}.style.weight"] = t(la.affine.weight)
        out[f"{pre}.style.bias"] = t(la.affine.bias) - 1  # genforce adds the 1 at run time

    for b, r in enumerate(syn.block_resolutions):
        blk = getattr(syn, f"b{r}")
        if b == 0:
            layer("synthesis.layer0", blk.conv1, r, flip=False)
        else:
            layer(f"synthesis.layer{2 * b - 1}", blk.conv0, r, flip=True)
            layer(f"synthesis.layer{2 * b}", blk.conv1, r, flip=False)
        if blk.has_torgb:
            pre = f"synthesis.output{b}"
            out[f"{pre}.weight"], out[f"{pre}.bias"] = t(blk.torgb.weight), t(blk.torgb.bias)
            out[f"{pre}.style.weight"] = t(blk.torgb.affine.weight)
            out[f"{pre}.style.bias"] = t(blk.torgb.affine.bias) - 1
    out["synthesis.upsample.kernel"] = kernel.clone()
    return out


def build_genforce_stylegan2(state: Mapping[str, torch.Tensor], name: str, source: str) -> Any:
    from ..nets.stylegan2 import StyleGAN2Model
    from .stylegan2_convert import build_converted

    config, canon = convert_genforce_stylegan2(state)
    return StyleGAN2Model(build_converted(config, canon), name=name, source=source)


READER = _Reader()
