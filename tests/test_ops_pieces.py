"""The CPU speed-ups in models/nets/ops.py compute the same numbers as the plain torch calls.

Depthwise filters and big 3×3 convolutions run in bands of rows, 1×1 convolutions as
matrix products, and a modulated conv's weight constants come from a cache. The size thresholds are
lowered here so that small tensors take the cut-up paths (real models only reach them at ≥ 256 px).
"""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from sefa_desktop.models.nets import ops


@pytest.fixture
def tiny_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ops, "_DEPTHWISE_BAND_ELEMENTS", 64)
    monkeypatch.setattr(ops, "_DENSE_BAND_ELEMENTS", 64)
    monkeypatch.setattr(ops, "_BAND_MIN_SIDE", 4)


@pytest.mark.parametrize("padding", [(1, 1), (0, 2), (2, 0)])
@pytest.mark.parametrize("with_bias", [True, False])
def test_depthwise_in_bands_matches_grouped_conv(tiny_pieces, padding, with_bias) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(2, 7, 19, 11, generator=g)  # 16+ output rows: several bands of 4
    k = torch.randn(7, 1, 4, 3, generator=g)
    b = torch.randn(7, generator=g) if with_bias else None
    with torch.no_grad():
        got = ops.depthwise_conv2d(x, k, b, padding=padding)
    torch.testing.assert_close(got, F.conv2d(x, k, b, padding=padding, groups=7), rtol=0, atol=1e-5)


@pytest.mark.parametrize("kernel,padding", [(3, 1), (3, 2), (3, 0), (5, 2)])
def test_banded_conv_matches_conv(tiny_pieces, kernel, padding) -> None:
    g = torch.Generator().manual_seed(1)
    x = torch.randn(2, 3, 13, 10, generator=g)
    w = torch.randn(4, 3, kernel, kernel, generator=g)
    b = torch.randn(4, generator=g)
    with torch.no_grad():
        got = ops.conv2d_banded(x, w, b, padding)
    torch.testing.assert_close(got, F.conv2d(x, w, b, padding=padding), rtol=0, atol=1e-4)


@pytest.mark.parametrize("n", [1, 3])
@pytest.mark.parametrize("with_bias", [True, False])
def test_pointwise_matches_1x1_conv(n, with_bias) -> None:
    g = torch.Generator().manual_seed(2)
    x = torch.randn(n, 5, 6, 7, generator=g)
    w = torch.randn(3, 5, 1, 1, generator=g)
    b = torch.randn(3, generator=g) if with_bias else None
    torch.testing.assert_close(ops.pointwise_conv2d(x, w, b), F.conv2d(x, w, b), rtol=0, atol=1e-5)


def test_gradients_take_the_plain_path(tiny_pieces) -> None:
    """With autograd recording, the banded paths (which write into a preallocated output) step aside."""
    x = torch.randn(1, 6, 8, 8, requires_grad=True)
    k = torch.randn(6, 1, 3, 3)
    ops.depthwise_conv2d(x, k, padding=(1, 1)).square().sum().backward()
    want = torch.autograd.grad(F.conv2d(x, k, padding=1, groups=6).square().sum(), x)[0]
    torch.testing.assert_close(x.grad, want)


def test_weight_cache_follows_in_place_changes() -> None:
    w = torch.randn(4, 3, 3, 3)
    cache = ops.WeightCache()
    torch.testing.assert_close(cache.refresh(w).square_sum, w.square().sum(dim=[2, 3]))
    w.mul_(2)  # e.g. load_state_dict copying new weights into the parameter
    torch.testing.assert_close(cache.refresh(w).square_sum, w.square().sum(dim=[2, 3]))
    torch.testing.assert_close(cache.transposed, w.transpose(0, 1))


@pytest.mark.parametrize("n,noise_kind", [(1, "const"), (3, "const"), (3, "per-sample")])
@pytest.mark.parametrize("up", [1, 2])
@pytest.mark.parametrize("side", [2, 12])  # small maps scale the activations, big ones the weight
def test_modulated_conv_with_cache_matches_without(tiny_pieces, n, noise_kind, up, side) -> None:
    g = torch.Generator().manual_seed(3)
    x = torch.randn(n, 8, side, side, generator=g)
    w = torch.randn(6, 8, 3, 3, generator=g)
    s = torch.randn(n, 8, generator=g)
    bias = torch.randn(6, generator=g)
    f = torch.outer(torch.tensor([1.0, 3, 3, 1]), torch.tensor([1.0, 3, 3, 1]))
    f = f / f.sum()
    noise_shape = (side * up, side * up) if noise_kind == "const" else (n, 1, side * up, side * up)
    noise = torch.randn(*noise_shape, generator=g)
    kw = dict(demodulate=True, padding=1, up=up, resample_filter=f, noise=noise, bias=bias, gain=1.7)
    with torch.no_grad():
        want = torch.cat([ops.modulated_conv2d(x[j:j + 1], w, s[j:j + 1], **{
            **kw, "noise": noise if noise_kind == "const" else noise[j:j + 1]}) for j in range(n)])
        got = ops.modulated_conv2d(x, w, s, cache=ops.WeightCache().refresh(w), **kw)
    assert got.shape == (n, 6, side * up, side * up)
    torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-5)
