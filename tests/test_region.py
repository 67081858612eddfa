"""Region directions (core/region.py): a generator with a known answer, the randomised path, the
region's geometry and metadata, cancellation, and the bundled StyleGAN2."""

from __future__ import annotations

import threading

import numpy as np
import pytest
import torch

from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.core.region import (
    Region,
    RegionCancelled,
    RegionError,
    analysis_resolution,
    region_change,
    region_directions,
)
from sefa_desktop.models.base import BaseGanModel, LayerInfo

PART = 5  # code entries per image part


class PatchModel(BaseGanModel):
    """A Z-space generator whose code splits into parts with a known effect: part q (q = 0..3) draws
    quadrant q (row-major: top-left, top-right, bottom-left, bottom-right) through its own random
    non-linear map, and a last, stronger part shifts the whole image's brightness. So the directions
    that change only the top-left quadrant are exactly the span of part 0's coordinates."""

    family = "patch"
    name = "patch"

    def __init__(self, side: int = 16, seed: int = 0) -> None:
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.z_dim = 5 * PART
        self.num_layers, self.resolution = 1, side
        self.layers = [LayerInfo(0, "z", side)]
        half = side // 2
        self.maps = [torch.randn(3 * half * half, PART, generator=g) / PART ** 0.5 for _ in range(4)]
        self.bias = [torch.randn(3 * half * half, generator=g) * 0.3 for _ in range(4)]
        glob = torch.randn(PART, generator=g)
        self.glob = glob / glob.norm()

    def selector_weight(self, layers=None, compat=None):
        return torch.eye(self.z_dim)

    def _synthesize(self, codes, noise_mode, truncation_psi, max_resolution):
        n, half = codes.shape[0], self.resolution // 2
        quads = [torch.tanh(codes[:, q * PART:(q + 1) * PART] @ self.maps[q].t() + self.bias[q])
                 .reshape(n, 3, half, half) for q in range(4)]
        img = torch.cat([torch.cat(quads[:2], dim=3), torch.cat(quads[2:], dim=3)], dim=2)
        shift = 1.5 * codes[:, 4 * PART:] @ self.glob  # linear: never saturates
        return img + shift[:, None, None, None]


TOP_LEFT = Region.from_box(0.0, 0.0, 0.5, 0.5)


def _outside_part(vectors: np.ndarray, part: int) -> float:
    """Largest norm of any direction's component outside code part `part` (0 = inside it)."""
    v = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    mask = np.ones(v.shape[1], dtype=bool)
    mask[part * PART:(part + 1) * PART] = False
    return float(np.linalg.norm(v[:, mask], axis=1).max())


def test_known_answer_region_subspace_is_recovered() -> None:
    m = PatchModel()
    codes = m.sample_codes(1, seed=1)
    dirs = region_directions(m, codes, TOP_LEFT, k=PART, reg=1e-3)
    # the top PART directions span part 0's coordinates (the part drawing the top-left); λ lets
    # them borrow a trace of the brightness part, whose inside change is large: O(reg)
    assert _outside_part(dirs.vectors, 0) < 5e-3
    # ... and beat anything else: the next one can do no better than a global change, whose mean
    # change per pixel is the same inside and outside (ratio 1)
    more = region_directions(m, codes, TOP_LEFT, k=PART + 1, reg=1e-3)
    assert more.values[PART] <= 1.0 < 5 < more.values[PART - 1]
    assert np.all(np.diff(dirs.values) <= 0)
    # another region, another part
    br = region_directions(m, codes, Region.from_box(0.5, 0.5, 1.0, 1.0), k=PART, reg=1e-3)
    assert _outside_part(br.vectors, 3) < 5e-3


def test_randomised_subspace_finds_the_same_answer() -> None:
    m = PatchModel()
    codes = m.sample_codes(2, seed=4)  # two samples, averaged
    steps: list[tuple[int, int]] = []
    dirs = region_directions(m, codes, TOP_LEFT, k=PART, rank=12, reg=1e-3, chunk=4,
                             progress=lambda d, t: steps.append((d, t)))
    assert dirs.metadata["exact"] is False and dirs.metadata["subspace"] <= 12 < m.z_dim
    assert _outside_part(dirs.vectors, 0) < 5e-3
    assert steps[-1][0] == steps[-1][1] and all(a[0] <= b[0] for a, b in zip(steps, steps[1:], strict=False))


