"""What goes into the PyInstaller bundle: data, hidden imports, exclusions, file filters, Info.plist.

Plain Python with no PyInstaller import, so the normal test run can check these lists against the
package (tests/test_packaging.py) without building; sefa-desktop.spec reads everything from here.
Sizes quoted below were measured with PySide6 6.12 + torch 2.13 CPU on Linux (docs/packaging.md).
"""

from __future__ import annotations

import fnmatch
import importlib.metadata as metadata
import os
import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from sefa_desktop import __version__ as VERSION  # noqa: E402
from sefa_desktop.app import APP_ID  # noqa: E402, F401  (re-exported to the spec)

NAME = "sefa-desktop"  # executable and dist/ folder
DISPLAY_NAME = "SeFa Desktop"  # macOS .app name
ENTRY_SCRIPT = ROOT / "packaging" / "entry.py"
ICON_ICO = ROOT / "packaging" / "icons" / "sefa-desktop.ico"
ICON_ICNS = ROOT / "packaging" / "icons" / "sefa-desktop.icns"
MACOS_MINIMUM = "11.0"  # torch ≥ 2.3 wheels need macOS 11 (arm64) / are not built for older systems

# (source relative to the repo, destination folder inside the bundle). resources/ holds the bundled
# weights, their licences and the icons; packaging/linux the .desktop/MIME files --install-launcher copies.
DATAS = [
    ("resources", "resources"),
    ("packaging/linux", "packaging/linux"),
]

# Modules nothing in the app imports (verified by tests/test_packaging.py against a real run), which
# PyInstaller would otherwise pull in through torch's and PySide6's hooks.
EXCLUDED_MODULES = [
    # GUI toolkits and tools that are not ours
    "tkinter", "_tkinter", "turtle", "turtledemo", "idlelib", "IPython", "matplotlib",
    # torch's compiler stack imports these lazily (torch.compile / export); sympy alone is ~80 MB
    "sympy", "mpmath", "networkx",
    # build/test tooling present in the build venv
    "pytest", "_pytest", "pluggy", "PyInstaller", "pip", "setuptools", "pkg_resources", "wheel",
    "pygments",
    # Qt modules the app does not use (the app imports QtCore, QtGui, QtWidgets only)
    "PySide6.QtNetwork", "PySide6.QtQml", "PySide6.QtQuick", "PySide6.QtQuickWidgets",
    "PySide6.QtQuickControls2", "PySide6.QtOpenGL", "PySide6.QtOpenGLWidgets", "PySide6.QtSql",
    "PySide6.QtTest", "PySide6.QtXml", "PySide6.QtDBus", "PySide6.QtPrintSupport", "PySide6.QtConcurrent",
    "PySide6.QtHelp", "PySide6.QtDesigner", "PySide6.QtUiTools", "PySide6.QtSvg", "PySide6.QtSvgWidgets",
    "PySide6.QtPdf", "PySide6.QtPdfWidgets", "PySide6.QtMultimedia", "PySide6.QtWebEngineCore",
]
# The app's own modules that are imported while running (the rest are excluded by the list above);
# tests check that a real run imports none of EXCLUDED_MODULES.
REQUIRED_QT_MODULES = ["PySide6.QtCore", "PySide6.QtGui", "PySide6.QtWidgets"]

