"""The catalogue of public checkpoints (resources/catalogue.json): loading, validation, local paths.

The JSON is data, generated once by tools/make_catalogue.py and committed. Unknown facts are null
there and None here. A broken catalogue file raises CatalogueError (one line, names the entry and
the field); `load_catalogue_or_empty` turns that into an empty catalogue plus the message, so the
app shows the problem instead of crashing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..resources import resources_dir

GENERATOR_FAMILIES = ("dcgan", "pggan", "stylegan", "stylegan2", "stylegan3", "biggan")
# Not generators: CLIP weights for labels and text search (models/clip.py); VGG16 and LPIPS weights for
# projection's perceptual loss (core/perceptual.py)
FAMILIES = (*GENERATOR_FAMILIES, "clip", "perceptual")
CATALOGUE_VERSION = 1
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.+-]*$")
_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


class CatalogueError(ValueError):
    """The catalogue file is missing or malformed; the message says where."""


@dataclass(frozen=True)
class CatalogueFile:
    """One file of a download: where it is saved, its mirrors, and what is known about it.

    A single-file entry has one (its own `filename`, `urls`, `size`, `sha256`); a multi-file entry lists
    its files in `files`, all saved in one folder named by the entry's `filename`. `format` says what
    the file must be: a checkpoint format of FORMAT_CONTAINERS, or "json" for a small JSON object
    (a config), the only text a download may be."""

    filename: str
    urls: tuple[str, ...]
    size: int | None = None
    sha256: str | None = None
    format: str = ""


@dataclass(frozen=True)
class CatalogueEntry:
    name: str
    family: str
    format: str
    urls: tuple[str, ...]
    filename: str
    dataset: str | None = None
    resolution: int | None = None
    size: int | None = None
    sha256: str | None = None
    licence: str | None = None
    licence_url: str | None = None
    source: str | None = None
    source_page: str | None = None
    notes: str = ""
    files: tuple[CatalogueFile, ...] = ()   # non-empty: a multi-file entry saved in the folder `filename`

    @property
    def is_multi_file(self) -> bool:
        return bool(self.files)

    def parts(self) -> tuple[CatalogueFile, ...]:
        """The files to download: `files`, or the entry's own single file."""
        if self.files:
            return self.files
        return (CatalogueFile(self.filename, self.urls, self.size, self.sha256, self.format),)

    @property
    def download_size(self) -> int | None:
        """Bytes to download when every file's size is known, else None."""
        sizes = [f.size for f in self.parts()]
        return None if any(s is None for s in sizes) else sum(s for s in sizes if s is not None)

    def local_path(self, folder: Path | None = None) -> Path:
        """Where the download lives (present or not): the file, or a multi-file entry's folder."""
        return (folder if folder is not None else models_cache_dir()) / self.filename

    def part_paths(self, folder: Path | None = None) -> list[Path]:
        """Where each downloaded file lives."""
        base = self.local_path(folder)
        return [base / f.filename for f in self.files] if self.files else [base]

    def is_present(self, folder: Path | None = None) -> bool:
        """Downloaded: the file, or every file of a multi-file entry (its folder appears only complete)."""
        return all(p.is_file() for p in self.part_paths(folder))

    def matches(self, text: str) -> bool:
        """Case-insensitive substring search over the fields a user would type."""
        t = text.strip().lower()
        hay = " ".join(str(x) for x in (self.name, self.family, self.dataset, self.licence, self.source,
                                         self.resolution, self.notes) if x)
        return not t or all(word in hay.lower() for word in t.split())


