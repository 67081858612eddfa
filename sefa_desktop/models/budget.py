"""The declared-size budget: no checkpoint may make us materialise much more than it occupies.

One rule for every reader (util/budget.py, docs/robustness.md):

    bytes materialised  ≤  FACTOR × (bytes of the checkpoint's files)  +  SLACK

"Materialised" counts every tensor at the size it has once loaded as float32 (numel × max(4, itemsize)),
whatever its strides say: a stride-0 or overlapping view of one stored element counts at the size
`.contiguous()` would give it. FACTOR = 4 covers float16 files (which double) and the copies a
converter makes; SLACK = 64 MiB covers what an architecture adds itself (filters, noise buffers,
BN statistics, the 4096 mapped samples of rosinality's w_avg) and tiny files.

Where sizes are declared, they are checked against the budget before anything is read or allocated:
zip members of torch files (declared uncompressed sizes), tensors in the loaded container, and the
network a config describes (built first on the meta device, which allocates nothing, after
`config_bounds` rejected values no real model has).

`load_budget(nbytes)` scopes the budget of one load (registry.load_model sets it from the file
size); the checks are no-ops outside a scope, so tests that build nets directly are not limited.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from ..util.budget import FACTOR, SLACK, limit_for, over_budget, zip_declared_bytes
from .errors import ModelLoadError

__all__ = ["FACTOR", "SLACK", "LoadBudget", "check", "check_container_tensors", "check_net", "check_zip_members",
           "checkpoint_bytes", "current", "limit_for", "load_budget", "tensor_bytes"]

MAX_CONTAINER_NODES = 2_000_000  # dicts/lists/tensors walked in one torch file (real ones: thousands)


@dataclass
class LoadBudget:
    file_bytes: int
    limit: int


_current: contextvars.ContextVar[LoadBudget | None] = contextvars.ContextVar("sefa_load_budget", default=None)


def checkpoint_bytes(path: Path) -> int:
    """Size of a checkpoint: the file, or every regular file directly inside a folder checkpoint."""
    if path.is_dir():
        return sum(p.stat().st_size for p in path.iterdir() if p.is_file())
    return path.stat().st_size


@contextlib.contextmanager
def load_budget(file_bytes: int) -> Iterator[LoadBudget]:
    budget = LoadBudget(int(file_bytes), limit_for(file_bytes))
    token = _current.set(budget)
    try:
        yield budget
    finally:
        _current.reset(token)


def current() -> LoadBudget | None:
    return _current.get()


def check(nbytes: int, what: str) -> None:
    """Refuse when `nbytes` materialised for `what` exceed the current load's budget."""
    b = _current.get()
    if b is not None and nbytes > b.limit:
        raise ModelLoadError(f"refused to load: {over_budget(what, nbytes, b.file_bytes)}")


def tensor_bytes(t: torch.Tensor) -> int:
    """What `t` costs once materialised as a dense float32 (or wider) tensor."""
    return int(t.numel()) * max(4, t.element_size())


def check_container_tensors(obj: Any) -> None:
    """Sum every tensor inside a loaded torch container (dicts, lists, tuples, attribute bags) at its
    materialised size and check it against the budget. Also bounds the walk itself."""
    total, seen, nodes = 0, set(), 0
    stack: list[Any] = [obj]
    while stack:
        x = stack.pop()
        nodes += 1
        if nodes > MAX_CONTAINER_NODES:
            raise ModelLoadError("refused to load: the checkpoint holds millions of objects (crafted file?)")
        if isinstance(x, torch.Tensor):
            total += tensor_bytes(x)
            continue
        if id(x) in seen:
            continue
        if isinstance(x, Mapping):
            seen.add(id(x))
            stack.extend(x.values())
        elif isinstance(x, list | tuple | set):
            seen.add(id(x))
            stack.extend(x)
        elif hasattr(x, "__dict__") and not isinstance(x, type):
            seen.add(id(x))
            stack.extend(vars(x).values())
    check(total, "its tensors")


def check_zip_members(path: Path) -> None:
    """Declared uncompressed sizes of a torch zip's members against the budget (deflate bombs)."""
    if _current.get() is None:
        return
    found = zip_declared_bytes(path)
    if found is None:
        return  # torch.load reports an unreadable zip in its own words
    declared, n, compressed = found
    check(declared, f"the zip members of {path.name} ({n} members" + (f", {compressed} compressed)" if compressed
                                                                       else ")"))


def check_net(net: torch.nn.Module, what: str) -> None:
    """The network a config describes (built on the meta device) against the budget."""
    if _current.get() is None:
        return
    total = sum(tensor_bytes(t) for t in net.state_dict().values())
    check(total, what)
