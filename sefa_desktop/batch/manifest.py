"""OUTDIR/manifest.csv: one row per finished image, the record a resumed batch trusts.

Columns `seed,direction,alpha,path,sha256` (and `latent` when the samples are latent files). A row is
appended only after its image was written (temp file + rename) and is flushed at once, so a killed
process leaves whole rows of existing images, plus at worst one torn last line, which the reader
drops. The file is fsync'ed at most once a second (and at the end): after a power cut the last
second's rows may be missing, and those images are simply rendered again. A resumed run keeps only
rows whose file still exists with the recorded sha256 and renders the rest. A finished run rewrites
the file atomically in plan order, so the same recipe gives the same manifest whatever the engine,
worker count or interruptions.
"""

from __future__ import annotations

import csv
import io
import os
import time
from collections.abc import Callable, Iterable
from pathlib import Path

from ..util.atomic import atomic_write_bytes
from .plan import BatchError, Job, Plan, file_sha256

COLUMNS = ("seed", "direction", "alpha", "path", "sha256")
LATENT_COLUMN = "latent"
MANIFEST = "manifest.csv"


def columns_for(plan: Plan) -> tuple[str, ...]:
    return COLUMNS + ((LATENT_COLUMN,) if plan.latents else ())


def row_for(job: Job, sha256: str, latent_names: list[str] | None = None) -> list[str]:
    row = ["" if job.seed is None else str(job.seed), "" if job.direction is None else str(job.direction),
           repr(float(job.alpha)), job.path, sha256]
    if latent_names is not None:
        row.append(latent_names[job.latent] if job.latent is not None else "")
    return row


def format_rows(rows: Iterable[list[str]]) -> str:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\n").writerows(rows)
    return buf.getvalue()


def read_rows(path: Path, columns: tuple[str, ...]) -> tuple[list[list[str]], bool]:
    """The complete rows of a manifest (header checked) and whether it had to drop a torn last line."""
    try:
        text = path.read_bytes().decode("utf-8")
    except FileNotFoundError:
        return [], False
    except (OSError, UnicodeDecodeError) as e:
        raise BatchError(f"cannot read {path}: {e}") from None
    torn = bool(text) and not text.endswith("\n")
    if torn:
        text = text[: text.rfind("\n") + 1]
    rows = list(csv.reader(io.StringIO(text)))
    if not rows:
        return [], torn
    if tuple(rows[0]) != columns:
        raise BatchError(f"{path} has columns {','.join(rows[0])}, expected {','.join(columns)}: "
                         "it is not this batch's manifest")
    return [r for r in rows[1:] if len(r) == len(columns)], torn


def resume(outdir: Path, plan: Plan, verify: bool = True,
           progress: Callable[[int, int], None] | None = None) -> tuple[set[int], int]:
    """Check the manifest against the files; return the keys of the jobs that are done and how many
    recorded rows were dropped (file missing, changed or not in the plan). The manifest is rewritten
    (atomically) to the kept rows when anything was dropped."""
    path = outdir / MANIFEST
    columns = columns_for(plan)
    rows, torn = read_rows(path, columns)
    index = columns.index("path")
    sha_index = columns.index("sha256")
    by_path: dict[str, list[str]] = {}
    for r in rows:
        by_path[r[index]] = r  # a re-rendered image's later row wins
    done: set[int] = set()
    kept: list[list[str]] = []
    checked = 0
    for job in plan:
        row = by_path.get(job.path)
        if row is None:
            continue
        checked += 1
        if progress:
            progress(checked, len(by_path))
        file = outdir / job.path
        if not file.is_file() or (verify and file_sha256(file) != row[sha_index]):
            continue
        done.add(job.key)
        kept.append(row)
    dropped = len(rows) - len(kept)
    if dropped or torn or not path.exists() or path.stat().st_size == 0:
        atomic_write_bytes(path, format_rows([list(columns), *kept]).encode("utf-8"))
    return done, dropped


class ManifestWriter:
    """Appends rows: flushed to the OS before `append` returns, fsync'ed at most every `sync_s`."""

    def __init__(self, outdir: Path, plan: Plan, sync_s: float = 1.0) -> None:
        self.path = outdir / MANIFEST
        self.f = open(self.path, "a", encoding="utf-8", newline="")  # noqa: SIM115 (closed in close())
        self.sync_s = sync_s
        self.synced = time.monotonic()

    def append(self, rows: list[list[str]]) -> None:
        if not rows:
            return
        self.f.write(format_rows(rows))
        self.f.flush()
        if time.monotonic() - self.synced >= self.sync_s:
            os.fsync(self.f.fileno())
            self.synced = time.monotonic()

    def close(self) -> None:
        self.f.flush()
        os.fsync(self.f.fileno())
        self.f.close()


def finalize(outdir: Path, plan: Plan) -> None:
    """After a complete run: rewrite the manifest in plan order (atomically)."""
    path = outdir / MANIFEST
    columns = columns_for(plan)
    rows, _ = read_rows(path, columns)
    index = columns.index("path")
    by_path = {r[index]: r for r in rows}
    ordered = [by_path[job.path] for job in plan if job.path in by_path]
    if len(ordered) != len(plan):
        raise BatchError(f"{path}: {len(plan) - len(ordered)} images are missing from the manifest")
    atomic_write_bytes(path, format_rows([list(columns), *ordered]).encode("utf-8"))
