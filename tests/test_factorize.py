"""The SeFa math: orthogonality, ordering, agreement with an independent SVD, determinism, layers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from fakes import FakeStyleModel

from sefa_desktop.core import factorize
from sefa_desktop.core.gram_cache import layer_gram, normalized_rows, selection_gram


def _official(a: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The official algorithm: columns of the (d × rows) matrix normalized, eig of the Gram matrix."""
    w = a.T.astype(np.float32)
    w = w / np.linalg.norm(w, axis=0, keepdims=True)
    vals, vecs = np.linalg.eig(w @ w.T)
    order = np.argsort(-vals.real)
    return vals.real[order], vecs.real.T[order]


def test_directions_are_orthonormal_and_sorted():
    model = FakeStyleModel()
    d = factorize(model)
    v = d.vectors.astype(np.float64)
    assert np.allclose(v @ v.T, np.eye(len(d)), atol=1e-5)
    assert np.all(np.diff(d.values) <= 1e-6)
    assert d.layers == list(range(model.num_layers))


def test_eigenvalues_sum_to_number_of_rows():
    model = FakeStyleModel()
    d = factorize(model)
    assert d.values.sum() == pytest.approx(model.selector_weight(None).shape[0], rel=1e-4)


def test_agrees_with_independent_svd_and_official_algorithm():
    model = FakeStyleModel(w_dim=24)
    a = model.selector_weight([1, 2, 3]).numpy()
    d = factorize(model, layers=[1, 2, 3])
    an = a / np.linalg.norm(a, axis=1, keepdims=True)
    _, s, vt = np.linalg.svd(an.astype(np.float64))
    assert np.allclose(d.values, s**2, rtol=1e-4, atol=1e-4)
    for i in range(5):
        assert abs(float(np.dot(d.vectors[i], vt[i]))) > 0.9999
    vals, vecs = _official(a)
    assert np.allclose(d.values[:10], vals[:10], rtol=1e-4)
    for i in range(10):
        assert abs(float(np.dot(d.vectors[i], vecs[i]))) > 0.999


def test_sign_convention_is_deterministic():
    model = FakeStyleModel()
    a = factorize(model, layers=[0, 1])
    b = factorize(FakeStyleModel(), layers=[0, 1])  # a new object: no cache shared
    assert np.array_equal(a.vectors, b.vectors)
    idx = np.abs(a.vectors).argmax(axis=1)
    assert np.all(a.vectors[np.arange(len(a)), idx] > 0)


def test_layer_selection_uses_only_chosen_rows():
    model = FakeStyleModel()
    d = factorize(model, layers=[4, 2])
    assert d.layers == [2, 4]
    an = normalized_rows(model.selector_weight([2, 4])).double()
    gram = (an.T @ an).numpy()
    assert np.allclose(gram @ d.vectors[0], d.values[0] * d.vectors[0], atol=1e-3)
    other = factorize(model, layers=[0])
    assert abs(float(np.dot(other.vectors[0], d.vectors[0]))) < 0.99


def test_cached_per_row_grams_equal_direct_gram():
    model = FakeStyleModel()
    total = sum(layer_gram(model, r) for r in range(model.num_layers))
    an = normalized_rows(model.selector_weight(None)).double()
    assert torch.allclose(total, an.T @ an, atol=1e-4)


def test_selection_gram_from_the_full_gram_minus_the_rest_is_exact():
    model = FakeStyleModel(num_layers=8)
    factorize(model)  # caches the full Gram first, as the app's first factorization does
    rows = [0, 1, 2, 3, 5, 6]  # more than half: full Gram minus rows 4 and 7
    an = normalized_rows(model.selector_weight(rows)).double()
    assert torch.allclose(selection_gram(model, rows), an.T @ an, atol=1e-5)
    few = [2, 4]
    an = normalized_rows(model.selector_weight(few)).double()
    assert torch.allclose(selection_gram(model, few), an.T @ an, atol=1e-5)
    # And the directions agree with a fresh model's direct computation.
    a = factorize(model, layers=rows)
    b = factorize(FakeStyleModel(num_layers=8), layers=rows)
    assert np.allclose(a.vectors[:5], b.vectors[:5], atol=1e-4)


def test_compat_genforce_changes_only_the_rgb_selection():
    model = FakeStyleModel()
    ours = factorize(model)
    official = factorize(model, compat="genforce")
    assert official.method == "sefa-genforce"
    assert official.values.sum() == pytest.approx(model.selector_weight(None, compat="genforce").shape[0],
                                                  rel=1e-4)
    assert ours.values.sum() > official.values.sum()
    # Without odd rows other than the last there is no difference.
    same_a = factorize(model, layers=[0, 2, 5])
    same_b = factorize(model, layers=[0, 2, 5], compat="genforce")
    assert np.allclose(same_a.vectors, same_b.vectors, atol=1e-5)


def test_top_k_and_bad_arguments():
    model = FakeStyleModel()
    assert len(factorize(model, k=3)) == 3
    with pytest.raises(ValueError):
        factorize(model, layers=[99])
    with pytest.raises(ValueError):
        factorize(model, layers=[])
    with pytest.raises(ValueError):
        factorize(model, method="ica")


