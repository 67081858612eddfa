"""`python -m sefa_desktop` / `sefa-desktop`: the CLI when given a sub-command, else the app."""

from __future__ import annotations

import sys
from collections.abc import Sequence


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    from .cli import command_names

    if args and (args[0] in command_names() or args[0] in ("-h", "--help", "--version")):
        from .cli import main as cli_main

        return cli_main(args)
    from .app import main as app_main

    return app_main(args)


if __name__ == "__main__":
    sys.exit(main())
