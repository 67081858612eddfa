"""The Save Preset dialog (Presets ▸ Save Current as Preset…, and the Presets pane's Save current…):
room for a real name, a line saying what a preset keeps, and a title that is never cut off.

Also the confirmation before a preset is deleted (the last version stays as a .bak, but the user
should not lose one to a stray click).
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

TITLE = "Save preset"
KEEPS = "A preset keeps the model, the layers, the seed, ψ, the noise mode and every active edit (name, α, rows)."


class SavePresetDialog(QDialog):
    def __init__(self, name: str = "", summary: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("savePresetDialog")
        self.setWindowTitle(TITLE)
        self.name = QLineEdit(name)
        self.name.setObjectName("presetName")
        self.name.setPlaceholderText("e.g. smiling, looking left")
        self.name.setMinimumWidth(320)
        self.name.selectAll()
        about = QLabel(summary or KEEPS)
        about.setObjectName("hint")
        about.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Name", self.name)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.name.textChanged.connect(self._update_ok)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(18, 16, 18, 14)
        lay.setSpacing(12)
        lay.addWidget(about)
        lay.addLayout(form)
        lay.addWidget(self.buttons)
        # Wide enough for the title bar's text (with the window buttons) and a long name.
        self.setMinimumWidth(max(460, self.fontMetrics().horizontalAdvance(TITLE) + 200))
        self._update_ok()

    def _update_ok(self) -> None:
        self.buttons.button(QDialogButtonBox.StandardButton.Save).setEnabled(bool(self.name.text().strip()))

    def preset_name(self) -> str:
        return self.name.text().strip()


def ask_preset_name(parent: QWidget | None, name: str = "", summary: str = "") -> str | None:
    """The name the user typed, or None (cancelled)."""
    dlg = SavePresetDialog(name, summary, parent)
    return dlg.preset_name() if dlg.exec() == QDialog.DialogCode.Accepted and dlg.preset_name() else None


def confirm_delete(parent: QWidget | None, name: str) -> bool:
    """Ask before deleting preset `name`."""
    answer = QMessageBox.question(parent, "Delete preset", f"Delete the preset '{name}'?\n\nIts last version is "
                                  "kept as a .bak file in the presets folder.",
                                  QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
                                  QMessageBox.StandardButton.No)
    return answer == QMessageBox.StandardButton.Yes
