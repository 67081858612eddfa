"""Attribute predictors for the procedural faces: one small multi-head CNN, trained on rendered
images with their true labels, used by `sefa-desktop evaluate` to label generated samples.

Heads: one output per factor in `faces.FACTORS`, a sigmoid score in [0, 1] (for `glasses` the
probability of glasses). Shipped weights: resources/demo/face-predictors.safetensors (train them
with tools/train_predictors.py); held-out accuracy is stored in the file's metadata.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors.torch import load_file, save_file
from torch import nn

from ..resources import resources_dir
from ..util.atomic import atomic_path
from . import faces


def default_weights_path() -> Path:
    return resources_dir() / "demo" / "face-predictors.safetensors"


class FacePredictor(nn.Module):
    """32×32 RGB → len(FACTORS) logits. Images of another size are area-resized to 32×32 first."""

    def __init__(self, width: int = 32) -> None:
        super().__init__()
        w = width
        self.features = nn.Sequential(
            nn.Conv2d(3, w, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(w, w, 3, stride=2, padding=1), nn.LeakyReLU(0.1),       # 16
            nn.Conv2d(w, 2 * w, 3, padding=1), nn.LeakyReLU(0.1),
            nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1), nn.LeakyReLU(0.1),  # 8
            nn.Conv2d(2 * w, 2 * w, 3, stride=2, padding=1), nn.LeakyReLU(0.1),  # 4
        )
        self.head = nn.Sequential(nn.Flatten(), nn.Linear(2 * w * 16, 128), nn.LeakyReLU(0.1),
                                  nn.Linear(128, len(faces.FACTORS)))

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        if img.shape[-1] != 32:
            img = F.interpolate(img, size=(32, 32), mode="area")
        return self.head(self.features(img))

    @torch.inference_mode()
    def scores(self, img: torch.Tensor, batch: int = 500) -> torch.Tensor:
        """(n, 3, H, W) images in [-1, 1] → (n, len(FACTORS)) scores in [0, 1]."""
        self.eval()
        return torch.cat([torch.sigmoid(self(img[i:i + batch].float())) for i in range(0, len(img), batch)])


def _loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    # BCE with soft targets works for the continuous factors (targets in [0, 1]) and the binary one
    return F.binary_cross_entropy_with_logits(logits, labels)


def evaluate(net: FacePredictor, n: int = 2000, seed: int = 987_654) -> dict[str, float]:
    """Held-out quality per factor: accuracy for binary factors, mean |error| (label units) otherwise."""
    img, lab = faces.sample(n, seed)
    pred = net.scores(img)
    out = {}
    for i, name in enumerate(faces.FACTORS):
        if name in faces.BINARY:
            out[name] = float(((pred[:, i] >= 0.5).float() == lab[:, i]).float().mean())
        else:
            out[name] = float((pred[:, i] - lab[:, i]).abs().mean())
    return out


def train_predictor(steps: int, batch: int = 64, seed: int = 0, lr: float = 2e-3,
                    log: Callable[[str], None] = print) -> FacePredictor:
    torch.manual_seed(seed)
    net = FacePredictor()
    opt = torch.optim.Adam(net.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, max(steps, 1))
    net.train()
    for step in range(steps):
        img, lab = faces.sample(batch, seed=10_000_000 + seed * 100_003 + step)
        loss = _loss(net(img), lab)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        sched.step()
        if step % 200 == 0 or step == steps - 1:
            log(f"step {step} loss {float(loss.detach()):.4f}")
    return net.eval()


def save_predictor(net: FacePredictor, path: Path, metrics: dict[str, float], info: dict[str, object]) -> None:
    meta = {"format": "sefa-desktop/face-predictors/1", "factors": json.dumps(list(faces.FACTORS)),
            "heldout": json.dumps(metrics), "info": json.dumps(info)}
    state = {k: v.detach().contiguous() for k, v in net.state_dict().items()}
    with atomic_path(path) as tmp:
        save_file(state, str(tmp), metadata=meta)


def load_predictor(path: Path | None = None) -> tuple[FacePredictor, dict[str, float]]:
    """The predictor and its held-out metrics; ValueError with one line when the file is unusable."""
    path = path or default_weights_path()
    if not path.is_file():
        raise ValueError(f"face predictor weights not found: {path} (train them with tools/train_predictors.py)")
    from safetensors import safe_open
    try:
        with safe_open(str(path), framework="pt") as f:
            meta = dict(f.metadata() or {})
        state = load_file(str(path))
    except Exception as e:
        raise ValueError(f"{path.name}: unreadable predictor weights: {e}") from None
    if json.loads(meta.get("factors", "[]")) != list(faces.FACTORS):
        raise ValueError(f"{path.name}: predictor was trained for other factors")
    net = FacePredictor()
    net.load_state_dict(state)
    return net.eval(), json.loads(meta.get("heldout", "{}"))
