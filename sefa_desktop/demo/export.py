"""Export a trained demo generator into our bundled format (safetensors + JSON card)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import torch
from safetensors.torch import save_file

from ..models.formats.bundled_safetensors import FORMAT_TAG
from ..models.nets.stylegan2 import StyleGAN2Generator
from ..util.atomic import atomic_path, atomic_write_bytes


@torch.no_grad()
def set_w_avg(G: StyleGAN2Generator, n: int = 10_000, seed: int = 0) -> None:
    """Training does not track w_avg (no truncation is used there): estimate it as the mean mapped w."""
    g = torch.Generator().manual_seed(seed)
    z = torch.randn(n, G.z_dim, generator=g)
    G.mapping.w_avg.copy_(G.mapping(z, None)[:, 0].mean(dim=0))


def export_generator(G: StyleGAN2Generator, config: dict[str, Any], folder: Path, name: str,
                     card: dict[str, Any]) -> Path:
    """Write `<folder>/<name>.safetensors` (+ `<name>.json` card); returns the weights path."""
    state = {k: v.detach().float().contiguous().clone() for k, v in G.state_dict().items()}
    meta = {"format": FORMAT_TAG, "family": "stylegan2", "name": name, "config": json.dumps(config)}
    weights = folder / f"{name}.safetensors"
    with atomic_path(weights) as tmp:
        save_file(state, str(tmp), metadata=meta)
    full = {"name": name, "family": "stylegan2", "resolution": int(config["img_resolution"]),
            "weights": weights.name, **card}
    atomic_write_bytes(folder / f"{name}.json", (json.dumps(full, indent=2, ensure_ascii=False) + "\n").encode())
    return weights