# Files (binaries and data) dropped after analysis, as glob patterns on the path inside the bundle.
# Measured: 870 MB → 737 MB for the torch/Qt part (see the notes in docs/packaging.md).
DROPPED_FILES = [
    "torch/test/*",  # C++ test programs and data
    "torch/include/*",  # C++ headers (62 MB), only for building extensions
    "torch/share/cmake/*",
    "torch/bin/test_*", "torch/bin/*Test", "torch/bin/protoc*", "torch/bin/*.pt", "torch/bin/*.ptl",
    "torch/bin/upgrader_models/*",
    "torch/lib/lib*_test.so", "torch/lib/libaoti_custom_ops.*", "torch/lib/libbackend_with_compiler.*",
    "torch/lib/*.a", "torch/lib/*.lib",
    # Sources the torch hook adds beside the compiled modules, for torch.compile only (16 MB)
    "torch/_inductor/*", "torch/_dynamo/*",
    "PySide6/Qt/plugins/platformthemes/libqgtk3.so",  # pulls GTK into the process; Qt's own theme is used
    "PySide6/Qt/plugins/qmltooling/*", "PySide6/Qt/plugins/sqldrivers/*", "PySide6/Qt/plugins/designer/*",
    "PySide6/Qt/plugins/printsupport/*",
    "PySide6/Qt/qml/*",
    "PySide6/Qt/lib/libQt6Quick*", "PySide6/Qt/lib/libQt6Qml*", "PySide6/Qt/lib/libQt6Pdf*",
    "PySide6/Qt/lib/libQt6Designer*", "PySide6/Qt/lib/libQt6Sql*", "PySide6/Qt/lib/libQt6Test*",
]
# A CPU build must not carry CUDA: the torch hook collects the nvidia-* wheels (gigabytes) when the
# build venv has a CUDA torch. build.sh refuses that combination; these patterns are the second guard.
CUDA_FILES = ["nvidia/*", "torch/lib/libtorch_cuda*", "torch/lib/libc10_cuda*", "torch/lib/libcudnn*",
              "triton/*", "*/libcudart*", "*/libcublas*", "*/libnccl*", "*/libcusparse*", "*/libcufft*"]
# Shared libraries the app cannot run without: no pattern above may ever match these.
REQUIRED_BINARIES = ["torch/lib/libtorch_cpu.so", "torch/lib/libtorch.so", "torch/lib/libc10.so",
                     "torch/lib/libtorch_python.so", "torch/lib/libshm.so", "torch/lib/libgomp.so.1",
                     "PySide6/Qt/lib/libQt6Core.so.6", "PySide6/Qt/lib/libQt6Gui.so.6",
                     "PySide6/Qt/lib/libQt6Widgets.so.6", "PySide6/Qt/plugins/platforms/libqxcb.so",
                     "PySide6/Qt/plugins/platforms/libqoffscreen.so",
                     "PySide6/Qt/plugins/platforms/libqwayland.so"]


def flavour() -> str:
    """'cpu' (default) or 'cuda', from SEFA_BUILD_FLAVOUR."""
    value = os.environ.get("SEFA_BUILD_FLAVOUR", "cpu").strip().lower()
    if value not in ("cpu", "cuda"):
        raise SystemExit(f"SEFA_BUILD_FLAVOUR must be cpu or cuda, not {value!r}")
    return value


def drop_reason(dest: str, build_flavour: str = "cpu") -> str | None:
    """Why the file at `dest` (path inside the bundle) is left out, or None to keep it."""
    dest = dest.replace("\\", "/")
    for pat in DROPPED_FILES:
        if fnmatch.fnmatch(dest, pat):
            return f"unused ({pat})"
    if build_flavour == "cpu":
        for pat in CUDA_FILES:
            if fnmatch.fnmatch(dest, pat):
                return f"CUDA in a CPU build ({pat})"
    return None


def module_names(package: str = "sefa_desktop") -> list[str]:
    """Every module of our package, found by walking the files (nothing is imported). All are hidden
    imports: the CLI imports commands by name (importlib), which PyInstaller cannot see."""
    base = ROOT / package
    names = []
    for path in sorted(base.rglob("*.py")):
        rel = path.relative_to(ROOT).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "__init__":
            parts.pop()
        if "__pycache__" not in parts:
            names.append(".".join(parts))
    return names


def hidden_imports() -> list[str]:
    return module_names() + REQUIRED_QT_MODULES


def datas() -> list[tuple[str, str]]:
    return [(str(ROOT / src), dest) for src, dest in DATAS]


