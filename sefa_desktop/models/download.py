"""Download manager for catalogue checkpoints (stdlib urllib, no Qt).

Design (see docs/catalogue.md):
- Bytes go to `<file>.part`; a sidecar `<file>.part.json` records the URL, ETag / Last-Modified,
  the total size announced by the server and the expected sha256. Only a part file whose sidecar
  matches the current request is resumed (HTTP Range + If-Range); anything else is discarded.
  The final name appears only after the size and checksum were checked, by an atomic rename, so a
  partial file is never mistaken for a complete one.
- A server that ignores Range answers 200: the part file is truncated and the download restarts.
- Transient failures (timeouts, dropped connections, 5xx, 408/429) are retried with exponential
  backoff; an attempt that made progress resets the failure count. 4xx errors and DNS failures
  (= offline) are not retried. Several URLs are mirrors, tried in order.
- Cancellation is a threading.Event checked between chunks and during backoff; the part file is
  kept so the next download resumes.
- A known sha256 is enforced (mismatch → file removed, ChecksumMismatch). Otherwise the observed
  sha256 is recorded in `checksums.json` beside the downloads, and `verify_entry` (the CLI's
  `download --verify NAME`) re-checks the file against it later.
- Nothing unverified ever reaches the final name (docs/robustness.md): a body the server labels
  as text (HTML, JSON, XML, plain text) or whose first bytes look like a text document is refused
  with what the server said; the size the server announced (else the catalogue's, else
  MAX_UNKNOWN_SIZE) is enforced while streaming, so an endless body stops there; and a catalogue
  download must open as a checkpoint of the entry's family and container (`verify_checkpoint`)
  before it is renamed into place. A body that fails any check is removed, never resumed.
- A multi-file entry (`files` in the catalogue, e.g. a BigGAN folder of `pytorch_model.bin` +
  `config.json`) is assembled in `<folder>.part/`: each file is fetched there as above (resumable,
  size- and checksum-checked, its own format checked; "json" files are the only text allowed, and
  must be a JSON object of at most MAX_TEXT_SIZE). Completed files are listed in `<folder>.part.json`
  so a later call reuses them. When every file is there the set must open as the entry's model; only
  then is the staging folder renamed to the final folder, so a folder under the final name is always
  complete and verified. Checksums are recorded per file as `<folder>/<file>` in `checksums.json`.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import errno
import hashlib
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import threading
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit

from .. import __version__
from ..util.atomic import atomic_write_bytes
from .catalogue import CatalogueEntry, CatalogueFile

CHUNK = 64 * 1024
CHECKSUMS_FILE = "checksums.json"
MAX_UNKNOWN_SIZE = 8 << 30   # a body with no announced or catalogued size stops here
MAX_TEXT_SIZE = 1 << 20      # a "json" file of a multi-file entry (a config) is never larger
SNIFF_BYTES = 512
TEXT_TYPES = ("text/", "application/json", "application/xml", "application/xhtml", "application/javascript",
              "application/problem")
# Catalogue formats → the container their files must have (models/formats/containers.sniff_container).
FORMAT_CONTAINERS = {"nvidia-pkl": "pickle", "genforce-pth": "torch", "rosinality-pt": "torch",
                     "torch-state-dict": "torch", "ganzoo-pth": "torch", "biggan-bin": "torch",
                     "pytorch-pretrained-biggan": "dir",
                     "sefa-safetensors": "safetensors", "open_clip-safetensors": "safetensors"}
ProgressFn = Callable[[int, "int | None"], None]


class DownloadError(Exception):
    """A download failed; the message is one line meant for the user."""


class DownloadCancelled(DownloadError):
    """The user cancelled; the partial file is kept for resuming."""


class ChecksumMismatch(DownloadError):
    """The file did not match its expected sha256 and was removed."""


class _Transient(Exception):
    """Worth retrying (timeouts, dropped connections, 5xx)."""


class _Fatal(Exception):
    """Not worth retrying this URL (4xx, DNS failure, wrong size)."""


class Opener(Protocol):
    def open(self, req: urllib.request.Request, timeout: float) -> Any: ...


@dataclass(frozen=True)
class RetryPolicy:
    """`timeout`: seconds a connect or a single read may block. `attempts`: tries per URL."""

    timeout: float = 30.0
    attempts: int = 4
    backoff: float = 1.0
    backoff_factor: float = 2.0
    max_backoff: float = 30.0

    def delay(self, failures: int) -> float:
        return min(self.max_backoff, self.backoff * self.backoff_factor ** max(0, failures - 1))


@dataclass(frozen=True)
class DownloadResult:
    path: Path
    sha256: str
    size: int
    verified: bool      # matched a checksum given in advance
    resumed_from: int   # bytes reused from an earlier partial download
    fetched: int        # bytes received over the network by this call
    files: tuple[DownloadResult, ...] = ()  # a multi-file entry: one result per file (sha256 is then "")


def part_paths(dest: Path) -> tuple[Path, Path]:
    """The partial file and its sidecar for `dest`."""
    return dest.with_name(dest.name + ".part"), dest.with_name(dest.name + ".part.json")


def sha256_file(path: Path, cancel: threading.Event | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled(f"checking {path.name} cancelled")
            h.update(block)
    return h.hexdigest()


def download(urls: str | Sequence[str], dest: str | Path, *, sha256: str | None = None,
             size: int | None = None, progress: ProgressFn | None = None,
             cancel: threading.Event | None = None, policy: RetryPolicy | None = None,
             opener: Opener | None = None, record: bool = True,
             verify: Callable[[Path], None] | None = None, max_size: int = MAX_UNKNOWN_SIZE,
             allow_text: bool = False) -> DownloadResult:
    """Fetch `urls` (mirrors, tried in order) to `dest`; resume a matching partial file.

    `verify(part_path)` runs on the complete, size- and checksum-checked file before it is moved
    into place; it raises DownloadError to refuse it (the part file is then removed). `allow_text`:
    the file is expected to be text (a JSON config), so text bodies are not refused as error pages;
    `verify` must then check the content."""
    url_list = [urls] if isinstance(urls, str) else list(urls)
    if not url_list:
        raise DownloadError(f"{Path(dest).name}: no download URL")
    dest = Path(dest)
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create {dest.parent}: {e.strerror or e}") from None
    job = _Job(url_list, dest, sha256.lower() if sha256 else None, size, progress,
               cancel or threading.Event(), policy or RetryPolicy(), opener or urllib.request.build_opener())
    job.verify, job.max_size, job.allow_text = verify, int(max_size), allow_text
    result = job.run()
    if record:
        record_checksum(dest.parent, dest.name, result.sha256, result.size, job.final_url, result.verified)
    return result


def download_entry(entry: CatalogueEntry, folder: Path | None = None, *, progress: ProgressFn | None = None,
                   cancel: threading.Event | None = None, policy: RetryPolicy | None = None,
                   opener: Opener | None = None, force: bool = False) -> DownloadResult:
    """Download a catalogue entry into the models cache (or `folder`); a present file is reused.

    A present file is re-checked when the catalogue knows its sha256; if it does not match it is
    replaced by a fresh download. A multi-file entry is downloaded as a set into its folder.
    """
    if entry.is_multi_file:
        return _download_set(entry, folder, progress=progress, cancel=cancel or threading.Event(),
                             policy=policy, opener=opener, force=force)
    dest = entry.local_path(folder)
    if dest.is_file() and not force:
        st = dest.stat().st_size
        if entry.sha256 is None:
            known = read_checksums(dest.parent).get(dest.name, {})
            if known.get("sha256") and known.get("size") == st:
                return DownloadResult(dest, str(known["sha256"]), st, False, st, 0)
            # no record of a verified download (or its size changed since): fetch again
        else:
            got = sha256_file(dest, cancel)
            if got == entry.sha256:
                return DownloadResult(dest, got, st, True, st, 0)
        with contextlib.suppress(OSError):
            dest.unlink()  # corrupt, unrecorded or replaced upstream: fetch again
    return download(list(entry.urls), dest, sha256=entry.sha256, size=entry.size, progress=progress,
                    cancel=cancel, policy=policy, opener=opener, verify=lambda p: verify_checkpoint(p, entry))


def verify_checkpoint(path: Path, entry: CatalogueEntry) -> None:
    """The file must open as the entry declares: its container, then a full load (which executes
    nothing and is bounded by the file-size budget) giving a generator of the entry's family
    (CLIP weights: every tensor of the safetensors file reads)."""
    from .errors import ModelLoadError
    from .formats.containers import sniff_container
    from .registry import load_model

    want = FORMAT_CONTAINERS.get(entry.format)
    got = sniff_container(path)
    if want is not None and got != want:
        raise DownloadError(f"{entry.name}: the download is not in the {entry.format} format "
                            f"({'unrecognised content' if got == 'unknown' else got + ' container'})")
    if entry.family == "clip":  # not a generator: its tensors must read (models/clip.py builds the net)
        from .clip import read_clip_state

        try:
            state = read_clip_state(path)
        except ModelLoadError as e:
            raise DownloadError(f"{entry.name}: the download does not open as CLIP weights ({e})") from None
        if not state:
            raise DownloadError(f"{entry.name}: the download holds no tensors")
        return
    try:
        model = load_model(path)
    except ModelLoadError as e:
        raise DownloadError(f"{entry.name}: the download does not open as a checkpoint ({e})") from None
    if model.family != entry.family:
        raise DownloadError(f"{entry.name}: the download holds a {model.family} generator, the catalogue "
                            f"says {entry.family}")


def verify_entry(entry: CatalogueEntry, folder: Path | None = None, cancel: threading.Event | None = None,
                 open_it: bool = True) -> DownloadResult:
    """Re-check a downloaded file: its sha256 against the catalogue's (else the one recorded at its
    first download), then that it still opens. ChecksumMismatch / DownloadError when it does not."""
    dest = entry.local_path(folder)
    for path in entry.part_paths(folder):
        if not path.is_file():
            raise DownloadError(f"{entry.name}: not downloaded (no file at {path})")
    recorded = read_checksums(dest.parent)
    results = []
    for f, path in zip(entry.parts(), entry.part_paths(folder), strict=True):
        key = _record_key(entry, f)
        expected = f.sha256 or recorded.get(key, {}).get("sha256")
        if not isinstance(expected, str) or not expected:
            raise DownloadError(f"{entry.name}: no checksum to verify {key} against (none in the catalogue, "
                                f"none recorded); download it again with --force to record one")
        got = sha256_file(path, cancel)
        if got != expected.lower():
            where = "the catalogue's" if f.sha256 else "the one recorded at its first download"
            raise ChecksumMismatch(f"{entry.name}: {key} does not match {where} sha256 "
                                   f"(expected {expected[:16]}…, got {got[:16]}…); run `sefa-desktop download "
                                   f"{entry.name} --force` to fetch it again")
        st = path.stat().st_size
        results.append(DownloadResult(path, got, st, f.sha256 is not None, st, 0))
    if open_it:
        verify_checkpoint(dest, entry)
    return _combined(entry, dest, results)


def _record_key(entry: CatalogueEntry, f: CatalogueFile) -> str:
    """A file's key in checksums.json: its name, or `<folder>/<name>` for a multi-file entry."""
    return f"{entry.filename}/{f.filename}" if entry.is_multi_file else f.filename