@dataclass
class Catalogue:
    entries: list[CatalogueEntry] = field(default_factory=list)
    path: Path | None = None

    def __iter__(self) -> Iterator[CatalogueEntry]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def names(self) -> list[str]:
        return [e.name for e in self.entries]

    def get(self, name: str) -> CatalogueEntry | None:
        return next((e for e in self.entries if e.name == name), None)

    def require(self, name: str) -> CatalogueEntry:
        entry = self.get(name)
        if entry is None:
            close = [n for n in self.names() if name.lower() in n.lower()][:5]
            hint = f" (did you mean: {', '.join(close)}?)" if close else " (see `sefa-desktop models --catalog`)"
            raise CatalogueError(f"'{name}' is not in the model catalogue{hint}")
        return entry

    def families(self) -> list[str]:
        seen = {e.family for e in self.entries}
        return [f for f in FAMILIES if f in seen]

    def by_family(self) -> dict[str, list[CatalogueEntry]]:
        out: dict[str, list[CatalogueEntry]] = {f: [] for f in self.families()}
        for e in self.entries:
            out[e.family].append(e)
        return out

    def with_entries(self, extra: Iterable[CatalogueEntry]) -> Catalogue:
        """A copy with more entries (tests and user-added sources); names must stay unique."""
        entries = list(self.entries)
        for e in extra:
            if any(x.name == e.name for x in entries):
                raise CatalogueError(f"catalogue entry '{e.name}' is defined twice")
            entries.append(e)
        return Catalogue(entries, self.path)


def default_catalogue_path() -> Path:
    return resources_dir() / "catalogue.json"


def models_cache_dir() -> Path:
    """platformdirs user cache / models: where downloads land."""
    from ..settings import cache_dir

    return cache_dir() / "models"


def user_catalogue_path() -> Path:
    """`catalogue.json` in the user config folder: the user's own entries, same schema as the bundled
    one, merged over it (an entry of the same name replaces the bundled one)."""
    from ..settings import config_dir

    return config_dir() / "catalogue.json"


def load_catalogue(path: str | Path | None = None) -> Catalogue:
    """Read and validate a catalogue file; without `path`, the bundled catalogue with the user's
    catalogue merged over it. CatalogueError (one line) on any problem."""
    if path is None:
        return merge_catalogues(_read_catalogue(default_catalogue_path()), _user_catalogue())
    return _read_catalogue(Path(path))


def _user_catalogue() -> Catalogue | None:
    p = user_catalogue_path()
    if not p.is_file():
        return None
    try:
        return _read_catalogue(p)
    except CatalogueError as e:
        raise CatalogueError(f"your catalogue: {e}") from None


def merge_catalogues(base: Catalogue, user: Catalogue | None) -> Catalogue:
    """`base` with `user`'s entries over it: same names replaced in place, new ones appended."""
    if user is None:
        return base
    mine = {e.name: e for e in user.entries}
    entries = [mine.pop(e.name, e) for e in base.entries]
    entries += [e for e in user.entries if e.name in mine]
    return Catalogue(entries, base.path)


def _read_catalogue(p: Path) -> Catalogue:
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise CatalogueError(f"cannot read the model catalogue {p}: {getattr(e, 'strerror', None) or e}") from None
    try:
        data = json.loads(text)
    except ValueError as e:
        raise CatalogueError(f"model catalogue {p} is not valid JSON ({e})") from None
    return parse_catalogue(data, p)


def load_catalogue_or_empty(path: str | Path | None = None) -> tuple[Catalogue, str | None]:
    """For the GUI: (catalogue, None) or (what could be read, the error line). A broken user
    catalogue leaves the bundled one usable."""
    try:
        return load_catalogue(path), None
    except CatalogueError as e:
        if path is None and str(e).startswith("your catalogue"):
            try:
                return _read_catalogue(default_catalogue_path()), str(e)
            except CatalogueError:
                pass
        return Catalogue([]), str(e)


def parse_catalogue(data: Any, path: Path | None = None) -> Catalogue:
    where = f"model catalogue {path}" if path else "model catalogue"
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CatalogueError(f"{where}: expected an object with an 'entries' list")
    version = data.get("version")
    if version != CATALOGUE_VERSION:
        raise CatalogueError(f"{where}: unsupported version {version!r} (this app reads {CATALOGUE_VERSION})")
    entries: list[CatalogueEntry] = []
    seen: set[str] = set()
    for i, raw in enumerate(data["entries"]):
        entry = parse_entry(raw, f"{where}: entry {i}")
        if entry.name in seen:
            raise CatalogueError(f"{where}: entry {i}: name '{entry.name}' is used twice")
        seen.add(entry.name)
        entries.append(entry)
    return Catalogue(entries, path)


