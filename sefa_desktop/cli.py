"""Headless command line: the same jobs as the app, for scripts and tests.

Sub-commands live in sefa_desktop/commands/, one module each with `register(subparsers)`.
Errors print one line to stderr and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from . import __version__
from .commands import COMMAND_MODULES, CliError

__all__ = ["CliError", "build_parser", "command_names", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="sefa-desktop",
        description="Find and edit interpretable directions in pretrained GANs with SeFa "
                    "(closed-form factorization). Without a sub-command, opens the app.",
        epilog="MODEL is a bundled model's name (see `sefa-desktop models`) or a checkpoint path.",
    )
    parser.add_argument("--version", action="version", version=f"sefa-desktop {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for mod_name in COMMAND_MODULES:
        importlib.import_module(f"sefa_desktop.commands.{mod_name}").register(sub)
    return parser


def command_names() -> set[str]:
    """Sub-command names (module names with '-' for '_'), to tell CLI from app invocations."""
    return {m.replace("_", "-") for m in COMMAND_MODULES}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .core.directions import DirectionFileError
    from .models.errors import ModelLoadError
    from .util.atomic import WriteError

    try:
        return int(args.func(args) or 0)
    except (CliError, ModelLoadError, DirectionFileError, WriteError, ValueError) as e:
        print(f"sefa-desktop: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("sefa-desktop: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
