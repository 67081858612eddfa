"""Projection: it gets closer to the target than the start, reports as it goes, cancels, and the file it
writes renders back to the PSNR it printed."""

from __future__ import annotations

import re
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

from sefa_desktop.core.imaging import to_uint8
from sefa_desktop.core.projection import (
    ProjectionCancelled,
    ProjectionSettings,
    project,
    psnr,
    stage_resolutions,
)

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def style():
    from sefa_desktop.models import load_model

    return load_model("cartoon-faces-sg2-32")


def _image(m, seed: int) -> np.ndarray:
    return to_uint8(m.synthesize(m.sample_codes(1, seed=seed)), m.image_range)[0]


def test_z_projection_beats_the_starting_points_and_reports(model, one_torch_thread) -> None:
    target = _image(model, 7)
    steps: list = []
    r = project(model, target, ProjectionSettings(steps=40, restarts=2, preview_every=5), progress=steps.append)
    start = max(psnr(_image(model, 0), target), psnr(_image(model, 1000), target))  # the restarts' seeds
    assert r.psnr > start + 3
    assert r.codes.shape == (1, 100) and r.space == "z"
    assert [s.step for s in steps] == list(range(1, 41))
    assert any(s.stage.startswith("z start 2/2") for s in steps)
    images = [s.image for s in steps if s.image is not None]
    assert images and images[-1].dtype == np.uint8 and images[-1].shape[-1] == 3
    # the result renders to the image it reports, at the PSNR it reports
    assert np.array_equal(r.image, to_uint8(model.synthesize(r.codes), model.image_range)[0])
    assert r.psnr == pytest.approx(psnr(r.image, target))


def test_style_projection_w_then_w_plus(style, one_torch_thread) -> None:
    target = _image(style, 3)
    mean_w = style.codes(style.sample_z(2000, seed=12345)).mean(0, keepdim=True)
    mean_psnr = psnr(to_uint8(style.synthesize(mean_w), style.image_range)[0], target)
    stages: list[str] = []
    r = project(style, target, ProjectionSettings(steps=60), progress=lambda s: stages.append(s.stage))
    assert r.psnr > mean_psnr + 5
    assert r.codes.shape == (1, 8, 64)
    assert stages[0].startswith("w ") and stages[-1].startswith("w+ ")
    # space w: every W+ row holds the same w
    rw = project(style, target, ProjectionSettings(space="w", steps=10))
    assert torch.allclose(rw.codes[0, 0], rw.codes[0, -1])


def test_coarse_to_fine_goes_through_the_early_exits(style) -> None:
    assert stage_resolutions(256, (32, 64)) == [32, 64, 256]
    assert stage_resolutions(32, (32, 64)) == [32]
    assert stage_resolutions(256, (32, 64), max_size=64) == [32, 64]
    seen: list[int] = []
    project(style, _image(style, 1), ProjectionSettings(steps=10, coarse=(16,)), progress=lambda s: seen.append(
        s.resolution))
    assert seen[0] == 16 and seen[-1] == 32


def test_cancel_is_injected_and_stops_the_run(model) -> None:
    cancel = threading.Event()

    def progress(step) -> None:
        if step.step == 3:
            cancel.set()

    with pytest.raises(ProjectionCancelled):
        project(model, _image(model, 1), ProjectionSettings(steps=50), progress=progress, cancel=cancel)


@pytest.mark.parametrize("kw,msg", [
    ({"space": "w"}, "no W space"),
    ({"steps": 0}, "steps"),
    ({"max_size": 48}, "power of two"),
])
def test_bad_settings_are_one_line(model, kw, msg) -> None:
    with pytest.raises(ValueError, match=msg):
        project(model, _image(model, 1), ProjectionSettings(**kw))


def test_target_must_be_square(model) -> None:
    with pytest.raises(ValueError, match="square"):
        project(model, np.zeros((10, 20, 3), np.uint8))


