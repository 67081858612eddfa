"""A tiny random CLIP built by open_clip's own config machinery, saved in open_clip's safetensors layout
(the layout of the catalogue's real ViT-B/32 file). Nothing is downloaded."""

from __future__ import annotations

import json
from pathlib import Path

TINY_ARCH = "sefa-tiny-clip"
TINY_CONFIG = {
    "embed_dim": 16,
    "vision_cfg": {"image_size": 32, "layers": 1, "width": 32, "patch_size": 8, "head_width": 16},
    "text_cfg": {"context_length": 16, "vocab_size": 49408, "width": 32, "heads": 2, "layers": 1},
}


def register_tiny_clip(folder: Path) -> str:
    """Add the tiny config to open_clip's registry (as add_model_config does for any user config)."""
    from sefa_desktop.models.clip import import_open_clip

    oc = import_open_clip()
    if TINY_ARCH not in oc.list_models():
        path = Path(folder) / f"{TINY_ARCH}.json"
        path.write_text(json.dumps(TINY_CONFIG))
        oc.add_model_config(path)
    return TINY_ARCH


def write_tiny_clip(folder: Path, seed: int = 0) -> tuple[Path, object]:
    """(safetensors path, the open_clip model whose weights it holds)."""
    import torch
    from safetensors.torch import save_file

    from sefa_desktop.models.clip import import_open_clip

    oc = import_open_clip()
    arch = register_tiny_clip(folder)
    torch.manual_seed(seed)
    model = oc.create_model(arch, pretrained=None)
    path = Path(folder) / "tiny-clip.safetensors"
    save_file({k: v.detach().contiguous().clone() for k, v in model.state_dict().items()}, str(path))
    return path, model.eval()
