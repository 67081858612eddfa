"""The GanModel contract (see docs/architecture.md) and a base class with its shared plumbing.

Every generator family implements this surface; `core` and the GUI rely on nothing else.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

import numpy as np
import torch


@dataclass(frozen=True)
class LayerInfo:
    """One row of the layer tree. `index` is the W+ row (0 for single-selector models)."""

    index: int
    name: str
    resolution: int
    channels: int | None = None


@runtime_checkable
class GanModel(Protocol):
    family: str
    name: str
    z_dim: int
    w_dim: int | None
    num_layers: int
    resolution: int
    layers: list[LayerInfo]

    def sample_z(self, n: int, seed: int = 0) -> torch.Tensor: ...

    def codes(
        self,
        z: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_layers: int | None = None,
        c: torch.Tensor | None = None,
    ) -> torch.Tensor: ...

    def synthesize(
        self,
        codes: torch.Tensor,
        noise_mode: str = "const",
        truncation_psi: float | None = None,
        max_resolution: int | None = None,
    ) -> torch.Tensor: ...

    def selector_weight(self, layers: list[int] | None = None, compat: str | None = None) -> torch.Tensor: ...


NOISE_MODES = ("const", "random", "none")


class BaseGanModel:
    """Shared behaviour: seeding, device moves, fingerprints, input checks.

    Subclasses set the descriptive attributes and implement `_synthesize` and `selector_weight`.
    """

    family: str = ""
    name: str = ""
    z_dim: int = 0
    w_dim: int | None = None
    num_layers: int = 1
    resolution: int = 0
    layers: list[LayerInfo]
    # Native output range of `synthesize`; used to map images to 8-bit for display.
    image_range: tuple[float, float] = (-1.0, 1.0)
    # The latent the directions live in: "w" for style-based families, "z" otherwise.
    edit_space: str = "z"
    source: str = ""  # the path or bundled name it came from
    num_classes: int = 0  # > 0: class-conditional (BigGAN, conditional StyleGAN2-ADA/StyleGAN3)
    default_class: int = 0  # the class rendered when none is chosen

    def __init__(self) -> None:
        self.device = torch.device("cpu")
        self._fingerprint: str | None = None

    def class_vector(self, c: Any, n: int) -> torch.Tensor:
        """(n, num_classes) float class vectors from None (`default_class`), an int, indices (n,), one
        vector (num_classes,) or vectors (n, num_classes), on the model's device."""
        if c is None:
            c = self.default_class
        if isinstance(c, int):
            c = torch.full((n,), c, dtype=torch.long)
        c = torch.as_tensor(c)
        if c.ndim == 1 and not c.is_floating_point():
            if c.numel() and (int(c.min()) < 0 or int(c.max()) >= self.num_classes):
                raise ValueError(f"class index out of range 0..{self.num_classes - 1}")
            c = torch.nn.functional.one_hot(c.long(), self.num_classes)
        elif c.ndim == 1 and c.shape[0] == self.num_classes:  # one class vector for every code
            c = c[None]
        c = c.to(device=self.device, dtype=torch.float32)
        if c.ndim != 2 or c.shape[1] != self.num_classes:
            raise ValueError(f"c must be class indices (n,) or class vectors (n, {self.num_classes}), "
                             f"got shape {tuple(c.shape)}")
        if c.shape[0] == 1 and n > 1:
            c = c.expand(n, -1)
        if c.shape[0] != n:
            raise ValueError(f"c has {c.shape[0]} rows for {n} codes")
        return c

    # -- devices -------------------------------------------------------------------------------
    def modules(self) -> list[torch.nn.Module]:
        """The torch modules this model owns (moved together by `to`)."""
        return []

    def to(self, device: str | torch.device) -> BaseGanModel:
        self.device = torch.device(device)
        for m in self.modules():
            m.to(self.device)
        return self

    # -- latent codes ----------------------------------------------------------------------------
    def sample_z(self, n: int, seed: int = 0) -> torch.Tensor:
        """(n, z_dim) standard-normal codes, reproducible from `seed` on every device."""
        gen = torch.Generator().manual_seed(int(seed))
        return torch.randn(n, self.z_dim, generator=gen, dtype=torch.float32)

    def codes(
        self,
        z: torch.Tensor,
        truncation_psi: float = 1.0,
        truncation_layers: int | None = None,
        c: torch.Tensor | None = None,
    ) -> torch.Tensor:
        return self._as_tensor(z)

    def sample_codes(self, n: int, seed: int = 0, truncation_psi: float = 1.0,
                     truncation_layers: int | None = None, c: torch.Tensor | None = None) -> torch.Tensor:
        """Codes of `n` samples drawn from `seed`, truncated as the family does it. Render them with
        `synthesize(codes, truncation_psi=truncation_psi)` (only BigGAN reads ψ there)."""
        return self.codes(self.sample_z(n, seed=seed), truncation_psi=truncation_psi,
                          truncation_layers=truncation_layers, c=c)

    @property
    def code_shape(self) -> tuple[int, ...]:
        """Shape of one sample's code: (num_layers, w_dim) for W+, else (z_dim,)."""
        if self.edit_space == "w":
            assert self.w_dim is not None
            return (self.num_layers, self.w_dim)
        return (self.z_dim,)

    @property
    def latent_dim(self) -> int:
        """Length of a direction vector for this model."""
        return int(self.code_shape[-1])

    def synthesize(
        self,
        codes: torch.Tensor,
        noise_mode: str = "const",
        truncation_psi: float | None = None,
        max_resolution: int | None = None,
    ) -> torch.Tensor:
        codes = self._checked_codes(codes, noise_mode)
        with torch.inference_mode():
            return self._synthesize(codes, noise_mode, truncation_psi, max_resolution)

    def synthesize_differentiable(
        self,
        codes: torch.Tensor,
        noise_mode: str = "const",
        truncation_psi: float | None = None,
        max_resolution: int | None = None,
    ) -> torch.Tensor:
        """`synthesize` with autograd on, so gradients reach `codes` (the weights stay frozen).

        For projection and region directions. A separate entry point keeps the inference path under
        inference mode (and its in-place fast paths); `max_resolution` gives the same early exits.
        Codes from `codes()` may be inference tensors: `.clone()` them before `requires_grad_()`.
        """
        codes = self._checked_codes(codes, noise_mode)
        with torch.inference_mode(False), torch.enable_grad():
            return self._synthesize(codes, noise_mode, truncation_psi, max_resolution)

    def _checked_codes(self, codes: Any, noise_mode: str) -> torch.Tensor:
        if noise_mode not in NOISE_MODES:
            raise ValueError(f"noise_mode must be one of {NOISE_MODES}, not {noise_mode!r}")
        codes = self._as_tensor(codes)
        if tuple(codes.shape[1:]) != self.code_shape:
            raise ValueError(f"codes must have shape (n, {', '.join(map(str, self.code_shape))}), "
                             f"got {tuple(codes.shape)}")
        return codes

    def _synthesize(self, codes: torch.Tensor, noise_mode: str, truncation_psi: float | None,
                    max_resolution: int | None) -> torch.Tensor:
        raise NotImplementedError

    def selector_weight(self, layers: list[int] | None = None, compat: str | None = None) -> torch.Tensor:
        raise NotImplementedError

    # -- helpers ---------------------------------------------------------------------------------
    def _as_tensor(self, x: Any) -> torch.Tensor:
        if isinstance(x, np.ndarray):
            x = torch.from_numpy(x)
        return x.to(device=self.device, dtype=torch.float32)

    def check_layers(self, layers: list[int] | None) -> list[int]:
        """Validate a W+ row selection; None means all rows."""
        if layers is None:
            return list(range(self.num_layers))
        out = sorted({int(i) for i in layers})
        bad = [i for i in out if not 0 <= i < self.num_layers]
        if bad:
            raise ValueError(f"layer index {bad[0]} out of range 0..{self.num_layers - 1}")
        if not out:
            raise ValueError("no layers selected")
        return out

    @property
    def fingerprint(self) -> str:
        """A short hash of the selector weights: identifies 'the same model' for direction files."""
        if self._fingerprint is None:
            a = self.selector_weight(None).detach().to("cpu", torch.float32).contiguous().numpy()
            self._fingerprint = hashlib.sha256(a.tobytes()).hexdigest()[:16]
        return self._fingerprint

    def describe(self) -> dict[str, Any]:
        """Facts for `info` and the model browser."""
        return {
            "name": self.name,
            "family": self.family,
            "resolution": self.resolution,
            "z_dim": self.z_dim,
            "w_dim": self.w_dim,
            "num_layers": self.num_layers,
            "edit_space": self.edit_space,
            "num_classes": self.num_classes,
            "source": self.source,
            "layers": [(li.index, li.name, li.resolution) for li in self.layers],
        }