def _cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sefa_desktop", *args], capture_output=True, text=True, cwd=cwd,
                          env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "HOME": str(cwd),
                               "OMP_NUM_THREADS": "1"}, timeout=600)


def test_cli_project_then_render_latent_reproduces_the_psnr(tmp_path) -> None:
    r = _cli("render", "digiface-dcgan64", "--seed", "5", "-o", "target.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # a non-square photo is cropped: pad the target into a wider picture and name the square
    big = Image.new("RGB", (100, 64), (255, 0, 0))
    big.paste(Image.open(tmp_path / "target.png"), (20, 0))
    big.save(tmp_path / "photo.jpg", quality=98)
    r = _cli("project", "digiface-dcgan64", "photo.jpg", "--crop", "20,0,64", "--steps", "30", "-q",
             "-o", "me.npz", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    printed = float(re.search(r"PSNR ([\d.]+) dB", r.stdout).group(1))
    r = _cli("render", "digiface-dcgan64", "--latent", "me.npz", "-o", "back.png", cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # what was projected: the square of the JPEG
    target = np.asarray(Image.open(tmp_path / "photo.jpg").convert("RGB").crop((20, 0, 84, 64)))
    back = np.asarray(Image.open(tmp_path / "back.png").convert("RGB"))
    assert psnr(back, target) == pytest.approx(printed, abs=0.01)
    from sefa_desktop.core.latents import read_latent

    meta = read_latent(tmp_path / "me.npz").meta
    assert meta["crop"]["box"] == [20, 0, 64] and meta["psnr"] == pytest.approx(printed, abs=0.01)


def test_cli_project_errors_are_one_line(tmp_path) -> None:
    (tmp_path / "x.png").write_bytes(b"not a png")
    r = _cli("project", "digiface-dcgan64", "x.png", "-o", "o.npz", cwd=tmp_path)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "x.png" in r.stderr
    Image.new("RGB", (40, 40)).save(tmp_path / "s.png")
    r = _cli("project", "digiface-dcgan64", "s.png", "--crop", "10,10,40", "-o", "o.npz", cwd=tmp_path)
    assert r.returncode == 1 and "leaves the 40×40 image" in r.stderr
    r = _cli("project", "digiface-dcgan64", "s.png", "--space", "w+", "-o", "o.npz", cwd=tmp_path)
    assert r.returncode == 1 and "no W space" in r.stderr
    assert not (tmp_path / "o.npz").exists()


def test_grid_and_video_take_a_latent_instead_of_a_seed(model, tmp_path) -> None:
    from sefa_desktop.core.latents import write_latent

    write_latent(tmp_path / "s3.npz", model.sample_codes(1, seed=3), model, "z")
    assert _cli("factorize", "digiface-dcgan64", "--top", "2", "-o", "d.npz", cwd=tmp_path).returncode == 0
    common = ("--directions", "d.npz", "--top", "2", "--steps", "3")
    a = _cli("grid", "digiface-dcgan64", *common, "--seeds", "3", "-o", "a.png", cwd=tmp_path)
    b = _cli("grid", "digiface-dcgan64", *common, "--latent", "s3.npz", "-o", "b.png", cwd=tmp_path)
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert "the latent" in b.stdout
    assert np.array_equal(np.asarray(Image.open(tmp_path / "a.png")), np.asarray(Image.open(tmp_path / "b.png")))
    v = _cli("video", "digiface-dcgan64", "--directions", "d.npz", "--index", "0", "--latent", "s3.npz",
             "--frames", "2", "-q", "-o", "v.gif", cwd=tmp_path)
    assert v.returncode == 0, v.stderr
    with Image.open(tmp_path / "v.gif") as im:
        assert im.n_frames == 2
    bad = _cli("render", "digiface-dcgan64", "--latent", "d.npz", "-o", "x.png", cwd=tmp_path)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1 and not (tmp_path / "x.png").exists()
