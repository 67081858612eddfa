"""Reading a user's text file (labels CSV, vocabulary) with the one-line errors the CLI and GUI show."""

from __future__ import annotations

from pathlib import Path


def read_user_text(path: str | Path, what: str) -> str:
    """The file's text (UTF-8, a BOM dropped). ValueError with one line naming the file and `what` it
    should hold when it is missing or unreadable."""
    path = Path(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ValueError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise ValueError(f"{path.name}: cannot read {what} ({e})") from None