def test_the_global_direction_is_what_sefa_style_ranking_would_prefer() -> None:
    """Sanity of the known answer: the brightness part changes the top-left most of all, so a ranking
    by inside change alone would pick it; the ratio does not."""
    m = PatchModel()
    codes = m.sample_codes(1, seed=1)
    glob = np.zeros(m.z_dim, dtype=np.float32)
    glob[4 * PART:] = m.glob.numpy()
    top = region_directions(m, codes, TOP_LEFT, k=1, reg=1e-3).vectors[0]
    g, t = region_change(m, codes, glob, TOP_LEFT), region_change(m, codes, top, TOP_LEFT)
    assert g.inside > t.inside
    assert t.ratio > 100 * g.ratio


def test_results_are_an_ordinary_direction_set_with_the_region(tmp_path) -> None:
    m = PatchModel()
    region = Region.from_mask(np.pad(np.ones((4, 4)), ((0, 12), (0, 12))))
    dirs = region_directions(m, m.sample_codes(1, seed=0), region, k=3, seeds=[0])
    assert dirs.method == "region" and dirs.name.startswith("region mask") and len(dirs) == 3
    path = tmp_path / "d.npz"
    dirs.save(path)
    back = DirectionSet.load(path)
    assert back.metadata["seeds"] == [0] and back.name == dirs.name
    again = Region.from_metadata(back.metadata["region"])
    assert np.array_equal(again.mask >= 0.5, region.mask >= 0.5)
    assert back.top(2).metadata == back.metadata
    np.testing.assert_allclose(np.linalg.norm(back.vectors, axis=1), 1, atol=1e-5)


def test_cancel_stops_between_batches() -> None:
    m = PatchModel()
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= 2:
            cancel.set()

    with pytest.raises(RegionCancelled):
        region_directions(m, m.sample_codes(1, seed=0), TOP_LEFT, chunk=2, progress=progress, cancel=cancel)
    assert max(seen) == 2


def test_region_geometry_and_errors(tmp_path) -> None:
    box = Region.from_box(0.25, 0.5, 0.75, 1.0)
    cov = box.coverage(8, 8)
    assert float(cov.sum()) == pytest.approx(0.25 * 64) and box.fraction == pytest.approx(0.25)
    assert float(Region.from_box(0.1, 0.1, 0.3, 0.3).coverage(10, 10).sum()) == pytest.approx(4.0)
    assert Region.from_metadata(box.to_metadata()).box == box.box
    for bad in [(0.5, 0, 0.4, 1), (0, 0, 1, 1), (-0.1, 0, 0.5, 0.5), (0, 0, 0.5, 1.5)]:
        with pytest.raises(RegionError):
            Region.from_box(*bad)
    with pytest.raises(RegionError, match="empty"):
        Region.from_mask(np.zeros((8, 8)))
    with pytest.raises(RegionError, match="whole image"):
        Region.from_mask(np.ones((8, 8)))

    from PIL import Image

    pic = np.zeros((20, 30, 4), dtype=np.uint8)
    pic[5:10, :, :3] = 255  # a white band
    pic[..., 3] = 255
    pic[5:10, 20:, 3] = 0  # transparent part of the band: outside
    Image.fromarray(pic, "RGBA").save(tmp_path / "m.png")
    reg = Region.from_image(tmp_path / "m.png")
    assert reg.mask.shape == (20, 30) and reg.mask.sum() == 5 * 20
    assert reg.bounds == pytest.approx((0.0, 0.25, 20 / 30, 0.5))
    (tmp_path / "junk.png").write_bytes(b"not a png")
    with pytest.raises(RegionError, match="not a readable mask"):
        Region.from_image(tmp_path / "junk.png")
    with pytest.raises(RegionError, match="no such"):
        Region.from_image(tmp_path / "missing.png")


