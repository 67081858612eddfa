"""Download faults against a 127.0.0.1 server: nothing unverified ever appears under the final name.

Each fault of issue 18 has a test: an HTML page answered with 200 (by Content-Type, and by its bytes
when mislabelled), JSON, a body without Content-Length cut short, an endless body, a body that is no
checkpoint of the entry's format, a redirect loop; plus the sha256 recorded at the first download,
`download --verify`, and the user catalogue merged over the bundled one.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from http_fixture import LocalServer

from sefa_desktop.models.catalogue import CatalogueEntry, load_catalogue, load_catalogue_or_empty, user_catalogue_path
from sefa_desktop.models.download import (
    ChecksumMismatch,
    DownloadError,
    RetryPolicy,
    download,
    download_entry,
    part_paths,
    read_checksums,
    verify_entry,
)

FAST = RetryPolicy(timeout=2.0, attempts=2, backoff=0.01)
HTML = (b"<!DOCTYPE html><html><head><title>Sign in to your account</title></head>"
        b"<body>" + b"x" * 3000 + b"</body></html>")


def _dcgan_bytes(seed: int = 0) -> bytes:
    from sefa_desktop.models.nets.dcgan import DCGANGenerator

    torch.manual_seed(seed)
    net = DCGANGenerator([8, 16, 8, 3])
    buf = io.BytesIO()
    torch.save(net.state_dict(), buf)
    return buf.getvalue()


CKPT = _dcgan_bytes()


def _entry(url: str, **kw) -> CatalogueEntry:
    base = dict(name="tiny-dcgan", family="dcgan", format="torch-state-dict", urls=(url,), filename="tiny.pth")
    return CatalogueEntry(**{**base, **kw})


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def _nothing_kept(dest: Path) -> None:
    assert not dest.exists(), "an unverified body reached the final name"
    assert not any(p.exists() for p in part_paths(dest)), "a refused body was kept to resume"
    assert dest.name not in read_checksums(dest.parent), "a refused body's checksum was recorded"


def test_html_page_with_status_200_is_refused_by_content_type(server, tmp_path):
    server.add("/m.pth", data=HTML, content_type="text/html; charset=utf-8")
    e = _entry(server.url("/m.pth"))
    with pytest.raises(DownloadError, match='text/html page instead of the checkpoint: "Sign in to your account"'):
        download_entry(e, tmp_path, policy=FAST)
    _nothing_kept(tmp_path / "tiny.pth")


def test_mislabelled_html_and_json_are_refused_by_their_bytes(server, tmp_path):
    server.add("/h.pth", data=HTML, content_type="application/octet-stream")
    server.add("/j.pth", data=b'{"error": "quota exceeded"}' + b" " * 600, content_type=None)
    for path in ("/h.pth", "/j.pth"):
        dest = tmp_path / f"x{path[1]}.pth"
        with pytest.raises(DownloadError, match="text document instead of the checkpoint") as ei:
            download(server.url(path), dest, policy=FAST)
        assert "\n" not in str(ei.value)
        _nothing_kept(dest)


def test_json_content_type_is_refused(server, tmp_path):
    server.add("/m.pth", data=b'{"message": "Not Found"}', content_type="application/json")
    with pytest.raises(DownloadError, match="application/json page"):
        download(server.url("/m.pth"), tmp_path / "m.pth", policy=FAST)
    _nothing_kept(tmp_path / "m.pth")


def test_body_without_length_cut_short_is_not_kept(server, tmp_path):
    big = _dcgan_bytes(1) + bytes(0)
    server.add("/m.pth", data=big, no_length=True, cut_after=len(big) // 3)
    e = _entry(server.url("/m.pth"))
    with pytest.raises(DownloadError, match="does not open as a checkpoint"):
        download_entry(e, tmp_path, policy=FAST)
    _nothing_kept(tmp_path / "tiny.pth")
    # the same server, whole this time: the download lands, verified, and records its checksum
    res = download_entry(e, tmp_path, policy=FAST)
    assert res.path.read_bytes() == big
    assert read_checksums(tmp_path)["tiny.pth"]["sha256"] == hashlib.sha256(big).hexdigest()


def test_endless_body_stops_at_the_catalogue_size(server, tmp_path):
    route = server.add("/m.pth", data=CKPT, endless=True)
    e = _entry(server.url("/m.pth"), size=len(CKPT))
    with pytest.raises(DownloadError, match=f"more than the {len(CKPT)} bytes expected; stopped"):
        download_entry(e, tmp_path, policy=FAST)
    _nothing_kept(tmp_path / "tiny.pth")
    assert route.requests  # the server saw the request; we hung up on it


def test_endless_body_without_any_size_stops_at_the_cap(server, tmp_path):
    server.add("/m.pth", data=CKPT, endless=True)
    with pytest.raises(DownloadError, match="more than the 1000000 bytes expected"):
        download(server.url("/m.pth"), tmp_path / "m.pth", policy=FAST, max_size=1_000_000)
    _nothing_kept(tmp_path / "m.pth")


def test_body_that_is_not_the_declared_format_is_refused(server, tmp_path):
    # a valid file of another container: a safetensors file where a torch file is declared
    from safetensors.torch import save_file

    st = tmp_path / "x.safetensors"
    save_file({"w": torch.zeros(4)}, str(st))
    server.add("/m.pth", data=st.read_bytes())
    with pytest.raises(DownloadError, match="not in the torch-state-dict format"):
        download_entry(_entry(server.url("/m.pth")), tmp_path, policy=FAST)
    _nothing_kept(tmp_path / "tiny.pth")
    # a torch file of the wrong family
    server.add("/wrong.pth", data=CKPT)
    with pytest.raises(DownloadError, match="holds a dcgan generator, the catalogue says stylegan2"):
        download_entry(_entry(server.url("/wrong.pth"), family="stylegan2"), tmp_path, policy=FAST)
    _nothing_kept(tmp_path / "tiny.pth")


def test_redirect_loop_is_one_line(server, tmp_path):
    server.add("/a", redirect_to="/b")
    server.add("/b", redirect_to="/a")
    with pytest.raises(DownloadError, match="redirects in a loop") as ei:
        download(server.url("/a"), tmp_path / "m.pth", policy=FAST)
    assert "\n" not in str(ei.value)


def test_first_download_records_sha256_and_verify_rechecks_it(server, tmp_path):
    server.add("/m.pth", data=CKPT)
    e = _entry(server.url("/m.pth"))
    res = download_entry(e, tmp_path, policy=FAST)
    assert read_checksums(tmp_path)["tiny.pth"]["sha256"] == res.sha256 == hashlib.sha256(CKPT).hexdigest()
    assert verify_entry(e, tmp_path).sha256 == res.sha256
    # present and recorded: no second transfer
    download_entry(e, tmp_path, policy=FAST)
    assert len(server.routes["/m.pth"].requests) == 1
    # the file changes on disk: --verify says so, and the next download fetches it again
    data = bytearray(res.path.read_bytes())
    data[-10] ^= 0xFF
    res.path.write_bytes(bytes(data))
    with pytest.raises(ChecksumMismatch, match="recorded at its first download"):
        verify_entry(e, tmp_path)
    res.path.write_bytes(bytes(data[:-1]))  # and a size change is seen without hashing
    download_entry(e, tmp_path, policy=FAST)
    assert len(server.routes["/m.pth"].requests) == 2 and res.path.read_bytes() == CKPT


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "sefa_desktop", *args], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_user_catalogue_and_download_verify_from_the_cli(server, tmp_path):
    server.add("/m.pth", data=CKPT)
    cfg = tmp_path / "cfg"
    env = {"XDG_CONFIG_HOME": str(cfg), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    (cfg / "sefa-desktop").mkdir(parents=True)
    mine = {"name": "my-private-dcgan", "family": "dcgan", "format": "torch-state-dict", "filename": "mine.pth",
            "urls": [server.url("/m.pth")]}
    (cfg / "sefa-desktop" / "catalogue.json").write_text(json.dumps({"version": 1, "entries": [mine]}))
    r = _cli("download", "my-private-dcgan", env=env)  # found in the user catalogue only
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path.read_bytes() == CKPT and "recorded" in r.stderr
    path.write_bytes(CKPT[:-1] + bytes([CKPT[-1] ^ 1]))
    r = _cli("download", "my-private-dcgan", "--verify", env=env)
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "does not match" in r.stderr, r.stderr


def test_user_catalogue_merges_over_the_bundled_one(monkeypatch):
    bundled = load_catalogue()
    first = bundled.entries[0]
    p = user_catalogue_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(json.dumps({"version": 1, "entries": [
        {"name": first.name, "family": first.family, "format": first.format, "filename": "elsewhere.pth",
         "urls": ["https://example.org/mirror.pth"]},
        {"name": "extra", "family": "dcgan", "format": "torch-state-dict", "filename": "extra.pth",
         "urls": ["https://example.org/extra.pth"]}]}))
    merged = load_catalogue()
    assert len(merged) == len(bundled) + 1
    assert merged.entries[0].filename == "elsewhere.pth"  # replaced in place, order kept
    assert merged.get("extra") is not None
    # a broken user catalogue is reported and leaves the bundled one usable
    p.write_text("{broken")
    cat, err = load_catalogue_or_empty()
    assert len(cat) == len(bundled) and err.startswith("your catalogue") and "not valid JSON" in err


def test_clip_entry_is_verified_as_safetensors(server, tmp_path):
    from safetensors.torch import save_file

    st = tmp_path / "w.safetensors"
    save_file({"visual.proj": torch.zeros(4, 4)}, str(st))
    server.add("/clip.safetensors", data=st.read_bytes())
    server.add("/html", data=HTML, content_type="application/octet-stream")
    entry = _entry(server.url("/clip.safetensors"), name="tiny-clip", family="clip",
                   format="open_clip-safetensors", filename="clip.safetensors")
    assert download_entry(entry, tmp_path / "ok", policy=FAST).path.read_bytes() == st.read_bytes()
    server.add("/torch", data=CKPT)
    bad = _entry(server.url("/torch"), name="tiny-clip", family="clip", format="open_clip-safetensors",
                 filename="clip.safetensors")
    with pytest.raises(DownloadError, match="not in the open_clip-safetensors format"):
        download_entry(bad, tmp_path / "bad", policy=FAST)
    _nothing_kept(tmp_path / "bad" / "clip.safetensors")
