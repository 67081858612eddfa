"""LPIPS (Zhang et al. 2018, "The Unreasonable Effectiveness of Deep Features as a Perceptual Metric")
over VGG16 features, for projection.

Written here rather than imported: the VGG16 feature stack is 13 3×3 convolutions with ReLUs and five
max-pools (torchvision's `features` layout, so its weights load by their names), and LPIPS adds a
per-channel weight on the squared difference of unit-normalised features at the five relu_x_y taps.
Weights are plain tensor files — safetensors, or a `.pth` read with `torch.load(weights_only=True)` —
never code. Two catalogue entries (resources/catalogue.json) download them: `lpips-vgg16-features`
and `lpips-vgg-linear`; `find_lpips()` returns a ready metric once both are in the download folder.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import torch
import torch.nn as nn
import torch.nn.functional as F

# (out channels of each conv, "M" = 2×2 max-pool): VGG16 configuration "D"
VGG16_LAYOUT = (64, 64, "M", 128, 128, "M", 256, 256, 256, "M", 512, 512, 512, "M", 512, 512, 512)
TAP_CHANNELS = (64, 128, 256, 512, 512)  # relu1_2, relu2_2, relu3_3, relu4_3, relu5_3
VGG_ENTRY = "lpips-vgg16-features"
LINEAR_ENTRY = "lpips-vgg-linear"


class PerceptualWeightsError(ValueError):
    """The VGG16 or LPIPS weight files are missing, unreadable or of the wrong layout; one line."""


class VGG16Features(nn.Module):
    """torchvision's `vgg16().features[:30]`, returning the five relu_x_y feature maps LPIPS reads."""

    def __init__(self, widths: tuple = VGG16_LAYOUT) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        self.taps: list[int] = []  # indices in `features` after which a tap is taken
        c_in, convs_in_block = 3, 0
        for spec in widths:
            if spec == "M":
                self.taps.append(len(layers) - 1)  # the ReLU right before the pool
                layers.append(nn.MaxPool2d(2, 2))
                convs_in_block = 0
            else:
                layers += [nn.Conv2d(c_in, int(spec), 3, padding=1), nn.ReLU(inplace=False)]
                c_in, convs_in_block = int(spec), convs_in_block + 1
        self.taps.append(len(layers) - 1)
        self.features = nn.Sequential(*layers)

    def forward(self, x: torch.Tensor) -> list[torch.Tensor]:
        out = []
        for i, layer in enumerate(self.features):
            x = layer(x)
            if i in self.taps:
                out.append(x)
                if len(out) == len(self.taps):
                    break
        return out


class LPIPS(nn.Module):
    """Distance between images in [0, 1], (n, 3, H, W) each → (n,). Frozen; gradients reach inputs."""

    # LPIPS's input normalisation (its ScalingLayer), for inputs in [-1, 1]
    shift = (-0.030, -0.088, -0.188)
    scale = (0.458, 0.448, 0.450)

    def __init__(self, vgg: VGG16Features, linear: list[torch.Tensor], min_size: int = 64) -> None:
        super().__init__()
        self.vgg = vgg.eval().requires_grad_(False)
        if len(linear) != len(vgg.taps):
            raise PerceptualWeightsError(f"LPIPS needs {len(vgg.taps)} linear layers, got {len(linear)}")
        self.lin = nn.ParameterList([nn.Parameter(w.reshape(1, -1, 1, 1).float(), requires_grad=False)
                                     for w in linear])
        self.register_buffer("_shift", torch.tensor(self.shift).view(1, 3, 1, 1))
        self.register_buffer("_scale", torch.tensor(self.scale).view(1, 3, 1, 1))
        self.min_size = min_size  # tiny images are upsampled first: VGG's fifth block needs ≥ 16 px

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        if a.shape[-1] < self.min_size:
            a = F.interpolate(a, size=(self.min_size, self.min_size), mode="bilinear", align_corners=False)
            b = F.interpolate(b, size=(self.min_size, self.min_size), mode="bilinear", align_corners=False)
        fa = self.vgg((a * 2 - 1 - self._shift) / self._scale)
        fb = self.vgg((b * 2 - 1 - self._shift) / self._scale)
        total = torch.zeros(a.shape[0], device=a.device)
        for x, y, w in zip(fa, fb, self.lin, strict=True):
            x = x / (x.square().sum(1, keepdim=True).sqrt() + 1e-10)
            y = y / (y.square().sum(1, keepdim=True).sqrt() + 1e-10)
            total = total + ((x - y).square() * w).sum(1).mean((1, 2))
        return total