def _combined(entry: CatalogueEntry, dest: Path, results: list[DownloadResult]) -> DownloadResult:
    """One result for the entry: a single file's own, or the folder's sum over its files."""
    if not entry.is_multi_file:
        return results[0]
    return DownloadResult(dest, "", sum(r.size for r in results), all(r.verified for r in results),
                          sum(r.resumed_from for r in results), sum(r.fetched for r in results), tuple(results))


# --- multi-file entries -----------------------------------------------------------------------

def staging_paths(dest: Path) -> tuple[Path, Path]:
    """A multi-file entry's staging folder and its list of completed files."""
    return dest.with_name(dest.name + ".part"), dest.with_name(dest.name + ".part.json")


def _present_set(entry: CatalogueEntry, folder: Path | None, cancel: threading.Event) -> list[DownloadResult] | None:
    """The files of a downloaded set, when each still matches the catalogue's sha256 or the size
    recorded at its download; None when any does not (the set is then fetched again)."""
    recorded = read_checksums(entry.local_path(folder).parent)
    out = []
    for f, path in zip(entry.files, entry.part_paths(folder), strict=True):
        st = path.stat().st_size
        if f.sha256 is not None:
            got = sha256_file(path, cancel)
            if got != f.sha256:
                return None
        else:
            known = recorded.get(_record_key(entry, f), {})
            if not known.get("sha256") or known.get("size") != st:
                return None
            got = str(known["sha256"])
        out.append(DownloadResult(path, got, st, f.sha256 is not None, st, 0))
    return out


