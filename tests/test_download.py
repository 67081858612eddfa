"""Download manager against a local HTTP server on 127.0.0.1 (no outside network)."""

from __future__ import annotations

import hashlib
import json
import os
import socket
import threading
import urllib.error

import pytest
from http_fixture import LocalServer

from sefa_desktop.models.download import (
    ChecksumMismatch,
    DownloadCancelled,
    DownloadError,
    RetryPolicy,
    download,
    part_paths,
    read_checksums,
)

DATA = b"\x80\x02" + os.urandom(300_000)  # starts like a pickle, as checkpoints do
SHA = hashlib.sha256(DATA).hexdigest()
FAST = RetryPolicy(timeout=2.0, attempts=3, backoff=0.01)


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def test_normal_download_lands_atomically_and_records_checksum(server, tmp_path):
    server.add("/m.pth", data=DATA)
    seen = []
    res = download(server.url("/m.pth"), tmp_path / "m.pth", progress=lambda d, t: seen.append((d, t)), policy=FAST)
    assert res.path.read_bytes() == DATA
    assert res.sha256 == SHA and res.size == len(DATA) and not res.verified and res.fetched == len(DATA)
    assert seen[0] == (0, len(DATA)) and seen[-1] == (len(DATA), len(DATA))
    assert not any(p.exists() for p in part_paths(tmp_path / "m.pth"))
    assert read_checksums(tmp_path)["m.pth"]["sha256"] == SHA
    # a known checksum is verified
    res2 = download(server.url("/m.pth"), tmp_path / "m2.pth", sha256=SHA, policy=FAST)
    assert res2.verified


def test_cut_off_half_way_then_resumed(server, tmp_path):
    half = len(DATA) // 2
    route = server.add("/m.pth", data=DATA, cut_after=half)
    dest = tmp_path / "m.pth"
    with pytest.raises(DownloadError, match="closed early"):
        download(server.url("/m.pth"), dest, sha256=SHA, policy=RetryPolicy(timeout=2, attempts=1))
    part, meta = part_paths(dest)
    assert not dest.exists(), "a partial file must never appear under the final name"
    assert part.stat().st_size == half
    assert json.loads(meta.read_text())["total"] == len(DATA)
    res = download(server.url("/m.pth"), dest, sha256=SHA, policy=FAST)
    assert res.verified and dest.read_bytes() == DATA
    assert res.resumed_from == half and res.fetched == len(DATA) - half
    second = route.requests[-1]
    assert second["range"] == f"bytes={half}-" and second["if_range"] == '"v1"'
    assert second["sent"] == len(DATA) - half
    assert not part.exists() and not meta.exists()


def test_automatic_resume_within_one_call(server, tmp_path):
    route = server.add("/m.pth", data=DATA, cut_after=100_000)
    res = download(server.url("/m.pth"), tmp_path / "m.pth", sha256=SHA, policy=FAST)
    assert res.resumed_from == 100_000 and res.fetched == len(DATA)
    assert [r["sent"] for r in route.requests] == [100_000, len(DATA) - 100_000]


def test_server_ignoring_range_restarts_cleanly(server, tmp_path):
    dest = tmp_path / "m.pth"
    server.add("/m.pth", data=DATA, cut_after=50_000, ignore_range=True)
    with pytest.raises(DownloadError):
        download(server.url("/m.pth"), dest, policy=RetryPolicy(timeout=2, attempts=1))
    assert part_paths(dest)[0].stat().st_size == 50_000
    res = download(server.url("/m.pth"), dest, sha256=SHA, policy=FAST)
    assert dest.read_bytes() == DATA and res.resumed_from == 0 and res.fetched == len(DATA)


def test_stale_partial_from_another_url_is_discarded(server, tmp_path):
    dest = tmp_path / "m.pth"
    part, meta = part_paths(dest)
    part.write_bytes(b"x" * 1000)
    meta.write_text(json.dumps({"url": "http://elsewhere/x", "total": 5000, "sha256": None}))
    server.add("/m.pth", data=DATA)
    res = download(server.url("/m.pth"), dest, policy=FAST)
    assert dest.read_bytes() == DATA and res.resumed_from == 0
    part.write_bytes(b"y" * 10)  # a part without its sidecar is not trusted either
    res = download(server.url("/m.pth"), tmp_path / "m.pth", policy=FAST)
    assert res.resumed_from == 0


