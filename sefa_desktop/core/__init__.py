"""The method and its files: factorization, directions, edits, images (no Qt)."""

from .directions import DirectionFileError, DirectionSet
from .sefa import factorize

__all__ = ["DirectionSet", "DirectionFileError", "factorize"]
