import os
from pathlib import Path

import pytest

# Qt must run headless in tests; set before any QApplication exists.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def shared_dir() -> Path | None:
    here = Path(__file__).resolve().parents[1]
    for cand in (here.parent / "shared", Path("/work/shared")):
        if (cand / "fixtures").is_dir():
            return cand
    return None


@pytest.fixture(autouse=True)
def _private_user_dirs(tmp_path, monkeypatch):
    """Settings, recents and presets go to a temp folder, never the real home."""
    for var in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
