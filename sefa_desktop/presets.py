"""Presets: a named, reusable editing set-up, stored as versioned JSON in the user data folder.

One file per preset in `settings.data_dir()/presets/<file>.json` (one bad file never hides the
others). Writes are atomic (temp + fsync + rename) and keep the previous version as `<file>.json.bak`.
A file whose content is damaged (truncated, garbage, not a preset) is moved to `presets/moved-aside/`
with a message, and the backup is restored when it is good and the move worked. A file that cannot
be read at all (permissions, I/O error) or that a newer app wrote is left in place, untouched, with
a message: it is never replaced by an older backup, and saving over it is refused. Nothing here
ever raises out of `PresetStore.load_all()`, so start-up and `presets list` always work.

Saving a name that does not exist yet is an exclusive create (a hard link of the finished temp
file, which fails if the name appeared meanwhile): of two concurrent saves of one new name exactly
one succeeds, the other gets "a preset named … exists". Replacing (`overwrite=True`, `--force`) is
atomic too, and the last save wins (docs/robustness.md).

A preset holds: the model reference (bundled name or path, plus the sha256 of the weights file to
notice when the file changed), the chosen W+ rows, the method, named directions with α and their
layer rows (index into the factorized set and the vector itself, so it survives a changed model),
seeds, truncation and noise mode, the class of a class-conditional model (`class_index`; absent = the
model's default class), and — when the base is a projected photo or an imported latent — that latent
(`latent`: name, shape and the codes as a flat list; absent for a seed).

`class_index` was added within version 2 rather than as version 3: it is optional and absent means what
every earlier preset meant (the default class), so older presets load unchanged, and an older app that
reads a new preset ignores the field and still opens it (rendering the default class) instead of
refusing it as "newer".

Versions: 1 (first layout: one `seed`, edits as [index, alpha] pairs, model as a plain string) is
migrated to 2 on load.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import hashlib
import json
import math
import os
import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .util.atomic import WriteError, atomic_write_bytes

PRESET_FORMAT = "sefa-desktop-preset"
PRESET_VERSION = 2
MOVED_ASIDE = "moved-aside"


class PresetError(ValueError):
    """A preset cannot be found, saved or read; one clear line."""


class PresetNewerError(PresetError):
    """The preset was written by a newer version of the app: left untouched."""


@dataclass
class ModelRef:
    ref: str  # bundled name or absolute path
    kind: str = "path"  # "bundled" | "path"
    sha256: str = ""  # of the weights file ("" when it could not be read)


@dataclass
class PresetEdit:
    name: str
    index: int | None  # position in the factorized set (same model, layers, method)
    alpha: float
    layers: list[int] | None = None  # W+ rows it moves; None = the preset's layers
    vector: list[float] | None = None


@dataclass
class Preset:
    name: str
    model: ModelRef
    layers: list[int] | None = None
    method: str = "sefa"
    edits: list[PresetEdit] = field(default_factory=list)
    seeds: list[int] = field(default_factory=lambda: [0])
    truncation: float = 1.0
    noise_mode: str = "const"
    directions_file: str | None = None
    created_at: str = field(default_factory=lambda: _now())
    latent: dict[str, Any] | None = None  # {"name", "shape", "codes"}: the base code when it is not a seed
    class_index: int | None = None  # class-conditional models (BigGAN): the class; None = the default

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        if d["class_index"] is None:  # written only when chosen: files of other models stay as they were
            del d["class_index"]
        return {"format": PRESET_FORMAT, "version": PRESET_VERSION, **d}

    @classmethod
    def from_json(cls, d: dict[str, Any]) -> Preset:
        d = migrate(d)
        try:
            m = d["model"]
            model = ModelRef(ref=str(m["ref"]), kind=str(m.get("kind", "path")), sha256=str(m.get("sha256", "")))
            edits = [PresetEdit(name=str(e["name"]), index=None if e.get("index") is None else int(e["index"]),
                                alpha=float(e["alpha"]), layers=_int_list(e.get("layers")),
                                vector=None if e.get("vector") is None else [float(x) for x in e["vector"]])
                     for e in d.get("edits", [])]
            p = cls(name=str(d["name"]), model=model, layers=_int_list(d.get("layers")),
                    method=str(d.get("method", "sefa")),
                    edits=edits, seeds=[int(s) for s in d.get("seeds", [0])],
                    truncation=float(d.get("truncation", 1.0)), noise_mode=str(d.get("noise_mode", "const")),
                    directions_file=d.get("directions_file"), created_at=str(d.get("created_at", "")),
                    latent=_latent(d.get("latent")), class_index=_class_index(d.get("class_index")))
        except (KeyError, TypeError, ValueError) as e:
            raise PresetError(f"damaged preset ({type(e).__name__}: {e})") from None
        if not p.name:
            raise PresetError("damaged preset (empty name)")
        return p


def _latent(v: Any) -> dict[str, Any] | None:
    """A preset's latent, checked: its codes must fill its shape."""
    if v is None:
        return None
    shape = [int(x) for x in v["shape"]]
    if not 1 <= len(shape) <= 2 or len(v["codes"]) > 1 << 20:
        raise ValueError(f"latent of shape {shape} is not a code")
    codes = [float(x) for x in v["codes"]]
    size = 1
    for n in shape:
        size *= n
    if size != len(codes) or not all(math.isfinite(x) for x in codes):
        raise ValueError(f"latent of shape {shape} holds {len(codes)} numbers, or non-finite ones")
    return {"name": str(v.get("name", "latent")), "shape": shape, "codes": codes}


