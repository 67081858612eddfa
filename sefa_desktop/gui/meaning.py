"""Installs the meaning features in the main window: labels, text search, pins and comparison
(gui/labels_controller.py) and marks → boundaries (gui/marks_controller.py), sharing one job runner."""

from __future__ import annotations

from typing import Any

from .labels_controller import LabelsController
from .marks_controller import MarksController


def install_meaning(window: Any) -> tuple[LabelsController, MarksController]:
    labels = LabelsController(window, window)
    marks = MarksController(window, labels.jobs, labels.menu, window)
    return labels, marks
