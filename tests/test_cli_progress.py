"""Every long command draws its progress with tqdm (rate and time left), and -q turns it off."""

from __future__ import annotations

import io

import pytest

from sefa_desktop.cli import main


@pytest.fixture
def dirs(tmp_path, capsys):
    d = tmp_path / "dirs.npz"
    assert main(["factorize", "digiface-dcgan64", "--top", "3", "-o", str(d)]) == 0
    capsys.readouterr()
    return d


@pytest.mark.parametrize("command,output,unit,total", [
    ("grid", "g.png", "row", 3), ("page", "p.html", "row", 3), ("video", "v.gif", "frame", 6)])
def test_long_commands_show_a_tqdm_bar(command, output, unit, total, dirs, tmp_path, capsys):
    extra = ["--index", "0", "--frames", "6"] if command == "video" else ["--top", "3", "--steps", "3"]
    out = tmp_path / output
    assert main([command, "digiface-dcgan64", "--directions", str(dirs), *extra, "-o", str(out)]) == 0
    err = capsys.readouterr().err
    assert f"{total}/{total}" in err and "100%|" in err and f"{unit}/s" in err, err
    out.unlink()
    assert main([command, "digiface-dcgan64", "--directions", str(dirs), *extra, "-q", "-o", str(out)]) == 0
    assert "100%" not in capsys.readouterr().err and out.exists()


def test_download_bar_counts_bytes_and_resumes_from_the_offset():
    from sefa_desktop.commands.progress import Progress

    stream = io.StringIO()
    with Progress("model.pkl", unit="B", unit_scale=True, stream=stream) as bar:
        bar(3 * 1024 * 1024, 8 * 1024 * 1024)  # resumed: the first report starts mid-way
        bar(8 * 1024 * 1024, 8 * 1024 * 1024)
        assert bar.bar.n == 8 * 1024 * 1024
    text = stream.getvalue()
    assert "model.pkl: 100%" in text and "8.00M/8.00M" in text
