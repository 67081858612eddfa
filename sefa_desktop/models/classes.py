"""Classes of a class-conditional model (BigGAN, conditional StyleGAN2-ADA): their names, and a typed
class → its index.

Names come from the checkpoint's config (`model.class_names`). The published BigGAN configs carry none,
so a 1000-class model falls back to the ImageNet-1k names of an installed torchvision or open_clip (read
as data from their source file, nothing of theirs is imported or run); without either, classes are
shown by index only. Both the app's class picker and the command line's `--class` use these names.
"""

from __future__ import annotations

import ast
import importlib.util
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

IMAGENET_CLASSES = 1000
# (package, file inside it, the name of the list or tuple assigned there)
_IMAGENET_SOURCES = (("torchvision", "models/_meta.py", "_IMAGENET_CATEGORIES"),
                     ("open_clip", "zero_shot_metadata.py", "IMAGENET_CLASSNAMES"))


def is_class_conditional(model: Any) -> bool:
    """Does the model render a chosen class (codes(z, c=index))? BigGAN and conditional StyleGAN2-ADA /
    StyleGAN3 pickles (e.g. CIFAR-10) do (`BaseGanModel.class_vector`)."""
    return int(getattr(model, "num_classes", 0) or 0) > 0 and hasattr(model, "class_vector")


def class_names(model: Any) -> list[str]:
    """One name per class ("" where none is known)."""
    n = int(getattr(model, "num_classes", 0) or 0)
    names = [str(x) for x in (getattr(model, "class_names", None) or [])]
    if len(names) == n:
        return names
    if n == IMAGENET_CLASSES:
        found = imagenet_names()
        if found:
            return list(found)
    return [""] * n


@lru_cache(maxsize=1)
def imagenet_names() -> tuple[str, ...]:
    """The ImageNet-1k class names from an installed package's data, or () when none has them."""
    for package, rel, variable in _IMAGENET_SOURCES:
        try:
            spec = importlib.util.find_spec(package)  # finds the folder without importing the package
        except (ImportError, ValueError):
            continue
        for folder in (spec.submodule_search_locations or []) if spec is not None else []:
            names = _literal_list(Path(folder) / rel, variable)
            if len(names) == IMAGENET_CLASSES:
                return names
    return ()


def _literal_list(path: Path, variable: str) -> tuple[str, ...]:
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, SyntaxError, ValueError):
        return ()
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == variable for t in node.targets):
            try:
                value = ast.literal_eval(node.value)
            except ValueError:
                return ()
            if isinstance(value, list | tuple) and all(isinstance(x, str) for x in value):
                return tuple(value)
    return ()


def class_label(index: int, names: Sequence[str]) -> str:
    """"207: golden retriever" (or "207" without a name): what the picker lists."""
    name = names[index] if 0 <= index < len(names) else ""
    return f"{index}: {name}" if name else str(index)


def resolve_class(text: str, names: Sequence[str]) -> int:
    """The class `text` means: an index ("207"), a picker label ("207: golden retriever"), a name or a
    unique part of one, case-insensitive ("golden retriever", "retriev" if only one name has it).
    Raises ValueError with one line when it is out of range, unknown or ambiguous."""
    n = len(names)
    t = " ".join(str(text).split())
    if not t:
        raise ValueError("no class given")
    head, sep, rest = t.partition(":")
    if head.strip().lstrip("-").isdigit():
        index = int(head)
        if not 0 <= index < n:
            raise ValueError(f"class {index} is out of range: this model has classes 0..{n - 1}")
        if sep and rest.strip() and names[index] and rest.strip().lower() != names[index].lower():
            raise ValueError(f"class {index} is '{names[index]}', not '{rest.strip()}'")
        return index
    low = t.lower()
    exact = [i for i, name in enumerate(names) if name.lower() == low]
    if len(exact) == 1:
        return exact[0]
    matches = exact or [i for i, name in enumerate(names) if low in name.lower()]
    if len(matches) == 1:
        return matches[0]
    if not any(names):
        raise ValueError(f"this model's classes have no names: give an index 0..{n - 1}, not '{t}'")
    if not matches:
        raise ValueError(f"no class is named like '{t}'")
    shown = ", ".join(class_label(i, names) for i in matches[:5])
    more = f" and {len(matches) - 5} more" if len(matches) > 5 else ""
    raise ValueError(f"'{t}' matches {len(matches)} classes ({shown}{more}): be more specific or give the index")