def _download_set(entry: CatalogueEntry, folder: Path | None, *, progress: ProgressFn | None,
                  cancel: threading.Event, policy: RetryPolicy | None, opener: Opener | None,
                  force: bool) -> DownloadResult:
    dest = entry.local_path(folder)
    if entry.is_present(folder) and not force:
        present = _present_set(entry, folder, cancel)
        if present is not None:
            return _combined(entry, dest, present)
        # corrupt or unrecorded: fetched again below; the old folder stays until the new set is verified
    staging, listing = staging_paths(dest)
    try:
        staging.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise DownloadError(f"cannot create {staging}: {e.strerror or e}") from None
    done_files = {} if force else _read_listing(listing)
    results: list[DownloadResult] = []
    for i, f in enumerate(entry.files):
        target = staging / f.filename
        reused = _staged_file(target, f, done_files.get(f.filename), cancel)
        before = sum(r.size for r in results)
        later = [x.size for x in entry.files[i + 1:]]
        rest = None if any(x is None for x in later) else sum(x for x in later if x is not None)
        if reused is not None:
            results.append(reused)
            if progress is not None:
                progress(before + reused.size, before + reused.size + rest if rest is not None else None)
            continue
        done_files.pop(f.filename, None)

        def report(done: int, total: int | None, before: int = before, rest: int | None = rest) -> None:
            if progress is not None:
                progress(before + done, before + total + rest if total is not None and rest is not None else None)

        is_text = f.format == "json"
        try:
            r = download(list(f.urls), target, sha256=f.sha256, size=f.size, progress=report, cancel=cancel,
                         policy=policy, opener=opener, record=False,
                         verify=lambda p, f=f: _verify_file(p, f, entry), allow_text=is_text,
                         max_size=MAX_TEXT_SIZE if is_text else MAX_UNKNOWN_SIZE)
        except DownloadError as e:
            raise type(e)(f"{entry.name}: {e}") from None
        results.append(r)
        done_files[f.filename] = {"sha256": r.sha256, "size": r.size}
        _write_listing(listing, done_files)
    if cancel.is_set():
        raise DownloadCancelled(f"download of {entry.name} cancelled (its {len(results)} files are kept)")
    try:
        verify_checkpoint(staging, entry)  # the set opens as the entry's model, or it is not kept
    except BaseException:
        _remove_staging(staging, listing)
        raise
    _move_into_place(staging, dest)
    with contextlib.suppress(OSError):
        listing.unlink()
    moved = [DownloadResult(dest / f.filename, r.sha256, r.size, r.verified, r.resumed_from, r.fetched)
             for f, r in zip(entry.files, results, strict=True)]
    for f, r in zip(entry.files, moved, strict=True):
        record_checksum(dest.parent, _record_key(entry, f), r.sha256, r.size, f.urls[0], r.verified)
    return _combined(entry, dest, moved)


