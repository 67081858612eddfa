"""Utilities below every other package (no sefa_desktop imports): atomic file writing, reading
a user's text file, memory budgets."""
