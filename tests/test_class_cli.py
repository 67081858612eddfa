"""`--class` on the commands that render samples: render, grid, page, video, batch (index or name), and
the one-line refusals (exit status 2) for a model without classes and for an unknown or ambiguous name."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from biggan_helpers import make_biggan
from PIL import Image

from sefa_desktop.cli import main
from sefa_desktop.core.exports import read_recipe


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> str:
    return str(make_biggan(tmp_path_factory.mktemp("cli") / "tiny-biggan"))


@pytest.fixture(scope="module")
def big_dirs(big, tmp_path_factory) -> str:
    out = tmp_path_factory.mktemp("dirs") / "d.npz"
    assert main(["factorize", big, "--layers", "0", "-o", str(out)]) == 0
    return str(out)


def pixels(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def test_render_class_by_index_and_by_name(big, tmp_path, capsys):
    outs = {}
    for tag, args in {"default": [], "zero": ["--class", "0"], "two": ["--class", "2"],
                      "name": ["--class", "golden retriever"], "part": ["--class", "GOLDEN"],
                      "five": ["--class", "5"]}.items():
        outs[tag] = tmp_path / f"{tag}.png"
        code, _, err = run(capsys, "render", big, "--seed", "3", *args, "-o", str(outs[tag]))
        assert code == 0, err
    same = lambda a, b: np.array_equal(pixels(outs[a]), pixels(outs[b]))  # noqa: E731
    assert same("default", "zero") and same("two", "name") and same("two", "part")
    assert not same("two", "default") and not same("five", "two")
    assert read_recipe(outs["name"])["class"] == 2
    assert "class" not in read_recipe(outs["default"])


@pytest.mark.parametrize("value, words", [
    ("retriever", "matches 2 classes"), ("zebra", "no class is named like 'zebra'"), ("8", "out of range 0..7"),
])
def test_render_refuses_unknown_or_ambiguous_classes(big, tmp_path, capsys, value, words):
    out = tmp_path / "x.png"
    code, _, err = run(capsys, "render", big, "--class", value, "-o", str(out))
    assert code == 2 and err.count("\n") == 1 and "--class" in err and words.replace(" 0..7", "") in err, err
    assert not out.exists()


def test_class_on_a_model_without_classes_is_refused(tmp_path, capsys):
    out = tmp_path / "x.png"
    code, _, err = run(capsys, "render", "digiface-dcgan64", "--class", "2", "-o", str(out))
    assert code == 2 and err.count("\n") == 1 and "not class-conditional" in err and "Traceback" not in err
    assert not out.exists()


def test_grid_page_and_video_render_the_class(big, big_dirs, tmp_path, capsys):
    a, b, c = tmp_path / "a.png", tmp_path / "b.png", tmp_path / "c.png"
    common = ["--directions", big_dirs, "--top", "2", "--steps", "3", "--seeds", "1", "-q"]
    assert run(capsys, "grid", big, *common, "-o", str(a))[0] == 0
    assert run(capsys, "grid", big, *common, "--class", "daisy", "-o", str(b))[0] == 0
    assert run(capsys, "grid", big, *common, "--class", "7", "-o", str(c))[0] == 0
    assert not np.array_equal(pixels(a), pixels(b)) and np.array_equal(pixels(b), pixels(c))
    page = tmp_path / "p.html"
    assert run(capsys, "page", big, *common, "--class", "daisy", "-o", str(page))[0] == 0
    cell = Image.open(tmp_path / "p_files" / "s1_d0_01.png").convert("RGB")  # α = 0: the unedited sample
    render = tmp_path / "r.png"
    assert run(capsys, "render", big, "--seed", "1", "--class", "7", "-o", str(render))[0] == 0
    assert np.array_equal(np.asarray(cell), pixels(render)[..., :3])
    v1, v2 = tmp_path / "v1.gif", tmp_path / "v2.gif"
    vid = ["--directions", big_dirs, "--index", "0", "--frames", "2", "--seed", "1", "-q"]
    assert run(capsys, "video", big, *vid, "-o", str(v1))[0] == 0
    assert run(capsys, "video", big, *vid, "--class", "volcano", "-o", str(v2))[0] == 0
    assert v1.read_bytes() != v2.read_bytes()
    code, _, err = run(capsys, "grid", "digiface-dcgan64", "--directions", big_dirs, "--class", "1", "-o",
                       str(tmp_path / "n.png"))
    assert code == 2 and "not class-conditional" in err


def test_batch_records_the_class_and_refuses_another_on_resume(big, big_dirs, tmp_path, capsys):
    out = tmp_path / "batch"
    base = ["batch", big, "--directions", big_dirs, "-o", str(out), "--seeds", "0-1", "--sweep", "0=-1:1:2",
            "--workers", "1", "-q"]
    code, _, err = run(capsys, *base, "--class", "golden retriever")
    assert code == 0, err
    assert json.loads((out / "batch.json").read_text())["recipe"]["class"] == 2
    first = {p.name: p.read_bytes() for p in out.rglob("*.png")}
    code, _, err = run(capsys, *base, "--class", "2")  # the same class by index: resumes, nothing to do
    assert code == 0, err
    code, _, err = run(capsys, *base, "--class", "5")
    assert code == 1 and err.count("\n") == 1 and "--class" in err and "holds another batch" in err, err
    code, _, err = run(capsys, *base)
    assert code == 1 and "--class" in err
    assert {p.name: p.read_bytes() for p in out.rglob("*.png")} == first
    other = tmp_path / "batch0"
    assert run(capsys, *[a if a != str(out) else str(other) for a in base])[0] == 0
    zero = {p.name: p.read_bytes() for p in other.rglob("*.png")}
    assert zero.keys() == first.keys() and zero != first
    code, _, err = run(capsys, "batch", "digiface-dcgan64", "-o", str(tmp_path / "n"), "--seeds", "0",
                       "--class", "1", "-q")
    assert code == 2 and "not class-conditional" in err and not (tmp_path / "n").exists()


class _PixelJudge:
    """A judge that embeds an image as its pixels: the class's images, not a network, decide."""

    name, phrases = "pixels", ["a"]

    def embed(self, images01):
        return images01.flatten(1)


