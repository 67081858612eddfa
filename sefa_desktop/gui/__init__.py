"""Qt widgets (PySide6). Nothing outside this package imports it except app.py."""
