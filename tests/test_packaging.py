"""The bundle definition checked without building it: the spec runs, its lists match the package, and
what it leaves out is never something a real run of the app loads. Also --smoke-test from source."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "sefa-desktop.spec"


def load_config():
    spec = importlib.util.spec_from_file_location("bundle_config", ROOT / "packaging" / "bundle_config.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


cfg = load_config()


class Recorder:
    """Stands in for PyInstaller's Analysis/PYZ/EXE/COLLECT/BUNDLE: records the arguments."""

    calls: dict[str, tuple] = {}

    def __init__(self, kind: str, toc: dict[str, list] | None = None) -> None:
        self.kind, self.toc = kind, toc or {}

    def __call__(self, *args, **kwargs):
        Recorder.calls[self.kind] = (args, kwargs)
        obj = type(self.kind, (), {})()
        for k, v in self.toc.items():
            setattr(obj, k, list(v))
        obj.pure, obj.scripts = [], []
        return obj


def run_spec(platform: str, monkeypatch: pytest.MonkeyPatch, binaries=(), datas=(), workpath: Path | None = None
             ) -> dict[str, tuple]:
    Recorder.calls = {}
    monkeypatch.setattr(sys, "platform", platform)
    monkeypatch.delenv("SEFA_BUILD_FLAVOUR", raising=False)
    names = {"Analysis": Recorder("Analysis", {"binaries": binaries, "datas": datas}), "PYZ": Recorder("PYZ"),
             "EXE": Recorder("EXE"), "COLLECT": Recorder("COLLECT"), "BUNDLE": Recorder("BUNDLE")}
    import tempfile

    glb = {"__name__": "__main__", "SPECPATH": str(ROOT), "workpath": str(workpath or tempfile.mkdtemp()), **names}
    sys.modules.pop("bundle_config", None)
    monkeypatch.setattr(sys, "path", list(sys.path))  # the spec prepends packaging/ to it
    try:
        exec(compile(SPEC.read_text(), str(SPEC), "exec"), glb)
    finally:
        sys.modules.pop("bundle_config", None)
    Recorder.calls["_globals"] = glb
    return Recorder.calls


