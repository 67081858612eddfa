"""Progress bars of the long commands (video, grid, page, evaluate, download): one library, tqdm.

The core jobs report `progress(done, total)`; `Progress` turns those calls into a tqdm bar on stderr
(rate and time left included). On a terminal it redraws in place; in a log (stderr not a terminal)
it writes a line at most every few seconds, so CI logs stay short.
"""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Callable as `progress(done, total)`; also a context manager that closes the bar."""

    def __init__(self, desc: str, unit: str = "it", total: int | None = None, quiet: bool = False,
                 unit_scale: bool = False, stream: Any = None) -> None:
        from tqdm import tqdm

        stream = stream or sys.stderr
        tty = bool(getattr(stream, "isatty", lambda: False)())
        self.bar = tqdm(total=total, desc=desc, unit=unit, unit_scale=unit_scale, file=stream, disable=quiet,
                        dynamic_ncols=tty, mininterval=0.1 if tty else 5.0, leave=True,
                        unit_divisor=1024 if unit_scale else 1000)

    def __call__(self, done: int, total: int | None = None) -> None:
        if total is not None and total != self.bar.total:
            self.bar.total = total
            self.bar.refresh()
        if done > self.bar.n:
            self.bar.update(done - self.bar.n)

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def describe(self, desc: str) -> None:
        self.bar.set_description_str(desc)

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
