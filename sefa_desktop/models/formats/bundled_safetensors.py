"""Our own weights format: a safetensors file whose metadata names the family and config.

metadata keys: `format` = "sefa-desktop/1", `family` ("dcgan" | "stylegan2"), `name`, `config`
(JSON; for "stylegan2" the `build_stylegan2` config dict, state = canonical NVIDIA names). Used for the
bundled models (safetensors never executes code and loads by memory map).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from safetensors import safe_open
from safetensors.torch import load_file

from ..errors import ModelLoadError
from ..nets.dcgan import DCGANModel, build_dcgan
from ..nets.stylegan2 import StyleGAN2Model, build_stylegan2

FORMAT_TAG = "sefa-desktop/1"


def read_metadata(path: Path) -> dict[str, str]:
    try:
        with safe_open(str(path), framework="pt") as f:
            return dict(f.metadata() or {})
    except Exception as e:  # safetensors raises its own error types
        raise ModelLoadError(f"{path.name}: not a readable safetensors file: {e}") from None


class _Reader:
    name = "sefa-desktop safetensors"
    container = "safetensors"

    def matches(self, obj: Any) -> bool:
        return read_metadata(Path(obj)).get("format") == FORMAT_TAG

    def build(self, obj: Any, device: str, source: str) -> Any:
        path = Path(obj)
        meta = read_metadata(path)
        family = meta.get("family", "")
        name = meta.get("name") or path.stem
        try:
            config = json.loads(meta.get("config", "{}"))
        except ValueError as e:
            raise ModelLoadError(f"{path.name}: metadata 'config' is not valid JSON: {e}") from None
        if not isinstance(config, dict):
            raise ModelLoadError(f"{path.name}: metadata 'config' must be a JSON object")
        try:
            state = load_file(str(path), device="cpu")
        except Exception as e:
            raise ModelLoadError(f"{path.name}: corrupt safetensors data: {e}") from None
        if family == "dcgan":
            return DCGANModel(build_dcgan(state), name=name, source=source)
        if family == "stylegan2":  # config = the build_stylegan2 dict (nets/stylegan2.py docstring)
            return StyleGAN2Model(build_stylegan2(config, state), name=name, source=source)
        raise ModelLoadError(f"{path.name}: unsupported family '{family}' in sefa-desktop weights file")


READER = _Reader()
