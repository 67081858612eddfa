"""The GPU path without a GPU: half-precision choice (models/precision.py), the worker's float32 on
the CPU, and bench/gpu.py's CPU smoke path; the CUDA checks run only where a device exists."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
import torch

from sefa_desktop.models.nets.stylegan2 import StyleGAN2Model
from sefa_desktop.models.precision import choose_precision, levels, synthesize_at

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.make_random_stylegan2 import build_random_stylegan2  # noqa: E402

cuda = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.fixture(scope="module")
def model():
    return StyleGAN2Model(build_random_stylegan2(32, seed=4, channel_base=256, channel_max=16, w_dim=16), "r32")


def test_levels_counts_8_bit_steps():
    a = torch.zeros(1, 3, 2, 2)
    b = a.clone()
    b[0, 0, 0, 0] = 2 * 2 / 255  # two levels in a [-1, 1] image
    assert levels(a, b, (-1.0, 1.0)) == 2
    assert levels(a, b + 5, (-1.0, 1.0)) == 127  # clamped to the range first (0 → 128, 1 → 255)


def test_choice_is_float32_or_a_half_type_within_two_levels(model):
    codes = model.codes(model.sample_z(1, seed=0))
    dtype, report = choose_precision(model, codes, repeats=1)
    assert "float32" in report
    if dtype is not None:  # a CPU with fast bf16 may qualify; then it must be within 2 levels
        assert report[str(dtype).removeprefix("torch.")][1] <= 2
    out = synthesize_at(model, codes, dtype)
    assert out.dtype == torch.float32


def test_worker_stays_in_float32_on_the_cpu(model):
    pytest.importorskip("pytestqt")
    from sefa_desktop.gui.worker import RenderWorker

    w = RenderWorker()
    w.model, w.model_gen, w.device = model, 1, "cpu"
    w._choose_precision()
    assert w.dtype is None and w.precision_report == {}


def test_gpu_bench_without_cuda_says_so(capsys):
    from bench.gpu import main

    if torch.cuda.is_available():
        pytest.skip("a CUDA device exists: the bench would measure")
    assert main([]) == 0
    assert "no CUDA device" in capsys.readouterr().out


@pytest.mark.slow
def test_gpu_bench_dry_run_on_the_cpu(capsys, qtbot):
    from bench.gpu import main

    assert main(["--dry-run", "--drags", "3"]) == 0
    out = capsys.readouterr().out
    assert "| 32² | 1 | float32 |" in out and "first screen sharp (5 cards) ms" in out and "drag frames shown" in out


@cuda
def test_cuda_half_precision_stays_within_two_levels(model):
    m = model.to("cuda")
    try:
        codes = m.codes(m.sample_z(2, seed=0).cuda())
        dtype, report = choose_precision(m, codes)
        ref = m.synthesize(codes)
        for name, (_, diff) in report.items():
            assert name == "float32" or diff >= 0
        if dtype is not None:
            assert levels(synthesize_at(m, codes, dtype), ref, (-1.0, 1.0)) <= 2
    finally:
        model.to("cpu")
