"""Every command in the README runs as pasted, in order, in one fresh folder, and exits 0.

Shell blocks (```bash, ```sh, ```shell, ```console, ```zsh or an unmarked ```) are split into
commands (backslash continuations joined, comments and blank lines dropped, a console's "$ " prompt
removed); ```python blocks run with this Python. Everything else (```text, ```toml, …) is not run:
that is where placeholders such as MODEL go. Commands that cannot run in a fresh folder of a test
machine are listed in EXCEPTED with the reason; the test reads whatever the README holds, so new
sections are checked as soon as they are added.
"""

from __future__ import annotations

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
SHELL = {"", "bash", "sh", "shell", "console", "zsh"}
PYTHON = {"python", "py", "python3"}
# (pattern on the whole command, why it is not run here)
EXCEPTED = [
    (r"make run\b.*", "needs the checkout and opens the app window until it is closed"),
    (r"make test\b.*", "needs the checkout and runs the whole test suite, this test included"),
    (r"sefa-desktop download\b.*", "network: fetches a checkpoint from the internet"),
    (r"sefa-desktop( \S+\.(pt|pth|pkl|safetensors))?", "opens the app window until it is closed"),
    (r"(bash )?packaging/build\.sh\b.*", "needs the checkout and PyInstaller; builds the desktop bundle"),
    (r"sefa-desktop --(un)?install-launcher\b.*", "changes the desktop's application menu"),
]
FENCE = re.compile(r"^\s*(`{3,}|~{3,})\s*([\w+-]*)[^`]*$")


def readme_commands(text: str) -> list[tuple[str, str]]:
    """[(kind, code)] in README order; kind "shell" (one command) or "python" (a whole block)."""
    out: list[tuple[str, str]] = []
    fence, lang, body = None, "", []
    for line in text.splitlines():
        m = FENCE.match(line)
        if fence is None:
            if m:
                fence, lang, body = m.group(1), m.group(2).lower(), []
            continue
        if line.strip().startswith(fence) and line.strip().strip(fence[0]) == "":
            if lang in PYTHON:
                out.append(("python", "\n".join(body)))
            elif lang in SHELL:
                out.extend(("shell", c) for c in shell_commands(body, console=lang == "console"))
            fence = None
            continue
        body.append(line)
    return out


def shell_commands(lines: list[str], console: bool = False) -> list[str]:
    commands, pending = [], ""
    for raw in lines:
        line = raw.rstrip()
        if console and not pending:
            if not line.startswith("$ "):
                continue  # output lines of a console transcript
            line = line[2:]
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        command = (pending + line).strip()
        pending = ""
        if command and not command.startswith("#"):
            commands.append(command)
    return commands


def excepted(command: str) -> str | None:
    bare = re.sub(r"\s+#.*$", "", command).strip()  # a trailing comment is not part of the command
    return next((why for pattern, why in EXCEPTED if re.fullmatch(pattern, bare)), None)


def test_parser_finds_commands_and_leaves_text_blocks_alone():
    text = ("intro\n```bash\nsefa-desktop models   # list\n# a comment\n\nsefa-desktop grid a \\\n  -o g.png\n```\n"
            "```text\nsefa-desktop factorize MODEL -o FILE\n```\n```console\n$ sefa-desktop info x\nsome output\n```\n"
            "```python\nprint(1)\n```\n")
    assert readme_commands(text) == [("shell", "sefa-desktop models   # list"),
                                     ("shell", "sefa-desktop grid a    -o g.png"),
                                     ("shell", "sefa-desktop info x"), ("python", "print(1)")]
    assert excepted("make run     # set up") and excepted("sefa-desktop download stylegan2-ffhq-1024x1024")
    assert excepted("sefa-desktop") and not excepted("sefa-desktop models")


@pytest.mark.slow
def test_every_readme_command_runs_as_pasted_in_a_fresh_folder(tmp_path):
    commands = readme_commands(README.read_text(encoding="utf-8"))
    shell = [c for kind, c in commands if kind == "shell"]
    assert any(c.startswith("sefa-desktop factorize") for c in shell), "no commands found: parser broken?"

    work, home, bin_dir = tmp_path / "fresh", tmp_path / "home", tmp_path / "bin"
    for d in (work, home, bin_dir):
        d.mkdir()
    # `sefa-desktop` as installed by `make install`, but running this checkout's code with this Python.
    launcher = bin_dir / "sefa-desktop"
    launcher.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m sefa_desktop "$@"\n')
    launcher.chmod(launcher.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, PATH=f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}", HOME=str(home),
               PYTHONPATH=str(REPO), QT_QPA_PLATFORM="offscreen", XDG_DATA_HOME=str(home / "data"),
               XDG_CONFIG_HOME=str(home / "config"), XDG_CACHE_HOME=str(home / "cache"))
    skipped = []
    for kind, code in commands:
        if kind == "shell" and (why := excepted(code)):
            skipped.append((code, why))
            continue
        argv = ["bash", "-e", "-o", "pipefail", "-c", code] if kind == "shell" else [sys.executable, "-c", code]
        r = subprocess.run(argv, cwd=work, env=env, capture_output=True, text=True, timeout=600)
        assert r.returncode == 0, (f"README {kind} command failed (exit {r.returncode}):\n{code}\n"
                                   f"--- stderr ---\n{r.stderr[-3000:]}")
    print("not run here:\n" + "\n".join(f"  {c}  ({why})" for c, why in skipped))
