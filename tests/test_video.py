"""Edit videos: decoded back they have the requested frames, size, fps and content; failures leave
nothing behind and never touch a previous file."""

from __future__ import annotations

import errno
import os
import subprocess
import sys
import threading
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from sefa_desktop.core import video as video_mod
from sefa_desktop.core.video import (
    ExportCancelled,
    FrameRenderer,
    VideoSpec,
    alphas_at,
    export_video,
    frame_alphas,
    frame_positions,
    sweep_spec,
)
from sefa_desktop.util import atomic
from sefa_desktop.util.atomic import WriteError

REPO = Path(__file__).resolve().parents[1]


def _decode(path: Path) -> tuple[list[np.ndarray], av.video.stream.VideoStream, float]:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(s)]
        return frames, s, float(s.average_rate)


def _psnr(a: np.ndarray, b: np.ndarray) -> float:
    mse = float(((a.astype(np.float64) - b.astype(np.float64)) ** 2).mean())
    return 99.0 if mse == 0 else 10 * np.log10(255.0 ** 2 / mse)


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_mp4_decodes_with_requested_frames_size_fps_and_middle_frame(model, dirs, tmp_path: Path) -> None:
    spec = sweep_spec(dirs, 1, -3, 3, frames=25, fps=24, seeds=[5])
    res = export_video(model, spec, tmp_path / "a.mp4")
    frames, stream, fps = _decode(tmp_path / "a.mp4")
    assert len(frames) == 25 == res.frames
    assert frames[0].shape == (64, 64, 3)
    assert fps == 24
    mid = 12
    assert frame_alphas(spec)[mid] == {1: pytest.approx(0.0)}
    expected = FrameRenderer(model, spec, even=True).render(mid, mid + 1)[0]
    assert _psnr(frames[mid], expected) >= 35
    # and it is not just any face: a frame from the other end of the sweep is far from it
    assert _psnr(frames[0], expected) < 30


def test_webm_grid_of_seeds_with_size(model, dirs, tmp_path: Path) -> None:
    spec = sweep_spec(dirs, 0, -2, 2, frames=9, fps=12.5, seeds=[0, 1, 2], size=48)
    export_video(model, spec, tmp_path / "g.webm")
    frames, stream, fps = _decode(tmp_path / "g.webm")
    assert len(frames) == 9
    assert frames[0].shape == (96, 96, 3)  # 2×2 grid of 48 px cells (the fourth stays black)
    assert fps == pytest.approx(12.5)
    expected = FrameRenderer(model, spec, even=True).render(4, 5)[0]
    assert _psnr(frames[4], expected) >= 30
    assert frames[4][48:, 48:].max() < 20


@pytest.mark.parametrize("suffix", [".gif", ".webp"])
def test_pillow_formats(model, dirs, tmp_path: Path, suffix: str) -> None:
    spec = sweep_spec(dirs, 0, -3, 3, frames=7, fps=10, pingpong=True, caption=True)
    export_video(model, spec, tmp_path / f"x{suffix}")
    with Image.open(tmp_path / f"x{suffix}") as im:
        assert im.n_frames == 7  # the ping-pong turn repeats a frame: still 7 frames in the file
        assert im.size == (64, 64)
        im.seek(6)
        im.load()
        assert im.info["duration"] == 100
        assert im.info.get("loop") == 0


def test_frame_schedule() -> None:
    assert frame_positions(5, 2, False) == [0, 0.25, 0.5, 0.75, 1]
    pp = frame_positions(8, 2, True)
    assert len(pp) == 8 and pp[0] == 0 and pp[4] == 1 and pp[1] == pp[7]  # out and back, loop closes
    kfs = [{0: -2.0}, {0: 2.0, 1: 2.0}, {1: -2.0}]
    assert alphas_at(kfs, 0.5) == {0: 0.0, 1: 1.0}
    assert alphas_at(kfs, 2.0) == {0: 0.0, 1: -2.0}
    assert frame_positions(1, 2, False) == [0.0]


def test_keyframe_path_frames_match_edits(model, dirs) -> None:
    spec = VideoSpec(directions=dirs, keyframes=[{0: -2.0}, {0: 2.0, 2: 3.0}], frames=3)
    r = FrameRenderer(model, spec)
    assert [a for a in r.alphas] == [{0: -2.0, 2: 0.0}, {0: 0.0, 2: 1.5}, {0: 2.0, 2: 3.0}]
    from sefa_desktop.core.editing import DirectionEdit, apply_edits
    from sefa_desktop.core.imaging import to_uint8

    base = model.codes(model.sample_z(1, seed=0))
    codes = apply_edits(base, [DirectionEdit(dirs.vectors[2], 1.5)])
    want = to_uint8(model.synthesize(codes), model.image_range)[0]
    assert np.array_equal(r.render(1, 2)[0], want)


def test_bad_spec_is_a_clear_error(model, dirs, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="direction 9 does not exist"):
        export_video(model, sweep_spec(dirs, 9), tmp_path / "a.mp4")
    with pytest.raises(ValueError, match="must end in one of"):
        export_video(model, sweep_spec(dirs, 0), tmp_path / "a.avi")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("suffix", [".mp4", ".gif"])
