"""CLIP labels and text search with a tiny random CLIP: the loader on a locally written file of the real
weights' layout, the whole labelling and text-search path (core and `sefa-desktop label`)."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest
import torch
from clip_helpers import write_tiny_clip

from sefa_desktop.cli import main
from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.core.labelling import (
    ClipJudge,
    LabellingCancelled,
    label_directions,
    probe_directions,
    text_direction,
)
from sefa_desktop.core.sefa import factorize
from sefa_desktop.core.vocabulary import default_vocabulary
from sefa_desktop.models import ModelLoadError, load_model
from sefa_desktop.models.catalogue import load_catalogue
from sefa_desktop.models.clip import CATALOGUE_NAME, load_clip

MODEL = "cartoon-faces-sg2-32"


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("clip")
    path, reference = write_tiny_clip(folder)
    return path, reference


@pytest.fixture(scope="module")
def demo():
    model = load_model(MODEL)
    return model, factorize(model, k=5)


def test_loader_reads_open_clip_layout_exactly(tiny):
    path, reference = tiny
    enc = load_clip(path, "sefa-tiny-clip")
    assert enc.size == (32, 32)
    images = torch.rand(3, 3, 32, 32)
    with torch.inference_mode():
        x = (images - enc.mean) / enc.std
        want = torch.nn.functional.normalize(reference.encode_image(x), dim=-1)
    torch.testing.assert_close(enc.encode_images(images), want, rtol=1e-5, atol=1e-6)
    text = enc.encode_text(["a smile", "glasses"])
    assert text.shape == (2, 16)
    torch.testing.assert_close(text.norm(dim=1), torch.ones(2))


def test_loader_errors_are_one_line(tiny, tmp_path):
    path, _ = tiny
    bad = tmp_path / "bad.safetensors"
    bad.write_bytes(b"not safetensors at all")
    for target, arch, message in [(bad, "sefa-tiny-clip", "not a readable safetensors"),
                                  (tmp_path / "missing.safetensors", "sefa-tiny-clip", "not found"),
                                  (path, "ViT-B-32", "not ViT-B-32 weights"),
                                  (path, "no-such-arch", "unknown CLIP architecture")]:
        with pytest.raises(ModelLoadError, match=message) as e:
            load_clip(target, arch)
        assert "\n" not in str(e.value)


def test_catalogue_lists_real_clip_weights_as_safetensors():
    entry = load_catalogue().require(CATALOGUE_NAME)
    assert entry.family == "clip" and entry.format == "open_clip-safetensors"
    assert entry.filename.endswith(".safetensors") and entry.urls[0].endswith(".safetensors")
    with pytest.raises(ModelLoadError, match="not a generator"):
        load_model(CATALOGUE_NAME)


def test_labelling_and_text_search_with_tiny_clip(tiny, demo):
    path, _ = tiny
    model, dirs = demo
    vocab = default_vocabulary("faces")
    judge = ClipJudge(load_clip(path, "sefa-tiny-clip"), vocab)
    calls = []
    labels, deltas = label_directions(model, dirs, [0, 1, 2], judge, seeds=[0, 1], alpha=3.0,
                                      progress=lambda d, t: calls.append((d, t)))
    assert calls == [(1, 3), (2, 3), (3, 3)]
    assert deltas.shape == (3, 16) and np.abs(deltas).sum() > 0
    for row in labels:
        assert len(row) == 3 and all(lab.phrase in vocab.phrases for lab in row)
        scores = [abs(lab.score) for lab in row]
        assert scores == sorted(scores, reverse=True) and scores[0] <= 1.0 + 1e-9
    found = text_direction("smile", judge, dirs, [0, 1, 2], deltas)
    assert found.text == "smile" and abs(np.linalg.norm(found.vector) - 1) < 1e-5
    # the text direction is a combination of the probed directions
    residual = found.vector - dirs.vectors[:3].T @ (dirs.vectors[:3] @ found.vector)
    assert np.linalg.norm(residual) < 1e-4
    assert -1 <= found.fit <= 1


def test_text_direction_solves_the_least_squares_problem(demo):
    _, dirs = demo
    rng = np.random.default_rng(0)
    deltas = rng.standard_normal((5, 12))

    class Fixed:  # a judge whose text target is exactly direction 3's change
        phrases = ["x"]
        name = "fixed"

        def text_target(self, text):
            return deltas[3] / np.linalg.norm(deltas[3])

    found = text_direction("x", Fixed(), dirs, list(range(5)), deltas, ridge=1e-8)
    assert abs(float(found.vector @ dirs.vectors[3])) > 0.999 and found.fit > 0.999


def test_labelling_is_cancellable(demo):
    model, dirs = demo
    cancel = threading.Event()

    class Judge:
        phrases = ["a"]
        name = "count"

        def embed(self, images01):
            cancel.set()  # cancel while the first direction is being judged
            return images01.mean(dim=(2, 3))

    with pytest.raises(LabellingCancelled):
        probe_directions(model, dirs, [0, 1, 2], Judge(), seeds=[0], cancel=cancel)


def test_label_command_with_clip(tiny, demo, tmp_path, capsys):
    path, _ = tiny
    model, dirs = demo
    d = tmp_path / "d.npz"
    dirs.save(d)
    vocab = tmp_path / "words.txt"
    vocab.write_text("smile\nglasses\n# a comment\nlong hair\nbackground\n")
    out, js = tmp_path / "named.npz", tmp_path / "labels.json"
    assert main(["label", MODEL, "--directions", str(d), "--top", "3", "--judge", "clip", "--clip-weights",
                 str(path), "--clip-arch", "sefa-tiny-clip", "--vocabulary", str(vocab), "--seeds", "0", "1",
                 "--text", "smile", "-q", "-o", str(out), "--json", str(js)]) == 0
    named = DirectionSet.load(out)
    assert len(named) == len(dirs) + 1 and named.labels[-1] == "smile"
    words = {"smile", "glasses", "long hair", "background"}
    assert all(lab.removeprefix("less ") in words for lab in named.labels[:3])
    data = json.loads(js.read_text())
    assert [d["index"] for d in data["directions"]] == [0, 1, 2] and data["text"][0]["text"] == "smile"
    assert "text 'smile'" in capsys.readouterr().out


def test_label_command_errors(demo, dirs, tmp_path, capsys):
    digiface = tmp_path / "digiface.npz"
    dirs.save(digiface)  # conftest: the bundled DCGAN's directions
    assert main(["label", "digiface-dcgan64", "--directions", str(digiface), "--judge", "predictors", "-q"]) == 1
    assert "ships no attribute predictors" in capsys.readouterr().err
    d = tmp_path / "d.npz"
    demo[1].save(d)
    assert main(["label", MODEL, "--directions", str(d), "--judge", "clip", "--clip-weights",
                 str(tmp_path / "none.safetensors"), "-q", "-o", str(tmp_path / "out.npz")]) == 1
    err = capsys.readouterr().err
    assert "CLIP weights not found" in err and err.count("\n") == 1
    assert not (tmp_path / "out.npz").exists()


def test_without_open_clip_the_error_says_how_to_install(tiny, monkeypatch, demo, tmp_path, capsys):
    import sys

    path, _ = tiny
    monkeypatch.setitem(sys.modules, "open_clip", None)  # as if open_clip_torch were not installed
    with pytest.raises(ModelLoadError, match=r"sefa-desktop\[clip\]"):
        load_clip(path, "sefa-tiny-clip")
    d = tmp_path / "d.npz"
    demo[1].save(d)
    assert main(["label", MODEL, "--directions", str(d), "--judge", "clip", "--clip-weights", str(path), "-q"]) == 1
    err = capsys.readouterr().err
    assert "pip install" in err and err.count("\n") == 1
