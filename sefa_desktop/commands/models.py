"""`sefa-desktop models`: bundled and recently used models."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list bundled and recent models",
                       description="List the models that ship with the app and the checkpoints "
                                   "you opened recently. With --catalog: the public checkpoints "
                                   "`sefa-desktop download NAME` can fetch.")
    p.add_argument("--catalog", "--catalogue", dest="catalog", action="store_true",
                   help="list the downloadable public checkpoints, grouped by family")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if getattr(args, "catalog", False):
        return run_catalog()
    from ..models import DEFAULT_MODEL, bundled_models
    from ..settings import recent_models

    print("bundled:")
    for m in bundled_models():
        star = " (default)" if m.name == DEFAULT_MODEL else ""
        print(f"  {m.name:24s} {m.family:10s} {m.resolution:5d}px  {m.description}{star}")
    recent = recent_models()
    print("recent:" if recent else "recent: none")
    for path in recent:
        print(f"  {path}")
    return 0


def run_catalog() -> int:
    from ..models.catalogue import format_size, load_catalogue, models_cache_dir

    cat = load_catalogue()
    folder = models_cache_dir()
    for family, entries in cat.by_family().items():
        print(f"{family}: {len(entries)}")
        for e in entries:
            res = f"{e.resolution}px" if e.resolution else "?"
            mark = "  [downloaded]" if e.is_present(folder) else ""
            print(f"  {e.name:34s} {family:10s} {res:>6s} {format_size(e.download_size):>9s}  {e.dataset or '?'}{mark}")
    print(f"{len(cat)} models; download with `sefa-desktop download NAME` into {folder}")
    return 0
