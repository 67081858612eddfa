"""`sefa-desktop factorize MODEL --region … | --mask …` end to end, and its one-line errors."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image

from sefa_desktop.cli import main
from sefa_desktop.core.directions import DirectionSet
from sefa_desktop.core.region import Region


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_region_box_and_mask_write_region_direction_sets(tmp_path, capsys, one_torch_thread) -> None:
    out = tmp_path / "d.npz"
    code, stdout, err = run(capsys, "factorize", "cartoon-faces-sg2-32", "--region", "0.2,0.38,0.8,0.58",
                            "--seeds", "1", "2", "--layers", "0-5", "--top", "4", "-o", str(out))
    assert code == 0, err
    assert "region box 0.20,0.38,0.80,0.58" in stdout and "2 sample(s)" in stdout
    dirs = DirectionSet.load(out)
    assert dirs.method == "region" and len(dirs) == 4 and dirs.layers == list(range(6))
    assert dirs.metadata["seeds"] == [1, 2] and dirs.metadata["region"]["box"] == [0.2, 0.38, 0.8, 0.58]

    mask = np.zeros((64, 64), dtype=np.uint8)
    mask[:16, :16] = 255
    Image.fromarray(mask).save(tmp_path / "corner.png")
    code, stdout, err = run(capsys, "factorize", "cartoon-faces-sg2-32", "--mask", str(tmp_path / "corner.png"),
                            "--seed", "3", "--top", "2", "-o", str(tmp_path / "m.pt"))
    assert code == 0, err
    assert (tmp_path / "m.pt").exists() and "region mask 6% of the image" in stdout


@pytest.mark.parametrize("args,message", [
    (["--region", "0.2,0.3,0.5"], "bad --region"),
    (["--region", "0.5,0.3,0.2,0.6"], "X0 < X1"),
    (["--region", "0,0,1,1"], "whole image"),
    (["--region", "0,0,0.5,0.5", "--method", "pca"], "--method and --compat do not apply"),
    (["--region", "0,0,0.5,0.5", "--seed", "1", "--seeds", "2", "3"], "either --seed"),
    (["--region", "0,0,0.5,0.5", "--resolution", "12"], "power of two"),
    (["--region", "0,0,0.5,0.5", "--reg", "0"], "--reg must be"),
    (["--mask", "missing.png"], "no such mask file"),
    (["--seed", "4"], "--seed applies to region directions only"),
])
def test_bad_region_arguments_are_one_line_errors(tmp_path, capsys, args, message) -> None:
    out = tmp_path / "d.npz"
    code, _, err = run(capsys, "factorize", "cartoon-faces-sg2-32", *args, "-o", str(out))
    assert code == 1 and message in err and err.count("\n") == 1
    assert not out.exists()


def test_z_models_take_no_rows(tmp_path, capsys) -> None:
    code, _, err = run(capsys, "factorize", "digiface-dcgan64", "--region", "0,0,0.5,0.5", "--layers", "0",
                       "-o", str(tmp_path / "d.npz"))
    assert code == 1 and "edits Z" in err


def test_mask_png_white_is_the_region(tmp_path) -> None:
    pic = np.zeros((10, 10, 3), dtype=np.uint8)
    pic[2:4, 5:9] = 255
    Image.fromarray(pic).save(tmp_path / "m.png")
    assert Region.from_image(tmp_path / "m.png").bounds == pytest.approx((0.5, 0.2, 0.9, 0.4))
