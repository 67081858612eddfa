"""--install-launcher / --uninstall-launcher into a temp XDG data home, and the packaged Linux files."""

from __future__ import annotations

import configparser
import os
import shutil
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from sefa_desktop import APP_NAME, launcher
from sefa_desktop.app import APP_ID

ROOT = Path(__file__).resolve().parents[1]
LINUX = ROOT / "packaging" / "linux"
DESKTOP = LINUX / f"{APP_ID}.desktop"
METAINFO = LINUX / f"{APP_ID}.metainfo.xml"
MIME = LINUX / f"{APP_ID}.xml"
MIME_NS = "{http://www.freedesktop.org/standards/shared-mime-info}"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="freedesktop launcher is Linux-only")


def snapshot(root: Path) -> dict[str, bytes | None]:
    """Every path under root → file bytes (None for folders)."""
    out: dict[str, bytes | None] = {}
    for p in sorted(root.rglob("*")):
        out[str(p.relative_to(root))] = None if p.is_dir() else p.read_bytes()
    return out


def desktop_entry(path: Path) -> configparser.SectionProxy:
    parser = configparser.ConfigParser(interpolation=None, strict=True)
    parser.optionxform = str  # keys are case-sensitive
    parser.read(path, encoding="utf-8")
    return parser["Desktop Entry"]


# -- the packaged files ------------------------------------------------------------------------------
def test_packaged_files_agree_on_app_id_types_and_wm_class() -> None:
    entry = desktop_entry(DESKTOP)
    assert entry["Icon"] == APP_ID
    assert entry["Type"] == "Application"
    assert entry["Categories"].split(";")[:2] == ["Graphics", "Science"]
    # Qt sets the X11 WM_CLASS class to the application name (app.create_app sets it to APP_NAME).
    assert entry["StartupWMClass"] == APP_NAME
    assert entry["Exec"].endswith(" %f")
    desktop_types = {t for t in entry["MimeType"].split(";") if t}

    comp = ET.parse(METAINFO).getroot()
    assert comp.findtext("id") == APP_ID
    assert comp.findtext("launchable") == DESKTOP.name
    from sefa_desktop import __version__

    assert comp.find("releases/release").get("version") == __version__
    assert {m.text for m in comp.findall("provides/mediatype")} == desktop_types

    mime = ET.parse(MIME).getroot()
    types = {t.get("type"): {g.get("pattern") for g in t.findall(f"{MIME_NS}glob")}
             for t in mime.findall(f"{MIME_NS}mime-type")}
    assert set(types) == desktop_types
    globs = set().union(*types.values())
    assert {"*.pt", "*.pth", "*.pkl"} <= globs


@pytest.mark.skipif(shutil.which("desktop-file-validate") is None, reason="desktop-file-utils not installed")
def test_desktop_file_validates() -> None:
    out = subprocess.run(["desktop-file-validate", str(DESKTOP)], capture_output=True, text=True)
    # "hint:" lines are advice (two main categories, as asked for); errors and warnings fail.
    problems = [ln for ln in out.stdout.splitlines() if "error:" in ln or "warning:" in ln]
    assert out.returncode == 0 and not problems, out.stdout


@pytest.mark.skipif(shutil.which("appstreamcli") is None, reason="appstream not installed")
def test_metainfo_validates() -> None:
    out = subprocess.run(["appstreamcli", "validate", "--no-net", str(METAINFO)], capture_output=True, text=True)
    assert out.returncode == 0, out.stdout + out.stderr


# -- Exec quoting ------------------------------------------------------------------------------------
@pytest.mark.parametrize(("arg", "quoted"), [
    ("/opt/sefa/sefa-desktop", "/opt/sefa/sefa-desktop"),
    ("/home/a b/sefa-desktop", '"/home/a b/sefa-desktop"'),
    ("/x/100%/app", "/x/100%%/app"),
    ('/x/"q"$HOME/a`b', '"/x/\\\\"q\\\\"\\\\$HOME/a\\\\`b"'),
    ("/x/back\\slash", '"/x/back\\\\\\\\slash"'),
])
def test_exec_quote_follows_the_desktop_entry_spec(arg: str, quoted: str) -> None:
    assert launcher.exec_quote(arg) == quoted