# -- weights ------------------------------------------------------------------------------------------
def read_tensors(path: str | Path) -> dict[str, torch.Tensor]:
    """A flat name → tensor mapping from a safetensors file or a weights-only `.pth`; no code runs."""
    p = Path(path)
    try:
        if p.suffix == ".safetensors":
            from safetensors.torch import load_file

            return dict(load_file(str(p), device="cpu"))
        obj = torch.load(p, map_location="cpu", weights_only=True)
    except FileNotFoundError:
        raise PerceptualWeightsError(f"{p}: no such file") from None
    except Exception as e:  # noqa: BLE001 — safetensors/torch raise many types for bad files
        why = (str(e).strip().splitlines() or [type(e).__name__])[0][:160]
        raise PerceptualWeightsError(f"{p.name}: not a readable weights file ({why})") from None
    if isinstance(obj, Mapping) and "state_dict" in obj and isinstance(obj["state_dict"], Mapping):
        obj = obj["state_dict"]
    if not isinstance(obj, Mapping):
        raise PerceptualWeightsError(f"{p.name}: expected a mapping of tensors")
    return {str(k): v for k, v in obj.items() if isinstance(v, torch.Tensor)}


def vgg_from_tensors(tensors: Mapping[str, torch.Tensor], name: str = "VGG16 weights") -> VGG16Features:
    """VGG16 features from torchvision-named tensors (`features.N.weight`, any prefix before it)."""
    net = VGG16Features()
    want = net.features.state_dict()
    found: dict[str, torch.Tensor] = {}
    for key in want:
        full = f"features.{key}"
        hits = [v for k, v in tensors.items() if k in (key, full) or k.endswith("." + full)]
        if not hits:
            raise PerceptualWeightsError(f"{name}: '{full}' is missing (not VGG16 in torchvision's layout)")
        if tuple(hits[0].shape) != tuple(want[key].shape):
            raise PerceptualWeightsError(f"{name}: '{full}' has shape {tuple(hits[0].shape)}, "
                                         f"VGG16 needs {tuple(want[key].shape)}")
        found[key] = hits[0].float()
    net.features.load_state_dict(found)
    return net


def linear_from_tensors(tensors: Mapping[str, torch.Tensor], name: str = "LPIPS weights") -> list[torch.Tensor]:
    """The five per-channel weights, from the `lpips` package's layout (`lin{k}.model.1.weight`) or
    a plain `lin{k}.weight`."""
    out = []
    for k, c in enumerate(TAP_CHANNELS):
        hits = [v for key, v in tensors.items() if key in (f"lin{k}.model.1.weight", f"lin{k}.weight")]
        if not hits:
            raise PerceptualWeightsError(f"{name}: 'lin{k}' is missing (not LPIPS's linear layers)")
        if hits[0].numel() != c:
            raise PerceptualWeightsError(f"{name}: 'lin{k}' has {hits[0].numel()} weights, VGG tap {k} has {c}")
        out.append(hits[0].float())
    return out


def load_lpips(vgg_path: str | Path, linear_path: str | Path) -> LPIPS:
    """The metric from its two weight files; PerceptualWeightsError (one line) if either is wrong."""
    vgg = vgg_from_tensors(read_tensors(vgg_path), Path(vgg_path).name)
    lin = linear_from_tensors(read_tensors(linear_path), Path(linear_path).name)
    return LPIPS(vgg, lin)


def find_lpips(folder: str | Path, vgg_file: str, linear_file: str) -> LPIPS | None:
    """The metric when both files are in `folder` (the catalogue's download folder), else None."""
    vgg, lin = Path(folder) / vgg_file, Path(folder) / linear_file
    if not (vgg.is_file() and lin.is_file()):
        return None
    return load_lpips(vgg, lin)