def test_analysis_resolution_follows_the_region_and_rows() -> None:
    class Big:
        resolution = 1024
        layers = [LayerInfo(i, f"w{i}", 4 * 2 ** ((i + 1) // 2)) for i in range(18)]

    eyes = Region.from_box(0.2, 0.38, 0.8, 0.5)  # 12% of the height → 12 px at 128
    assert analysis_resolution(Big(), eyes) == 128
    assert analysis_resolution(Big(), Region.from_box(0, 0, 0.5, 0.5)) == 64
    assert analysis_resolution(Big(), Region.from_box(0.5, 0.5, 0.51, 0.51)) == 1024
    # rows 12-17 draw 256 px and finer: the early exit must reach them
    assert analysis_resolution(Big(), eyes, rows=list(range(12, 18))) == 256


@pytest.fixture(scope="module")
def cartoon():
    from sefa_desktop.models import load_model

    return load_model("cartoon-faces-sg2-32")


def test_cartoon_eye_band_directions_are_more_local_than_sefa(cartoon, one_torch_thread) -> None:
    from sefa_desktop.core.sefa import factorize

    eyes = Region.from_box(0.2, 0.38, 0.8, 0.58)
    codes = cartoon.sample_codes(1, seed=2)
    dirs = region_directions(cartoon, codes, eyes, k=3)
    assert dirs.layers == list(range(cartoon.num_layers)) and dirs.dim == cartoon.w_dim
    top = region_change(cartoon, codes, dirs.vectors[0], eyes)
    best_sefa = max(region_change(cartoon, codes, v, eyes).ratio for v in factorize(cartoon, k=20).vectors)
    assert top.ratio > 1.2 * best_sefa
    assert top.inside > 0.1  # a visible change: 5% of the [-1, 1] range on average over the band


def test_rows_subset_and_randomised_path_on_a_style_model(cartoon, one_torch_thread) -> None:
    corner = Region.from_box(0.0, 0.0, 0.25, 0.25)
    codes = cartoon.sample_codes(1, seed=0)
    exact = region_directions(cartoon, codes, corner, layers=[0, 1, 2, 3], k=2)
    approx = region_directions(cartoon, codes, corner, layers=[0, 1, 2, 3], k=2, rank=32, power_iters=2)
    assert exact.layers == [0, 1, 2, 3] and approx.metadata["subspace"] <= 32
    # the randomised subspace loses little: its top direction is nearly as local as the exact one
    r_exact = region_change(cartoon, codes, exact.vectors[0], corner, layers=[0, 1, 2, 3]).ratio
    r_approx = region_change(cartoon, codes, approx.vectors[0], corner, layers=[0, 1, 2, 3]).ratio
    assert r_approx > 0.8 * r_exact
    # only the selected rows move: an edit along it leaves rows 4-7 of the code as they were
    from sefa_desktop.core.editing import DirectionEdit, apply_edits

    moved = apply_edits(codes, [DirectionEdit(exact.vectors[0], 2.0, tuple(exact.layers))])
    assert torch.equal(moved[:, 4:], codes[:, 4:])


def test_early_exit_resolution_is_used(cartoon, one_torch_thread) -> None:
    band = Region.from_box(0.0, 0.3, 1.0, 0.7)
    codes = cartoon.sample_codes(1, seed=5)
    dirs = region_directions(cartoon, codes, band, k=2, resolution=16)
    assert dirs.metadata["analysis_resolution"] == 16
    assert region_change(cartoon, codes, dirs.vectors[0], band).ratio > 3  # still local at 32 px (4.0)


def test_z_space_model_randomised(one_torch_thread) -> None:
    from sefa_desktop.models import load_model

    m = load_model("digiface-dcgan64")
    corner = Region.from_box(0.0, 0.0, 0.3, 0.3)
    codes = m.sample_codes(1, seed=1)
    dirs = region_directions(m, codes, corner, k=3, rank=24)
    assert dirs.dim == m.z_dim and dirs.metadata["subspace"] <= 24 and dirs.layers == [0]
    prods = dirs.metadata["products"]
    assert prods["jvp"] == dirs.metadata["subspace"] and prods["vjp"] == 2 * 20  # 12 + 8 oversampling per side
    assert region_change(m, codes, dirs.vectors[0], corner).ratio > 3  # 5.2; the exact solution: 5.5
