"""The shipped catalogue, its loader's validation and the `models --catalog` / `download` commands."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import shared_dir
from http_fixture import LocalServer

from sefa_desktop.models.catalogue import (
    FAMILIES,
    CatalogueError,
    default_catalogue_path,
    load_catalogue,
    load_catalogue_or_empty,
    parse_catalogue,
)

REPO = Path(__file__).resolve().parents[1]
# The 87 public checkpoints the issue names, by family (57 genforce zoo + 27 NGC + 3 ADA).
EXPECTED_GENFORCE = 57
EXPECTED_NVIDIA = 27 + 3


def _tsv_rows() -> list[dict[str, str]]:
    shared = shared_dir()
    tsv = shared / "notes" / "catalogue-sources.tsv" if shared else None
    if tsv is None or not tsv.is_file():
        pytest.skip("shared notes/catalogue-sources.tsv not found (needs ../shared)")
    with open(tsv, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f, delimiter="\t"))


def _cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "sefa_desktop", *args], capture_output=True, text=True,
                          env=full, timeout=60)


def test_all_entries_load_with_unique_names_and_valid_families():
    cat = load_catalogue()
    names = cat.names()
    assert len(names) == len(set(names))
    assert all(e.family in FAMILIES for e in cat)
    genforce = [e for e in cat if e.format == "genforce-pth"]
    nvidia = [e for e in cat if e.format == "nvidia-pkl"]
    assert len(genforce) == EXPECTED_GENFORCE and len(nvidia) >= EXPECTED_NVIDIA
    assert "stylegan_animeface512" in names and "stylegan3-r-ffhq-1024x1024" in names
    for e in cat:
        assert e.filename.startswith(e.name) and e.dataset and e.resolution
        assert e.parts() and all(f.urls and (f.sha256 is None or len(f.sha256) == 64) for f in e.parts())
        assert bool(e.urls) != e.is_multi_file  # a multi-file entry's URLs are per file


def test_every_multifile_source_row_is_in_the_catalogue():
    """tools/catalogue-multifile-sources.tsv (one row per file) → entries whose files keep the table's order."""
    with open(REPO / "tools" / "catalogue-multifile-sources.tsv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    assert len(rows) == 6
    cat = load_catalogue()
    for row in rows:
        e = cat.require(row["name"])
        assert (e.family, e.format, e.resolution) == (row["family"], row["format"], int(row["resolution"]))
        f = next(x for x in e.files if x.filename == row["file"])
        assert f.urls == (row["url"],) and f.format == row["file_format"]
    assert len({r["name"] for r in rows}) == 3


def test_every_source_row_is_in_the_catalogue_unchanged():
    rows = _tsv_rows()
    assert len(rows) == 87
    cat = load_catalogue()
    for row in rows:
        e = cat.require(row["name"])
        assert (e.family, e.format, e.resolution) == (row["family"], row["format"], int(row["resolution"]))
        assert e.urls[0] == row["url"]


def test_generator_script_reproduces_the_committed_file(tmp_path):
    rows = _tsv_rows()
    assert rows
    sys.path.insert(0, str(REPO / "tools"))
    try:
        import make_catalogue
    finally:
        sys.path.pop(0)
    tsv = shared_dir() / "notes" / "catalogue-sources.tsv"
    assert make_catalogue.build(tsv) == json.loads(default_catalogue_path().read_text(encoding="utf-8"))


@pytest.mark.parametrize("mutate, message", [
    (lambda d: d["entries"][0].update(family="gan9000"), "unknown family 'gan9000'"),
    (lambda d: d["entries"][1].update(name=d["entries"][0]["name"]), "used twice"),
    (lambda d: d["entries"][2].update(sha256="xyz"), "'sha256' must be 64 hex"),
    (lambda d: d["entries"][3].update(urls=["ftp://x/y"]), "not an http"),
    (lambda d: d["entries"][4].update(size=-1), "'size' must be an integer"),
    (lambda d: d["entries"][5].update(filename="../evil.pth"), "bad 'filename'"),
    (lambda d: d.update(version=99), "unsupported version"),
    (lambda d: d.pop("entries"), "'entries' list"),
])
def test_broken_catalogue_gives_a_clear_error(mutate, message):
    data = json.loads(default_catalogue_path().read_text(encoding="utf-8"))
    mutate(data)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data)


def test_unreadable_catalogue_never_crashes(tmp_path):
    bad = tmp_path / "catalogue.json"
    bad.write_text("{not json", encoding="utf-8")
    cat, err = load_catalogue_or_empty(bad)
    assert len(cat) == 0 and "not valid JSON" in err
    cat, err = load_catalogue_or_empty(tmp_path / "missing.json")
    assert len(cat) == 0 and "cannot read" in err


def test_models_catalog_lists_every_entry_with_its_family(tmp_path):
    r = _cli("models", "--catalog", env={"XDG_CACHE_HOME": str(tmp_path)})
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    cat = load_catalogue()
    for e in cat:
        assert any(line.split()[:2] == [e.name, e.family] for line in lines), e.name
    assert f"{len(cat)} models" in r.stdout


def test_download_command_fetches_into_the_cache(tmp_path):
    import io

    import torch

    from sefa_desktop.models.nets.dcgan import DCGANGenerator

    buf = io.BytesIO()  # a real (tiny) checkpoint: downloads must open as their entry's format
    torch.save(DCGANGenerator([8, 16, 8, 3]).state_dict(), buf)
    data = buf.getvalue()
    res_dir = tmp_path / "resources"
    res_dir.mkdir()
    with LocalServer() as server:
        server.add("/tiny.pth", data=data)
        entry = {"name": "tiny", "family": "dcgan", "format": "torch-state-dict", "filename": "tiny.pth",
                 "urls": [server.url("/tiny.pth")], "sha256": hashlib.sha256(data).hexdigest()}
        (res_dir / "catalogue.json").write_text(json.dumps({"version": 1, "entries": [entry]}))
        env = {"SEFA_DESKTOP_RESOURCES": str(res_dir), "XDG_CACHE_HOME": str(tmp_path / "cache")}
        r = _cli("download", "tiny", env=env)
        assert r.returncode == 0, r.stderr
        path = Path(r.stdout.strip())
        assert path == tmp_path / "cache" / "sefa-desktop" / "models" / "tiny.pth"
        assert path.read_bytes() == data and "tiny" in r.stderr
        r2 = _cli("download", "tiny", env=env)  # present and verified: no second transfer
        assert r2.returncode == 0 and "already downloaded" in r2.stderr
        assert len(server.routes["/tiny.pth"].requests) == 1
        r3 = _cli("download", "tinyy", env=env)
        assert r3.returncode == 1 and "not in the model catalogue" in r3.stderr


def test_load_model_by_catalogue_name(tmp_path, monkeypatch):
    import shutil

    from conftest import fixture_path

    from sefa_desktop.models import ModelLoadError, load_model
    from sefa_desktop.models.catalogue import load_catalogue

    entry = load_catalogue().get("pggan_celebahq1024")
    with pytest.raises(ModelLoadError, match="not downloaded yet.*sefa-desktop download pggan_celebahq1024"):
        load_model("pggan_celebahq1024")
    # Once the file is in the cache folder the name loads it (a small stand-in checkpoint here).
    dest = entry.local_path()
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(fixture_path("genforce", "pggan", "pggan_random32.pth"), dest)
    assert load_model("pggan_celebahq1024").family == "pggan"
