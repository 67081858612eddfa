"""Multi-file catalogue entries (a BigGAN-deep folder: config.json + pytorch_model.bin) against a 127.0.0.1
server: the set lands in one folder and opens as BigGAN, resumes, is verified file by file and as a model,
cancels, and nothing incomplete or unverified ever appears under the folder's final name."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
import torch
from http_fixture import LocalServer

from sefa_desktop.models.catalogue import (
    CatalogueEntry,
    CatalogueError,
    CatalogueFile,
    load_catalogue,
    parse_catalogue,
)
from sefa_desktop.models.download import (
    ChecksumMismatch,
    DownloadCancelled,
    DownloadError,
    RetryPolicy,
    download_entry,
    read_checksums,
    staging_paths,
    verify_entry,
)

REPO = Path(__file__).resolve().parents[1]
FAST = RetryPolicy(timeout=2.0, attempts=2, backoff=0.01)
ONE_TRY = RetryPolicy(timeout=2.0, attempts=1, backoff=0.01)
# A tiny BigGAN-deep in the pytorch-pretrained-BigGAN layout: 8 px, 10 classes.
CONFIG = {"output_dim": 8, "z_dim": 8, "class_embed_dim": 8, "channel_width": 4, "num_classes": 10,
          "layers": [[False, 2, 2], [True, 2, 1]], "attention_layer_position": 1, "eps": 1e-4, "n_stats": 3}


def tiny_biggan(seed: int = 0, config: dict | None = None) -> tuple[bytes, bytes]:
    """(config.json bytes, pytorch_model.bin bytes) of a random BigGAN-deep."""
    from sefa_desktop.models.nets.biggan import BigGANConfig, BigGANNet

    cfg = config or CONFIG
    torch.manual_seed(seed)
    net = BigGANNet(BigGANConfig.from_json(cfg))
    state = {k: torch.randn_like(v) for k, v in net.state_dict().items()}
    buf = io.BytesIO()
    torch.save(state, buf)
    return json.dumps(cfg, indent=1).encode(), buf.getvalue()


CFG_BYTES, BIN_BYTES = tiny_biggan()


def biggan_entry(server: LocalServer, name: str = "tiny-biggan", **file_kw) -> CatalogueEntry:
    """A two-file entry served from `server` (/config.json, /pytorch_model.bin); `file_kw` per file name."""
    files = tuple(CatalogueFile(fn, (server.url("/" + fn),), format=fmt, **file_kw.get(fn, {}))
                  for fn, fmt in (("config.json", "json"), ("pytorch_model.bin", "biggan-bin")))
    return CatalogueEntry(name=name, family="biggan", format="pytorch-pretrained-biggan", urls=(),
                          filename=name, dataset="ImageNet", resolution=8, files=files)


@pytest.fixture
def server():
    with LocalServer() as s:
        yield s


def serve(server: LocalServer, cfg: bytes = CFG_BYTES, weights: bytes = BIN_BYTES, **weights_kw):
    server.add("/config.json", data=cfg, content_type="application/json")  # a text body, as S3 labels it
    return server.add("/pytorch_model.bin", data=weights, **weights_kw)


def nothing_final(entry: CatalogueEntry, folder: Path) -> None:
    dest = entry.local_path(folder)
    assert not dest.exists(), "an incomplete or unverified set reached the final folder"
    assert not entry.is_present(folder)
    assert not any(k.startswith(entry.filename + "/") for k in read_checksums(folder)), "recorded too early"


def test_downloads_into_its_folder_and_opens_as_biggan(server, tmp_path):
    from sefa_desktop.models import load_model

    serve(server)
    entry = biggan_entry(server)
    progress: list[tuple[int, int | None]] = []
    res = download_entry(entry, tmp_path, policy=FAST, progress=lambda d, t: progress.append((d, t)))
    dest = tmp_path / "tiny-biggan"
    assert res.path == dest and dest.is_dir() and entry.is_present(tmp_path)
    assert (dest / "config.json").read_bytes() == CFG_BYTES
    assert (dest / "pytorch_model.bin").read_bytes() == BIN_BYTES
    assert sorted(p.name for p in dest.iterdir()) == ["config.json", "pytorch_model.bin"]
    assert res.size == len(CFG_BYTES) + len(BIN_BYTES) and res.fetched == res.size and len(res.files) == 2
    # progress counts across the files and ends at the whole set
    assert progress[-1] == (res.size, res.size)
    assert all(b[0] >= a[0] for a, b in zip(progress, progress[1:], strict=False))
    staging, listing = staging_paths(dest)
    assert not staging.exists() and not listing.exists()
    sums = read_checksums(tmp_path)
    assert sums["tiny-biggan/config.json"]["sha256"] == hashlib.sha256(CFG_BYTES).hexdigest()
    assert sums["tiny-biggan/pytorch_model.bin"]["size"] == len(BIN_BYTES)

    model = load_model(res.path)
    assert model.family == "biggan" and model.resolution == 8 and model.num_classes == 10

    again = download_entry(entry, tmp_path, policy=FAST)  # present and recorded: nothing fetched
    assert again.fetched == 0 and again.path == dest
    assert len(server.routes["/pytorch_model.bin"].requests) == 1
    assert verify_entry(entry, tmp_path).size == res.size


def test_resume_after_a_cut_in_the_second_file(server, tmp_path):
    half = len(BIN_BYTES) // 2
    serve(server, cut_after=half)
    entry = biggan_entry(server)
    with pytest.raises(DownloadError, match=r"tiny-biggan: pytorch_model.bin: .*kept for resuming"):
        download_entry(entry, tmp_path, policy=ONE_TRY)
    nothing_final(entry, tmp_path)
    staging, _ = staging_paths(entry.local_path(tmp_path))
    assert (staging / "config.json").is_file() and (staging / "pytorch_model.bin.part").stat().st_size == half

    res = download_entry(entry, tmp_path, policy=ONE_TRY)
    weights = server.routes["/pytorch_model.bin"].requests
    assert len(server.routes["/config.json"].requests) == 1  # the finished first file is reused
    assert weights[-1]["range"] == f"bytes={half}-" and weights[-1]["if_range"] == '"v1"'
    assert weights[-1]["sent"] == len(BIN_BYTES) - half
    assert res.files[1].resumed_from == half and res.fetched == len(BIN_BYTES) - half
    assert (res.path / "pytorch_model.bin").read_bytes() == BIN_BYTES
    assert not staging.exists()


def test_corrupt_second_file_fails_its_checksum_and_leaves_nothing(server, tmp_path):
    corrupt = bytearray(BIN_BYTES)
    corrupt[len(corrupt) // 2] ^= 0xFF
    serve(server, weights=bytes(corrupt))
    entry = biggan_entry(server, **{"pytorch_model.bin": {"sha256": hashlib.sha256(BIN_BYTES).hexdigest()}})
    with pytest.raises(ChecksumMismatch, match="pytorch_model.bin: checksum mismatch"):
        download_entry(entry, tmp_path, policy=FAST)
    nothing_final(entry, tmp_path)
    staging, _ = staging_paths(entry.local_path(tmp_path))
    assert not (staging / "pytorch_model.bin").exists() and not (staging / "pytorch_model.bin.part").exists()


def test_second_file_that_is_no_checkpoint_is_refused(server, tmp_path):
    serve(server, weights=os.urandom(50_000))
    entry = biggan_entry(server)
    with pytest.raises(DownloadError, match="pytorch_model.bin is not in the biggan-bin format"):
        download_entry(entry, tmp_path, policy=FAST)
    nothing_final(entry, tmp_path)


def test_files_that_do_not_open_together_are_not_kept(server, tmp_path):
    """Each file is fine on its own, but the config describes another network: the set is refused whole."""
    wider = dict(CONFIG, channel_width=8)
    serve(server, cfg=json.dumps(wider).encode())
    entry = biggan_entry(server)
    with pytest.raises(DownloadError, match="does not open as a checkpoint"):
        download_entry(entry, tmp_path, policy=FAST)
    nothing_final(entry, tmp_path)
    staging, listing = staging_paths(entry.local_path(tmp_path))
    assert not staging.exists() and not listing.exists()


def test_config_that_is_an_html_page_is_refused(server, tmp_path):
    server.add("/config.json", data=b"<!DOCTYPE html><html><title>Access denied</title></html>",
               content_type="text/html")
    server.add("/pytorch_model.bin", data=BIN_BYTES)
    entry = biggan_entry(server)
    with pytest.raises(DownloadError, match="config.json is not a JSON file"):
        download_entry(entry, tmp_path, policy=FAST)
    nothing_final(entry, tmp_path)
    assert server.routes["/pytorch_model.bin"].requests == []  # the cheap file first: failed before the big one


def test_endless_config_stops_at_its_budget(server, tmp_path, monkeypatch):
    from sefa_desktop.models import download as dl

    monkeypatch.setattr(dl, "MAX_TEXT_SIZE", 200_000)
    server.add("/config.json", data=b"{", endless=True, content_type="application/json")
    entry = biggan_entry(server)
    with pytest.raises(DownloadError, match="more than the 200000 bytes"):
        download_entry(entry, tmp_path, policy=FAST)
    nothing_final(entry, tmp_path)


def test_cancel_in_the_second_file_then_resume(server, tmp_path):
    serve(server, chunk_delay=0.0)
    entry = biggan_entry(server)
    cancel = threading.Event()

    def progress(done: int, total: int | None) -> None:
        if done > len(CFG_BYTES) + 4096:  # into the weights: the user presses Cancel
            cancel.set()

    with pytest.raises(DownloadCancelled, match="tiny-biggan: download of pytorch_model.bin cancelled"):
        download_entry(entry, tmp_path, policy=FAST, cancel=cancel, progress=progress)
    nothing_final(entry, tmp_path)
    staging, _ = staging_paths(entry.local_path(tmp_path))
    kept = (staging / "pytorch_model.bin.part").stat().st_size
    assert 0 < kept < len(BIN_BYTES)

    res = download_entry(entry, tmp_path, policy=FAST)
    assert res.files[1].resumed_from == kept and len(server.routes["/config.json"].requests) == 1
    assert entry.is_present(tmp_path)


def test_an_incomplete_folder_is_not_downloaded_and_is_replaced(server, tmp_path):
    serve(server)
    entry = biggan_entry(server)
    dest = download_entry(entry, tmp_path, policy=FAST).path
    (dest / "config.json").unlink()
    assert not entry.is_present(tmp_path)
    with pytest.raises(DownloadError, match="not downloaded"):
        verify_entry(entry, tmp_path)
    res = download_entry(entry, tmp_path, policy=FAST)
    assert res.fetched == len(CFG_BYTES) + len(BIN_BYTES) and entry.is_present(tmp_path)
    assert not dest.with_name(dest.name + ".replaced").exists()


def test_present_file_changed_on_disk_is_fetched_again(server, tmp_path):
    serve(server)
    entry = biggan_entry(server)
    dest = download_entry(entry, tmp_path, policy=FAST).path
    with open(dest / "pytorch_model.bin", "ab") as f:
        f.write(b"x")  # its size no longer matches the record
    with pytest.raises(ChecksumMismatch, match="tiny-biggan/pytorch_model.bin does not match"):
        verify_entry(entry, tmp_path)
    res = download_entry(entry, tmp_path, policy=FAST)
    assert (res.path / "pytorch_model.bin").read_bytes() == BIN_BYTES
    assert verify_entry(entry, tmp_path).path == dest


def _cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    full = {**os.environ, "PYTHONPATH": str(REPO), **env}
    return subprocess.run([sys.executable, "-m", "sefa_desktop", *args], capture_output=True, text=True,
                          env=full, timeout=120)


def test_download_and_verify_commands(server, tmp_path):
    serve(server)
    e = biggan_entry(server)
    raw = {"name": e.name, "family": e.family, "format": e.format, "filename": e.filename, "resolution": 8,
           "files": [{"filename": f.filename, "format": f.format, "urls": list(f.urls)} for f in e.files]}
    res_dir = tmp_path / "resources"
    res_dir.mkdir()
    (res_dir / "catalogue.json").write_text(json.dumps({"version": 1, "entries": [raw]}))
    env = {"SEFA_DESKTOP_RESOURCES": str(res_dir), "XDG_CACHE_HOME": str(tmp_path / "cache")}

    r = _cli("download", "tiny-biggan", env=env)
    assert r.returncode == 0, r.stderr
    path = Path(r.stdout.strip())
    assert path == tmp_path / "cache" / "sefa-desktop" / "models" / "tiny-biggan" and path.is_dir()
    assert "tiny-biggan/pytorch_model.bin: sha256 " in r.stderr

    r = _cli("models", "--catalog", env=env)
    assert r.returncode == 0 and "[downloaded]" in r.stdout

    r = _cli("download", "tiny-biggan", "--verify", env=env)
    assert r.returncode == 0, r.stderr
    assert "OK (2 files" in r.stderr and "opens as biggan" in r.stderr and r.stdout.strip() == str(path)

    (path / "config.json").write_bytes(CFG_BYTES.replace(b'"z_dim": 8', b'"z_dim": 9'))
    r = _cli("download", "tiny-biggan", "--verify", env=env)
    assert r.returncode == 1 and "tiny-biggan/config.json does not match" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.parametrize("mutate, message", [
    (lambda e: e.update(files=[]), "'files' must be a non-empty list"),
    (lambda e: e["files"][0].update(filename="../config.json"), "bad 'filename'"),
    (lambda e: e["files"][1].update(filename="config.json"), "used twice"),
    (lambda e: e["files"][0].update(urls=["file:///etc/passwd"]), "not an http"),
    (lambda e: e["files"][0].update(sha256="abc"), "'sha256' must be 64 hex"),
    (lambda e: e.update(urls=["https://example.org/x.bin"]), "'urls' belongs in each of 'files'"),
])
def test_broken_multi_file_entries_give_clear_errors(mutate, message):
    data = json.loads((REPO / "resources" / "catalogue.json").read_text(encoding="utf-8"))
    entry = next(e for e in data["entries"] if e["name"] == "biggan-deep-256")
    mutate(entry)
    with pytest.raises(CatalogueError, match=message):
        parse_catalogue(data)


def test_shipped_biggan_entries():
    cat = load_catalogue()
    biggan = cat.by_family()["biggan"]
    assert [e.name for e in biggan] == ["biggan-deep-128", "biggan-deep-256", "biggan-deep-512"]
    for e in biggan:
        r = e.resolution
        assert e.is_multi_file and e.filename == e.name and e.dataset == "ImageNet"
        assert [f.filename for f in e.files] == ["config.json", "pytorch_model.bin"]
        base = "https://s3.amazonaws.com/models.huggingface.co/biggan/"
        assert e.files[0].urls == (f"{base}biggan-deep-{r}-config.json",)
        assert e.files[1].urls == (f"{base}biggan-deep-{r}-pytorch_model.bin",)
        assert e.licence is None and e.licence_url is None  # stated nowhere upstream: unknown
        assert f"deepmind/biggan-deep-{r}/1" in e.notes and "licence of the weights not stated" in e.notes
        assert e.local_path(Path("/m")) == Path("/m") / e.name
        assert e.part_paths(Path("/m")) == [Path("/m") / e.name / "config.json",
                                            Path("/m") / e.name / "pytorch_model.bin"]


def test_catalogue_name_loads_the_downloaded_folder(tmp_path, monkeypatch):
    from sefa_desktop.models import ModelLoadError, load_model

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    with pytest.raises(ModelLoadError, match="not downloaded yet.*sefa-desktop download biggan-deep-128"):
        load_model("biggan-deep-128")
    entry = load_catalogue().require("biggan-deep-128")
    dest = entry.local_path()
    dest.mkdir(parents=True)
    (dest / "pytorch_model.bin").write_bytes(BIN_BYTES)
    with pytest.raises(ModelLoadError, match="not downloaded yet"):  # half a folder is not the model
        load_model("biggan-deep-128")
    (dest / "config.json").write_bytes(CFG_BYTES)  # a small stand-in under the real entry's name
    assert load_model("biggan-deep-128").family == "biggan"