def parse_entry(raw: Any, where: str = "catalogue entry") -> CatalogueEntry:
    if not isinstance(raw, dict):
        raise CatalogueError(f"{where}: expected an object")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise CatalogueError(f"{where}: bad or missing 'name' {name!r}")
    where = f"{where} ('{name}')"

    def text(key: str, required: bool = False) -> str | None:
        v = raw.get(key)
        if v is None and not required:
            return None
        if not isinstance(v, str) or (required and not v):
            raise CatalogueError(f"{where}: '{key}' must be {'a non-empty' if required else 'a'} string")
        return v

    def count(key: str, minimum: int) -> int | None:
        v = raw.get(key)
        if v is None:
            return None
        if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
            raise CatalogueError(f"{where}: '{key}' must be an integer ≥ {minimum} or null")
        return v

    family = text("family", required=True)
    if family not in FAMILIES:
        raise CatalogueError(f"{where}: unknown family '{family}' (known: {', '.join(FAMILIES)})")
    filename = _plain_filename(raw.get("filename"), where)
    files = _parse_files(raw.get("files"), where)
    if files:
        # a multi-file entry: what is known about each file is in `files`, never at the top level
        for key in ("urls", "size", "sha256"):
            if raw.get(key) not in (None, []):
                raise CatalogueError(f"{where}: '{key}' belongs in each of 'files' for a multi-file entry")
        urls: tuple[str, ...] = ()
        size, sha = None, None
    else:
        urls = _parse_urls(raw.get("urls"), where)
        size, sha = count("size", 0), _parse_sha(raw.get("sha256"), where)
    return CatalogueEntry(
        name=name, family=family, format=text("format", required=True) or "", urls=urls,
        filename=filename, dataset=text("dataset"), resolution=count("resolution", 1),
        size=size, sha256=sha, licence=text("licence"), licence_url=text("licence_url"),
        source=text("source"), source_page=text("source_page"), notes=text("notes") or "", files=files)


def _plain_filename(v: Any, where: str, key: str = "filename") -> str:
    """A name in one folder: no path separators, not hidden, not a download's partial file."""
    if not isinstance(v, str) or not v:
        raise CatalogueError(f"{where}: '{key}' must be a non-empty string")
    if "/" in v or "\\" in v or v.startswith(".") or v.endswith((".part", ".part.json")) or v in ("..", "."):
        raise CatalogueError(f"{where}: bad '{key}' {v!r}")
    return v


def _parse_urls(urls: Any, where: str) -> tuple[str, ...]:
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise CatalogueError(f"{where}: 'urls' must be a non-empty list of strings")
    for u in urls:
        parts = urlsplit(u)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CatalogueError(f"{where}: not an http(s) URL: {u}")
    return tuple(urls)


def _parse_sha(sha: Any, where: str) -> str | None:
    if sha is None:
        return None
    if not isinstance(sha, str) or not _SHA_RE.match(sha.lower()):
        raise CatalogueError(f"{where}: 'sha256' must be 64 hex digits or null")
    return sha.lower()


def _parse_files(raw: Any, where: str) -> tuple[CatalogueFile, ...]:
    """The optional `files` list of a multi-file entry (absent or null: a single-file entry)."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw:
        raise CatalogueError(f"{where}: 'files' must be a non-empty list of objects (or absent)")
    out: list[CatalogueFile] = []
    for i, f in enumerate(raw):
        at = f"{where}: files[{i}]"
        if not isinstance(f, dict):
            raise CatalogueError(f"{at}: expected an object")
        name = _plain_filename(f.get("filename"), at)
        if name == "checksums.json" or any(x.filename == name for x in out):
            raise CatalogueError(f"{at}: 'filename' {name!r} is used twice or reserved")
        size = f.get("size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise CatalogueError(f"{at}: 'size' must be an integer ≥ 0 or null")
        fmt = f.get("format") or ""
        if not isinstance(fmt, str):
            raise CatalogueError(f"{at}: 'format' must be a string")
        out.append(CatalogueFile(name, _parse_urls(f.get("urls"), at), size, _parse_sha(f.get("sha256"), at), fmt))
    return tuple(out)


def format_size(n: int | None) -> str:
    """1536 → '1.5 KiB'; None → '?'."""
    if n is None:
        return "?"
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"
