"""`sefa-desktop models`: bundled and recently used models."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("models", help="list bundled and recent models",
                       description="List the models that ship with the app and the checkpoints "
                                   "you opened recently.")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
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
