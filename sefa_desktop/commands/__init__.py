"""CLI sub-commands, one module each (module name = command name with '_' for '-')."""

COMMAND_MODULES = [
    "info",
    "models",
    "factorize",
    "render",
    "grid",
    "download",
    "video",
    "presets",
    "page",
    "evaluate",
    "boundary",
    "compare",
    "label",
    "batch",
    "project",
]


class CliError(Exception):
    """A user-facing failure: printed as one line, exit status 1 (raised by commands, caught in cli)."""
