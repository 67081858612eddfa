"""`sefa-desktop download NAME`: fetch a catalogue checkpoint into the models cache."""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("download", help="download a public checkpoint from the catalogue",
                       description="Download a checkpoint listed by `sefa-desktop models --catalog` into the "
                                   "app's model cache (resuming an interrupted download, verifying its "
                                   "sha256 when known) and print its path.")
    p.add_argument("name", metavar="NAME", help="catalogue entry name, e.g. stylegan3-r-ffhq-1024x1024")
    p.add_argument("--dir", type=Path, default=None, help="download into this folder instead of the cache")
    p.add_argument("--force", action="store_true", help="download again even if the file is present")
    p.add_argument("--verify", action="store_true",
                   help="re-check a downloaded file: its sha256 against the catalogue's or the one recorded "
                        "at its first download, and that it still opens; downloads nothing")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds without data before a retry (default 30)")
    p.add_argument("--retries", type=int, default=4, help="attempts per URL (default 4)")
    p.set_defaults(func=run)


class _Bar:
    """A one-line progress bar on stderr, redrawn at most 10 times a second."""

    def __init__(self, label: str) -> None:
        self.label, self.last, self.start = label, 0.0, time.monotonic()
        self.tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int | None) -> None:
        now = time.monotonic()
        final = total is not None and done >= total
        if now - self.last < (0.1 if self.tty else 2.0) and not final:
            return
        self.last = now
        from ..models.catalogue import format_size

        rate = done / max(now - self.start, 1e-6)
        if total:
            frac = done / total
            bar = "#" * int(frac * 30)
            text = f"{self.label} [{bar:30s}] {frac * 100:5.1f}% {format_size(done)}/{format_size(total)}"
        else:
            text = f"{self.label} {format_size(done)}"
        text += f"  {format_size(int(rate))}/s"
        sys.stderr.write(("\r" + text) if self.tty else (text + "\n"))
        sys.stderr.flush()

    def close(self) -> None:
        if self.tty:
            sys.stderr.write("\n")


def run(args: argparse.Namespace) -> int:
    from ..models.catalogue import load_catalogue
    from ..models.download import DownloadError, RetryPolicy, download_entry

    entry = load_catalogue().require(args.name)
    if args.verify:
        from ..models.download import verify_entry

        try:
            result = verify_entry(entry, args.dir)
        except DownloadError as e:
            raise CliError(str(e)) from None
        print(f"{entry.name}: OK (sha256 {result.sha256}, {result.size} bytes, opens as {entry.family})",
              file=sys.stderr)
        print(result.path)
        return 0
    if args.retries < 1 or args.timeout <= 0:
        raise ValueError("--retries must be ≥ 1 and --timeout > 0")
    bar = _Bar(entry.name)
    try:
        result = download_entry(entry, args.dir, progress=bar, force=args.force,
                                policy=RetryPolicy(timeout=args.timeout, attempts=args.retries))
    except DownloadError as e:
        raise CliError(str(e)) from None
    finally:
        bar.close()
    if result.fetched == 0 and result.resumed_from == result.size:
        print(f"{entry.name}: already downloaded", file=sys.stderr)
    elif not result.verified:
        print(f"{entry.name}: sha256 {result.sha256} (no published checksum; recorded)", file=sys.stderr)
    print(result.path)
    return 0