def test_cancel_at_half_leaves_no_file_and_previous_untouched(model, dirs, tmp_path: Path, suffix: str) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"previous export")
    cancel = threading.Event()
    seen: list[int] = []

    def progress(done: int, total: int) -> None:
        seen.append(done)
        if done >= total // 2:
            cancel.set()

    with pytest.raises(ExportCancelled):
        export_video(model, sweep_spec(dirs, 0, frames=20), target, progress=progress, cancel=cancel)
    assert max(seen) == 10
    assert target.read_bytes() == b"previous export"
    assert _leftovers(tmp_path) == []
    fresh = tmp_path / f"new{suffix}"
    cancel2 = threading.Event()
    with pytest.raises(ExportCancelled):
        export_video(model, sweep_spec(dirs, 0, frames=20), fresh,
                     progress=lambda d, t: cancel2.set() if d >= t // 2 else None, cancel=cancel2)
    assert not fresh.exists()


def test_unwritable_folder_is_a_clear_error(model, dirs, tmp_path: Path, monkeypatch) -> None:
    with pytest.raises(WriteError, match="does not exist"):
        export_video(model, sweep_spec(dirs, 0, frames=4), tmp_path / "nope" / "a.mp4")

    def denied(*a, **k):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(atomic, "_create_temp", denied)  # the folder refuses new files
    with pytest.raises(WriteError, match="Permission denied"):
        export_video(model, sweep_spec(dirs, 0, frames=4), tmp_path / "a.mp4")


@pytest.mark.parametrize("suffix,cls,method", [(".mp4", "_PyAVEncoder", "write"),
                                               (".webm", "_PyAVEncoder", "close"),
                                               (".gif", "_PillowEncoder", "close")])
def test_full_disk_is_a_clear_error_and_nothing_left(model, dirs, tmp_path: Path, monkeypatch,
                                                     suffix: str, cls: str, method: str) -> None:
    target = tmp_path / f"out{suffix}"
    target.write_bytes(b"previous")
    original = getattr(getattr(video_mod, cls), method)
    calls = {"n": 0}

    def full(self, *a):
        calls["n"] += 1
        if calls["n"] > 3 or method == "close":
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(self, *a)

    monkeypatch.setattr(getattr(video_mod, cls), method, full)
    with pytest.raises(WriteError, match="No space left on device") as e:
        export_video(model, sweep_spec(dirs, 0, frames=10), target)
    assert str(target) in str(e.value)
    assert target.read_bytes() == b"previous"
    assert _leftovers(tmp_path) == []


def test_render_failure_in_producer_is_raised_and_nothing_left(model, dirs, tmp_path: Path, monkeypatch) -> None:
    def boom(self, start, stop):
        raise RuntimeError("out of memory on device")

    monkeypatch.setattr(FrameRenderer, "render", boom)
    with pytest.raises(RuntimeError, match="out of memory"):
        export_video(model, sweep_spec(dirs, 0, frames=10), tmp_path / "a.mp4")
    assert list(tmp_path.iterdir()) == []
    assert not any(t.name == "video-render" for t in threading.enumerate())


def test_cli_video(tmp_path: Path, dirs, capsys) -> None:
    from sefa_desktop.cli import main

    dirs.save(tmp_path / "d.npz")
    out = tmp_path / "v.mp4"
    rc = main(["video", "digiface-dcgan64", "--directions", str(tmp_path / "d.npz"), "--index", "0",
               "--frames", "12", "--fps", "15", "--seeds", "0", "1", "--pingpong", "--caption", "-o", str(out)])
    err = capsys.readouterr().err
    assert rc == 0, err
    assert "12/12 frames" in err  # the progress bar
    frames, _, fps = _decode(out)
    assert len(frames) == 12 and frames[0].shape == (64, 128, 3) and fps == 15
    rc = main(["video", "digiface-dcgan64", "--directions", str(tmp_path / "d.npz"), "-o", str(tmp_path / "v.mp4")])
    assert rc == 1 and "--index" in capsys.readouterr().err
    rc = main(["video", "digiface-dcgan64", "--directions", str(tmp_path / "d.npz"), "--index", "0",
               "-o", str(tmp_path / "v.avi")])
    assert rc == 1 and "must end in one of" in capsys.readouterr().err
    rc = main(["video", "digiface-dcgan64", "--directions", str(tmp_path / "d.npz"), "--keyframe", "0=-2,1=1",
               "--keyframe", "1=-1", "--keyframe", "2=2", "--frames", "5", "-q", "-o", str(tmp_path / "k.webp")])
    assert rc == 0, capsys.readouterr().err
    with Image.open(tmp_path / "k.webp") as im:
        assert im.n_frames == 5


def test_cli_video_subprocess_smoke(tmp_path: Path, dirs) -> None:
    """The real entry point: exit status and one-line error (one subprocess)."""
    dirs.save(tmp_path / "d.npz")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "video", "digiface-dcgan64", "--directions",
                        str(tmp_path / "d.npz"), "--index", "7", "-o", str(tmp_path / "v.mp4")],
                       capture_output=True, text=True, env=env, cwd=REPO, timeout=120)
    assert r.returncode == 1 and r.stderr.strip().count("\n") == 0 and "direction 7 does not exist" in r.stderr
    assert not (tmp_path / "v.mp4").exists()
