"""One-way layers: every import of ours (module level or inside a function) points down a layer,
and no chain of imports between our modules closes a cycle.

The layers, bottom up (docs/architecture.md draws them):

    base       sefa_desktop (the package root), util/, resources.py     nothing of ours
    core       core/          the method and its files                  base
    settings   settings.py    user folders, recent models               base
    models     models/        families and formats                      base, settings
    app state  presets.py, session/   what the user is working on       base, core, settings, models
    demo       demo/          the demo model's data, training, checks   base, core, settings, models
    batch      batch/         dataset renders (plan, manifest, engines) base, core, settings, models
    gui        gui/           Qt widgets                                 base … app state, demo
    commands   commands/      CLI sub-commands                           base … app state, demo, batch
    entry      __main__, app, cli, launcher, smoke                       anything

The checker is tested on a small made-up tree below, so it is known to fail when it should.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1] / "sefa_desktop"

LAYER_OF_PREFIX = {  # longest matching prefix wins
    "": "entry",  # anything not listed below sits at the top
    "util": "base",
    "resources": "base",
    "core": "core",
    "settings": "settings",
    "models": "models",
    "presets": "state",
    "session": "state",
    "demo": "demo",
    "batch": "batch",
    "gui": "gui",
    "commands": "commands",
}
ALLOWED = {
    "base": {"base"},
    "core": {"base", "core"},
    "settings": {"base", "settings"},
    "models": {"base", "settings", "models"},
    "state": {"base", "core", "settings", "models", "state"},
    "demo": {"base", "core", "settings", "models", "demo"},
    "batch": {"base", "core", "settings", "models", "batch"},
    # demo: the app labels the demo model's directions with its bundled predictors (gui/labels_controller.py)
    "gui": {"base", "core", "settings", "models", "state", "demo", "gui"},
    "commands": {"base", "core", "settings", "models", "state", "demo", "batch", "commands"},
    "entry": {"base", "core", "settings", "models", "state", "demo", "batch", "gui", "commands", "entry"},
}


@dataclass(frozen=True)
class Import:
    source: str  # importing module, dotted, relative to the package ("" = the root __init__)
    target: str  # imported module, same form
    line: int


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect_imports(root: Path, package: str) -> tuple[set[str], list[Import]]:
    """Every module under `root` and every import of a module of ours, at any depth of the code."""
    files = {module_name(p, root): p for p in sorted(root.rglob("*.py"))}
    modules = set(files)
    found: list[Import] = []
    for mod, path in files.items():
        is_pkg = path.name == "__init__.py"
        here = mod.split(".") if mod else []
        pkg_parts = here if is_pkg else here[:-1]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name == package or alias.name.startswith(package + "."):
                        found.append(Import(mod, _ours(alias.name, package, modules), node.lineno))
                continue
            if not isinstance(node, ast.ImportFrom):
                continue
            if node.level:
                base = pkg_parts[:len(pkg_parts) - (node.level - 1)] if node.level > 1 else pkg_parts
                target = ".".join(base + ([node.module] if node.module else []))
            elif node.module and (node.module == package or node.module.startswith(package + ".")):
                target = node.module[len(package) + 1:] if node.module != package else ""
            else:
                continue
            for alias in node.names:  # `from pkg import submodule` imports the submodule
                sub = f"{target}.{alias.name}" if target else alias.name
                found.append(Import(mod, sub if sub in modules else target, node.lineno))
    return modules, found


def _ours(dotted: str, package: str, modules: set[str]) -> str:
    rel = dotted[len(package) + 1:] if dotted != package else ""
    return rel if rel in modules else rel.rpartition(".")[0]


def layer_of(module: str) -> str:
    best = ""
    for prefix in LAYER_OF_PREFIX:
        if prefix and (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
            best = prefix
    return LAYER_OF_PREFIX[best]


def upward_imports(imports: list[Import]) -> list[str]:
    bad = []
    for imp in imports:
        src, dst = layer_of(imp.source), layer_of(imp.target)
        if imp.target == "":  # the package root holds only the name and version
            dst = "base"
        if dst not in ALLOWED[src]:
            bad.append(f"{imp.source or '(root)'}:{imp.line} imports {imp.target} ({src} → {dst})")
    return bad


def import_cycles(modules: set[str], imports: list[Import]) -> list[list[str]]:
    """Strongly connected components with more than one module (or a module importing itself)."""
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for imp in imports:
        if imp.target in graph:
            graph[imp.source].add(imp.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []
    counter = 0

    def visit(v: str) -> None:  # Tarjan's algorithm; the graph is small, recursion is fine
        nonlocal counter
        index[v] = low[v] = counter
        counter += 1
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1 or v in graph[v]:
                cycles.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return cycles


# -- the project ------------------------------------------------------------------------------------
def test_every_import_points_down_a_layer():
    _, imports = collect_imports(ROOT, "sefa_desktop")
    assert len(imports) > 100  # the walk really saw the code
    assert upward_imports(imports) == []


def test_no_import_cycles_between_modules():
    modules, imports = collect_imports(ROOT, "sefa_desktop")
    assert import_cycles(modules, imports) == []


def test_importing_core_loads_no_torch():
    import subprocess
    import sys

    code = ("import sys, sefa_desktop.core as c; from sefa_desktop.core import DirectionSet; "
            "assert 'torch' not in sys.modules, 'torch loaded'; "
            "from sefa_desktop.core import factorize; assert callable(factorize); "
            "assert 'torch' in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_core_names_resolve_to_the_objects_whichever_module_loads_first():
    import subprocess
    import sys

    code = ("import sefa_desktop.core.sefa, sefa_desktop.core.direction_io; "
            "from sefa_desktop.core import factorize, read_directions; "
            "assert callable(factorize) and factorize.__name__ == 'factorize'; "
            "assert read_directions.__name__ == 'read_directions'")
    subprocess.run([sys.executable, "-c", code], check=True)


# -- the checker can fail ---------------------------------------------------------------------------
def _tree(tmp_path: Path, files: dict[str, str]) -> Path:
    root = tmp_path / "sefa_desktop"
    for rel, text in files.items():
        p = root / rel
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text)
    return root


def test_checker_catches_an_upward_import_inside_a_function(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/sefa.py": "def f():\n    from ..models.registry import load_model\n",
        "models/__init__.py": "",
        "models/registry.py": "from ..util.atomic import atomic_path\n",
        "util/__init__.py": "",
        "util/atomic.py": "",
        "gui/__init__.py": "",
        "gui/w.py": "from sefa_desktop.core import sefa\nfrom ..presets import X\n",
        "presets.py": "from .models import registry\n",
    })
    _, imports = collect_imports(root, "sefa_desktop")
    bad = upward_imports(imports)
    assert bad == ["core.sefa:2 imports models.registry (core → models)"]
    assert {i.target for i in imports if i.source == "gui.w"} == {"core.sefa", "presets"}


def test_checker_catches_settings_and_gui_imports_from_below(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "settings.py": "",
        "core/__init__.py": "import sefa_desktop.settings\n",
        "models/__init__.py": "from sefa_desktop.gui import main_window\n",
        "gui/__init__.py": "",
        "gui/main_window.py": "",
    })
    _, imports = collect_imports(root, "sefa_desktop")
    assert sorted(upward_imports(imports)) == [
        "core:1 imports settings (core → settings)",
        "models:1 imports gui.main_window (models → gui)",
    ]


def test_checker_finds_a_cycle_within_one_layer(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/a.py": "from . import b\n",
        "core/b.py": "def late():\n    from .c import x\n",
        "core/c.py": "from .a import y\n",
        "core/d.py": "from .a import y\n",
    })
    modules, imports = collect_imports(root, "sefa_desktop")
    assert upward_imports(imports) == []
    assert import_cycles(modules, imports) == [["core.a", "core.b", "core.c"]]
