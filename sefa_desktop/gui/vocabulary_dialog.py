"""Edit the attribute phrases CLIP labels a model's directions with (saved per model)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from ..core.vocabulary import DEFAULTS, Vocabulary, default_vocabulary, load_vocabulary, save_vocabulary
from ..settings import config_dir


def vocabulary_folder():
    return config_dir() / "vocabularies"


class VocabularyDialog(QDialog):
    def __init__(self, model_name: str, fingerprint: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Label vocabulary — {model_name}")
        self.model_name, self.fingerprint = model_name, fingerprint
        self.error = QLabel("")
        self.error.setObjectName("vocabularyError")
        self.error.setWordWrap(True)
        try:
            vocab = load_vocabulary(vocabulary_folder(), model_name, fingerprint)
        except ValueError as e:  # a damaged file: show the defaults, say why, overwrite only on Save
            self.error.setText(str(e))
            vocab = default_vocabulary("faces")
        self.domain = QComboBox()
        self.domain.addItems(list(DEFAULTS))
        self.domain.setCurrentText(vocab.domain)
        self.domain.activated.connect(self._load_default)
        self.template = QLineEdit(vocab.template)
        self.phrases = QPlainTextEdit("\n".join(vocab.phrases))
        self.phrases.setObjectName("vocabularyPhrases")
        form = QFormLayout()
        form.addRow("Defaults for", self.domain)
        form.addRow("Prompt ({} = phrase)", self.template)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addLayout(form)
        lay.addWidget(QLabel("Phrases, one a line (CLIP scores each direction's change against them):"))
        lay.addWidget(self.phrases, 1)
        lay.addWidget(self.error)
        lay.addWidget(buttons)
        self.resize(420, 520)

    def _load_default(self) -> None:
        v = default_vocabulary(self.domain.currentText())
        self.template.setText(v.template)
        self.phrases.setPlainText("\n".join(v.phrases))

    def vocabulary(self) -> Vocabulary:
        return Vocabulary(self.domain.currentText(), self.template.text(), self.phrases.toPlainText().splitlines())

    def save(self) -> None:
        try:
            save_vocabulary(vocabulary_folder(), self.model_name, self.fingerprint, self.vocabulary())
        except (ValueError, OSError) as e:
            self.error.setText(str(e))  # nothing is lost: the dialog stays open with the text
            return
        self.accept()
