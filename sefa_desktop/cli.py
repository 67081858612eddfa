"""Headless command line: the same jobs as the app, for scripts and tests.

Sub-commands live in sefa_desktop/commands/, one module each with `register(subparsers)`.
Errors print one line to stderr and exit with status 1 (2 for usage errors).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any

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

    previous = _terminate_cleanly()
    try:
        return int(args.func(args) or 0)
    except CliError as e:
        return _fail(str(e), int(getattr(e, "status", 1)))
    except (ModelLoadError, DirectionFileError, WriteError, ValueError) as e:
        return _fail(str(e))
    except MemoryError:
        return _fail("out of memory (the input is larger than this machine can hold, or corrupt)")
    except KeyboardInterrupt:
        print("sefa-desktop: interrupted", file=sys.stderr)
        return 130
    except OSError as e:
        where = f"{e.filename}: " if getattr(e, "filename", None) else ""
        return _fail(f"{where}{e.strerror or e}")
    except Exception as e:  # never a traceback for a user; SEFA_DEBUG=1 shows it to developers
        if os.environ.get("SEFA_DEBUG"):
            raise
        return _fail(f"unexpected {type(e).__name__}: {_one_line(e)} (set SEFA_DEBUG=1 for details)")
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _terminate_cleanly() -> Any:
    """On SIGTERM remove the temp files of the writes in progress and exit 143 at once. Exiting
    here, rather than raising into whatever runs (a render thread, an encoder, C code), means no
    hidden temp file is left beside an export and no worker thread is torn down mid-call."""
    def handler(signum: int, frame: Any) -> None:
        from .util.atomic import remove_live_temps

        remove_live_temps()
        with contextlib.suppress(Exception):
            print("sefa-desktop: terminated; nothing was written", file=sys.stderr)
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(143)

    try:
        return signal.signal(signal.SIGTERM, handler)
    except ValueError:  # not the main thread (embedded use): leave signals alone
        return None


def _one_line(e: BaseException) -> str:
    text = str(e).strip()
    return text.splitlines()[0][:300] if text else ""


def _fail(message: str, status: int = 1) -> int:
    print(f"sefa-desktop: error: {_one_line(Exception(message)) or 'failed'}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
