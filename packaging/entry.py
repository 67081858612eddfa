"""The frozen app's entry point (PyInstaller runs a script, and sefa_desktop/__main__.py uses relative
imports, so it cannot be that script itself)."""

import multiprocessing
import sys

from sefa_desktop.__main__ import main

if __name__ == "__main__":
    multiprocessing.freeze_support()  # torch may start helper processes; a frozen child must not rerun the app
    sys.exit(main())
