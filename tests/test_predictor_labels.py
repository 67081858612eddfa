"""Labels for the demo model from its own predictors (ground truth), and the vocabulary files."""

from __future__ import annotations

import numpy as np
import pytest

from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.core.labelling import label_directions, probe_directions, text_direction
from sefa_desktop.core.sefa import factorize
from sefa_desktop.core.vocabulary import (
    guess_domain,
    load_vocabulary,
    read_vocabulary_file,
    save_vocabulary,
)
from sefa_desktop.demo.labels import predictor_judge, ships_predictors
from sefa_desktop.models import load_model


@pytest.fixture(scope="module")
def demo():
    model = load_model("cartoon-faces-sg2-32")
    return model, factorize(model, k=6), predictor_judge()


def test_sefa_directions_get_their_true_factors(demo):
    """docs/evaluation.md Table 1: SeFa #1 is nearest to background, #2 to glasses, #3 to hair colour."""
    model, dirs, judge = demo
    assert ships_predictors(model)
    labels, deltas = label_directions(model, dirs, range(6), judge, seeds=range(8))
    assert labels[1][0].phrase == "background"
    assert labels[2][0].phrase == "glasses"
    assert labels[3][0].phrase == "hair colour"
    assert deltas.shape == (6, 9)


def test_text_search_with_predictors_moves_the_named_factor(demo):
    model, dirs, judge = demo
    deltas = probe_directions(model, dirs, range(6), judge, seeds=range(8))
    found = text_direction("hair colour", judge, dirs, list(range(6)), deltas)
    one = DirectionSet(found.vector[None], np.zeros(1), dirs.layers)
    # on other seeds, the found direction moves hair colour more than any other factor
    change = probe_directions(model, one, [0], judge, seeds=range(100, 108))[0]
    assert judge.phrases[int(np.argmax(change))] == "hair colour"
    with pytest.raises(ValueError, match="predictors know"):
        judge.text_target("sunglasses")


def test_vocabulary_saved_per_model(tmp_path):
    v = load_vocabulary(tmp_path, "afhqcat", "abc")
    assert v.domain == "animals" and "kitten" in v.phrases
    v.phrases = ["striped fur", "kitten", "kitten", " big   eyes "]
    save_vocabulary(tmp_path, "afhqcat", "abc", type(v)(v.domain, v.template, v.phrases))
    again = load_vocabulary(tmp_path, "afhqcat", "abc")
    assert again.phrases == ["striped fur", "kitten", "big eyes"]
    assert load_vocabulary(tmp_path, "afhqcat", "other").phrases != again.phrases  # another model
    assert guess_domain("stylegan2-car-config-f") == "cars" and guess_domain("pggan_churchoutdoor256") == "scenes"
    (tmp_path / "v.txt").write_text("# mine\nsmile\n\nfreckles\n")
    assert read_vocabulary_file(tmp_path / "v.txt").phrases == ["smile", "freckles"]
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(ValueError, match="not a vocabulary file"):
        read_vocabulary_file(tmp_path / "bad.json")
