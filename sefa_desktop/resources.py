"""Where the app's data files live: source checkout, installed package or PyInstaller bundle."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def resources_dir() -> Path:
    """The `resources/` folder (bundled weights, icons, licences)."""
    env = os.environ.get("SEFA_DESKTOP_RESOURCES")
    if env:
        return Path(env)
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "resources"
    return Path(__file__).resolve().parent.parent / "resources"


def bundled_models_dir() -> Path:
    return resources_dir() / "models"
