"""CLIP for labels and text search: an open_clip model built from its config, weights from safetensors.

Weights are read with safetensors (no code runs) into a model that open_clip builds from its own
config (`create_model(arch, pretrained=None)`: random initialisation, nothing downloaded); the file's
tensors must match that model's state dict exactly (open_clip's own layout, as in the Hub's
`open_clip_model.safetensors`). The catalogue entry `clip-vit-b-32-laion2b` lists the real ViT-B/32.

open_clip imports torchvision at import time (for training transforms we never use). A torchvision
built for another torch (the CUDA wheel next to a CPU torch: "operator torchvision::nms does not
exist") cannot be imported at all; then `import_open_clip` installs a minimal stand-in package
under that name that only satisfies open_clip's imports, so open_clip's models and tokenizer work.
Images are preprocessed here in torch (resize, normalise), never by torchvision.
"""

from __future__ import annotations

import importlib
import sys
import types
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F

from .errors import ModelLoadError

DEFAULT_ARCH = "ViT-B-32"
CATALOGUE_NAME = "clip-vit-b-32-laion2b"
INSTALL_HINT = "CLIP needs open_clip_torch: pip install 'sefa-desktop[clip]'"


class _Unavailable:
    """What open_clip imports from torchvision but sefa-desktop never calls."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        raise RuntimeError("torchvision cannot be imported here; sefa-desktop preprocesses CLIP input itself")


def _torchvision_stand_in() -> dict[str, types.ModuleType]:
    import enum

    class InterpolationMode(enum.Enum):  # the names open_clip reads at import time
        NEAREST = "nearest"
        BILINEAR = "bilinear"
        BICUBIC = "bicubic"

    root = types.ModuleType("torchvision")
    root.__path__ = []  # a package, so submodule imports resolve through sys.modules
    root.__sefa_stand_in__ = True
    transforms = types.ModuleType("torchvision.transforms")
    transforms.__path__ = []
    for name in ("Normalize", "Compose", "RandomResizedCrop", "ToTensor", "Resize", "CenterCrop",
                 "ColorJitter", "Grayscale", "RandomGrayscale", "RandomHorizontalFlip", "Lambda"):
        setattr(transforms, name, type(name, (_Unavailable,), {}))
    transforms.InterpolationMode = InterpolationMode
    functional = types.ModuleType("torchvision.transforms.functional")
    functional.InterpolationMode = InterpolationMode
    transforms.functional = functional
    ops = types.ModuleType("torchvision.ops")
    ops.__path__ = []
    misc = types.ModuleType("torchvision.ops.misc")
    misc.FrozenBatchNorm2d = type("FrozenBatchNorm2d", (_Unavailable,), {})
    ops.misc = misc
    root.transforms, root.ops = transforms, ops
    return {"torchvision": root, "torchvision.transforms": transforms,
            "torchvision.transforms.functional": functional, "torchvision.ops": ops, "torchvision.ops.misc": misc}


def _forget(prefixes: Sequence[str]) -> None:
    for name in list(sys.modules):
        if any(name == p or name.startswith(p + ".") for p in prefixes):
            del sys.modules[name]


def import_open_clip() -> Any:
    """The open_clip module; ModelLoadError (one line) when it is not installed."""
    if sys.modules.get("open_clip") is not None:
        return sys.modules["open_clip"]
    try:
        return importlib.import_module("open_clip")
    except ModuleNotFoundError as e:
        if not (e.name or "").startswith("torchvision"):
            missing = "" if (e.name or "").startswith("open_clip") else f" (missing: {e.name})"
            raise ModelLoadError(INSTALL_HINT + missing) from None
    except (RuntimeError, OSError, ImportError, AttributeError):
        pass  # a torchvision that does not fit this torch: go on without it
    _forget(["open_clip", "torchvision", "timm"])
    sys.modules.update(_torchvision_stand_in())
    sys.modules["timm"] = None  # timm (optional to open_clip) would need the real torchvision
    try:
        return importlib.import_module("open_clip")
    except ImportError as e:
        _forget(["open_clip"])
        raise ModelLoadError(f"{INSTALL_HINT} ({e})") from None


class ClipEncoder:
    """An open_clip model with its tokenizer and input size: images and phrases → unit embeddings."""

    def __init__(self, model: torch.nn.Module, tokenizer: Any, name: str, device: str = "cpu") -> None:
        oc = import_open_clip()
        self.model = model.to(device).eval()
        self.tokenizer = tokenizer
        self.name = name
        self.device = torch.device(device)
        cfg = oc.get_model_preprocess_cfg(model)
        size = cfg.get("size", 224)
        self.size = (size, size) if isinstance(size, int) else tuple(size)
        self.mean = torch.tensor(cfg.get("mean", oc.OPENAI_DATASET_MEAN), device=self.device).view(1, 3, 1, 1)
        self.std = torch.tensor(cfg.get("std", oc.OPENAI_DATASET_STD), device=self.device).view(1, 3, 1, 1)

    @property
    def dim(self) -> int:
        return int(self.encode_text(["a"]).shape[1])

    def preprocess(self, images01: torch.Tensor) -> torch.Tensor:
        """(n, 3, H, W) in [0, 1] → the model's input: resized (bicubic, antialiased) and normalised.
        Generator outputs are square; other shapes are resized whole rather than cropped."""
        x = images01.to(self.device, torch.float32)
        if tuple(x.shape[-2:]) != self.size:
            x = F.interpolate(x, size=self.size, mode="bicubic", antialias=True, align_corners=False)
        return (x.clamp(0, 1) - self.mean) / self.std

    @torch.inference_mode()
    def encode_images(self, images01: torch.Tensor, batch: int = 32) -> torch.Tensor:
        out = [self.model.encode_image(self.preprocess(images01[i:i + batch]), normalize=True)
               for i in range(0, len(images01), batch)]
        return torch.cat(out).float().cpu()

    @torch.inference_mode()
    def encode_text(self, phrases: Sequence[str]) -> torch.Tensor:
        tokens = self.tokenizer(list(phrases)).to(self.device)
        return self.model.encode_text(tokens, normalize=True).float().cpu()


def read_clip_state(path: str | Path) -> dict[str, torch.Tensor]:
    """The tensors of a CLIP safetensors file (no code executed); ModelLoadError on a bad file."""
    from safetensors import SafetensorError
    from safetensors.torch import load_file

    p = Path(path)
    if not p.is_file():
        raise ModelLoadError(f"CLIP weights not found: {p} (download them: sefa-desktop download {CATALOGUE_NAME})")
    try:
        return load_file(str(p))
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise ModelLoadError(f"{p.name}: not a readable safetensors file ({str(e).splitlines()[0]})") from None


def load_clip(path: str | Path, arch: str = DEFAULT_ARCH, device: str = "cpu") -> ClipEncoder:
    """A ClipEncoder with `arch` (an open_clip config name) and the weights in `path` (safetensors).
    Every failure is a ModelLoadError with one line."""
    oc = import_open_clip()
    state = read_clip_state(path)
    if arch not in oc.list_models():
        raise ModelLoadError(f"unknown CLIP architecture '{arch}' (open_clip knows e.g. ViT-B-32, ViT-B-16)")
    model = oc.create_model(arch, pretrained=None, device="cpu")
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    extra = sorted(set(state) - set(expected))
    if missing or extra:
        what = f"missing {missing[0]}" if missing else f"unexpected {extra[0]}"
        raise ModelLoadError(f"{Path(path).name}: not {arch} weights in open_clip's layout "
                             f"({len(missing)} missing, {len(extra)} unexpected tensors; {what})")
    bad = [k for k, v in expected.items() if tuple(state[k].shape) != tuple(v.shape)]
    if bad:
        raise ModelLoadError(f"{Path(path).name}: tensor {bad[0]} has shape {tuple(state[bad[0]].shape)}, "
                             f"{arch} needs {tuple(expected[bad[0]].shape)}")
    model.load_state_dict({k: v.to(expected[k].dtype) for k, v in state.items()}, strict=True)
    return ClipEncoder(model, oc.get_tokenizer(arch), f"{arch} ({Path(path).name})", device)


def default_clip_path() -> Path | None:
    """Where the catalogue's CLIP weights land when downloaded (None without a catalogue entry)."""
    from .catalogue import load_catalogue_or_empty

    catalogue, _ = load_catalogue_or_empty()
    entry = catalogue.get(CATALOGUE_NAME)
    return entry.local_path() if entry is not None else None