def test_spec_analysis_lists_match_the_package(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls = run_spec("linux", monkeypatch, workpath=tmp_path)
    (scripts,), analysis = calls["Analysis"]
    assert Path(scripts[0]).is_file()
    for src, _dest in analysis["datas"]:
        assert Path(src).exists(), f"datas lists {src}, which does not exist"
    bundled = {dest for _src, dest in analysis["datas"]}
    assert {"resources", "packaging/linux", "licenses"} <= bundled
    # Licence texts: torch's and numpy's from their metadata, and a notice naming every component.
    notice = (tmp_path / "licenses" / "THIRD-PARTY.txt").read_text()
    for dist in ("torch", "numpy", "PySide6_Essentials", "pillow"):
        assert f"\n{dist} " in notice
        assert dist == "PySide6_Essentials" or any(d.startswith(f"licenses/{dist}") for d in bundled)
    assert "\nsympy " not in notice  # excluded from the bundle, so not listed
    # Everything resources.py and launcher.py read at run time is inside what is bundled.
    from sefa_desktop import launcher
    from sefa_desktop.models import DEFAULT_MODEL

    resources = ROOT / "resources"
    assert (resources / "models" / f"{DEFAULT_MODEL}.safetensors").is_file()
    assert launcher.plan_install(Path("/nonexistent"), ["x"]).files  # all its sources exist
    assert launcher.packaging_dir() == ROOT / "packaging" / "linux"

    hidden = set(analysis["hiddenimports"])
    on_disk = {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
               for p in (ROOT / "sefa_desktop").rglob("*.py")}
    assert on_disk <= hidden, f"not bundled: {sorted(on_disk - hidden)}"
    for name in hidden:
        assert importlib.util.find_spec(name) is not None, name
    # The CLI imports its commands by name: each must be a listed hidden import.
    from sefa_desktop.commands import COMMAND_MODULES

    assert {f"sefa_desktop.commands.{m}" for m in COMMAND_MODULES} <= hidden
    excluded = set(analysis["excludes"])
    assert not excluded & hidden
    assert not any(h.startswith(tuple(e + "." for e in excluded)) for h in hidden)

    exe = calls["EXE"][1]
    assert exe["name"] == "sefa-desktop" and exe["console"] is True and exe["upx"] is False
    assert calls["COLLECT"][1]["name"] == "sefa-desktop"  # → dist/sefa-desktop/
    assert "BUNDLE" not in calls


def test_spec_windows_is_windowed_with_ico(monkeypatch: pytest.MonkeyPatch) -> None:
    exe = run_spec("win32", monkeypatch)["EXE"][1]
    assert exe["console"] is False
    assert exe["icon"].endswith(".ico") and Path(exe["icon"]).is_file()


def test_spec_macos_bundle_info_plist(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = run_spec("darwin", monkeypatch)
    assert calls["EXE"][1]["console"] is False
    bundle = calls["BUNDLE"][1]
    from sefa_desktop import __version__
    from sefa_desktop.app import APP_ID

    assert bundle["name"] == "SeFa Desktop.app" and bundle["bundle_identifier"] == APP_ID
    assert Path(bundle["icon"]).suffix == ".icns" and Path(bundle["icon"]).is_file()
    plist = bundle["info_plist"]
    assert plist["NSHighResolutionCapable"] is True
    assert plist["CFBundleShortVersionString"] == __version__
    assert plist["LSMinimumSystemVersion"]
    exts = {e for t in plist["CFBundleDocumentTypes"] for e in t["CFBundleTypeExtensions"]}
    assert {"pt", "pth", "pkl"} <= exts
    import plistlib

    plistlib.dumps(plist)  # serialisable as a real Info.plist


def test_spec_drops_filtered_files(monkeypatch: pytest.MonkeyPatch) -> None:
    binaries = [("torch/lib/libtorch_cpu.so", "/x", "BINARY"), ("torch/bin/test_api", "/x", "BINARY"),
                ("nvidia/cublas/lib/libcublas.so.12", "/x", "BINARY"),
                ("PySide6/Qt/plugins/platformthemes/libqgtk3.so", "/x", "BINARY")]
    datas = [("torch/include/ATen/ATen.h", "/x", "DATA"), ("resources/models/a.json", "/x", "DATA")]
    glb = run_spec("linux", monkeypatch, binaries, datas)["_globals"]
    assert [b[0] for b in glb["a"].binaries] == ["torch/lib/libtorch_cpu.so"]
    assert [d[0] for d in glb["a"].datas] == ["resources/models/a.json"]


def test_cuda_flavour_keeps_cuda_libraries(monkeypatch: pytest.MonkeyPatch) -> None:
    assert cfg.drop_reason("nvidia/cudnn/lib/libcudnn.so.9", "cpu")
    assert cfg.drop_reason("nvidia/cudnn/lib/libcudnn.so.9", "cuda") is None
    assert cfg.drop_reason("torch/test/foo", "cuda")  # unused in either flavour
    monkeypatch.setenv("SEFA_BUILD_FLAVOUR", "rocm")
    with pytest.raises(SystemExit, match="cpu or cuda"):
        cfg.flavour()


def test_required_binaries_are_never_dropped() -> None:
    for name in cfg.REQUIRED_BINARIES:
        assert cfg.drop_reason(name, "cpu") is None, name


# The app's real run (the smoke test, from source) in a fresh interpreter; reports what it loaded.
PROBE = textwrap.dedent("""
    import json, sys
    from sefa_desktop.smoke import main
    rc = main([])
    libs = set()
    try:
        with open("/proc/self/maps") as f:
            libs = {line.split()[-1] for line in f if ".so" in line.split()[-1]}
    except OSError:
        pass
    files = sorted({getattr(m, "__file__", None) or "" for m in list(sys.modules.values())} - {""})
    print("PROBE " + json.dumps({"rc": rc, "modules": sorted(sys.modules), "libs": sorted(libs), "files": files}))
""")


@pytest.fixture(scope="module")
def smoke_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """--smoke-test from source with HOME, XDG_* and TMPDIR pointed at folders that must stay empty."""
    base = tmp_path_factory.mktemp("smoke")
    watched = {name: base / name for name in ("home", "xdg_config", "xdg_data", "xdg_cache", "tmp")}
    for d in watched.values():
        d.mkdir()
    env = {**os.environ, "PYTHONPATH": str(ROOT), "HOME": str(watched["home"]),
           "XDG_CONFIG_HOME": str(watched["xdg_config"]), "XDG_DATA_HOME": str(watched["xdg_data"]),
           "XDG_CACHE_HOME": str(watched["xdg_cache"]), "TMPDIR": str(watched["tmp"])}
    out = subprocess.run([sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=600,
                         cwd=base)
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("PROBE ")), None)
    assert line is not None, out.stdout + out.stderr
    result = json.loads(line[6:])
    result.update(stdout=out.stdout, stderr=out.stderr,
                  left_behind=[str(p) for d in watched.values() for p in d.rglob("*")])
    return result


def test_smoke_test_passes_from_source_and_writes_nothing_outside_its_temp_dir(smoke_run: dict) -> None:
    assert smoke_run["rc"] == 0, smoke_run["stderr"]
    for step in ("window shown", "bundled model loaded", "factorized", "gallery row rendered",
                 "preview rendered", "edited preview rendered", "passed"):
        assert f"smoke: {step}" in smoke_run["stdout"]
    assert smoke_run["left_behind"] == []


def test_excluded_modules_are_not_imported_by_a_real_run(smoke_run: dict) -> None:
    loaded = set(smoke_run["modules"])
    excluded = set(cfg.EXCLUDED_MODULES)
    clash = {m for m in loaded if m in excluded or m.split(".")[0] in excluded}
    assert not clash, f"excluded from the bundle but imported by the app: {sorted(clash)}"
    assert set(cfg.REQUIRED_QT_MODULES) <= loaded


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/maps is Linux-only")
def test_dropped_files_are_not_loaded_or_imported_by_a_real_run(smoke_run: dict) -> None:
    dropped = []
    for lib in smoke_run["libs"] + smoke_run["files"]:
        if "site-packages/" not in lib:
            continue
        dest = lib.split("site-packages/", 1)[1]  # the path the bundle gives it
        if cfg.drop_reason(dest, "cpu"):
            dropped.append(dest)
    assert smoke_run["libs"] and not dropped, dropped


def test_smoke_test_fails_with_the_reason(tmp_path: Path) -> None:
    empty = tmp_path / "resources"
    (empty / "models").mkdir(parents=True)
    env = {**os.environ, "PYTHONPATH": str(ROOT), "SEFA_DESKTOP_RESOURCES": str(empty)}
    out = subprocess.run([sys.executable, "-m", "sefa_desktop", "--smoke-test", "--timeout", "120"], env=env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 1
    assert "smoke test failed: loading the bundled model failed" in out.stderr, out.stderr


def test_icons_are_complete() -> None:
    from PIL import Image

    icons = ROOT / "resources" / "icons"
    assert (icons / "sefa-desktop.svg").read_bytes() == (ROOT / "packaging" / "icons" / "sefa-desktop.svg").read_bytes()
    for n in (16, 24, 32, 48, 64, 128, 256, 512):
        with Image.open(icons / "png" / f"sefa-desktop-{n}.png") as im:
            assert im.size == (n, n) and im.mode == "RGBA"
            assert im.getpixel((0, 0))[3] == 0 and im.getpixel((n // 2, n // 2))[3] == 255  # rounded, opaque
    with Image.open(ROOT / "packaging" / "icons" / "sefa-desktop.ico") as ico:
        assert {(16, 16), (32, 32), (48, 48), (256, 256)} <= ico.info["sizes"]
    with Image.open(ROOT / "packaging" / "icons" / "sefa-desktop.icns") as icns:
        assert (512, 512, 2) in icns.info["sizes"] and (16, 16, 2) in icns.info["sizes"]


def test_no_module_of_the_package_imports_an_excluded_module() -> None:
    """Static check over every file (also the code paths the smoke run does not take, e.g. other
    checkpoint formats): an import of an excluded module would fail only in the bundle."""
    import ast

    excluded = set(cfg.EXCLUDED_MODULES)
    bad = []
    for path in sorted((ROOT / "sefa_desktop").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]  # from PySide6 import QtX
            else:
                names = []
            for name in names:
                parts = name.split(".")
                if any(".".join(parts[:i]) in excluded for i in range(1, len(parts) + 1)):
                    bad.append(f"{path.relative_to(ROOT)}: {name}")
    assert not bad, bad
