"""NVIDIA StyleGAN3-T and -R pickles reproduced through the public contract."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from sefa_desktop.core import factorize
from sefa_desktop.models import load_model
from tests.test_nvidia_stylegan2 import fixture

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module", params=["stylegan3_t", "stylegan3_r"])
def loaded(request: pytest.FixtureRequest):
    path, exp = fixture(request.param)
    return load_model(path), exp


def test_contract_and_layers(loaded) -> None:
    model, exp = loaded
    meta = json.loads(str(exp["meta_json"]))
    assert model.family == "stylegan3" and model.edit_space == "w"
    assert model.num_layers == meta["num_ws"] == 16
    assert [li.name for li in model.layers[1:]] == meta["synthesis_layer_names"]
    sizes = [int(n.split("_")[1]) for n in meta["synthesis_layer_names"]]
    chans = [int(n.split("_")[2]) for n in meta["synthesis_layer_names"]]
    assert [li.resolution for li in model.layers[1:]] == sizes
    assert [li.channels for li in model.layers[1:]] == chans
    assert model.layers[0].channels == 4  # the input affine, listed but not a selector


@pytest.mark.parametrize("psi,key", [(1.0, "psi1"), (0.7, "psi0_7")])
def test_images_match(loaded, psi: float, key: str) -> None:
    model, exp = loaded
    ws = model.codes(torch.from_numpy(exp["z"]), truncation_psi=psi)
    np.testing.assert_allclose(ws.numpy(), exp[f"ws_{key}"], atol=1e-4, rtol=0)
    for mode in ("const", "none", "random"):  # StyleGAN3 has no noise inputs
        img = model.synthesize(ws, noise_mode=mode)
        assert np.abs(img.numpy() - exp[f"img_{key}"]).max() <= 1e-3


def test_sefa_excludes_input_affine(loaded) -> None:
    model, exp = loaded
    np.testing.assert_array_equal(model.selector_weight().numpy(), exp["sefa_weight"])
    assert model.selector_weight([0]).shape[0] == 0
    np.testing.assert_array_equal(model.input_affine_weight().numpy(), exp["affine_weight_00"])
    for layers in (None, list(range(1, 16))):
        dirs = factorize(model, layers=layers)
        np.testing.assert_allclose(dirs.values[:10], exp["sefa_eigvals"][:10], rtol=1e-4, atol=1e-4)
        dots = np.abs((dirs.vectors[:10].astype(np.float64) * exp["sefa_eigvecs"][:10]).sum(1))
        assert np.all(dots > 1 - 1e-4)


def test_prefix_reuse_and_small_preview(loaded) -> None:
    model, exp = loaded
    ws = model.codes(torch.from_numpy(exp["z"][:2]))
    for row in (0, 8, 15):
        edited = ws.clone()
        edited[:, row:] += 0.3
        resumed = model.synthesize_from(model.prefix_state(ws, row), edited)
        assert torch.allclose(resumed, model.synthesize(edited), atol=1e-5)
    assert model.synthesize(ws, max_resolution=16).shape[-1] == 16
