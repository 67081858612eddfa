"""Image exports: preview PNG with its recipe, gallery grid, the HTML page."""

from __future__ import annotations

import errno
import re
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sefa_desktop.cli import main as cli_main
from sefa_desktop.core.editing import DirectionEdit, apply_edits
from sefa_desktop.core.exports import (
    edit_recipe,
    read_recipe,
    save_gallery_grid,
    save_preview,
    write_direction_page,
)
from sefa_desktop.core.imaging import to_uint8
from sefa_desktop.util.atomic import WriteError


def test_preview_png_full_resolution_with_recipe(model, tmp_path: Path) -> None:
    img = to_uint8(model.synthesize(model.codes(model.sample_z(1, seed=3))), model.image_range)[0]
    recipe = edit_recipe("digiface-dcgan64", 3, 0.7, "const", "d.npz", [(1, 2.5)], labels=["smile"])
    save_preview(img, tmp_path / "p.png", recipe)
    with Image.open(tmp_path / "p.png") as im:
        assert im.size == (64, 64)
        assert np.array_equal(np.asarray(im.convert("RGB")), img)
    assert read_recipe(tmp_path / "p.png") == recipe
    assert recipe["edits"] == [[1, 2.5]] and recipe["labels"] == ["smile"]


def test_render_command_writes_the_recipe_that_reproduces_the_image(model, dirs, tmp_path: Path, capsys) -> None:
    dirs.save(tmp_path / "d.npz")
    rc = cli_main(["render", "digiface-dcgan64", "--seed", "4", "--directions", str(tmp_path / "d.npz"),
                   "--edit", "2=-1.5", "-o", str(tmp_path / "r.png")])
    assert rc == 0, capsys.readouterr().err
    r = read_recipe(tmp_path / "r.png")
    assert r["seed"] == 4 and r["edits"] == [[2, -1.5]] and r["labels"] == ["direction 2"]
    codes = apply_edits(model.codes(model.sample_z(1, seed=r["seed"])),
                        [DirectionEdit(dirs.vectors[i], a) for i, a in r["edits"]])
    want = to_uint8(model.synthesize(codes), model.image_range)[0]
    with Image.open(tmp_path / "r.png") as im:
        assert np.array_equal(np.asarray(im.convert("RGB")), want)


def test_gallery_grid(model, dirs, tmp_path: Path) -> None:
    img = save_gallery_grid(model, dirs, [0, 1], [0, 5], (-2, 2), 3, tmp_path / "g.png", model_ref="digiface")
    with Image.open(tmp_path / "g.png") as im:
        assert im.size == img.size
        assert im.height >= 4 * 64 and im.width >= 3 * 64
    assert read_recipe(tmp_path / "g.png")["indices"] == [0, 1]


def test_html_page_rows_are_directions_columns_are_alpha(model, dirs, tmp_path: Path) -> None:
    out = write_direction_page(model, dirs, [0, 2], [1], (-3, 3), 5, tmp_path / "page.html")
    text = out.read_text()
    rows = re.findall(r"<tr><th>seed \d+</th>", text)
    assert len(rows) == 2
    srcs = re.findall(r'<img src="([^"]+)"', text)
    assert len(srcs) == 10 and all((tmp_path / s).is_file() for s in srcs)
    assert "+3.00" in text and "-3.00" in text and "#2 direction 2" in text
    # the α = 0 column of direction 0 is the unedited sample
    with Image.open(tmp_path / "page_files" / "s1_d0_02.png") as im:
        got = np.asarray(im.convert("RGB"))
    want = to_uint8(model.synthesize(model.codes(model.sample_z(1, seed=1))), model.image_range)[0]
    assert np.array_equal(got, want)
    # a second export replaces the folder whole, leaving no stale files and no temp folders
    write_direction_page(model, dirs, [1], [1], (-1, 1), 2, tmp_path / "page.html")
    assert sorted(p.name for p in (tmp_path / "page_files").iterdir()) == ["s1_d1_00.png", "s1_d1_01.png"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "page_files"]


def test_html_page_failure_leaves_previous_page(model, dirs, tmp_path: Path, monkeypatch) -> None:
    write_direction_page(model, dirs, [0], [0], (-1, 1), 2, tmp_path / "page.html")
    before = (tmp_path / "page.html").read_text()

    def full(self, fp, *a, **k):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(Image.Image, "save", full)
    with pytest.raises(WriteError, match="No space left"):
        write_direction_page(model, dirs, [1, 2], [0], (-1, 1), 3, tmp_path / "page.html")
    assert (tmp_path / "page.html").read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["page.html", "page_files"]
    with pytest.raises(WriteError, match="does not exist"):
        write_direction_page(model, dirs, [0], [0], (-1, 1), 2, tmp_path / "nope" / "page.html")


def test_page_command(dirs, tmp_path: Path, capsys) -> None:
    dirs.save(tmp_path / "d.npz")
    rc = cli_main(["page", "digiface-dcgan64", "--directions", str(tmp_path / "d.npz"), "--top", "2", "--steps", "3",
                   "--seeds", "0", "1", "-o", str(tmp_path / "p.html")])
    assert rc == 0, capsys.readouterr().err
    assert len(list((tmp_path / "p_files").iterdir())) == 12
    rc = cli_main(["page", "digiface-dcgan64", "--directions", str(tmp_path / "d.npz"), "-o", str(tmp_path / "p.png")])
    assert rc == 1 and "must end in one of" in capsys.readouterr().err
