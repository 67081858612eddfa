"""One reader per on-disk checkpoint format.

A reader is a module-level object with
  - `name`: a short label for error messages ("genforce .pth"),
  - `container`: which container kinds it reads ("torch", "pickle", "safetensors", "dir"),
  - `matches(obj) -> bool`: whether the opened content is this format,
  - `build(obj, device, source) -> GanModel`.
`obj` is what the container gives: the weights-only torch.load result for "torch", the path for
"pickle" and "dir" (those readers parse the file themselves), the path for "safetensors".
Readers are tried in list order; add new ones to READERS.
"""

from __future__ import annotations

from .biggan import DIR_READER as BIGGAN_DIR
from .biggan import READER as BIGGAN_BIN
from .bundled_safetensors import READER as BUNDLED_SAFETENSORS
from .dcgan_state import READER as DCGAN_STATE
from .ganzoo import READER as GANZOO
from .genforce import READER as GENFORCE
from .nvidia_pickle import READER as NVIDIA_PICKLE
from .rosinality import READER as ROSINALITY

READERS = [
    BUNDLED_SAFETENSORS,
    NVIDIA_PICKLE,
    GENFORCE,
    ROSINALITY,
    DCGAN_STATE,
    BIGGAN_BIN,
    BIGGAN_DIR,
    GANZOO,
]
