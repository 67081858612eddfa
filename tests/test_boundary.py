"""`sefa-desktop boundary`: a supervised direction recovers a known linear rule on the demo model."""

from __future__ import annotations

import numpy as np
import pytest

from sefa_desktop.cli import main
from sefa_desktop.core.boundary import edit_space_codes, fit_boundary, read_labels_csv
from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.models import load_model

MODEL = "cartoon-faces-sg2-32"


@pytest.fixture(scope="module")
def demo():
    model = load_model(MODEL)
    seeds = list(range(2000))
    w = edit_space_codes(model, seeds)
    rng = np.random.default_rng(7)
    rule = rng.standard_normal(w.shape[1])
    rule /= np.linalg.norm(rule)
    return model, seeds, w, rule


def write_csv(path, seeds, labels) -> None:
    path.write_text("seed,label\n" + "".join(f"{s},{v:.9g}\n" for s, v in zip(seeds, labels, strict=True)))


def test_codes_are_one_row_of_w_at_psi_1(demo):
    model, seeds, w, _ = demo
    full = model.codes(model.sample_z(1, seed=seeds[5]))
    assert full.shape[1] == model.num_layers
    np.testing.assert_allclose(w[5], full[0, 3].double().numpy(), rtol=0, atol=1e-6)


@pytest.mark.parametrize("kind", ["continuous", "binary"])
def test_boundary_recovers_a_linear_rule(demo, tmp_path, capsys, kind):
    _, seeds, w, rule = demo
    score = w @ rule
    labels = 2.5 * score - 1.0 if kind == "continuous" else (score > np.median(score)).astype(float)
    csv = tmp_path / "labels.csv"
    write_csv(csv, seeds, labels)
    out = tmp_path / "b.npy"
    assert main(["boundary", MODEL, "--labels", str(csv), "-q", "-o", str(out)]) == 0
    b = np.load(out)
    assert b.shape == (1, w.shape[1]) and b.dtype == np.float32
    assert abs(np.linalg.norm(b) - 1) < 1e-5
    cos = float(b[0] @ rule)
    assert cos >= 0.95, cos  # signed: it points towards larger labels
    assert ("ridge" if kind == "continuous" else "svm") in capsys.readouterr().out


def test_boundary_npz_points_towards_larger_labels(demo, tmp_path, capsys):
    _, seeds, w, rule = demo
    csv = tmp_path / "smile.csv"
    write_csv(csv, seeds[:1000], -(w[:1000] @ rule))  # larger label = against the rule
    out = tmp_path / "b.npz"
    assert main(["boundary", MODEL, "--labels", str(csv), "--method", "ridge", "-q", "-o", str(out)]) == 0
    d = DirectionSet.load(out)
    assert d.labels == ["smile"] and d.method == "boundary-ridge" and d.layers == list(range(8))
    assert float(d.vectors[0] @ rule) <= -0.95


def test_logistic_and_errors(demo, tmp_path):
    _, _, w, rule = demo
    y = (w @ rule > 0).astype(float)
    fit = fit_boundary(w, y, "logistic")
    assert fit.vector @ rule > 0.9 and fit.score > 0.95
    with pytest.raises(ValueError, match="0 or 1"):
        fit_boundary(w, w @ rule, "svm")
    with pytest.raises(ValueError, match="all labels are the same"):
        fit_boundary(w[:10], np.ones(10))
    with pytest.raises(ValueError, match="at least"):
        fit_boundary(w[:3], np.array([0, 1, 0.0]))


@pytest.mark.parametrize("text, message", [
    ("s,l\n1,0\n", "header"),
    ("seed,label\n1,x\n", "not a number"),
    ("seed,label\na,1\n", "not an integer"),
    ("seed,label\n1,1\n1,0\n", "twice"),
    ("seed,label\n1\n", "expected"),
])
def test_bad_csv(tmp_path, capsys, text, message):
    csv = tmp_path / "l.csv"
    csv.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_labels_csv(csv)
    out = tmp_path / "b.npy"
    assert main(["boundary", MODEL, "--labels", str(csv), "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert not out.exists()


def test_unreadable_label_and_vocabulary_files_fail_in_one_line(tmp_path):
    from sefa_desktop.core.vocabulary import read_vocabulary_file

    (tmp_path / "latin1.csv").write_bytes("seed,label\n1,é\n".encode("latin-1"))
    (tmp_path / "latin1.txt").write_bytes("sourire\né\n".encode("latin-1"))
    for read, what in ((read_labels_csv, "labels"), (read_vocabulary_file, "the vocabulary")):
        suffix = ".csv" if read is read_labels_csv else ".txt"
        with pytest.raises(ValueError, match=r"missing\.\w+: no such file"):
            read(tmp_path / f"missing{suffix}")
        with pytest.raises(ValueError, match=f"latin1{suffix}: cannot read {what} ") as e:
            read(tmp_path / f"latin1{suffix}")
        assert "\n" not in str(e.value)