def info_plist() -> dict:
    """macOS Info.plist additions (BUNDLE adds the name, identifier, executable and icon keys)."""
    def doc_type(name: str, exts: list[str]) -> dict:
        # Role Viewer + rank Alternate: we open these files, but never claim to be their main app.
        return {"CFBundleTypeName": name, "CFBundleTypeRole": "Viewer", "LSHandlerRank": "Alternate",
                "CFBundleTypeExtensions": exts, "CFBundleTypeIconFile": "sefa-desktop.icns"}

    return {
        "CFBundleDisplayName": DISPLAY_NAME,
        "CFBundleShortVersionString": VERSION,
        "CFBundleVersion": VERSION,
        "NSHighResolutionCapable": True,
        "NSRequiresAquaSystemAppearance": False,  # follow dark mode
        "LSMinimumSystemVersion": MACOS_MINIMUM,
        "LSApplicationCategoryType": "public.app-category.graphics-design",
        "NSHumanReadableCopyright": "MIT licence; bundled model weights under their own licences",
        "CFBundleDocumentTypes": [
            doc_type("PyTorch checkpoint", ["pt", "pth"]),
            doc_type("Pickled GAN checkpoint", ["pkl"]),
            doc_type("safetensors weights", ["safetensors"]),
        ],
    }


def _dist_name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;(]", requirement.strip(), maxsplit=1)[0]


def bundled_distributions() -> list[str]:
    """Installed distributions the bundle carries: our dependencies from pyproject.toml and theirs,
    minus those whose package is excluded (e.g. sympy, setuptools)."""
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    modules_of: dict[str, set[str]] = {}
    for module, dists in metadata.packages_distributions().items():
        for d in dists:
            modules_of.setdefault(d.lower().replace("_", "-"), set()).add(module)
    seen: dict[str, str] = {}
    todo = [_dist_name(r) for r in deps]
    while todo:
        name = todo.pop()
        key = name.lower().replace("_", "-")
        if key in seen:
            continue
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        mods = modules_of.get(key, set())
        if mods & set(EXCLUDED_MODULES):  # its package is left out of the bundle
            continue
        seen[key] = dist.metadata["Name"]
        todo += [_dist_name(r) for r in (dist.requires or []) if "extra ==" not in r]
    return sorted(seen.values(), key=str.lower)


def licence_datas(workdir: Path) -> list[tuple[str, str]]:
    """Licence texts of the bundled distributions (from their metadata) under licenses/<name>/, plus
    licenses/THIRD-PARTY.txt, written into `workdir`, naming each one with its declared licence."""
    out: list[tuple[str, str]] = []
    lines = [f"{DISPLAY_NAME} {VERSION} bundles these components (licence as each declares it).",
             "Python itself: PSF-2.0. The bundled model weights: see resources/models/*.LICENSE.",
             "Qt and PySide6 are used under the LGPL-3.0 (https://www.gnu.org/licenses/lgpl-3.0.html): their",
             "libraries are separate shared files in this folder, which you may replace with your own build.", ""]
    for name in bundled_distributions():
        dist = metadata.distribution(name)
        meta = dist.metadata
        classifiers = [c.rsplit("::", 1)[-1].strip() for c in meta.get_all("Classifier") or []
                       if c.startswith("License ::")]
        licence = (meta.get("License-Expression") or (meta.get("License") or "").strip().split("\n")[0]
                   or ", ".join(classifiers) or "see the project")
        urls = dict(u.split(",", 1) for u in meta.get_all("Project-URL") or [] if "," in u)
        urls = {k.strip().lower(): v.strip() for k, v in urls.items()}
        home = meta.get("Home-page") or next((urls[k] for k in ("homepage", "home", "source", "source code",
                                                                 "repository", "code") if k in urls), "")
        lines.append(f"{name} {dist.version}: {licence}  {home}".rstrip())
        for f in dist.files or []:
            if any(k in f.name.upper() for k in ("LICEN", "COPYING", "NOTICE")) and ".dist-info" in str(f):
                src = Path(str(dist.locate_file(f)))
                if src.is_file():
                    rel = Path(str(f)).parts[1:]  # drop the .dist-info folder name
                    out.append((str(src), str(Path("licenses", name, *rel[:-1]))))
    notice = workdir / "THIRD-PARTY.txt"
    workdir.mkdir(parents=True, exist_ok=True)
    notice.write_text("\n".join(lines) + "\n", encoding="utf-8")
    out.append((str(notice), "licenses"))
    return out
