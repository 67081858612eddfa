import pytest
import torch

from sefa_desktop.demo import faces


def test_deterministic_from_seed():
    a_img, a_lab = faces.sample(8, seed=5)
    b_img, b_lab = faces.sample(8, seed=5)
    c_img, _ = faces.sample(8, seed=6)
    assert torch.equal(a_img, b_img) and torch.equal(a_lab, b_lab)
    assert not torch.equal(a_img, c_img)


def test_shapes_and_ranges():
    img, lab = faces.sample(400, seed=1)
    assert img.shape == (400, 3, 32, 32) and img.dtype == torch.float32
    assert img.min() >= -1 and img.max() <= 1
    assert lab.shape == (400, len(faces.FACTORS))
    assert lab.min() >= 0 and lab.max() <= 1
    gi = faces.FACTORS.index("glasses")
    assert set(lab[:, gi].unique().tolist()) == {0.0, 1.0}
    # continuous factors are spread over the whole range (uniform), not constant
    for i, name in enumerate(faces.FACTORS):
        if name not in faces.BINARY:
            assert lab[:, i].min() < 0.1 and lab[:, i].max() > 0.9, name
    assert faces.render(lab[:2], size=64).shape == (2, 3, 64, 64)


@pytest.mark.parametrize("name", faces.FACTORS)
def test_each_factor_changes_the_pixels_on_its_own(name):
    base = torch.full((1, len(faces.FACTORS)), 0.5)
    base[0, faces.FACTORS.index("glasses")] = 0.0
    lo, hi = base.clone(), base.clone()
    i = faces.FACTORS.index(name)
    lo[0, i], hi[0, i] = 0.0, 1.0
    a, b = faces.render(lo), faces.render(hi)
    diff = (a - b).abs().amax(dim=1)
    assert (diff > 0.2).sum() >= 8, f"{name} barely changes the image"


def test_bad_label_shape_is_a_clear_error():
    with pytest.raises(ValueError, match="labels must have shape"):
        faces.render(torch.zeros(2, 3))
