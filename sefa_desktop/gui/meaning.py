"""Installs the meaning features in the main window: labels, text search, pins and comparison
(gui/labels_controller.py) and marks → boundaries (gui/marks_controller.py), sharing one job runner."""

from __future__ import annotations

from typing import Protocol

from PySide6.QtWidgets import QMainWindow

from .labels_controller import LabelsController, LabelsHost
from .marks_controller import MarksController, MarksHost


class MeaningHost(LabelsHost, MarksHost, Protocol):
    """What the meaning features need of the window (gui/main_window.MainWindow is one)."""


def install_meaning(host: MeaningHost, window: QMainWindow) -> tuple[LabelsController, MarksController]:
    """`window` owns the Directions menu, the Marks dock, their actions and dialogs."""
    labels = LabelsController(host, window)
    marks = MarksController(host, labels.jobs, labels.menu, window)
    return labels, marks
