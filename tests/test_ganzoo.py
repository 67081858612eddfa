"""pytorch_GAN_zoo PGAN/DCGAN files and plain DCGAN state dicts of several widths and resolutions.

No fixture exists for GAN-zoo files, so the tests build checkpoints in the documented layout (a pickled
`models.utils.config.BaseConfig` included) and check them against hand computations in numpy (PGAN) and
against independently written torch modules with the reference structure (DCGAN).
"""

from __future__ import annotations

import math
import sys
import types
from collections import OrderedDict
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from sefa_desktop.models import ModelLoadError, load_model
from sefa_desktop.models.nets.ganzoo_pgan import pixel_norm

# -- writing files in the GAN-zoo layout ----------------------------------------------------------


def _save_with_base_config(path: Path, content: dict, monkeypatch: pytest.MonkeyPatch, **fields) -> None:
    """torch.save `content` with content['config'] an instance of models.utils.config.BaseConfig,
    as pytorch_GAN_zoo writes it; the fake module is removed again before anything loads."""
    mods = {n: types.ModuleType(n) for n in ("models", "models.utils", "models.utils.config")}

    class BaseConfig:
        pass

    BaseConfig.__module__ = "models.utils.config"
    BaseConfig.__qualname__ = "BaseConfig"
    mods["models.utils.config"].BaseConfig = BaseConfig
    with monkeypatch.context() as mp:
        for name, mod in mods.items():
            mp.setitem(sys.modules, name, mod)
        cfg = BaseConfig()
        for k, v in fields.items():
            setattr(cfg, k, v)
        torch.save({"config": cfg, **content}, path)
    assert "models.utils.config" not in sys.modules


def _pgan_state(latent: int, depths: list[int], seed: int, module_infix: bool = True) -> dict[str, torch.Tensor]:
    """A PGAN netG state dict; `module_infix` = the `.module.` of newer versions' ConstrainedLayer."""
    g = torch.Generator().manual_seed(seed)
    mid = ".module." if module_infix else "."
    state: dict[str, torch.Tensor] = {}

    def layer(name: str, shape: tuple[int, ...]) -> None:
        state[f"{name}{mid}weight"] = torch.randn(shape, generator=g)
        state[f"{name}{mid}bias"] = 0.1 * torch.randn(shape[0], generator=g)

    layer("formatLayer", (16 * depths[0], latent))
    layer("groupScale0.0", (depths[0], depths[0], 3, 3))
    for i, (a, b) in enumerate(zip(depths[:-1], depths[1:], strict=True)):
        layer(f"scaleLayers.{i}.0", (b, a, 3, 3))
        layer(f"scaleLayers.{i}.1", (b, b, 3, 3))
    for i, d in enumerate(depths):
        layer(f"toRGBLayers.{i}", (3, d, 1, 1))
    return state


# -- a numpy hand computation of the PGAN generator -----------------------------------------------

def _np_pixnorm(x: np.ndarray) -> np.ndarray:
    return x / np.sqrt((x ** 2).mean(axis=1, keepdims=True) + 1e-8)


def _np_lrelu(x: np.ndarray) -> np.ndarray:
    return np.where(x >= 0, x, 0.2 * x)


