"""Progress bars of the long commands (video, grid, page, evaluate, download): one library, tqdm.

The core jobs report `progress(done, total)`; `Progress` turns those calls into a tqdm bar on stderr
(rate and time left included). On a terminal it redraws in place; in a log (stderr not a terminal)
it writes a line at most every few seconds, so CI logs stay short.
"""

from __future__ import annotations

import sys
from typing import Any


class Progress:
    """Callable as `progress(done, total)`; also a context manager that closes the bar. The bar appears
    at the first report, so a command that fails while checking its input prints only its error line."""

    def __init__(self, desc: str, unit: str = "it", total: int | None = None, quiet: bool = False,
                 unit_scale: bool = False, stream: Any = None) -> None:
        self.stream = stream or sys.stderr
        self.quiet = quiet
        self.options = dict(total=total, desc=desc, unit=unit, unit_scale=unit_scale,
                            unit_divisor=1024 if unit_scale else 1000)
        self._bar: Any = None

    @property
    def bar(self) -> Any:
        if self._bar is None:
            from tqdm import tqdm

            tty = bool(getattr(self.stream, "isatty", lambda: False)())
            self._bar = tqdm(file=self.stream, disable=self.quiet, dynamic_ncols=tty, leave=True,
                             mininterval=0.1 if tty else 5.0, **self.options)
        return self._bar

    def __call__(self, done: int, total: int | None = None) -> None:
        bar = self.bar
        if total is not None and total != bar.total:
            bar.total = total
            bar.refresh()
        if done > bar.n:
            bar.update(done - bar.n)

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def describe(self, desc: str) -> None:
        self.bar.set_description_str(desc)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
