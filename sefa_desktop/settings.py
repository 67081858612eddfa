"""User folders (platformdirs) and the recent-models list. Tests point XDG_* at a temp folder."""

from __future__ import annotations

import json
import os
from pathlib import Path

import platformdirs

from . import APP_NAME

MAX_RECENT = 12


def data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


def config_dir() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


def cache_dir() -> Path:
    return Path(platformdirs.user_cache_dir(APP_NAME, appauthor=False))


def _recent_file() -> Path:
    return config_dir() / "recent.json"


def recent_models() -> list[str]:
    """Recently opened checkpoints, newest first; a broken file reads as empty."""
    try:
        items = json.loads(_recent_file().read_text(encoding="utf-8"))
        return [str(x) for x in items if isinstance(x, str)][:MAX_RECENT]
    except (OSError, ValueError):
        return []


def add_recent_model(path: str) -> None:
    from .util.atomic import atomic_write_bytes

    items = [path] + [p for p in recent_models() if p != path]
    folder = config_dir()
    try:
        os.makedirs(folder, exist_ok=True)
        atomic_write_bytes(_recent_file(), json.dumps(items[:MAX_RECENT], indent=1).encode())
    except OSError:
        pass  # remembering recents must never break opening a model