# -- install / uninstall -----------------------------------------------------------------------------
@linux_only
def test_install_then_uninstall_leaves_the_data_home_as_it_was(tmp_path: Path) -> None:
    home = tmp_path / "share"
    (home / "applications").mkdir(parents=True)
    (home / "applications" / "other.desktop").write_text("[Desktop Entry]\nType=Application\nName=X\nExec=x\n")
    (home / "icons" / "hicolor" / "48x48" / "apps").mkdir(parents=True)
    before = snapshot(home)

    written = launcher.install(home, ["/opt/Sefa Desktop/sefa-desktop"])
    desktop = home / "applications" / f"{APP_ID}.desktop"
    assert desktop in written and all(p.is_file() for p in written)
    assert desktop_entry(desktop)["Exec"] == '"/opt/Sefa Desktop/sefa-desktop" %f'
    for n in launcher.ICON_SIZES:
        from PIL import Image

        with Image.open(home / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png") as im:
            assert im.size == (n, n)
    assert (home / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg").is_file()
    assert (home / "mime" / "packages" / f"{APP_ID}.xml").read_bytes() == MIME.read_bytes()
    if shutil.which("update-mime-database"):  # the refresh ran: our globs are in the user MIME database
        assert "*.pth" in (home / "mime" / "globs2").read_text()
    if shutil.which("desktop-file-validate"):
        assert subprocess.run(["desktop-file-validate", str(desktop)], capture_output=True).returncode == 0

    launcher.install(home, ["/opt/Sefa Desktop/sefa-desktop"])  # a second install only refreshes
    removed = launcher.uninstall(home)
    assert set(removed) == set(written)
    assert snapshot(home) == before


@linux_only
def test_uninstall_removes_created_home_entirely(tmp_path: Path) -> None:
    home = tmp_path / "fresh" / "share"
    home.parent.mkdir()
    launcher.install(home, ["sefa-desktop"])
    assert launcher.manifest_path(home).is_file()
    launcher.uninstall(home)
    assert not home.exists()


@linux_only
def test_uninstall_never_deletes_outside_the_data_home(tmp_path: Path) -> None:
    home = tmp_path / "share"
    launcher.install(home, ["sefa-desktop"])
    outside = tmp_path / "precious.txt"
    outside.write_text("keep me")
    mpath = launcher.manifest_path(home)
    mpath.write_text(mpath.read_text().replace('"files": [', f'"files": [\n  "{outside}",'))
    launcher.uninstall(home)
    assert outside.read_text() == "keep me"


def test_install_refuses_other_platforms(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys, "platform", "win32")
    with pytest.raises(launcher.LauncherError, match="Linux"):
        launcher.install(tmp_path, ["x"])
    assert not any(tmp_path.iterdir())


def test_data_home_respects_xdg_data_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    assert launcher.data_home() == tmp_path
    monkeypatch.setenv("XDG_DATA_HOME", "relative/path")  # invalid per the spec → the default
    assert launcher.data_home() == Path.home() / ".local" / "share"


@linux_only
def test_launch_command_from_source_starts_this_copy(tmp_path: Path) -> None:
    cmd = launcher.launch_command()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    out = subprocess.run([*cmd, "--version"], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    from sefa_desktop import __version__

    assert out.returncode == 0 and __version__ in out.stdout, out.stderr


@linux_only
def test_cli_flags_install_and_uninstall(tmp_path: Path) -> None:
    env = {**os.environ, "XDG_DATA_HOME": str(tmp_path / "share"), "PYTHONPATH": str(ROOT)}
    run = [sys.executable, "-m", "sefa_desktop"]
    out = subprocess.run([*run, "--install-launcher"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    desktop = tmp_path / "share" / "applications" / f"{APP_ID}.desktop"
    assert str(desktop) in out.stdout and desktop.is_file()
    assert "-m sefa_desktop %f" in desktop_entry(desktop)["Exec"]
    out = subprocess.run([*run, "--uninstall-launcher"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "Removed" in out.stdout, out.stderr
    assert not (tmp_path / "share").exists()
    out = subprocess.run([*run, "--uninstall-launcher"], env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0 and "No SeFa Desktop launcher" in out.stdout