def test_checksum_mismatch_removes_file(server, tmp_path):
    server.add("/m.pth", data=DATA)
    dest = tmp_path / "m.pth"
    with pytest.raises(ChecksumMismatch, match="checksum mismatch.*removed"):
        download(server.url("/m.pth"), dest, sha256="0" * 64, policy=FAST)
    assert not dest.exists() and not any(p.exists() for p in part_paths(dest))
    assert "m.pth" not in read_checksums(tmp_path)


def test_404_is_not_retried(server, tmp_path):
    with pytest.raises(DownloadError, match="HTTP 404") as ei:
        download(server.url("/missing.pth"), tmp_path / "x.pth", policy=RetryPolicy(attempts=5, backoff=5))
    assert "attempts" not in str(ei.value)
    assert not (tmp_path / "x.pth").exists()


def test_mirror_used_after_404(server, tmp_path):
    server.add("/m.pth", data=DATA)
    res = download([server.url("/gone.pth"), server.url("/m.pth")], tmp_path / "m.pth", sha256=SHA, policy=FAST)
    assert res.verified


def test_slow_server_hits_timeout_and_gives_up(server, tmp_path):
    # The server would send everything after its stall; "timed out" (rather than a finished download)
    # shows the client gave up first, on each of its 2 attempts. No clock in the assertions.
    route = server.add("/slow.pth", data=DATA, stall=3.0)
    with pytest.raises(DownloadError, match="timed out.*gave up after 2 attempts"):
        download(server.url("/slow.pth"), tmp_path / "s.pth", policy=RetryPolicy(timeout=0.3, attempts=2, backoff=0.01))
    assert len(route.requests) == 2
    assert not (tmp_path / "s.pth").exists()


def test_server_error_is_retried_then_reported(server, tmp_path):
    route = server.add("/err.pth", status=503)
    with pytest.raises(DownloadError, match="HTTP 503.*gave up after 3 attempts"):
        download(server.url("/err.pth"), tmp_path / "e.pth", policy=FAST)
    assert len(route.requests) == 3


def test_cancel_mid_way_keeps_part_for_resume(server, tmp_path):
    route = server.add("/m.pth", data=DATA, chunk_delay=0.005)
    cancel = threading.Event()
    dest = tmp_path / "m.pth"

    def progress(done: int, total: int | None) -> None:
        if done >= 40_000:
            cancel.set()

    with pytest.raises(DownloadCancelled, match="cancelled"):
        download(server.url("/m.pth"), dest, progress=progress, cancel=cancel, policy=FAST)
    kept = part_paths(dest)[0].stat().st_size
    assert not dest.exists() and 40_000 <= kept < len(DATA)
    route.chunk_delay = 0
    res = download(server.url("/m.pth"), dest, sha256=SHA, policy=FAST)
    assert res.resumed_from == kept and dest.read_bytes() == DATA


def test_redirect_is_followed(server, tmp_path):
    server.add("/m.pth", data=DATA)
    server.add("/old", redirect_to="/m.pth")
    res = download(server.url("/old"), tmp_path / "m.pth", sha256=SHA, policy=FAST)
    assert res.verified and (tmp_path / "m.pth").read_bytes() == DATA


def test_offline_gives_a_clear_message(tmp_path):
    class Offline:
        calls = 0

        def open(self, req, timeout):
            Offline.calls += 1
            raise urllib.error.URLError(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))

    with pytest.raises(DownloadError, match="cannot resolve example.org: you appear to be offline"):
        download("https://example.org/m.pkl", tmp_path / "m.pkl", opener=Offline(), policy=FAST)
    assert Offline.calls == 1  # DNS failure: no pointless retries


def test_connection_refused_is_reported(tmp_path):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()  # nothing listens there now
    with pytest.raises(DownloadError, match="refused"):
        download(f"http://127.0.0.1:{port}/m.pth", tmp_path / "m.pth", policy=RetryPolicy(attempts=2, backoff=0.01))


def test_size_mismatch_with_catalogue_is_rejected(server, tmp_path):
    server.add("/m.pth", data=DATA)
    with pytest.raises(DownloadError, match="expects 123"):
        download(server.url("/m.pth"), tmp_path / "m.pth", size=123, policy=FAST)
    assert not (tmp_path / "m.pth").exists()