def _staged_file(target: Path, f: CatalogueFile, done: dict[str, Any] | None,
                 cancel: threading.Event) -> DownloadResult | None:
    """A file completed by an earlier call, still the size it had then (and the catalogue's sha256)."""
    if done is None or not target.is_file():
        return None
    st = target.stat().st_size
    sha = done.get("sha256")
    if done.get("size") != st or not isinstance(sha, str) or (f.sha256 is not None and sha != f.sha256):
        return None
    if f.sha256 is not None and sha256_file(target, cancel) != f.sha256:
        return None
    return DownloadResult(target, sha, st, f.sha256 is not None, st, 0)


def _verify_file(path: Path, f: CatalogueFile, entry: CatalogueEntry) -> None:
    """One file of a set is what its format says: a JSON object, or a file of its container."""
    from .formats.containers import sniff_container

    if f.format == "json":
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as e:
            raise DownloadError(f"{f.filename} is not a JSON file ({type(e).__name__}: {e})") from None
        if not isinstance(data, dict):
            raise DownloadError(f"{f.filename} is not a JSON object")
        return
    want = FORMAT_CONTAINERS.get(f.format)
    got = sniff_container(path)
    if want is not None and got != want:
        raise DownloadError(f"{f.filename} is not in the {f.format} format "
                            f"({'unrecognised content' if got == 'unknown' else got + ' container'})")


