"""Choosing the class of a class-conditional model (BigGAN), below the GUI: names and what a typed class
means, the session's undoable class, the sample key every cache uses, the worker's codes, presets."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from biggan_helpers import CLASS_NAMES, make_biggan

from sefa_desktop.gui.requests import SampleSpec
from sefa_desktop.models import load_model
from sefa_desktop.models.classes import class_label, class_names, imagenet_names, is_class_conditional, resolve_class
from sefa_desktop.presets import Preset, PresetStore, model_ref
from sefa_desktop.session import EditSession, SessionEditor
from sefa_desktop.session.state import SAMPLE, LatentBase

INFO = dict(source="big", name="big", family="biggan", resolution=32, z_dim=16, w_dim=None, num_layers=6,
            edit_space="z", latent_dim=16, layers=[], class_conditional=True, num_classes=len(CLASS_NAMES),
            class_names=list(CLASS_NAMES), default_class=0)
PLAIN = dict(INFO, family="dcgan", class_conditional=False, num_classes=0, class_names=[])


@pytest.fixture(scope="module")
def biggan_dir(tmp_path_factory) -> Path:
    return make_biggan(tmp_path_factory.mktemp("biggan") / "tiny-biggan")


@pytest.fixture(scope="module")
def model(biggan_dir):
    return load_model(str(biggan_dir))


# -- names and resolving what the user typed --------------------------------------------------------------

def test_resolve_by_index_label_name_and_unique_part():
    names = list(CLASS_NAMES)
    assert resolve_class("2", names) == 2
    assert resolve_class("2: golden retriever", names) == 2
    assert resolve_class("Golden Retriever", names) == 2
    assert resolve_class("golden", names) == 2
    assert resolve_class("  volc ", names) == 6
    assert resolve_class("tabby cat", names) == 4


@pytest.mark.parametrize("text, words", [
    ("retriever", "matches 2 classes"), ("cat", "matches 2 classes"), ("zebra", "no class is named like"),
    ("8", "out of range"), ("-1", "out of range"), ("", "no class"), ("2: daisy", "is 'golden retriever'"),
])
def test_resolve_refuses_unknown_ambiguous_and_out_of_range(text, words):
    with pytest.raises(ValueError, match=words):
        resolve_class(text, list(CLASS_NAMES))


def test_nameless_classes_take_indices_only():
    assert resolve_class("3", [""] * 5) == 3
    with pytest.raises(ValueError, match="have no names"):
        resolve_class("dog", [""] * 5)
    assert class_label(3, [""] * 5) == "3" and class_label(2, CLASS_NAMES) == "2: golden retriever"


def test_the_model_lists_its_classes(model):
    assert is_class_conditional(model)
    assert class_names(model) == list(CLASS_NAMES)


def test_a_1000_class_model_without_names_gets_the_imagenet_names():
    names = imagenet_names()
    if not names:
        pytest.skip("neither torchvision nor open_clip is installed (the picker shows indices)")
    fake = type("M", (), {"num_classes": 1000, "class_names": [], "class_vector": None})()
    got = class_names(fake)
    assert len(got) == 1000 and got[0] == "tench" and got[207] == "golden retriever"
    assert resolve_class("golden retriever", got) == 207


def test_other_families_have_no_class_choice():
    model = load_model("digiface-dcgan64")
    assert not is_class_conditional(model)


# -- session ---------------------------------------------------------------------------------------------

def _session(info=INFO):
    s = EditSession()
    changes = []
    s.subscribe(lambda c: changes.append(c))
    s.set_model(info, gen=1)
    return s, SessionEditor(s), changes


def test_class_is_undoable_like_the_seed():
    s, ed, changes = _session()
    assert s.class_index is None and s.effective_class == 0 and s.class_text() == "0: tench"
    ed.set_seed(5)
    changes.clear()
    ed.set_class(2)
    assert s.class_index == 2 and s.class_text() == "2: golden retriever"
    assert [SAMPLE in c.aspects for c in changes] == [True]
    ed.set_class(2)  # no change, no step
    assert ed.undo() and s.class_index is None and s.seed == 5
    assert ed.redo() and s.class_index == 2
    assert ed.undo() and ed.undo() and s.seed == 0 and s.class_index is None


def test_class_out_of_range_is_refused_and_changes_nothing():
    s, ed, _ = _session()
    ed.set_class(3)
    with pytest.raises(ValueError, match="out of range"):
        ed.set_class(len(CLASS_NAMES))
    assert s.class_index == 3


def test_a_model_switch_resets_the_class():
    s, ed, _ = _session()
    ed.set_class(4)
    s.set_model(INFO, gen=2)
    assert s.class_index is None
    s.set_model(PLAIN, gen=3)
    assert not s.class_conditional and s.effective_class is None and s.class_text() == ""
    with pytest.raises(ValueError):
        ed.set_class(0)


def test_a_preset_applies_the_class_in_the_same_undo_step():
    s, ed, _ = _session()
    ed.apply_setup(s.base, None, None, (), "Apply preset", class_index=6)
    assert s.class_index == 6
    ed.apply_setup(s.base, None, None, (), "Apply preset")  # KEEP: a preset without a class leaves it
    assert s.class_index == 6
    assert ed.undo() and ed.undo() and s.class_index is None


# -- the sample key: caches never mix classes --------------------------------------------------------------

def test_the_sample_key_tells_classes_apart():
    a, b = SampleSpec(3, 1.0, "const", class_index=None), SampleSpec(3, 1.0, "const", class_index=2)
    assert a != b and a.key != b.key and a.code_key != b.code_key
    assert SampleSpec(3, 1.0, "const", class_index=2) == b
    # a given latent carries its own class: the class field does not split its cache
    lat = np.zeros(4, np.float32)
    assert SampleSpec(latent=lat, latent_key="k", class_index=1).key == SampleSpec(latent=lat, latent_key="k").key


# -- presets -------------------------------------------------------------------------------------------

def test_presets_remember_the_class_and_old_ones_still_load(tmp_path):
    store = PresetStore(tmp_path)
    store.save(Preset(name="dog", model=model_ref("digiface-dcgan64"), class_index=2))
    store.save(Preset(name="plain", model=model_ref("digiface-dcgan64")))
    assert store.get("dog").class_index == 2
    assert store.get("plain").class_index is None
    assert "class_index" not in json.loads(store.path_for("plain").read_text())  # files without a class unchanged
    old = {"format": "sefa-desktop-preset", "version": 1, "name": "v1", "model": "digiface-dcgan64", "seed": 4,
           "edits": [[0, 1.5]]}
    store.path_for("v1").write_text(json.dumps(old))
    assert store.get("v1").class_index is None and store.get("v1").seeds == [4]


@pytest.mark.parametrize("bad", [-1, "2", 1.5, True])
def test_a_damaged_class_in_a_preset_is_reported(tmp_path, bad):
    d = Preset(name="x", model=model_ref("digiface-dcgan64")).to_json()
    d["class_index"] = bad
    with pytest.raises(ValueError, match="class_index"):
        Preset.from_json(d)


# -- the worker: the class reaches the codes ---------------------------------------------------------------

def test_the_worker_renders_the_chosen_class(qtbot, model):
    from sefa_desktop.gui.worker import PreviewRequest, RenderWorker

    w = RenderWorker()
    w.model, w.model_gen = model, 1
    frames = []
    w.previewReady.connect(lambda gen, img, ms, draft: frames.append(img))
    failures = []
    w.failed.connect(lambda purpose, msg: failures.append(msg))
    for c in (None, 2, 5, 2, 0):
        w.box.put("preview", PreviewRequest(1, SampleSpec(seed=1, psi=1.0, class_index=c)))
        w._drain()
    assert failures == [] and len(frames) == 5
    default, two, five, two_again, zero = frames
    assert two != default and five != two and five != default
    assert two_again == two and zero == default  # the default class is class 0
    # the cached base codes are per class, and hold that class's one-hot vector
    codes = w._base_codes(SampleSpec(seed=1, psi=1.0, class_index=5))
    assert int(torch.argmax(codes[0, model.z_dim:])) == 5
    expected = model.sample_codes(1, seed=1, truncation_psi=1.0, c=5)
    assert torch.equal(codes, expected)


def test_the_worker_describes_the_classes(model):
    from sefa_desktop.gui.worker import RenderWorker

    info = RenderWorker()._describe(model, "x")
    assert info["class_conditional"] and info["num_classes"] == len(CLASS_NAMES)
    assert info["class_names"] == list(CLASS_NAMES) and info["default_class"] == 0
    plain = RenderWorker()._describe(load_model("digiface-dcgan64"), "digiface-dcgan64")
    assert plain["class_conditional"] is False and plain["class_names"] == []


def test_the_class_is_kept_while_the_base_is_a_latent():
    s, ed, _ = _session()
    ed.set_base(LatentBase("photo", np.zeros(16 + len(CLASS_NAMES), np.float32)))
    ed.set_class(3)
    assert s.class_index == 3  # kept for when the user goes back to a seed
