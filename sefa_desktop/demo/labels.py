"""Ground-truth labels for the demo model: its bundled face predictors as a labelling judge.

The predictors score the nine true factors of the procedural faces (demo/faces.py); a direction's
label is the factor whose predicted score changes most from −α to +α (in label units, 0..1), so the
labels of the demo model can be checked against the factors it was trained on.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import torch

from . import faces
from .predictors import FacePredictor, load_predictor

DEMO_MODEL = "cartoon-faces-sg2-32"


class PredictorJudge:
    """Judge (core/labelling.py) whose vectors are the predicted factor scores; a label's score is the
    mean change of that factor's score, a text must name a factor."""

    def __init__(self, predictor: FacePredictor) -> None:
        self.predictor = predictor
        self.phrases = [f.replace("_", " ") for f in faces.FACTORS]
        self.name = "face predictors"

    def embed(self, images01: torch.Tensor) -> torch.Tensor:
        return self.predictor.scores(images01.cpu() * 2 - 1)  # the predictors read [-1, 1], on the CPU

    def label_scores(self, deltas: np.ndarray) -> np.ndarray:
        return np.asarray(deltas, dtype=np.float64)

    def text_target(self, text: str) -> np.ndarray:
        key = " ".join(text.lower().replace("_", " ").split())
        if key not in self.phrases:
            raise ValueError(f"the demo model's predictors know: {', '.join(self.phrases)}")
        target = np.zeros(len(self.phrases))
        target[self.phrases.index(key)] = 1.0
        return target


def ships_predictors(model: Any) -> bool:
    """True for the bundled demo model, whose attribute predictors come with the app."""
    return getattr(model, "name", "") == DEMO_MODEL


def predictor_judge(path: Path | None = None) -> PredictorJudge:
    net, _ = load_predictor(path)
    return PredictorJudge(net)
