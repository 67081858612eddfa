"""Interruptible renders (models/interrupt.py): the StyleGAN2/3 synthesis stops between layers."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest
import torch

from sefa_desktop.models.interrupt import Interrupted, checkpoint, interruptible
from sefa_desktop.models.nets.stylegan2 import StyleGAN2Model

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from tools.make_random_stylegan2 import build_random_stylegan2  # noqa: E402


@pytest.fixture(scope="module")
def model():
    return StyleGAN2Model(build_random_stylegan2(32, channel_base=256, channel_max=16, w_dim=16), "r")


def test_stops_after_the_asked_number_of_layers(model):
    codes = model.codes(model.sample_z(2, seed=0))
    calls = []

    def stop_at_third() -> bool:
        calls.append(1)
        return len(calls) >= 3

    with interruptible(stop_at_third), pytest.raises(Interrupted):
        model.synthesize(codes)
    assert len(calls) == 3
    # outside the block the render runs through, and the same codes give the same image as always
    full = model.synthesize(codes)
    with interruptible(lambda: False):
        again = model.synthesize(codes)
    assert torch.equal(full, again)


def test_every_synthesis_step_is_a_checkpoint(model):
    seen = []
    with interruptible(lambda: seen.append(1) or False):
        model.synthesize(model.codes(model.sample_z(1, seed=1)))
    assert len(seen) == len(model.net.synthesis.steps)


def test_stop_test_is_per_thread():
    with interruptible(lambda: True):
        errors = []
        t = threading.Thread(target=lambda: errors.append(_runs_through()))
        t.start()
        t.join()
        assert errors == [True]  # the other thread has no stop test
        with pytest.raises(Interrupted):
            checkpoint()
    checkpoint()  # restored: no stop test here any more


def _runs_through() -> bool:
    checkpoint()
    return True
