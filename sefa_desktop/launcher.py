"""`sefa-desktop --install-launcher` / `--uninstall-launcher`: the app in a Linux desktop's menu.

Installs, for the current user only (XDG data home, usually ~/.local/share):
  applications/<APP_ID>.desktop               Exec = this executable (the bundle, or python -m sefa_desktop)
  icons/hicolor/NxN/apps/<APP_ID>.png         16 … 512, plus scalable/apps/<APP_ID>.svg
  mime/packages/<APP_ID>.xml                  .pt/.pth/.pkl/.safetensors types, so file managers offer us
and refreshes the desktop and MIME databases when their tools exist. What was written (files and the
folders it had to create) is recorded in a manifest, and uninstall removes exactly that, so an install
followed by an uninstall leaves the data home as it found it. No Qt here: it runs without a display.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .app import APP_ID
from .resources import resources_dir

ICON_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
MANIFEST_NAME = "launcher-manifest.json"
# Characters that force an Exec argument into double quotes (Desktop Entry spec, "The Exec key").
_RESERVED = set(" \t\n\"'\\><~|&;$*?#()`")


class LauncherError(Exception):
    """A one-line reason the launcher could not be (un)installed."""


def packaging_dir() -> Path:
    """packaging/linux: next to the package in a checkout, inside the bundle when frozen."""
    frozen = getattr(sys, "_MEIPASS", None)
    if frozen:
        return Path(frozen) / "packaging" / "linux"
    return Path(__file__).resolve().parents[1] / "packaging" / "linux"


def data_home() -> Path:
    # The XDG spec: an unset, empty or relative XDG_DATA_HOME means the default.
    env = os.environ.get("XDG_DATA_HOME", "")
    return Path(env) if env and os.path.isabs(env) else Path.home() / ".local" / "share"


def manifest_path(home: Path | None = None) -> Path:
    return (home or data_home()) / "sefa-desktop" / MANIFEST_NAME


def _source_importable_as_installed(python: str, package_parent: Path) -> bool:
    """Would `python -m sefa_desktop`, started from anywhere, import this same copy of the package?"""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    try:
        out = subprocess.run([python, "-c", "import sefa_desktop, os; print(os.path.dirname(sefa_desktop.__file__))"],
                             cwd=Path.home() if Path.home().is_dir() else "/", env=env, capture_output=True,
                             text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return out.returncode == 0 and Path(out.stdout.strip()).resolve() == package_parent / "sefa_desktop"


def launch_command() -> list[str]:
    """The command line that starts this very copy of the app."""
    if getattr(sys, "frozen", False):
        return [str(Path(sys.executable).resolve())]
    package_parent = Path(__file__).resolve().parents[1]
    # Not abspath-resolved: a venv's python is a symlink whose location selects the venv.
    cmd = [os.path.abspath(sys.executable), "-m", "sefa_desktop"]
    if not _source_importable_as_installed(cmd[0], package_parent):
        cmd = ["env", f"PYTHONPATH={package_parent}", *cmd]  # a source checkout that is not installed
    return cmd


def exec_quote(arg: str) -> str:
    """One Exec argument, quoted and escaped as the Desktop Entry spec requires."""
    arg = arg.replace("%", "%%")  # a literal % is written %% (field codes start with %)
    if arg and not (_RESERVED & set(arg)):
        return arg
    inner = "".join("\\" + ch if ch in '"`$\\' else ch for ch in arg)
    # The string-level escape (\\ for a backslash) applies on top of the quoting rule.
    return '"' + inner.replace("\\", "\\\\") + '"'


def desktop_entry(command: list[str]) -> str:
    """The packaged .desktop file with Exec pointing at `command` (and %f for the file to open)."""
    template = (packaging_dir() / f"{APP_ID}.desktop").read_text(encoding="utf-8")
    lines = []
    for line in template.splitlines():
        if line.startswith("Exec="):
            line = "Exec=" + " ".join(exec_quote(a) for a in command) + " %f"
        lines.append(line)
    return "\n".join(lines) + "\n"


@dataclass
class Plan:
    """Files to write (destination → bytes) under one data home."""

    home: Path
    files: dict[Path, bytes] = field(default_factory=dict)


def plan_install(home: Path | None = None, command: list[str] | None = None) -> Plan:
    home = home or data_home()
    plan = Plan(home)
    icons = resources_dir() / "icons"
    pkg = packaging_dir()
    sources = [pkg / f"{APP_ID}.desktop", pkg / f"{APP_ID}.xml", icons / "sefa-desktop.svg"]
    sources += [icons / "png" / f"sefa-desktop-{n}.png" for n in ICON_SIZES]
    missing = [str(p) for p in sources if not p.is_file()]
    if missing:
        raise LauncherError(f"missing packaged file {missing[0]} (incomplete install?)")
    plan.files[home / "applications" / f"{APP_ID}.desktop"] = desktop_entry(command or launch_command()).encode()
    plan.files[home / "mime" / "packages" / f"{APP_ID}.xml"] = (pkg / f"{APP_ID}.xml").read_bytes()
    hicolor = home / "icons" / "hicolor"
    plan.files[hicolor / "scalable" / "apps" / f"{APP_ID}.svg"] = (icons / "sefa-desktop.svg").read_bytes()
    for n in ICON_SIZES:
        plan.files[hicolor / f"{n}x{n}" / "apps" / f"{APP_ID}.png"] = (icons / "png" / f"sefa-desktop-{n}.png"
                                                                       ).read_bytes()
    return plan


def _run_tool(*args: str) -> None:
    """Refresh a desktop cache if its tool is installed; a missing or failing tool is not an error."""
    if shutil.which(args[0]) is None:
        return
    try:
        subprocess.run(list(args), capture_output=True, timeout=120, check=False)
    except (OSError, subprocess.TimeoutExpired):
        pass


def _refresh(home: Path) -> None:
    if (home / "applications").is_dir():
        _run_tool("update-desktop-database", "-q", str(home / "applications"))
    if (home / "mime" / "packages").is_dir():
        _run_tool("update-mime-database", str(home / "mime"))
    hicolor = home / "icons" / "hicolor"
    if hicolor.is_dir():
        os.utime(hicolor)  # icon themes notice new icons by the theme folder's mtime


def _inside(path: Path, home: Path) -> bool:
    return path == home or home in path.parents


def _read_manifest(path: Path) -> dict:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def install(home: Path | None = None, command: list[str] | None = None) -> list[Path]:
    """Install (or refresh) the launcher; returns the files written."""
    if not sys.platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        raise LauncherError("--install-launcher is for Linux desktops; on Windows and macOS use the app bundle")
    # Imported here: sefa_desktop.core's __init__ loads torch, which uninstall need not wait for.
    from .util.atomic import atomic_write_bytes

    plan = plan_install(home, command)
    mpath = manifest_path(plan.home)
    old = _read_manifest(mpath)
    created: list[str] = list(old.get("created_dirs", []))
    try:
        for dest, data in [*plan.files.items(), (mpath, b"")]:
            # Record every folder we bring into existence, outermost first, before writing into it.
            missing = [p for p in (dest.parent, *dest.parent.parents) if not p.exists()]
            for d in reversed(missing):
                d.mkdir()
                created.append(str(d))
            if dest != mpath:
                atomic_write_bytes(dest, data)
        # A desktop-database cache that does not exist yet would be created by our refresh: ours to remove.
        generated = list(old.get("generated", []))
        cache = plan.home / "applications" / "mimeinfo.cache"
        if not cache.exists() and str(cache) not in generated:
            generated.append(str(cache))
        manifest = {"app_id": APP_ID, "files": sorted({*old.get("files", []), *map(str, plan.files)}),
                    "created_dirs": created, "generated": generated}
        atomic_write_bytes(mpath, json.dumps(manifest, indent=1).encode())
    except OSError as e:
        raise LauncherError(f"could not install the launcher: {e}") from e
    _refresh(plan.home)
    return list(plan.files)


def uninstall(home: Path | None = None) -> list[Path]:
    """Remove what install wrote (per its manifest, plus today's file list); returns the files removed."""
    home = home or data_home()
    mpath = manifest_path(home)
    manifest = _read_manifest(mpath)
    try:
        planned = set(plan_install(home, ["sefa-desktop"]).files)
    except LauncherError:
        planned = set()
    # Only paths inside the data home: a hand-edited manifest must not make us delete elsewhere.
    targets = {Path(p) for p in manifest.get("files", [])} | planned
    targets = {p for p in targets if home in p.parents}
    removed = []
    try:
        for p in sorted(targets):
            if p.is_file() or p.is_symlink():
                p.unlink()
                removed.append(p)
        if mpath.exists():
            mpath.unlink()
    except OSError as e:
        raise LauncherError(f"could not remove {e.filename}: {e.strerror}") from e
    created = [Path(d) for d in manifest.get("created_dirs", []) if _inside(Path(d), home)]
    mime, apps = home / "mime", home / "applications"
    # Caches the refresh tools generated exist only because of us when we created their folder.
    if mime in created and mime.is_dir() and not any((mime / "packages").glob("*")):
        shutil.rmtree(mime, ignore_errors=True)
    if apps in created and apps.is_dir() and {c.name for c in apps.iterdir()} <= {"mimeinfo.cache"}:
        shutil.rmtree(apps, ignore_errors=True)
    _refresh(home)
    for g in manifest.get("generated", []):
        cache = Path(g)
        # Only while it lists nothing (just its header): then no other app needs it.
        if _inside(cache, home) and cache.is_file() and len(cache.read_text(errors="replace").split()) <= 2:
            cache.unlink()
    for d in sorted(created, key=lambda p: len(p.parts), reverse=True):
        try:
            d.rmdir()  # only if empty: something of the user's may have moved in since
        except OSError:
            pass
    return removed


def main(action: str) -> int:
    """CLI entry for the two flags; prints what happened, one line of error on failure."""
    try:
        if action == "--install-launcher":
            written = install()
            desktop = next(p for p in written if p.suffix == ".desktop")
            print(f"Installed the SeFa Desktop launcher: {desktop}")
            print("It appears in the applications menu and opens .pt/.pth/.pkl/.safetensors files.")
        else:
            removed = uninstall()
            print(f"Removed the SeFa Desktop launcher ({len(removed)} files)." if removed
                  else "No SeFa Desktop launcher was installed.")
        return 0
    except LauncherError as e:
        print(f"sefa-desktop: error: {e}", file=sys.stderr)
        return 1