def test_any_object_with_selector_weight_can_be_factorized():
    class Bare:
        num_layers = 1
        layers = [0]

        def selector_weight(self, layers=None):
            return torch.arange(12.0).reshape(4, 3) + torch.eye(4, 3)

    d = factorize(Bare())
    assert d.vectors.shape == (3, 3)


class _AnisotropicW(FakeStyleModel):
    """w = z scaled per axis: axis 3 spreads 4× more than any other, axis 6 2×."""

    SCALES = torch.tensor([1.0, 0.9, 0.8, 4.0, 0.7, 0.6, 2.0, 0.5])

    def codes(self, z, truncation_psi=1.0, truncation_layers=None, c=None):
        w = self._as_tensor(z) * self.SCALES
        return w[:, None, :].repeat(1, self.num_layers, 1)


def test_pca_baseline_on_w_space_finds_the_dominant_axis():
    model = _AnisotropicW(w_dim=8)
    d = factorize(model, method="pca", num_samples=4000)
    assert d.method == "pca"
    assert d.vectors.shape == (8, 8)
    assert np.all(np.diff(d.values) <= 1e-6)
    assert np.allclose(d.vectors @ d.vectors.T, np.eye(8), atol=1e-4)
    assert abs(d.vectors[0, 3]) > 0.99 and abs(d.vectors[1, 6]) > 0.99  # the two widest axes, in order
    assert d.values[0] == pytest.approx(16.0, rel=0.1) and d.values[1] == pytest.approx(4.0, rel=0.1)


class _ZModelWithBlocks:
    """A z-space model (like BigGAN) whose two selector rows read z differently: row 0 mostly along
    axis 0, row 1 mostly along axis 5."""

    edit_space = "z"
    num_layers = 2
    layers = [0, 1]
    name = family = fingerprint = "zfake"

    def __init__(self) -> None:
        g = torch.Generator().manual_seed(1)
        self.a = [torch.randn(12, 8, generator=g) * 0.1 for _ in range(2)]
        self.a[0][:, 0] += 3.0
        self.a[1][:, 5] += 3.0

    def selector_weight(self, layers=None, compat=None):
        rows = range(2) if layers is None else layers
        return torch.cat([self.a[r] for r in rows])

    def sample_z(self, n, seed=0):
        return torch.randn(n, 8, generator=torch.Generator().manual_seed(seed))

    def codes(self, z, **kw):
        return z


def test_pca_in_z_uses_the_chosen_rows_selector():
    model = _ZModelWithBlocks()
    first = factorize(model, layers=[0], method="pca", num_samples=4000)
    second = factorize(model, layers=[1], method="pca", num_samples=4000)
    assert first.layers == [0] and second.layers == [1]
    assert abs(first.vectors[0, 0]) > 0.95 and abs(second.vectors[0, 5]) > 0.95


def test_compat_is_refused_for_pca_instead_of_mislabelled():
    with pytest.raises(ValueError, match="does not apply to method='pca'"):
        factorize(FakeStyleModel(), method="pca", compat="genforce", num_samples=100)


def test_gram_cache_notices_weights_changed_in_place():
    model = FakeStyleModel()
    before = factorize(model, layers=[1, 2, 3])
    factorize(model)  # the full Gram is cached too
    with torch.no_grad():
        model.conv[2].mul_(0.1)
        model.conv[2][:, 0] += 5.0
    fresh = FakeStyleModel()
    fresh.conv = [c.clone() for c in model.conv]
    for rows in ([1, 2, 3], list(range(model.num_layers)), [0, 1, 2, 3, 4]):
        after = factorize(model, layers=rows)
        want = factorize(fresh, layers=rows)
        assert np.allclose(after.vectors[:4], want.vectors[:4], atol=1e-5)
        assert np.allclose(after.values, want.values, rtol=1e-5, atol=1e-5)
    assert not np.allclose(before.vectors[0], factorize(model, layers=[1, 2, 3]).vectors[0], atol=1e-3)


def test_sefa_is_the_method_factorize_computes():
    from sefa_desktop.core.sefa import sefa

    model = FakeStyleModel()
    values, vectors = sefa(model.selector_weight([0, 3, 4]))
    d = factorize(model, layers=[0, 3, 4])
    assert np.allclose(d.vectors, vectors.numpy(), atol=1e-5)
    assert np.allclose(d.values, values.clamp_min(0).numpy(), rtol=1e-5, atol=1e-5)


def test_gram_cache_notices_in_place_changes_of_a_loaded_models_parameters():
    from sefa_desktop.core.sefa import sefa
    from sefa_desktop.models import load_model

    model = load_model("cartoon-faces-sg2-32")
    rows = [0, 1, 2]
    factorize(model)  # warm: the full Gram and per-row Grams are cached
    before = factorize(model, layers=rows)
    g = torch.Generator().manual_seed(0)
    with torch.no_grad():  # as an optimiser step or load_state_dict would
        for module in model.modules():
            for p in module.parameters():
                p.add_(torch.randn(p.shape, generator=g).to(p.dtype) * 0.5)
    after = factorize(model, layers=rows)
    values, vectors = sefa(model.selector_weight(rows))  # computed from scratch, no cache
    assert np.allclose(after.vectors[:5], vectors.numpy()[:5], atol=1e-4)
    assert not np.allclose(np.abs(before.vectors[0]), np.abs(after.vectors[0]), atol=1e-3)
