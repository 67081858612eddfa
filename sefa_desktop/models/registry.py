"""load_model(): resolve a bundled name or a path, sniff the container, pick the reader.

Every failure, whatever its cause, surfaces as ModelLoadError with one clear line.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..resources import bundled_models_dir
from . import budget
from .base import BaseGanModel
from .errors import ModelLoadError
from .formats import READERS
from .formats.containers import sniff_container, torch_load_safely

DEFAULT_MODEL = "digiface-dcgan64"


@dataclass(frozen=True)
class BundledModel:
    name: str
    family: str
    resolution: int
    description: str
    licence: str
    path: Path


def bundled_models() -> list[BundledModel]:
    """The models shipped in resources/models: each `<name>.json` card beside its weights."""
    out = []
    folder = bundled_models_dir()
    for card in sorted(folder.glob("*.json")):
        try:
            meta = json.loads(card.read_text(encoding="utf-8"))
            out.append(BundledModel(
                name=meta["name"], family=meta["family"], resolution=int(meta["resolution"]),
                description=meta.get("description", ""), licence=meta.get("licence", ""),
                path=folder / meta["weights"]))
        except (OSError, ValueError, KeyError):
            continue  # a broken card hides that model, never the others
    return out


def resolve_bundled(name: str) -> BundledModel | None:
    return next((m for m in bundled_models() if m.name == name), None)


def load_model(path_or_name: str | Path, device: str = "cpu") -> BaseGanModel:
    """Load a generator from a bundled model name or a checkpoint path."""
    try:
        model = _load(path_or_name)
        return model.to(device)
    except ModelLoadError:
        raise
    except MemoryError:
        raise ModelLoadError(f"{_label(path_or_name)}: out of memory while loading") from None
    except Exception as e:  # any other failure is still a load failure, never a crash
        msg = str(e).strip().splitlines()[0] if str(e).strip() else ""
        raise ModelLoadError(f"{_label(path_or_name)}: could not be loaded ({type(e).__name__}: {msg})") \
            from None


def _label(p: str | Path) -> str:
    return Path(p).name if str(p) else "<empty path>"


def _load(path_or_name: str | Path) -> BaseGanModel:
    path, source, bundled = _resolve(path_or_name)
    with budget.load_budget(budget.checkpoint_bytes(path)):
        return _read(path, source, bundled)


def _resolve(path_or_name: str | Path) -> tuple[Path, str, BundledModel | None]:
    bundled = resolve_bundled(str(path_or_name)) if isinstance(path_or_name, str) else None
    if bundled is not None:
        if not bundled.path.is_file():
            raise ModelLoadError(f"bundled model '{bundled.name}' is missing its weights ({bundled.path})")
        path, source = bundled.path, bundled.name
    else:
        path = Path(path_or_name).expanduser()
        source = str(path)
        if not path.exists() and isinstance(path_or_name, str):
            path = _catalogue_path(path_or_name) or path
        if not path.exists():
            names = ", ".join(m.name for m in bundled_models()) or "none"
            raise ModelLoadError(f"{path}: no such file or bundled model (bundled: {names})")
    return path, source, bundled


def _read(path: Path, source: str, bundled: BundledModel | None) -> BaseGanModel:
    try:
        return _read_container(path, source, bundled)
    except ModelLoadError as e:  # every message names the file it is about
        msg = str(e)
        if msg.startswith((path.name, str(path), "bundled model", "'")):
            raise
        raise ModelLoadError(f"{path.name}: {msg}") from None


def _read_container(path: Path, source: str, bundled: BundledModel | None) -> BaseGanModel:
    container = sniff_container(path) if path.is_file() or path.is_dir() else "unknown"
    if container == "unknown":
        raise ModelLoadError(f"{path.name}: not a checkpoint we recognise (not a torch, pickle or "
                             "safetensors file)")
    obj: Any = torch_load_safely(path) if container == "torch" else path
    for reader in READERS:
        if reader.container == container and reader.matches(obj):
            model = reader.build(obj, "cpu", source)
            if bundled is not None:
                model.name = bundled.name
            return model
    raise ModelLoadError(f"{path.name}: {container} file of an unknown layout ({_summary(obj)})")


def _catalogue_path(name: str) -> Path | None:
    """A catalogue entry's downloaded file; a known entry not yet downloaded is a clear error."""
    from .catalogue import GENERATOR_FAMILIES, load_catalogue_or_empty

    catalogue, _ = load_catalogue_or_empty()
    entry = catalogue.get(name)
    if entry is None:
        return None
    if entry.family not in GENERATOR_FAMILIES:
        raise ModelLoadError(f"'{name}' is not a generator but {entry.family} weights "
                             "(for labels and text search)")
    if entry.is_present():
        return entry.local_path()
    raise ModelLoadError(f"'{name}' is in the model catalogue but not downloaded yet: "
                         f"run `sefa-desktop download {name}` or use the model browser")


def _summary(obj: Any) -> str:
    """What we did recognise, for the error message."""
    if isinstance(obj, dict):
        keys = list(obj.keys())[:8]
        more = "…" if len(obj) > 8 else ""
        return f"top-level keys: {', '.join(map(str, keys))}{more}"
    return f"content of type {type(obj).__name__}"
