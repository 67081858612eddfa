"""LPIPS over our VGG16 stack: loads torchvision-named safetensors and the lpips package's linear layers
(random stand-ins of the same layout; nothing downloads), measures, and drives projection."""

from __future__ import annotations

import pytest
import torch
from safetensors.torch import save_file

from sefa_desktop.core.perceptual import (
    LPIPS,
    TAP_CHANNELS,
    PerceptualWeightsError,
    VGG16Features,
    find_lpips,
    load_lpips,
)


@pytest.fixture(scope="module")
def weight_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lpips")
    torch.manual_seed(0)
    vgg = VGG16Features()
    # timm's file: the feature convs under torchvision's names, plus classifier tensors we ignore
    state = {f"features.{k}": v.clone() for k, v in vgg.features.state_dict().items()}
    state["pre_logits.fc1.weight"] = torch.zeros(4, 512, 7, 7)
    save_file(state, str(folder / "vgg.safetensors"))
    lin = {f"lin{k}.model.1.weight": torch.rand(1, c, 1, 1) for k, c in enumerate(TAP_CHANNELS)}
    torch.save(lin, folder / "lin.pth")
    return folder, vgg


def test_layout_is_vgg16_with_five_taps() -> None:
    net = VGG16Features()
    convs = [m for m in net.features if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 13 and len(net.taps) == 5
    assert net.taps == [3, 8, 15, 22, 29]  # relu1_2 … relu5_3 in torchvision's numbering
    feats = net(torch.zeros(1, 3, 64, 64))
    assert [f.shape[1] for f in feats] == list(TAP_CHANNELS)


def test_loads_and_measures(weight_files) -> None:
    folder, vgg = weight_files
    metric = find_lpips(folder, "vgg.safetensors", "lin.pth")
    assert isinstance(metric, LPIPS)
    assert torch.equal(metric.vgg.features[0].weight, vgg.features[0].weight)
    g = torch.Generator().manual_seed(1)
    a, b = torch.rand(2, 3, 32, 32, generator=g), torch.rand(2, 3, 32, 32, generator=g)
    assert torch.allclose(metric(a, a), torch.zeros(2), atol=1e-6)
    d_far = metric(a, b)
    d_near = metric(a, (a + 0.02 * (b - a)))
    assert (d_far > d_near).all() and (d_near > 0).all()
    x = a.clone().requires_grad_(True)
    (g_x,) = torch.autograd.grad(metric(x, b).sum(), x)
    assert g_x.abs().sum() > 0
    assert find_lpips(folder, "vgg.safetensors", "missing.pth") is None


def test_wrong_files_are_one_line(weight_files, tmp_path) -> None:
    folder, _ = weight_files
    save_file({"features.0.weight": torch.zeros(8, 3, 3, 3)}, str(tmp_path / "bad.safetensors"))
    with pytest.raises(PerceptualWeightsError, match="features.0.weight' has shape"):
        load_lpips(tmp_path / "bad.safetensors", folder / "lin.pth")
    torch.save({"lin0.weight": torch.zeros(3)}, tmp_path / "lin.pth")
    with pytest.raises(PerceptualWeightsError, match="lin0' has 3 weights"):
        load_lpips(folder / "vgg.safetensors", tmp_path / "lin.pth")
    (tmp_path / "junk.safetensors").write_bytes(b"junk")
    with pytest.raises(PerceptualWeightsError, match="not a readable weights file"):
        load_lpips(tmp_path / "junk.safetensors", folder / "lin.pth")


def test_projection_reports_lpips(weight_files, model) -> None:
    from sefa_desktop.core.imaging import to_uint8
    from sefa_desktop.core.projection import ProjectionSettings, project

    folder, _ = weight_files
    metric = load_lpips(folder / "vgg.safetensors", folder / "lin.pth")
    target = to_uint8(model.synthesize(model.sample_codes(1, seed=2)), model.image_range)[0]
    seen = []
    r = project(model, target, ProjectionSettings(steps=4, restarts=1, perceptual=metric), progress=seen.append)
    assert r.lpips is not None and r.lpips >= 0
    assert all(s.lpips is not None for s in seen)


def test_catalogue_has_both_entries() -> None:
    from sefa_desktop.core.perceptual import LINEAR_ENTRY, VGG_ENTRY
    from sefa_desktop.models.catalogue import load_catalogue

    cat = load_catalogue()
    vgg, lin = cat.require(VGG_ENTRY), cat.require(LINEAR_ENTRY)
    assert vgg.filename.endswith(".safetensors") and lin.filename.endswith(".pth")
    assert [e.name for e in cat.by_family()["perceptual"]] == [VGG_ENTRY, LINEAR_ENTRY]