def _class_index(v: Any) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < 0:
        raise ValueError(f"class_index {v!r} is not a class index")
    return v


def _int_list(v: Any) -> list[int] | None:
    return None if v is None else [int(x) for x in v]


def _now() -> str:
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")


def migrate(d: dict[str, Any]) -> dict[str, Any]:
    """Bring an older preset dict to the current version; refuse newer ones."""
    if not isinstance(d, dict) or d.get("format") != PRESET_FORMAT:
        raise PresetError("not a sefa-desktop preset")
    version = d.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise PresetError(f"bad preset version {version!r}")
    if version > PRESET_VERSION:
        raise PresetNewerError(f"preset version {version} is newer than this app supports ({PRESET_VERSION}); "
                               "update sefa-desktop")
    d = dict(d)
    if version == 1:
        d["seeds"] = [int(d.pop("seed", 0))]
        d["model"] = {"ref": str(d.get("model", "")), "kind": "path", "sha256": ""}
        d["edits"] = [{"name": f"direction {int(i)}", "index": int(i), "alpha": float(a)}
                      for i, a in d.get("edits", [])]
        d["version"] = 2
    return d


# -- model content hash ----------------------------------------------------------------------------
def _hash_cache_file() -> Path:
    from . import settings

    return settings.cache_dir() / "file-hashes.json"


def file_sha256(path: str | Path) -> str:
    """sha256 of a file, cached by (path, size, mtime) so big checkpoints are hashed once."""
    path = Path(path).resolve()
    st = path.stat()
    key = f"{path}|{st.st_size}|{st.st_mtime_ns}"
    cache_file = _hash_cache_file()
    try:
        cache = json.loads(cache_file.read_text(encoding="utf-8"))
        if not isinstance(cache, dict):
            cache = {}
    except (OSError, ValueError):
        cache = {}
    if isinstance(cache.get(key), str):
        return cache[key]
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    digest = h.hexdigest()
    cache = {k: v for k, v in cache.items() if not k.startswith(f"{path}|")}
    cache[key] = digest
    try:
        cache_file.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(cache_file, json.dumps(cache, indent=0).encode())
    except OSError:
        pass  # the cache is an optimisation only
    return digest


def model_file(ref: str) -> Path | None:
    """The weights file behind a bundled name or a path (None when it is not a single file, or the
    reference cannot even be resolved, e.g. `~nosuchuser/m.pth`)."""
    from .models.registry import resolve_bundled

    try:
        bundled = resolve_bundled(ref)
        path = bundled.path if bundled is not None else Path(ref).expanduser()
        return path if path.is_file() else None
    except (RuntimeError, OSError, ValueError):
        return None


def model_ref(ref: str) -> ModelRef:
    from .models.registry import resolve_bundled

    kind = "bundled" if resolve_bundled(ref) is not None else "path"
    if kind == "path":
        ref = str(Path(ref).expanduser().resolve())
    f = model_file(ref)
    return ModelRef(ref=ref, kind=kind, sha256=file_sha256(f) if f else "")