def test_labelling_probes_the_chosen_class(big, big_dirs):
    from sefa_desktop.core.direction_io import read_directions
    from sefa_desktop.core.labelling import probe_directions
    from sefa_desktop.models import load_model

    model = load_model(big)
    dirs = read_directions(big_dirs, model)
    probe = lambda c: probe_directions(model, dirs, [0], _PixelJudge(), seeds=[1, 2], class_index=c)  # noqa: E731
    assert np.array_equal(probe(None), probe(0)) and not np.allclose(probe(None), probe(6))


def test_label_and_region_search_take_the_class(big, big_dirs, tmp_path, capsys):
    code, _, err = run(capsys, "label", "digiface-dcgan64", "--directions", big_dirs, "--class", "1")
    assert code == 2 and "not class-conditional" in err
    code, _, err = run(capsys, "label", big, "--directions", big_dirs, "--class", "zebra")
    assert code == 2 and "no class is named like 'zebra'" in err
    outs = {}
    for tag, extra in {"default": [], "daisy": ["--class", "daisy"]}.items():
        outs[tag] = tmp_path / f"{tag}.npz"
        code, _, err = run(capsys, "factorize", big, "--region", "0,0,0.5,0.5", "--seed", "1", "--top", "3",
                           *extra, "-o", str(outs[tag]))
        assert code == 0, err
    a, b = (np.load(outs[t])["vectors"] for t in ("default", "daisy"))
    assert not np.allclose(np.abs(a), np.abs(b), atol=1e-3)  # another class's image, other local directions
    code, _, err = run(capsys, "factorize", big, "--class", "2", "-o", str(tmp_path / "x.npz"))
    assert code == 1 and "--class applies to region directions only" in err


@pytest.fixture(scope="module")
def conditional_sg2(tmp_path_factory) -> str:
    """A conditional StyleGAN2-ADA pickle (3 classes, as CIFAR-10's 10): no class names in it."""
    from test_nvidia_stylegan2 import _random_generator

    from bench.nvpickle import write_network_pickle

    g, kw = _random_generator("skip", c_dim=3)
    return str(write_network_pickle(tmp_path_factory.mktemp("cond") / "cond.pkl", g, kw, protocol=2))


def test_conditional_stylegan2_renders_by_default_and_takes_a_class(conditional_sg2, tmp_path, capsys):
    outs = {}
    for tag, args in {"default": [], "zero": ["--class", "0"], "two": ["--class", "2"]}.items():
        outs[tag] = tmp_path / f"{tag}.png"
        code, _, err = run(capsys, "render", conditional_sg2, "--seed", "1", *args, "-o", str(outs[tag]))
        assert code == 0, err
    assert np.array_equal(pixels(outs["default"]), pixels(outs["zero"]))
    assert not np.array_equal(pixels(outs["two"]), pixels(outs["zero"]))
    code, _, err = run(capsys, "render", conditional_sg2, "--class", "3", "-o", str(tmp_path / "x.png"))
    assert code == 2 and "classes 0..2" in err and "Traceback" not in err
