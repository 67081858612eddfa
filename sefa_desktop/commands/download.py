"""`sefa-desktop download NAME`: fetch a catalogue checkpoint into the models cache."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import CliError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("download", help="download a public checkpoint from the catalogue",
                       description="Download a checkpoint listed by `sefa-desktop models --catalog` into the "
                                   "app's model cache (resuming an interrupted download, verifying its "
                                   "sha256 when known) and print its path.")
    p.add_argument("name", metavar="NAME", help="catalogue entry name, e.g. stylegan3-r-ffhq-1024x1024")
    p.add_argument("--dir", type=Path, default=None, help="download into this folder instead of the cache")
    p.add_argument("--force", action="store_true", help="download again even if the file (or folder) is present")
    p.add_argument("--verify", action="store_true",
                   help="re-check a downloaded file: its sha256 against the catalogue's or the one recorded "
                        "at its first download, and that it still opens; downloads nothing")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds without data before a retry (default 30)")
    p.add_argument("--retries", type=int, default=4, help="attempts per URL (default 4)")
    p.set_defaults(func=run)


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
        if result.files:  # a multi-file entry: each file's checksum, then the set
            for f in result.files:
                print(f"{entry.name}/{f.path.name}: sha256 {f.sha256}, {f.size} bytes", file=sys.stderr)
            print(f"{entry.name}: OK ({len(result.files)} files, {result.size} bytes, opens as {entry.family})",
                  file=sys.stderr)
        else:
            print(f"{entry.name}: OK (sha256 {result.sha256}, {result.size} bytes, opens as {entry.family})",
                  file=sys.stderr)
        print(result.path)
        return 0
    if args.retries < 1 or args.timeout <= 0:
        raise ValueError("--retries must be ≥ 1 and --timeout > 0")
    from .progress import Progress

    try:
        with Progress(entry.name, unit="B", unit_scale=True) as bar:
            result = download_entry(entry, args.dir, progress=bar, force=args.force,
                                    policy=RetryPolicy(timeout=args.timeout, attempts=args.retries))
    except DownloadError as e:
        raise CliError(str(e)) from None
    if result.fetched == 0 and result.resumed_from == result.size:
        print(f"{entry.name}: already downloaded", file=sys.stderr)
    else:
        for f in result.files or (result,):
            if not f.verified:
                label = f"{entry.name}/{f.path.name}" if result.files else entry.name
                print(f"{label}: sha256 {f.sha256} (no published checksum; recorded)", file=sys.stderr)
    print(result.path)
    return 0