def _np_conv(x: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
    """'same' convolution (cross-correlation) with an odd kernel, equalized: × √(2/fan_in), bias too."""
    k = w.shape[-1]
    p = k // 2
    xp = np.pad(x, ((0, 0), (0, 0), (p, p), (p, p)))
    h, wd = x.shape[2:]
    out = np.zeros((x.shape[0], w.shape[0], h, wd))
    for dy in range(k):
        for dx in range(k):
            out += np.einsum("nchw,oc->nohw", xp[:, :, dy:dy + h, dx:dx + wd], w[:, :, dy, dx])
    out += b[None, :, None, None]
    return out * math.sqrt(2.0 / (w.shape[1] * k * k))


def _np_pgan(state: dict[str, torch.Tensor], z: np.ndarray, last: int | None = None, alpha: float = 0.0,
             tanh: bool = False) -> np.ndarray:
    s = {k.replace(".module.", "."): v.double().numpy() for k, v in state.items()}
    n_scales = 1 + sum(1 for k in s if k.startswith("scaleLayers.") and k.endswith(".0.weight"))
    last = n_scales - 1 if last is None else last
    x = _np_pixnorm(z.astype(np.float64))
    w = s["formatLayer.weight"]
    x = _np_lrelu((x @ w.T + s["formatLayer.bias"]) * math.sqrt(2.0 / w.shape[1]))
    x = _np_pixnorm(x.reshape(z.shape[0], -1, 4, 4))
    x = _np_pixnorm(_np_lrelu(_np_conv(x, s["groupScale0.0.weight"], s["groupScale0.0.bias"])))
    feats = [x]
    for i in range(last):
        x = x.repeat(2, axis=2).repeat(2, axis=3)
        for j in (0, 1):
            x = _np_pixnorm(_np_lrelu(_np_conv(x, s[f"scaleLayers.{i}.{j}.weight"], s[f"scaleLayers.{i}.{j}.bias"])))
        feats.append(x)
    out = _np_conv(x, s[f"toRGBLayers.{last}.weight"], s[f"toRGBLayers.{last}.bias"])
    if alpha > 0:
        y = _np_conv(feats[-2], s[f"toRGBLayers.{last - 1}.weight"], s[f"toRGBLayers.{last - 1}.bias"])
        out = alpha * y.repeat(2, axis=2).repeat(2, axis=3) + (1 - alpha) * out
    return np.tanh(out) if tanh else out


PGAN_CONFIG = dict(depthScale0=4, depthOtherScales=[3, 2], alpha=0.0, latentVectorDim=5,
                   perChannelNormalization=True, equalizedlR=True, lossCriterion="WGANGP", leakyReluLeak=0.2)


@pytest.fixture()
def pgan_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, dict, dict]:
    net_g, avg_g = _pgan_state(5, [4, 3, 2], seed=1), _pgan_state(5, [4, 3, 2], seed=2)
    path = tmp_path / "pgan.pt"
    _save_with_base_config(path, {"netG": net_g, "netD": {"decisionLayer.module.weight": torch.zeros(1, 4)},
                                  "avgG": avg_g}, monkeypatch, **PGAN_CONFIG)
    return path, net_g, avg_g


def test_pixel_norm_by_hand() -> None:
    x = torch.tensor([[[[3.0]], [[4.0]]], [[[0.0]], [[-2.0]]]])  # (2, 2, 1, 1)
    got = pixel_norm(x)
    # sample 0: mean of squares 12.5 → ×1/√12.5; sample 1: mean 2 → ×1/√2
    want = torch.tensor([[[[3 / math.sqrt(12.5)]], [[4 / math.sqrt(12.5)]]], [[[0.0]], [[-2 / math.sqrt(2.0)]]]])
    assert torch.allclose(got, want, atol=1e-6)


def test_pgan_matches_hand_computation_and_prefers_avgG(pgan_file) -> None:
    path, net_g, avg_g = pgan_file
    model = load_model(path)
    assert model.family == "pggan" and model.generator_key == "avgG"
    assert model.resolution == 16 and model.z_dim == 5 and model.num_layers == 1
    z = model.sample_z(3, seed=7)
    img = model.synthesize(model.codes(z))
    assert img.shape == (3, 3, 16, 16)
    want = _np_pgan(avg_g, z.numpy())
    assert np.abs(img.numpy() - want).max() < 1e-3
    assert np.abs(img.numpy() - _np_pgan(net_g, z.numpy())).max() > 1e-2  # netG really differs
    # WGANGP: no output activation, so values are not squashed into [-1, 1]
    assert float(img.abs().max()) > 1.0
    # determinism
    assert torch.equal(img, model.synthesize(model.codes(z)))


