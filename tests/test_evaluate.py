"""`sefa-desktop evaluate` end to end on a tiny untrained StyleGAN2 + briefly trained predictors (small N)."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sefa_desktop.demo import training as T
from sefa_desktop.demo.evaluation import _nearest, _w1, layer_groups
from sefa_desktop.demo.export import export_generator, set_w_avg
from sefa_desktop.demo.predictors import evaluate as eval_pred
from sefa_desktop.demo.predictors import load_predictor, save_predictor, train_predictor
from sefa_desktop.models.registry import load_model

ROOT = Path(__file__).resolve().parents[1]
TINY = {"z_dim": 8, "w_dim": 8, "img_resolution": 16, "img_channels": 3,
        "channels": {"4": 8, "8": 8, "16": 8}, "use_noise": False, "mapping_layers": 2}


def test_nearest_is_sign_agnostic_and_w1_is_a_distance():
    vecs = np.eye(3, dtype=np.float32)
    i, d = _nearest(vecs, np.array([0.0, -2.0, 0.1]))
    assert i == 1 and d == pytest.approx(1 - 2 / np.sqrt(4.01), abs=1e-6)
    a = np.array([0.0, 1.0, 2.0])
    assert _w1(a, a[::-1]) == 0.0 and _w1(a, a + 0.5) == pytest.approx(0.5)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("eval")
    st = T.new_state(T.TrainOptions(g_config=dict(TINY), d_channels={"16": 8, "8": 8, "4": 8}, batch=4))
    set_w_avg(st.G_ema, n=64)
    weights = export_generator(st.G_ema, TINY, folder, "tiny-eval", {"description": "test"})
    net = train_predictor(3, batch=8, log=lambda s: None)
    pred = folder / "pred.safetensors"
    save_predictor(net, pred, eval_pred(net, n=50), {"steps": 3})
    return weights, pred


def test_layer_groups_follow_resolutions(tiny):
    model = load_model(tiny[0])
    groups = layer_groups(model)
    assert [rows for _, rows in groups] == [[0], [1, 2], [3, 4, 5]]
    assert groups[0][0].startswith("4×4")


def test_predictor_round_trip(tiny):
    net, heldout = load_predictor(tiny[1])
    assert set(heldout) >= {"yaw", "glasses"}
    with pytest.raises(ValueError, match="not found"):
        load_predictor(tiny[1].with_name("missing.safetensors"))


def test_evaluate_command_writes_tables_and_figures(tiny, tmp_path):
    weights, pred = tiny
    out = tmp_path / "evaluation.md"  # the default: the current folder, wherever the command runs
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "evaluate", str(weights),
                        "--predictors", str(pred), "--samples", "60", "--pca-samples", "200", "--rescore", "20",
                        "--pca-seeds", "2", "--threads", "1"], capture_output=True, text=True, env=env, timeout=120,
                       cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    # a tqdm bar counted in images, ending at 100% of what was planned
    planned = 2 * 60 + 20 * (1 + 3 * 9 + 3 * 9)  # 3 row groups in the tiny model
    assert "100%" in r.stderr and f"{planned}/{planned}" in r.stderr and "img" in r.stderr, r.stderr
    text = out.read_text()
    for needle in ("## Table 1", "## Table 2", "| factor | Supervised R² | SeFa: distance (index) | PCA: distance",
                   "**Supervised**", "**SeFa**", "**PCA**", "## Layer-wise analysis", "## Stability",
                   "## Comparison with the paper", "| yaw |", "| glasses |"):
        assert needle in text, needle
    assert (tmp_path / "evaluation-nearest.png").is_file() and (tmp_path / "evaluation-top.png").is_file()
    # every Table 1 distance is a real cosine distance in [0, 1]
    table1 = text.split("## Table 1", 1)[1].split("## Table 2", 1)[0]
    cells = next(ln for ln in table1.splitlines() if ln.startswith("| yaw |")).split("|")
    assert 0 <= float(cells[3].split()[0]) <= 1 and 0 <= float(cells[4].split()[0]) <= 1


def test_progress_ticks_add_up_to_the_plan(tiny):
    from sefa_desktop.demo.evaluation import EvalConfig, evaluate, planned_images

    model = load_model(tiny[0])
    pred, heldout = load_predictor(tiny[1])
    cfg = EvalConfig(samples=30, pca_samples=100, rescore=12, pca_seeds=1, batch=7)
    ticks, phases = [], []
    evaluate(model, pred, cfg, heldout, log=phases.append, tick=ticks.append)
    assert sum(ticks) == planned_images(model, cfg) and len(phases) >= 4


def test_evaluate_quick_is_the_small_configuration(tiny, tmp_path):
    from sefa_desktop.cli import build_parser
    from sefa_desktop.commands.evaluate import FULL, QUICK

    args = build_parser().parse_args(["evaluate", "m", "--quick", "--rescore", "7"])
    assert args.quick and args.output == "evaluation.md" and args.rescore == 7
    assert all(QUICK[k] < FULL[k] for k in FULL)


def test_evaluate_rejects_a_z_space_model(tiny, tmp_path):
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "evaluate", "digiface-dcgan64", "-o",
                        str(tmp_path / "e.md"), "--predictors", str(tiny[1]), "--samples", "20"],
                       capture_output=True, text=True, env=env, timeout=120)
    assert r.returncode == 1 and "W+ codes" in r.stderr and not (tmp_path / "e.md").exists()
