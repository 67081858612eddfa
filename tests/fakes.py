"""The one tiny style-like model implementing the GanModel surface, for core and GUI tests."""

from __future__ import annotations

import torch

from sefa_desktop.models.base import BaseGanModel, LayerInfo


class FakeStyleModel(BaseGanModel):
    """num_layers W+ rows, two per resolution from 4×4 up (like StyleGAN); row i is read by one affine
    of `8 + 2i` outputs, and (like a StyleGAN2 ToRGB) every odd row also by a second, 'rgb' affine
    that compat='genforce' leaves out except on the last row. Images: 3×8×8, a fixed random mix of
    every row's code, so an edit of any row shows."""

    edit_space = "w"

    def __init__(self, num_layers: int = 6, w_dim: int = 16, seed: int = 0, name: str = "fake",
                 family: str = "fake", source: str = "") -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.name, self.family, self.source = name, family, source or name
        self.z_dim = self.w_dim = w_dim
        self.num_layers = num_layers
        self.resolution = 4 * 2 ** ((num_layers - 1) // 2)
        self.layers = [LayerInfo(i, f"row {i}", 4 * 2 ** (i // 2)) for i in range(num_layers)]
        self.conv = [torch.randn(8 + 2 * i, w_dim, generator=g) * (1 + i) for i in range(num_layers)]
        self.rgb = {i: torch.randn(3, w_dim, generator=g) for i in range(1, num_layers, 2)}
        self.mix = torch.randn(num_layers * w_dim, 3 * 8 * 8, generator=g) * 0.1

    def selector_weight(self, layers=None, compat=None):
        rows = self.check_layers(layers)
        parts = []
        for r in rows:
            parts.append(self.conv[r])
            if r in self.rgb and (compat is None or r == self.num_layers - 1):
                parts.append(self.rgb[r])
        return torch.cat(parts)

    def codes(self, z, truncation_psi=1.0, truncation_layers=None, c=None):
        w = torch.tanh(self._as_tensor(z)) * 2 * truncation_psi
        return w[:, None, :].repeat(1, self.num_layers, 1)

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        return torch.tanh(codes.reshape(codes.shape[0], -1) @ self.mix).reshape(-1, 3, 8, 8)
