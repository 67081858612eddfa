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

    def local_path(self, folder: Path | None = None) -> Path:
        """Where the downloaded file lives (present or not)."""
        return (folder if folder is not None else models_cache_dir()) / self.filename

    def is_present(self, folder: Path | None = None) -> bool:
        return self.local_path(folder).is_file()

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
    urls = raw.get("urls")
    if not isinstance(urls, list) or not urls or not all(isinstance(u, str) for u in urls):
        raise CatalogueError(f"{where}: 'urls' must be a non-empty list of strings")
    for u in urls:
        parts = urlsplit(u)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CatalogueError(f"{where}: not an http(s) URL: {u}")
    filename = text("filename", required=True) or ""
    if "/" in filename or "\\" in filename or filename.startswith(".") or filename.endswith(".part"):
        raise CatalogueError(f"{where}: bad 'filename' {filename!r}")
    sha = text("sha256")
    if sha is not None:
        sha = sha.lower()
        if not _SHA_RE.match(sha):
            raise CatalogueError(f"{where}: 'sha256' must be 64 hex digits or null")
    return CatalogueEntry(
        name=name, family=family, format=text("format", required=True) or "", urls=tuple(urls),
        filename=filename, dataset=text("dataset"), resolution=count("resolution", 1),
        size=count("size", 0), sha256=sha, licence=text("licence"), licence_url=text("licence_url"),
        source=text("source"), source_page=text("source_page"), notes=text("notes") or "")


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
