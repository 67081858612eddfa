"""The command line end to end: factorize → grid on the bundled model, and bad input."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from conftest import fixture_path
from PIL import Image

from sefa_desktop.cli import main

REPO = Path(__file__).resolve().parents[1]


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_factorize_then_grid_on_bundled_model(tmp_path, capsys):
    d = tmp_path / "d.npz"
    code, out, err = run(capsys, "factorize", "digiface-dcgan64", "--top", "8", "-o", str(d))
    assert code == 0, err
    assert "8 directions" in out
    g = tmp_path / "g.png"
    code, out, err = run(capsys, "grid", "digiface-dcgan64", "--directions", str(d), "--top", "3",
                         "--seeds", "0", "1", "--steps", "5", "-o", str(g))
    assert code == 0, err
    img = np.asarray(Image.open(g).convert("RGB")).astype(np.float32)
    assert img.shape[0] > 64 * 6 and img.shape[1] > 64 * 5
    # Along a row the image really changes: first and last cells differ clearly.
    cell_a = img[20:84, 112:176]
    cell_b = img[20:84, img.shape[1] - 66:img.shape[1] - 2]
    assert np.abs(cell_a - cell_b).mean() > 10


def test_render_with_edit_writes_recipe(tmp_path, capsys):
    d = tmp_path / "d.npz"
    assert run(capsys, "factorize", "digiface-dcgan64", "-o", str(d))[0] == 0
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert run(capsys, "render", "digiface-dcgan64", "--seed", "4", "-o", str(a))[0] == 0
    code, _, err = run(capsys, "render", "digiface-dcgan64", "--seed", "4", "--directions", str(d),
                       "--edit", "0=3", "--edit", "2=-1.5", "-o", str(b))
    assert code == 0, err
    ia, ib = Image.open(a), Image.open(b)
    assert ia.size == (64, 64)
    assert '"edits": [[0, 3.0], [2, -1.5]]' in ib.text["sefa-desktop"]
    assert np.abs(np.asarray(ia, np.float32) - np.asarray(ib, np.float32)).mean() > 5


def test_info_and_models(capsys):
    code, out, _ = run(capsys, "info", "digiface-dcgan64")
    assert code == 0 and "family:      dcgan" in out and "64×64" in out
    code, out, _ = run(capsys, "models")
    assert code == 0 and "digiface-dcgan64" in out


@pytest.mark.parametrize("make_input", ["missing", "not_checkpoint", "truncated"])
def test_bad_model_inputs_fail_cleanly(tmp_path, capsys, make_input):
    src = tmp_path / "model.pth"
    if make_input == "not_checkpoint":
        src.write_text("this is a text file")
    elif make_input == "truncated":
        data = fixture_path("dcgan", "netG.pth").read_bytes()
        src.write_bytes(data[:5000])
    out = tmp_path / "d.npz"
    code, stdout, err = run(capsys, "factorize", str(src), "-o", str(out))
    assert code == 1
    assert err.startswith("sefa-desktop: error: ") and err.count("\n") == 1
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == (["model.pth"] if make_input != "missing" else [])


def test_directions_for_another_model_fail_cleanly(tmp_path, capsys):
    d = tmp_path / "d.npz"
    assert run(capsys, "factorize", str(fixture_path("dcgan", "netG.pth")), "-o", str(d))[0] == 0
    g = tmp_path / "g.png"
    code, _, err = run(capsys, "grid", "digiface-dcgan64", "--directions", str(d), "-o", str(g))
    assert code == 1 and "another model" in err and err.count("\n") == 1
    assert not g.exists()


def test_bad_arguments(tmp_path, capsys):
    d = tmp_path / "d.npz"
    assert run(capsys, "factorize", "digiface-dcgan64", "--layers", "3", "-o", str(d))[0] == 1
    assert run(capsys, "factorize", "digiface-dcgan64", "-o", str(tmp_path / "d.txt"))[0] == 1
    assert not d.exists()


def test_entry_point_subprocess(tmp_path):
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "info", "digiface-dcgan64", "--json"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 0, r.stderr
    assert '"family": "dcgan"' in r.stdout
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "render", str(tmp_path / "none.pt"), "-o",
                        str(tmp_path / "x.png")], capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "no such file" in r.stderr and "Traceback" not in r.stderr


def test_render_truncation_reaches_biggan(tmp_path, capsys):
    folder = fixture_path("biggan")
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    assert run(capsys, "render", str(folder), "--seed", "1", "--truncation", "1.0", "-o", str(a))[0] == 0
    assert run(capsys, "render", str(folder), "--seed", "1", "--truncation", "0.4", "-o", str(b))[0] == 0
    assert not np.array_equal(np.asarray(Image.open(a)), np.asarray(Image.open(b)))


def test_sample_codes_truncates_biggan_z_and_style_w():
    from sefa_desktop.models import load_model

    model = load_model(str(fixture_path("biggan")))
    full = model.sample_codes(2, seed=5, truncation_psi=1.0)
    half = model.sample_codes(2, seed=5, truncation_psi=0.5)
    z = model.z_dim
    assert np.allclose(half[:, :z].numpy(), 0.5 * full[:, :z].numpy(), atol=1e-6)
    assert float(full[:, :z].abs().max()) <= 2.0
