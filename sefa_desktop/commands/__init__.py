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


class UsageError(CliError):
    """An argument that does not fit the model (e.g. --class for a model without classes): exit status 2,
    as argparse's own usage errors."""

    status = 2
