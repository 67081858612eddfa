"""The Preview pane's class picker: the class a class-conditional model (BigGAN) renders the sample as.

An editable combo box listing "index: name" for every class, with type-to-search: typing any part of a
name ("golden") pops up the classes that contain it, case-insensitively. Enter, a click in the list or
leaving the box chooses; the choice goes to the session's editor (one undo step, like a seed), and the
preview and gallery re-render through the session. Text that names no class (or several) keeps the
previous class and says why through `message`.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal, Slot
from PySide6.QtWidgets import QComboBox, QCompleter, QWidget

from ..session import EditSession, SessionEditor
from ..session.state import MODEL, SAMPLE, Change, SeedBase


class ClassPicker(QComboBox):
    message = Signal(str)  # a one-line note for the status bar (a class that could not be chosen)

    def __init__(self, session: EditSession, editor: SessionEditor, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("classPicker")
        self.session, self.editor = session, editor
        self.names: list[str] = []
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)  # typed text never becomes a class
        self.setMaxVisibleItems(15)
        # 1000 long names must not widen the pane (the window fits 1000×700): a few characters wide,
        # the rest shows in the popup
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(10)
        self.setToolTip("The class of the sample: pick one, or type an index or any part of a name")
        self.lineEdit().setPlaceholderText("class index or name")
        completer = QCompleter(self.model(), self)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        completer.setMaxVisibleItems(12)
        self.setCompleter(completer)
        completer.activated[str].connect(self.choose_text)
        self.activated.connect(self._on_activated)
        self.lineEdit().editingFinished.connect(lambda: self.choose_text(self.lineEdit().text()))
        session.subscribe(self._on_session_change)

    # -- the user's choice -------------------------------------------------------------------------------
    @Slot(int)
    def _on_activated(self, row: int) -> None:
        if 0 <= row < len(self.names):
            self.choose(row)

    @Slot(str)
    def choose_text(self, text: str) -> bool:
        """Choose the class `text` names (index, label, name or a unique part of one). False, with a
        message and the previous class shown again, when it names none or several."""
        if not self.session.class_conditional or not self.isEnabled():
            return False
        if text.strip() == self.current_label():
            return True  # unchanged (leaving the box, or the completer and Enter both reporting it)
        from ..models.classes import resolve_class  # (the models package loads torch: not at start-up)

        try:
            index = resolve_class(text, self.names)
        except ValueError as e:
            self.show_current()
            self.message.emit(f"Class not changed: {e}")
            return False
        self.choose(index)
        return True

    def choose(self, index: int) -> None:
        default = int((self.session.model_info or {}).get("default_class", 0))
        # the default class is "no class chosen": picking it back is the state a fresh model has
        self.editor.set_class(None if index == default else index)
        self.show_current()

    # -- session → widget ----------------------------------------------------------------------------------
    def current_label(self) -> str:
        c = self.session.effective_class
        return "" if c is None else _label(c, self.names)

    def show_current(self) -> None:
        c = self.session.effective_class
        with QSignalBlocker(self):
            if c is not None and 0 <= c < self.count():
                self.setCurrentIndex(c)
            self.lineEdit().setText(self.current_label())

    def _on_session_change(self, change: Change) -> None:
        s = self.session
        if MODEL in change.aspects:
            info = s.model_info or {}
            n = int(info.get("num_classes", 0)) if s.class_conditional else 0
            names = list(info.get("class_names") or [])
            self.names = names if len(names) == n else [""] * n
            with QSignalBlocker(self):
                self.clear()
                self.addItems([_label(i, self.names) for i in range(n)])
        if change.aspects & {MODEL, SAMPLE}:
            latent = not isinstance(s.base, SeedBase)
            self.setEnabled(s.class_conditional and not latent)
            self.setToolTip("A given latent carries its own class: go back to a seed to choose one" if latent
                            else "The class of the sample: pick one, or type an index or any part of a name")
            self.show_current()


def _label(index: int, names: list[str]) -> str:
    """models.classes.class_label, without importing the models package (torch) at start-up."""
    name = names[index] if 0 <= index < len(names) else ""
    return f"{index}: {name}" if name else str(index)
