"""Shared test helpers: where ../shared lives, isolated user folders, a fake style model."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Qt reads the platform when the (session-wide) QApplication is created, which can happen before any
# function-scoped fixture runs: set it at import time too.
os.environ.setdefault("QT_QPA_PLATFORM", os.environ.get("SEFA_TEST_QPA", "offscreen"))


def shared_dir() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for cand in (here.parent / "shared", Path("/work/shared")):
        if (cand / "fixtures").is_dir():
            return cand
    return None


def fixture_path(*parts: str) -> Path:
    """A path under ../shared/fixtures, or skip the test with the reason."""
    base = shared_dir()
    if base is None:
        pytest.skip("../shared/fixtures is not present next to the checkout")
    path = base.joinpath("fixtures", *parts)
    if not path.exists():
        pytest.skip(f"fixture {path} is missing")
    return path


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Settings, presets, recents and caches go to a temp folder, never the real home."""
    root = tmp_path_factory.mktemp("xdg")
    for var in ("XDG_DATA_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(root / var.lower()))
    monkeypatch.setenv("QT_QPA_PLATFORM", os.environ.get("SEFA_TEST_QPA", "offscreen"))


@pytest.fixture(scope="module")
def model():
    """The bundled DCGAN (digiface, 64 px), loaded once per test module (a module may define its own)."""
    from sefa_desktop.models import load_model

    return load_model("digiface-dcgan64")


@pytest.fixture(scope="module")
def dirs(model):
    """The first 4 SeFa directions of `model`, once per test module."""
    from sefa_desktop.core.sefa import factorize

    return factorize(model, k=4)


@pytest.fixture(scope="module")
def one_torch_thread():
    """The machine is shared: one torch thread avoids oversubscription stalls (restored after)."""
    import torch

    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


class JobGate:
    """While `held`, a GUI job (gui/jobs.JobRunner) stops after its first progress report and waits
    for Cancel: a cancel test then cannot race the job's completion. Not held: jobs run freely."""

    def __init__(self) -> None:
        self.held = True


@pytest.fixture
def job_gate(monkeypatch: pytest.MonkeyPatch) -> JobGate:
    from sefa_desktop.gui import jobs

    gate = JobGate()
    report = jobs._JobWorker._report

    def held_report(self, done: int, total: int) -> None:
        report(self, done, total)
        if gate.held and done >= 1:
            self.cancel.wait(60)  # set by the test's Cancel (or Esc) on the GUI thread
            if self.cancel.is_set():
                raise jobs.JobCancelled

    monkeypatch.setattr(jobs._JobWorker, "_report", held_report)
    return gate
