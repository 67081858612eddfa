"""The shipped demo model: listed, loads as family stylegan2 with W+ rows, renders, small enough."""

import os
import subprocess
import sys
from pathlib import Path

import torch

from sefa_desktop.core.sefa import factorize
from sefa_desktop.models.registry import bundled_models, load_model

ROOT = Path(__file__).resolve().parents[1]
NAME = "cartoon-faces-sg2-32"


def test_listed_and_loads_as_stylegan2():
    entry = next(m for m in bundled_models() if m.name == NAME)
    assert entry.family == "stylegan2" and entry.resolution == 32
    assert entry.path.stat().st_size <= 20_000_000
    model = load_model(NAME)
    assert model.family == "stylegan2" and model.edit_space == "w" and model.num_layers == 8
    assert [info.index for info in model.layers] == list(range(8))
    assert model.layers[0].name.startswith("w0: b4.conv1")
    img = model.synthesize(model.sample_codes(4, seed=0))
    assert img.shape == (4, 3, 32, 32) and torch.isfinite(img).all()
    assert img.std() > 0.1  # not a constant image
    dirs = factorize(model, [0, 1], k=5)
    assert dirs.vectors.shape == (5, model.w_dim)


def test_models_command_lists_it():
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "models"], capture_output=True, text=True, env=env,
                       timeout=60)
    assert r.returncode == 0 and NAME in r.stdout and "stylegan2" in r.stdout