def test_pgan_netG_only_old_keys_and_dataparallel(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old = _pgan_state(5, [4, 3], seed=3, module_infix=False)
    path = tmp_path / "old.pt"
    _save_with_base_config(path, {"netG": old}, monkeypatch, **{**PGAN_CONFIG, "depthOtherScales": [3]})
    model = load_model(path)
    assert model.generator_key == "netG" and model.resolution == 8
    z = model.sample_z(2, seed=1)
    assert np.abs(model.synthesize(model.codes(z)).numpy() - _np_pgan(old, z.numpy())).max() < 1e-3
    dp = {"module." + k: v for k, v in old.items()}
    path2 = tmp_path / "dp.pt"
    torch.save({"netG": dp}, path2)  # no config at all: the class defaults apply
    assert torch.allclose(load_model(path2).synthesize(model.codes(z)), model.synthesize(model.codes(z)))


def test_pgan_equalized_lr_selector_and_codes(pgan_file) -> None:
    path, _, avg_g = pgan_file
    model = load_model(path)
    a = model.selector_weight()
    assert a.shape == (64, 5)
    assert torch.allclose(a, avg_g["formatLayer.module.weight"] * math.sqrt(2.0 / 5))
    z = torch.tensor([[1.0, 2.0, 3.0, 4.0, 5.0]])
    codes = model.codes(z)
    assert torch.allclose(codes, z / math.sqrt(11.0))  # pixel norm: mean of squares (1+4+9+16+25)/5 = 11


def test_pgan_preview_resolutions(pgan_file) -> None:
    path, _, avg_g = pgan_file
    model = load_model(path)
    assert model.preview_resolutions() == [4, 8, 16]
    z = model.sample_z(2, seed=5)
    codes = model.codes(z)
    for res, last in ((4, 0), (8, 1), (12, 1)):
        img = model.synthesize(codes, max_resolution=res)
        assert img.shape[-1] == 4 * 2 ** last
        assert np.abs(img.numpy() - _np_pgan(avg_g, z.numpy(), last=last)).max() < 1e-3


def test_pgan_alpha_blend_and_tanh(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    g = _pgan_state(5, [4, 3, 2], seed=9)
    path = tmp_path / "blend.pt"
    _save_with_base_config(path, {"avgG": g}, monkeypatch, **{**PGAN_CONFIG, "alpha": 0.3, "lossCriterion": "DCGAN"})
    model = load_model(path)
    z = model.sample_z(2, seed=2)
    img = model.synthesize(model.codes(z)).numpy()
    assert np.abs(img - _np_pgan(g, z.numpy(), alpha=0.3, tanh=True)).max() < 1e-3
    assert img.min() >= -1 and img.max() <= 1


def test_pgan_missing_and_misshapen_keys(tmp_path: Path) -> None:
    g = _pgan_state(5, [4, 3], seed=4)
    del g["scaleLayers.0.1.module.bias"]
    torch.save({"netG": g}, tmp_path / "a.pt")
    with pytest.raises(ModelLoadError, match=r"scaleLayers\.0\.1\.bias.*\(3,\)"):
        load_model(tmp_path / "a.pt")
    g = _pgan_state(5, [4, 3], seed=4)
    g["toRGBLayers.1.module.weight"] = torch.zeros(3, 4, 1, 1)
    torch.save({"netG": g}, tmp_path / "b.pt")
    with pytest.raises(ModelLoadError, match=r"toRGBLayers\.1\.weight.*\(3, 3, 1, 1\)"):
        load_model(tmp_path / "b.pt")


def test_unknown_globals_are_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Only BaseConfig is mapped to the stand-in; any other class in the file is not loaded."""
    mod = types.ModuleType("models.utils.other")

    class Evil:
        pass

    Evil.__module__ = "models.utils.other"
    Evil.__qualname__ = "Evil"
    mod.Evil = Evil
    with monkeypatch.context() as mp:
        for name in ("models", "models.utils"):
            mp.setitem(sys.modules, name, types.ModuleType(name))
        mp.setitem(sys.modules, "models.utils.other", mod)
        torch.save({"config": Evil(), "netG": _pgan_state(5, [4], seed=1)}, tmp_path / "evil.pt")
    with pytest.raises(ModelLoadError, match="refused"):
        load_model(tmp_path / "evil.pt")


# -- DCGANs ----------------------------------------------------------------------------------------

def _bn(c: int, g: torch.Generator) -> nn.BatchNorm2d:
    bn = nn.BatchNorm2d(c)
    with torch.no_grad():
        bn.weight.copy_(1 + 0.2 * torch.randn(c, generator=g))
        bn.bias.copy_(0.1 * torch.randn(c, generator=g))
        bn.running_mean.copy_(0.1 * torch.randn(c, generator=g))
        bn.running_var.copy_(0.5 + torch.rand(c, generator=g))
    return bn


def _randomize(module: nn.Module, g: torch.Generator) -> None:
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.ConvTranspose2d):
                m.weight.copy_(0.1 * torch.randn(m.weight.shape, generator=g))
                if m.bias is not None:
                    m.bias.copy_(0.1 * torch.randn(m.bias.shape, generator=g))


class ZooDCGAN(nn.Module):
    """The GAN-zoo DCGAN generator structure, written out for the test."""

    def __init__(self, latent: int, dim_g: int, depth: int, tanh: bool, g: torch.Generator) -> None:
        super().__init__()
        cur = dim_g * 2 ** depth
        self.formatLayer = nn.ConvTranspose2d(latent, cur, 4, 1, 0, bias=False)
        seq: OrderedDict[str, nn.Module] = OrderedDict(batchNorm0=_bn(cur, g), relu0=nn.ReLU())
        for i in range(depth):
            seq[f"convTranspose{i + 1}"] = nn.ConvTranspose2d(cur, cur // 2, 4, 2, 1, bias=False)
            seq[f"batchNorm{i + 1}"] = _bn(cur // 2, g)
            seq[f"relu{i + 1}"] = nn.ReLU()
            cur //= 2
        seq["outlayer"] = nn.ConvTranspose2d(dim_g, 3, 4, 2, 1, bias=False)
        self.main = nn.Sequential(seq)
        self.tanh = tanh
        _randomize(self, g)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        x = self.main(self.formatLayer(z.reshape(z.shape[0], -1, 1, 1)))
        return torch.tanh(x) if self.tanh else x


@pytest.mark.parametrize(("depth", "loss", "res"), [(2, "DCGAN", 32), (3, "WGANGP", 64)])
def test_ganzoo_dcgan(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, depth: int, loss: str, res: int) -> None:
    g = torch.Generator().manual_seed(depth)
    ref = ZooDCGAN(latent=12, dim_g=4, depth=depth, tanh=loss == "DCGAN", g=g).eval()
    path = tmp_path / "dcgan.pt"
    _save_with_base_config(path, {"netG": ref.state_dict(), "avgG": ref.state_dict()}, monkeypatch,
                           dimG=4, depth=depth, latentVectorDim=12, lossCriterion=loss)
    model = load_model(path)
    assert model.family == "dcgan" and model.resolution == res and model.z_dim == 12
    z = model.sample_z(3, seed=1)
    with torch.no_grad():
        want = ref(z)
    got = model.synthesize(model.codes(z))
    assert got.shape == (3, 3, res, res)
    assert torch.allclose(got, want, atol=1e-5)
    w = ref.formatLayer.weight.detach()
    assert torch.allclose(model.selector_weight(), w.reshape(12, -1).t())


def _tutorial(nz: int, ngf: int, n_up: int, nc: int, bias: bool, g: torch.Generator) -> nn.Sequential:
    """PyTorch-tutorial generator with `n_up` stride-2 layers: resolution 4·2^n_up."""
    mult = 2 ** (n_up - 1)
    layers: list[nn.Module] = [nn.ConvTranspose2d(nz, ngf * mult, 4, 1, 0, bias=bias), _bn(ngf * mult, g), nn.ReLU()]
    for _ in range(n_up - 1):
        layers += [nn.ConvTranspose2d(ngf * mult, ngf * mult // 2, 4, 2, 1, bias=bias), _bn(ngf * mult // 2, g),
                   nn.ReLU()]
        mult //= 2
    layers += [nn.ConvTranspose2d(ngf, nc, 4, 2, 1, bias=bias), nn.Tanh()]
    net = nn.Sequential(*layers)
    _randomize(net, g)
    return net.eval()


class _Wrap(nn.Module):
    def __init__(self, main: nn.Sequential) -> None:
        super().__init__()
        self.main = main


@pytest.mark.parametrize(("nz", "ngf", "n_up", "nc", "bias"), [
    (20, 4, 3, 3, False),  # 32×32
    (100, 8, 4, 3, False),  # 64×64
    (16, 2, 5, 3, True),  # 128×128 with conv biases
    (10, 4, 3, 1, False),  # 32×32 grey levels
])
def test_tutorial_dcgan_widths(tmp_path: Path, nz: int, ngf: int, n_up: int, nc: int, bias: bool) -> None:
    g = torch.Generator().manual_seed(nz)
    ref = _tutorial(nz, ngf, n_up, nc, bias, g)
    path = tmp_path / "netG.pth"
    torch.save(_Wrap(ref).state_dict(), path)
    model = load_model(path)
    res = 4 * 2 ** n_up
    assert model.resolution == res and model.z_dim == nz
    z = model.sample_z(2, seed=0)
    with torch.no_grad():
        want = ref(z.reshape(2, nz, 1, 1))
    got = model.synthesize(model.codes(z))
    assert got.shape == (2, 3, res, res)
    assert torch.allclose(got, want.expand(-1, 3, -1, -1), atol=1e-5)


def test_dcgan_misshapen_key(tmp_path: Path) -> None:
    ref = _tutorial(20, 4, 3, 3, False, torch.Generator().manual_seed(0))
    state = _Wrap(ref).state_dict()
    state["main.4.running_var"] = torch.ones(5)
    torch.save(state, tmp_path / "bad.pth")
    with pytest.raises(ModelLoadError, match=r"main\.4\.running_var.*\(8,\)"):
        load_model(tmp_path / "bad.pth")
