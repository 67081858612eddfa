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

from .bundled_safetensors import READER as BUNDLED_SAFETENSORS
from .dcgan_state import READER as DCGAN_STATE
from .genforce import READER as GENFORCE
from .nvidia_pickle import READER as NVIDIA_PICKLE
from .rosinality import READER as ROSINALITY

READERS = [
    BUNDLED_SAFETENSORS,
    DCGAN_STATE,
    NVIDIA_PICKLE,
    GENFORCE,
    ROSINALITY,
]
