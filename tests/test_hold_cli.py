"""`--hold J,K` on render, grid and video: the edit is the render of the orthogonalised direction."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sefa_desktop.cli import main
from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.core.editing import hold_fixed
from sefa_desktop.core.exports import read_recipe
from sefa_desktop.core.sefa import factorize
from sefa_desktop.models import load_model

MODEL = "cartoon-faces-sg2-32"


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    """The demo model's top 4 SeFa directions, and a copy whose direction 2 is held against 0 and 1."""
    tmp = tmp_path_factory.mktemp("hold")
    model = load_model(MODEL)
    dirs = factorize(model, k=4)
    # directions from a factorization are orthogonal: hold against a non-orthogonal mix too, so the
    # projection is not trivially the identity
    vectors = dirs.vectors.copy()
    vectors[1] = (dirs.vectors[1] + dirs.vectors[2]) / np.sqrt(2)
    mixed = DirectionSet(vectors, dirs.values, dirs.layers, model_name=model.name,
                         model_fingerprint=model.fingerprint)
    mixed.save(tmp / "d.npz")
    fixed = vectors.copy()
    fixed[2] = hold_fixed(vectors[2], vectors[[0, 1]])
    DirectionSet(fixed, dirs.values, dirs.layers, model_name=model.name,
                 model_fingerprint=model.fingerprint).save(tmp / "fixed.npz")
    return tmp


def pixels(path) -> np.ndarray:
    with Image.open(path) as im:
        return np.asarray(im.convert("RGB"))


def test_render_hold_equals_render_of_orthogonalised_direction(files, capsys):
    held = files / "held.png"
    ref = files / "ref.png"
    plain = files / "plain.png"
    base = ["render", MODEL, "--seed", "3", "--edit", "2=3"]
    assert main([*base, "--directions", str(files / "d.npz"), "--hold", "0,1", "-o", str(held)]) == 0
    assert main([*base, "--directions", str(files / "fixed.npz"), "-o", str(ref)]) == 0
    assert main([*base, "--directions", str(files / "d.npz"), "-o", str(plain)]) == 0
    np.testing.assert_array_equal(pixels(held), pixels(ref))
    assert np.abs(pixels(held).astype(int) - pixels(plain)).max() > 10  # holding changed the edit
    assert read_recipe(held)["hold"] == [0, 1]


def test_grid_and_video_hold(files, capsys):
    held, ref = files / "gh.png", files / "gr.png"
    args = ["grid", MODEL, "--index", "2", "--seeds", "0", "1", "--steps", "3"]
    assert main([*args, "--directions", str(files / "d.npz"), "--hold", "0,1", "-o", str(held)]) == 0
    assert main([*args, "--directions", str(files / "fixed.npz"), "-o", str(ref)]) == 0
    a, b = pixels(held), pixels(ref)
    assert a.shape == b.shape
    # the row labels differ (the held grid names what is held); the images do not
    assert (a != b).any(axis=2).sum() < 0.05 * a.shape[0] * a.shape[1]
    vid = files / "v.gif"
    assert main(["video", MODEL, "--directions", str(files / "d.npz"), "--index", "2", "--hold", "1",
                 "--frames", "3", "-q", "-o", str(vid)]) == 0
    assert vid.stat().st_size > 0


def test_hold_errors(files, capsys):
    d = str(files / "d.npz")
    out = str(files / "x.png")
    assert main(["render", MODEL, "--directions", d, "--edit", "1=2", "--hold", "1", "-o", out]) == 1
    assert "both held" in capsys.readouterr().err
    assert main(["render", MODEL, "--directions", d, "--edit", "1=2", "--hold", "9", "-o", out]) == 1
    assert "does not exist" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["render", MODEL, "--directions", d, "--hold", "a,b", "-o", out])
    assert main(["render", MODEL, "--hold", "0", "-o", out]) == 1
    assert "need --directions" in capsys.readouterr().err
    assert not (files / "x.png").exists()


def test_grid_top_leaves_held_directions_out(files, capsys):
    out = files / "top.png"
    assert main(["grid", MODEL, "--directions", str(files / "d.npz"), "--top", "3", "--hold", "1", "--steps", "2",
                 "-o", str(out)]) == 0
    assert "3 directions" in capsys.readouterr().out
    from sefa_desktop.cli import build_parser
    from sefa_desktop.commands.common import load_sweep_table

    args = build_parser().parse_args(["grid", MODEL, "--directions", str(files / "d.npz"), "--top", "3",
                                      "--hold", "1", "-o", str(out)])
    _, dirs, indices = load_sweep_table(args)
    assert indices == [0, 2, 3]  # direction 1 is held, not shown
    assert dirs.labels[2].endswith("⊥1") and dirs.labels[1] == ""
