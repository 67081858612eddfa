"""`sefa-desktop compare`: |cos| matrix (rows A, columns B), best matches, strips on the same seeds."""

from __future__ import annotations

import json

import numpy as np
import pytest

from sefa_desktop.cli import main
from sefa_desktop.core.compare import best_matches, signed_cosines
from sefa_desktop.core.direction_formats import write_boundaries
from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.core.sefa import factorize
from sefa_desktop.models import load_model

MODEL = "cartoon-faces-sg2-32"


@pytest.fixture(scope="module")
def sets(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("cmp")
    model = load_model(MODEL)
    a = factorize(model, k=6)
    a.save(tmp / "a.npz")
    # B: A's directions 4, 0, 2 (one negated) and a random one, as an imported InterFaceGAN boundary set
    rng = np.random.default_rng(1)
    r = rng.standard_normal(a.dim)
    vb = np.stack([a.vectors[4], -a.vectors[0], a.vectors[2], r / np.linalg.norm(r)])
    b = DirectionSet(vb, np.zeros(4), a.layers, method="mixed", model_name=model.name,
                     model_fingerprint=model.fingerprint, labels=["four", "minus zero", "two", "random"])
    b.save(tmp / "b.npz")
    write_boundaries(b, tmp / "b.npy", 1)
    return tmp, a, b


def test_cosines_and_best_matches(sets):
    _, a, b = sets
    cos = signed_cosines(a, b)
    assert cos.shape == (6, 4)
    m = best_matches(cos)
    assert (m[4].b, round(m[4].cos, 5)) == (0, 1.0)
    assert (m[0].b, round(m[0].cos, 5)) == (1, -1.0)


def test_compare_command(sets, capsys):
    tmp, a, b = sets
    out, js = tmp / "r.html", tmp / "cos.json"
    assert main(["compare", str(tmp / "a.npz"), str(tmp / "b.npz"), "--top", "5", "--seeds", "0", "1",
                 "--steps", "3", "-q", "-o", str(out), "--json", str(js)]) == 0
    data = json.loads(js.read_text())
    cos = np.array(data["cos"])
    assert cos.shape == (5, 4) and (cos >= 0).all()  # rows A (top 5), columns B
    np.testing.assert_allclose(cos, np.abs(signed_cosines(a.top(5), b)), atol=1e-5)
    assert data["best"][0] == {"a": 0, "b": 1, "cos": 1.0, "sign": -1}
    page = out.read_text()
    assert page.count("<img src='data:image/png;base64,") == 10  # A and B strip for each of 5 A directions
    assert "minus zero (flipped)" in page


def test_compare_imported_file_and_errors(sets, capsys):
    tmp, _, _ = sets
    out = tmp / "r2.html"
    assert main(["compare", str(tmp / "a.npz"), str(tmp / "b.npy"), "--no-strips", "-o", str(out)]) == 0
    assert "<img" not in out.read_text()
    bad = tmp / "r3.html"
    assert main(["compare", str(tmp / "b.npy"), str(tmp / "b.npy"), "-o", str(bad)]) == 1
    assert "give --model" in capsys.readouterr().err
    assert main(["compare", str(tmp / "a.npz"), str(tmp / "nope.npz"), "-o", str(bad)]) == 1
    assert main(["compare", str(tmp / "a.npz"), str(tmp / "b.npz"), "-o", str(tmp / "r.txt")]) == 1
    assert not bad.exists()