def model_status(preset: Preset) -> str:
    """'ok', 'changed' (the file's content differs from when the preset was saved), 'missing' or
    'unreadable (why)'. Never raises: one preset's model problem must not stop a listing."""
    try:
        f = model_file(preset.model.ref)
        if f is None:
            return "missing"
        if preset.model.sha256 and file_sha256(f) != preset.model.sha256:
            return "changed"
        return "ok"
    except OSError as e:
        return f"unreadable ({e.strerror or type(e).__name__})"
    except Exception as e:  # a damaged reference is that preset's problem, shown beside it
        return f"unreadable ({type(e).__name__})"


# -- the store --------------------------------------------------------------------------------------
def before_publish(target: Path) -> None:
    """Called between writing a new preset's temp file and publishing it under its name; tests
    replace it to run a competing save exactly there."""
def presets_dir() -> Path:
    from . import settings

    return settings.data_dir() / "presets"


def file_stem(name: str) -> str:
    """A safe file name for a preset name (the real name lives inside the file)."""
    stem = re.sub(r"[^A-Za-z0-9._ -]", "_", name).strip(" .")[:60] or "preset"
    if stem != name:
        stem += "-" + hashlib.sha1(name.encode()).hexdigest()[:8]
    return stem


class PresetStore:
    def __init__(self, folder: str | Path | None = None) -> None:
        self.folder = Path(folder) if folder is not None else presets_dir()

    def path_for(self, name: str) -> Path:
        return self.folder / f"{file_stem(name)}.json"

    def load_all(self) -> tuple[list[Preset], list[str]]:
        """Every readable preset (sorted by name) and one message per file that was moved aside."""
        presets: list[Preset] = []
        messages: list[str] = []
        try:
            files = sorted(self.folder.glob("*.json"))
        except OSError as e:
            return [], [f"cannot read presets folder {self.folder}: {e}"]
        for f in files:
            p, msg = self._load_file(f)
            if msg:
                messages.append(msg)
            if p is not None:
                presets.append(p)
        return sorted(presets, key=lambda p: p.name.lower()), messages

    def _load_file(self, f: Path) -> tuple[Preset | None, str | None]:
        try:
            raw = f.read_bytes()
        except FileNotFoundError:
            return None, None  # deleted meanwhile
        except OSError as e:  # unreadable is not damaged: never replaced by an older backup
            return None, f"preset file {f.name} cannot be read ({e.strerror or e}); left in place"
        try:
            return self._parse_bytes(raw), None
        except PresetNewerError as e:
            return None, f"preset file {f.name} is from a newer sefa-desktop ({e}); left in place, untouched"
        except PresetError as e:
            reason = str(e)
        moved = self._move_aside(f)
        where = f"moved to {moved}" if moved else "left in place (it could not be moved aside)"
        backup = f.with_name(f.name + ".bak")
        try:
            p = self._parse(backup)
        except PresetError:
            return None, f"preset file {f.name} is unreadable ({reason}); {where}"
        if moved is None:
            return p, f"preset file {f.name} is unreadable ({reason}); {where}; showing its backup"
        try:
            atomic_write_bytes(f, backup.read_bytes())
        except OSError as e:
            return p, (f"preset file {f.name} is unreadable ({reason}); {where}; showing its backup "
                       f"(it could not be restored: {getattr(e, 'strerror', None) or e})")
        return p, f"preset file {f.name} is unreadable ({reason}); {where}; restored the previous version"

    @staticmethod
    def _parse(f: Path) -> Preset:
        try:
            raw = f.read_bytes()
        except FileNotFoundError:
            raise PresetError("no such file") from None
        except OSError as e:
            raise PresetError(f"cannot read it ({e.strerror or e})") from None
        return PresetStore._parse_bytes(raw)

    @staticmethod
    def _parse_bytes(raw: bytes) -> Preset:
        try:
            data = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as e:
            raise PresetError(f"not valid JSON: {str(e)[:80]}") from None
        return Preset.from_json(data)

    def _move_aside(self, f: Path) -> Path | None:
        aside = self.folder / MOVED_ASIDE
        stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
        dest = aside / f"{f.name}.{stamp}"
        n = 1
        while dest.exists():
            dest = aside / f"{f.name}.{stamp}.{n}"
            n += 1
        try:
            aside.mkdir(parents=True, exist_ok=True)
            os.replace(f, dest)
            return dest
        except OSError:
            return None

    def names(self) -> list[str]:
        return [p.name for p in self.load_all()[0]]

    def get(self, name: str) -> Preset:
        f = self.path_for(name)
        if not f.is_file():
            raise PresetError(f"no preset named '{name}' (see `sefa-desktop presets list`)")
        p, msg = self._load_file(f)
        if p is None:
            raise PresetError(msg or f"preset '{name}' is unreadable")
        return p

    def save(self, preset: Preset, overwrite: bool = True) -> Path:
        """Atomically write the preset, keeping the previous version as `.bak`. Without `overwrite`
        the name is created exclusively: a concurrent save of the same name makes one of them fail."""
        if not preset.name.strip():
            raise PresetError("a preset needs a name")
        f = self.path_for(preset.name)
        data = json.dumps(preset.to_json(), indent=2, ensure_ascii=False).encode("utf-8")
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise WriteError(f"cannot create presets folder {self.folder}: {e.strerror or e}") from None
        if not overwrite:
            self._create_exclusive(f, data, preset.name)
            return f
        self._check_replaceable(f, preset.name)
        if f.exists():
            try:  # keep only a backup that is itself a good preset
                self._parse(f)
                atomic_write_bytes(f.with_name(f.name + ".bak"), f.read_bytes())
            except (PresetError, OSError):
                pass
        atomic_write_bytes(f, data)
        return f

    def _check_replaceable(self, f: Path, name: str) -> None:
        """A newer app's preset, or one we cannot read, is never overwritten."""
        try:
            raw = f.read_bytes()
        except FileNotFoundError:
            return
        except OSError as e:
            raise PresetError(f"preset '{name}' exists but cannot be read ({e.strerror or e}); not replaced") \
                from None
        try:
            self._parse_bytes(raw)
        except PresetNewerError:
            raise PresetError(f"preset '{name}' was saved by a newer sefa-desktop; not replaced") from None
        except PresetError:
            pass  # damaged: replacing it loses nothing

    def _create_exclusive(self, f: Path, data: bytes, name: str) -> None:
        exists = PresetError(f"a preset named '{name}' exists (use --force to replace it)")
        if f.exists():
            raise exists
        try:
            fd, tmp_name = tempfile.mkstemp(prefix=f".{f.name}.", suffix=".tmp", dir=self.folder)
        except OSError as e:
            raise WriteError(f"cannot write {f}: {e.strerror or e}") from None
        tmp = Path(tmp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            with contextlib.suppress(OSError):  # mkstemp makes 0600 files
                os.chmod(tmp, 0o644)
            before_publish(f)
            try:
                os.link(tmp, f)  # atomic, and fails if the name appeared meanwhile
            except FileExistsError:
                raise exists from None
            except OSError:  # no hard links on this file system: exclusive create instead
                self._write_exclusive(f, data, exists)
        except OSError as e:
            raise WriteError(f"cannot write {f}: {e.strerror or e}") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()

    @staticmethod
    def _write_exclusive(f: Path, data: bytes, exists: PresetError) -> None:
        try:
            out = open(f, "xb")  # noqa: SIM115 (closed below; removed if the write fails)
        except FileExistsError:
            raise exists from None
        try:
            with out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except OSError:
            with contextlib.suppress(OSError):
                f.unlink()
            raise

    def delete(self, name: str) -> None:
        f = self.path_for(name)
        if not f.exists():
            raise PresetError(f"no preset named '{name}'")
        try:  # the backup stays: one step of undo
            os.replace(f, f.with_name(f.name + ".bak"))
        except OSError as e:
            raise WriteError(f"cannot delete {f}: {e.strerror or e}") from None

    def export(self, name: str, target: str | Path) -> Path:
        p = self.get(name)
        atomic_write_bytes(target, json.dumps(p.to_json(), indent=2, ensure_ascii=False).encode("utf-8"))
        return Path(target)

    def import_file(self, source: str | Path, name: str | None = None, overwrite: bool = False) -> Preset:
        src = Path(source)
        if not src.is_file():
            raise PresetError(f"{src}: no such file")
        try:
            p = self._parse(src)
        except PresetError as e:
            raise PresetError(f"{src.name}: {e}") from None
        if name:
            p.name = name
        self.save(p, overwrite=overwrite)
        return p
