"""BigGAN-deep in the pytorch-pretrained-biggan layout: `pytorch_model.bin` (a state dict) + `config.json`.

Two ways in: the folder holding both files (container "dir"), or the .bin itself (container "torch",
recognised by its key set) with config.json beside it. The network shape comes from config.json — the
up-sampling flags of the blocks cannot be read from tensor shapes — and every tensor is checked against it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..errors import ModelLoadError
from ..nets.biggan import BIGGAN_KEYS, BigGANConfig, BigGANModel, build_biggan, is_biggan_state
from .containers import sniff_container, torch_load_safely

WEIGHTS_NAME = "pytorch_model.bin"
CONFIG_NAME = "config.json"


def read_config(path: Path) -> BigGANConfig:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelLoadError(f"BigGAN weights need {CONFIG_NAME} beside them ({path} not found)") from None
    except (OSError, UnicodeDecodeError, ValueError) as e:
        raise ModelLoadError(f"{path.name}: not a readable JSON file ({e})") from None
    if not isinstance(data, dict):
        raise ModelLoadError(f"{path.name}: expected a JSON object with the BigGAN config")
    return BigGANConfig.from_json(data)


def build_model(state: Any, config_path: Path, source: str, name: str) -> BigGANModel:
    if not is_biggan_state(state):
        missing = [k for k in BIGGAN_KEYS if k not in state] if isinstance(state, dict) else list(BIGGAN_KEYS)
        raise ModelLoadError(f"not a pytorch-pretrained-biggan state dict (missing '{missing[0]}')")
    cfg = read_config(config_path)
    return BigGANModel(build_biggan(state, cfg), name=name, source=source)


class _DirReader:
    name = "pytorch-pretrained-biggan folder"
    container = "dir"

    def matches(self, obj: Any) -> bool:
        # The weights file alone claims the folder, so a missing config.json gets a clear message.
        return (Path(obj) / WEIGHTS_NAME).is_file()

    def build(self, obj: Any, device: str, source: str) -> BigGANModel:
        folder = Path(obj)
        weights = folder / WEIGHTS_NAME
        if sniff_container(weights) != "torch":
            raise ModelLoadError(f"{weights}: not a torch checkpoint")
        state = torch_load_safely(weights)
        return build_model(state, folder / CONFIG_NAME, source, folder.name)


class _BinReader:
    name = "pytorch-pretrained-biggan weights"
    container = "torch"

    def matches(self, obj: Any) -> bool:
        return is_biggan_state(obj)

    def build(self, obj: Any, device: str, source: str) -> BigGANModel:
        path = Path(source)
        name = path.parent.name if path.name == WEIGHTS_NAME and path.parent.name else path.stem
        return build_model(obj, path.parent / CONFIG_NAME, source, name)


DIR_READER = _DirReader()
READER = _BinReader()
