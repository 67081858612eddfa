"""Coarse / Middle / Fine follow the rows' resolutions, and the buttons say which rows they pick."""

from __future__ import annotations

import numpy as np
import pytest

from sefa_desktop.core.layer_presets import preset_rows, resolution_groups

DEMO = [(0, "w0: b4.conv1", 4), (1, "w1: b4.torgb + b8.conv0", 8), (2, "w2: b8.conv1", 8),
        (3, "w3: b8.torgb + b16.conv0", 16), (4, "w4: b16.conv1", 16), (5, "w5: b16.torgb + b32.conv0", 32),
        (6, "w6: b32.conv1", 32), (7, "w7: b32.torgb", 32)]  # cartoon-faces-sg2-32's W+ rows
DEMO_RES = [r for _, _, r in DEMO]


def test_demo_model_split_by_resolution():
    assert preset_rows("coarse", 8, DEMO_RES) == [0, 1, 2]  # 4×4 and 8×8 (was only row 0)
    assert preset_rows("middle", 8, DEMO_RES) == [3, 4]  # 16×16
    assert preset_rows("fine", 8, DEMO_RES) == [5, 6, 7]  # every 32×32 row (rows 6–7 were left out)
    assert preset_rows("all", 8, DEMO_RES) == list(range(8))


@pytest.mark.parametrize("sizes", [[4, 8], [4, 8, 16], [4, 8, 16, 32, 64], [4, 8, 16, 32, 64, 128, 256],
                                   [4, 8, 16, 32, 64, 128, 256, 512, 1024]])
def test_presets_cover_every_row_once_lowest_resolutions_first(sizes):
    res = [4] + [r for r in sizes[1:] for _ in range(2)]  # a StyleGAN2 layout: 1 row at 4×4, 2 per block
    n = len(res)
    picks = [preset_rows(p, n, res) for p in ("coarse", "middle", "fine")]
    assert all(picks)
    if len(sizes) > 2:  # with three or more resolutions the presets partition the rows
        assert sorted(sum(picks, [])) == list(range(n))
        assert max(res[i] for i in picks[0]) < min(res[i] for i in picks[1])
        assert max(res[i] for i in picks[1]) < min(res[i] for i in picks[2])
    # a resolution is never split between two presets
    groups = resolution_groups(res)
    assert set(groups["coarse"]).isdisjoint(groups["fine"])


def test_layer_tree_buttons_follow_resolution_and_say_so(qtbot):
    from sefa_desktop.gui.layer_tree import LayerTree

    tree = LayerTree()
    qtbot.addWidget(tree)
    tree.set_layers(DEMO)
    with qtbot.waitSignal(tree.selectionChanged, timeout=5000) as sig:
        tree.findChild(type(tree.buttons.buttons()[0]), "preset-fine").click()
    assert sig.args == [[5, 6, 7]]
    fine_tip = tree.findChild(type(tree.buttons.buttons()[0]), "preset-fine").toolTip()
    assert fine_tip.startswith("Fine — colour, texture: rows 5–7 (32×32)"), fine_tip
    coarse_tip = tree.findChild(type(tree.buttons.buttons()[0]), "preset-coarse").toolTip()
    assert "rows 0–2 (4×4, 8×8)" in coarse_tip and "Middle" in coarse_tip and "rows 3–4 (16×16)" in coarse_tip
    with qtbot.waitSignal(tree.selectionChanged, timeout=5000) as sig:
        tree.apply_preset("coarse")
    assert sig.args == [[0, 1, 2]]


def test_an_edits_preset_rows_use_the_same_split():
    from sefa_desktop.session.state import Edit

    e = Edit((0, 1), "d", np.zeros(4, np.float32), 1.0, tuple(range(8)), layer_choice="fine")
    assert e.layers(8, True, tuple(DEMO_RES)) == (5, 6, 7)
    assert e.layers(8, False, tuple(DEMO_RES)) is None
