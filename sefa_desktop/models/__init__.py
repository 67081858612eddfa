"""Generator families and checkpoint formats (no Qt)."""

from .base import BaseGanModel, GanModel, LayerInfo
from .errors import ModelLoadError
from .registry import DEFAULT_MODEL, bundled_models, load_model

__all__ = ["BaseGanModel", "GanModel", "LayerInfo", "ModelLoadError", "DEFAULT_MODEL", "bundled_models",
           "load_model"]
