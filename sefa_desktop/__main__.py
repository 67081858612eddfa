"""`python -m sefa_desktop` / `sefa-desktop`: the CLI when given a sub-command, else the app."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    _ensure_streams()
    from .util.threads import configure_openmp

    configure_openmp()  # before anything imports torch
    if args and args[0] in ("--install-launcher", "--uninstall-launcher"):
        from .launcher import main as launcher_main

        return launcher_main(args[0])
    if args and args[0] == "--smoke-test":
        from .smoke import main as smoke_main

        return smoke_main(args[1:])
    from .cli import command_names

    if args and (args[0] in command_names() or args[0] in ("-h", "--help", "--version")):
        from .cli import main as cli_main

        return cli_main(args)
    from .app import main as app_main

    return app_main(args)


def _ensure_streams() -> None:
    """A windowed (no console) frozen app on Windows has sys.stdout/stderr = None, and libraries that
    print (torch warnings, argparse) would crash on it: send both to a log file in the user log folder."""
    if sys.stdout is not None and sys.stderr is not None:
        return
    import os

    import platformdirs

    from . import APP_NAME

    try:
        folder = platformdirs.user_log_dir(APP_NAME, appauthor=False)
        os.makedirs(folder, exist_ok=True)
        stream = open(os.path.join(folder, "sefa-desktop.log"), "a", encoding="utf-8", buffering=1)  # noqa: SIM115
    except OSError:
        stream = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
    if sys.stdout is None:
        sys.stdout = stream
    if sys.stderr is None:
        sys.stderr = stream


if __name__ == "__main__":
    sys.exit(main())