def _read_listing(path: Path) -> dict[str, dict[str, Any]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}


def _write_listing(path: Path, data: dict[str, dict[str, Any]]) -> None:
    try:
        atomic_write_bytes(path, json.dumps(data, sort_keys=True).encode())
    except OSError as e:
        raise DownloadError(f"cannot write {path}: {e.strerror or e}") from None


def _remove_staging(staging: Path, listing: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
    with contextlib.suppress(OSError):
        listing.unlink()


def _move_into_place(staging: Path, dest: Path) -> None:
    """Rename the verified staging folder to the final name; an older folder there is replaced."""
    old = dest.with_name(dest.name + ".replaced")
    try:
        if old.exists():
            shutil.rmtree(old) if old.is_dir() else old.unlink()
        if dest.exists() or dest.is_symlink():
            os.replace(dest, old)
        os.replace(staging, dest)
    except OSError as e:
        raise DownloadError(f"cannot move the download into place at {dest}: {e.strerror or e}") from None
    if old.is_dir():
        shutil.rmtree(old, ignore_errors=True)
    elif old.exists():
        with contextlib.suppress(OSError):
            old.unlink()


# --- observed checksums -----------------------------------------------------------------------

_checksum_lock = threading.Lock()


def read_checksums(folder: Path) -> dict[str, dict[str, Any]]:
    """{filename: {sha256, size, url, verified, time}}; a broken file reads as empty."""
    try:
        data = json.loads((folder / CHECKSUMS_FILE).read_text(encoding="utf-8"))
        return {k: v for k, v in data.items() if isinstance(v, dict)} if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def record_checksum(folder: Path, filename: str, sha: str, size: int, url: str, verified: bool) -> None:
    with _checksum_lock:
        data = read_checksums(folder)
        data[filename] = {"sha256": sha, "size": size, "url": url, "verified": verified,
                          "time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")}
        with contextlib.suppress(OSError):  # a record we cannot write must not fail the download
            atomic_write_bytes(folder / CHECKSUMS_FILE, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


# --- the job ----------------------------------------------------------------------------------

class _Job:
    def __init__(self, urls: list[str], dest: Path, sha256: str | None, size: int | None,
                 progress: ProgressFn | None, cancel: threading.Event, policy: RetryPolicy, opener: Opener):
        self.urls, self.dest, self.sha256, self.size = urls, dest, sha256, size
        self.progress, self.cancel, self.policy, self.opener = progress, cancel, policy, opener
        self.part, self.meta_path = part_paths(dest)
        self.fetched = 0
        self.resumed_from = 0
        self.final_url = urls[0]
        self.verify: Callable[[Path], None] | None = None
        self.max_size = MAX_UNKNOWN_SIZE
        self.allow_text = False

    # - control flow -

    def run(self) -> DownloadResult:
        errors: list[str] = []
        for url in self.urls:
            failures = 0
            while True:
                self._check_cancel()
                before = self.fetched
                try:
                    done, digest = self._attempt(url)
                    self.final_url = url
                    return self._finish(done, digest)
                except _Fatal as e:
                    errors.append(str(e))
                    break
                except _Transient as e:
                    if self.fetched > before:
                        failures = 0  # progress was made: only count consecutive dead attempts
                    failures += 1
                    if failures >= self.policy.attempts:
                        errors.append(f"{e} (gave up after {self.policy.attempts} attempts)")
                        break
                    if self.cancel.wait(self.policy.delay(failures)):
                        self._check_cancel()
        kept = self.part.stat().st_size if self.part.exists() else 0
        tail = f"; {kept} bytes kept for resuming" if kept else ""
        raise DownloadError(f"{self.dest.name}: {errors[-1] if len(errors) == 1 else ' | '.join(errors)}{tail}")

    def _check_cancel(self) -> None:
        if self.cancel.is_set():
            kept = self.part.stat().st_size if self.part.exists() else 0
            raise DownloadCancelled(f"download of {self.dest.name} cancelled"
                                    + (f" ({kept} bytes kept for resuming)" if kept else ""))

    # - one HTTP request -

    def _attempt(self, url: str) -> tuple[int, str]:
        have = self._usable_partial(url)
        meta = self._read_meta() if have else {}
        headers = {"User-Agent": f"sefa-desktop/{__version__}", "Accept-Encoding": "identity"}
        if have:
            headers["Range"] = f"bytes={have}-"
            validator = meta.get("etag") or meta.get("last_modified")
            if validator:
                headers["If-Range"] = validator  # changed upstream → server sends 200, we restart
        host = urlsplit(url).hostname or url
        try:
            resp = self.opener.open(urllib.request.Request(url, headers=headers), timeout=self.policy.timeout)
        except urllib.error.HTTPError as e:
            e.close()
            if e.code == 416 and have:
                self._discard()  # our offset is past the file: it changed, start over
                raise _Transient(f"HTTP 416 from {host}: partial file discarded") from None
            reason = str(e.reason).strip().splitlines()[0] if str(e.reason).strip() else ""
            if "infinite loop" in reason or "redirect" in reason.lower():
                raise _Fatal(f"{host} redirects in a loop (HTTP {e.code}); the download link is broken") \
                    from None
            msg = f"HTTP {e.code} {reason} from {host}"
            if e.code in (408, 429) or e.code >= 500:
                raise _Transient(msg) from None
            raise _Fatal(f"{msg} ({url})") from None
        except urllib.error.URLError as e:
            _raise_for_network(e.reason, host)
        except (OSError, http.client.HTTPException) as e:
            _raise_for_network(e, host)

        with contextlib.closing(resp):
            status = getattr(resp, "status", None) or resp.getcode()
            self.final_url = url
            if status == 206:
                start, total = _content_range(resp.headers.get("Content-Range", ""))
                if start != have or (meta.get("total") is not None and total != meta.get("total")):
                    self._discard()
                    raise _Transient(f"{host} resumed at the wrong offset; starting over")
                mode = "ab"
            elif status == 200:
                if have:
                    self.resumed_from = 0  # Range ignored or file changed: clean restart
                have = 0
                length = resp.headers.get("Content-Length")
                total = int(length) if length and length.isdigit() else None
                mode = "wb"
            else:
                raise _Fatal(f"unexpected HTTP {status} from {host}")
            if self.size is not None and total is not None and total != self.size:
                self._discard()
                raise _Fatal(f"{host} sends {total} bytes but the catalogue expects {self.size}")
            ctype = (resp.headers.get("Content-Type") or "").split(";")[0].strip().lower()
            if ctype.startswith(TEXT_TYPES) and not self.allow_text:
                head = resp.read(SNIFF_BYTES) if mode == "wb" else b""
                self._discard()
                raise _Fatal(f"{host} answered with a {ctype} page instead of the checkpoint{_gist(head)}")
            limit = total if total is not None else (self.size if self.size is not None else self.max_size)
            if self.allow_text and limit > self.max_size:  # a config: its budget holds even when announced
                self._discard()
                raise _Fatal(f"{host} announces {limit} bytes for {self.dest.name}, more than the "
                             f"{self.max_size} bytes such a file may have")
            self._write_meta({"url": url, "etag": resp.headers.get("ETag"),
                              "last_modified": resp.headers.get("Last-Modified"),
                              "total": total, "sha256": self.sha256})
            hasher = hashlib.sha256()
            if mode == "ab":
                self.resumed_from = have
                with open(self.part, "rb") as f:
                    while block := f.read(1 << 20):
                        hasher.update(block)
            done = have
            self._report(done, total)
            with open(self.part, mode) as out:
                try:
                    while True:
                        self._check_cancel()
                        try:
                            chunk = resp.read(CHUNK)
                        except TimeoutError:
                            raise _Transient(f"timed out: no data from {host} for {self.policy.timeout:g} s") \
                                from None
                        except (http.client.HTTPException, OSError) as e:
                            raise _Transient(f"connection to {host} lost after {done} bytes "
                                             f"({type(e).__name__})") from None
                        if not chunk:
                            break
                        if done < SNIFF_BYTES and mode == "wb" and not self.allow_text \
                                and _looks_like_text(chunk if done == 0 else b""):
                            self._discard_open(out)
                            raise _Fatal(f"{host} answered with a text document instead of the checkpoint"
                                         f"{_gist(chunk)}")
                        if done + len(chunk) > limit:
                            self._discard_open(out)
                            raise _Fatal(f"{host} sent more than the {limit} bytes "
                                         f"{'it announced' if total is not None else 'expected'}; stopped and "
                                         "removed the partial file")
                        out.write(chunk)
                        hasher.update(chunk)
                        done += len(chunk)
                        self.fetched += len(chunk)
                        self._report(done, total)
                finally:
                    out.flush()
                    os.fsync(out.fileno())
            if total is not None and done != total:
                raise _Transient(f"connection to {host} closed early ({done} of {total} bytes)")
            return done, hasher.hexdigest()

    def _finish(self, done: int, digest: str) -> DownloadResult:
        if self.size is not None and done != self.size:
            self._discard()
            raise DownloadError(f"{self.dest.name}: got {done} bytes, expected {self.size}; file removed")
        if self.sha256 is not None and digest != self.sha256:
            self._discard()
            raise ChecksumMismatch(f"{self.dest.name}: checksum mismatch (expected sha256 {self.sha256[:16]}…, "
                                   f"got {digest[:16]}…); the file was removed")
        if self.verify is not None:
            try:
                self.verify(self.part)
            except BaseException:
                self._discard()  # a body that is not the checkpoint is never kept, not even to resume
                raise
        try:
            os.replace(self.part, self.dest)
        except OSError as e:
            raise DownloadError(f"cannot move the download into place at {self.dest}: {e.strerror or e}") \
                from None
        with contextlib.suppress(OSError):
            self.meta_path.unlink()
        return DownloadResult(self.dest, digest, done, self.sha256 is not None, self.resumed_from, self.fetched)

    # - partial-file bookkeeping -

    def _usable_partial(self, url: str) -> int:
        """Bytes of a resumable partial file for this request, else 0 (and the stale one is gone)."""
        if not self.part.exists():
            with contextlib.suppress(OSError):
                self.meta_path.unlink()
            return 0
        meta = self._read_meta()
        have = self.part.stat().st_size
        total = meta.get("total")
        old_sha = meta.get("sha256")
        # a different expected checksum means a different file: never splice the two
        same_file = old_sha is None or self.sha256 is None or old_sha == self.sha256
        ok = meta.get("url") in self.urls and same_file and (total is None or have <= total) and have > 0
        if not ok:
            self._discard()
            return 0
        return have

    def _read_meta(self) -> dict[str, Any]:
        try:
            data = json.loads(self.meta_path.read_text(encoding="utf-8"))
            return data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            return {}

    def _write_meta(self, meta: dict[str, Any]) -> None:
        try:
            atomic_write_bytes(self.meta_path, json.dumps(meta).encode())
        except OSError as e:
            raise _Fatal(f"cannot write {self.meta_path}: {e}") from None

    def _discard_open(self, out: Any) -> None:
        """Drop the part file while it is still open for writing (the caller raises next)."""
        with contextlib.suppress(OSError):
            out.truncate(0)
        self._discard()

    def _discard(self) -> None:
        for p in (self.part, self.meta_path):
            with contextlib.suppress(OSError):
                p.unlink()

    def _report(self, done: int, total: int | None) -> None:
        if self.progress is not None:
            self.progress(done, total)


def _looks_like_text(head: bytes) -> bool:
    """An HTML/XML/JSON document or plain text where a checkpoint (zip, pickle, safetensors) belongs."""
    if not head:
        return False
    if head[:4] == b"PK\x03\x04" or head[:1] == b"\x80":
        return False
    if len(head) > 8 and head[8:9] == b"{" and int.from_bytes(head[:8], "little") < 100_000_000:
        return False  # safetensors: 8-byte header length, then its JSON header
    start = head.lstrip(b"\xef\xbb\xbf \t\r\n")[:16].lower()
    if start.startswith((b"<!doctype", b"<html", b"<?xml", b"<head", b"<body", b"<!--", b"{", b"[")):
        return True
    sample = head[:SNIFF_BYTES]
    return all(32 <= c < 127 or c in (9, 10, 13) for c in sample)


def _gist(body: bytes) -> str:
    """': "<title or first words>"' of a text body the server sent, for the error message."""
    text = body.decode("utf-8", "replace")
    m = re.search(r"<title[^>]*>(.*?)</title>", text, re.I | re.S)
    words = " ".join((m.group(1) if m else re.sub(r"<[^>]*>", " ", text)).split())[:80]
    return f': "{words}"' if words else ""


def _content_range(value: str) -> tuple[int, int | None]:
    """'bytes 100-199/200' → (100, 200); '*' total → None; unparsable → (-1, None)."""
    m = re.match(r"\s*bytes\s+(\d+)-(\d+)/(\d+|\*)", value)
    if not m:
        return -1, None
    return int(m.group(1)), (None if m.group(3) == "*" else int(m.group(3)))


def _raise_for_network(reason: object, host: str) -> None:
    """Turn a connection-level failure into a clear _Fatal/_Transient."""
    if isinstance(reason, socket.gaierror):
        raise _Fatal(f"you appear to be offline: cannot resolve {host} (or DNS is failing)")
    if isinstance(reason, OSError) and reason.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH):
        raise _Fatal(f"you appear to be offline: network unreachable while contacting {host}")
    if isinstance(reason, (TimeoutError, socket.timeout)):
        raise _Transient(f"timed out connecting to {host}")
    if isinstance(reason, ConnectionRefusedError):
        raise _Transient(f"connection to {host} refused")
    if isinstance(reason, ssl.SSLCertVerificationError):
        raise _Fatal(f"secure connection to {host} failed: certificate not trusted ({reason.verify_message})")
    if isinstance(reason, ssl.SSLError):
        raise _Transient(f"secure connection to {host} failed ({reason})")
    raise _Transient(f"cannot reach {host}: {reason}")
