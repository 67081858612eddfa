"""Presets pane: list, apply, save the current set-up, delete, export and import presets.

Thin: presets.PresetStore does the work. The main window supplies the current set-up through
`set_current_provider(callable → Preset)` and connects `apply_requested(Preset)`. Messages about
preset files that were moved aside (damaged or from a newer version) are shown, never raised.
"""

from __future__ import annotations

import html
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from ..presets import Preset, PresetError, PresetStore, model_status


class PresetsPane(QWidget):
    apply_requested = Signal(object)  # Preset

    def __init__(self, store: PresetStore | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("presetsPane")
        self.store = store or PresetStore()
        self._provider: Callable[[], Preset] | None = None
        self.hint = QLabel("Double-click a preset to apply it: its model, layers, seed and edits.")
        self.hint.setObjectName("hint")
        self.hint.setWordWrap(True)
        self.list = QListWidget()
        self.list.setObjectName("presetsList")
        self.list.setSpacing(2)
        self.list.itemDoubleClicked.connect(lambda _item: self.apply_selected())
        self.list.currentItemChanged.connect(lambda *_: self._show_details())
        self.details = QLabel("")
        self.details.setObjectName("presetDetails")
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.RichText)
        self._presets: dict[str, Preset] = {}
        self._status: dict[str, str] = {}
        self.message = QLabel("")
        self.message.setObjectName("presetsMessage")
        self.message.setWordWrap(True)
        buttons = QHBoxLayout()
        self.buttons: dict[str, QPushButton] = {}
        for key, text, slot in (("apply", "Apply", self.apply_selected), ("save", "Save current…", self._ask_save),
                                ("delete", "Delete", self.delete_selected), ("export", "Export…", self._ask_export),
                                ("import", "Import…", self._ask_import)):
            b = QPushButton(text)
            b.clicked.connect(slot)
            buttons.addWidget(b)
            self.buttons[key] = b
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 10, 8)
        layout.addWidget(self.hint)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.details)
        layout.addLayout(buttons)
        layout.addWidget(self.message)
        self.refresh()

    def set_current_provider(self, provider: Callable[[], Preset]) -> None:
        self._provider = provider

    @Slot()
    def refresh(self) -> None:
        presets, messages = self.store.load_all()
        current = self.selected_name()
        self.list.clear()
        self._presets = {p.name: p for p in presets}
        self._status = {}
        for p in presets:
            try:
                status = model_status(p)
            except OSError:
                status = "unreadable"
            self._status[p.name] = status
            note = "" if status == "ok" else f"  (model {status})"
            item = QListWidgetItem(f"{p.name}{note}")
            item.setData(Qt.ItemDataRole.UserRole, p.name)
            item.setToolTip(f"{p.model.ref} · {len(p.edits)} edit(s) · seeds {p.seeds}")
            self.list.addItem(item)
            if p.name == current:
                self.list.setCurrentItem(item)
        if self.list.currentItem() is None and self.list.count():
            self.list.setCurrentRow(0)
        self._show_details()
        self.message.setText("\n".join(messages))

    def _show_details(self) -> None:
        """What the selected preset holds, in two short lines."""
        p = self._presets.get(self.selected_name() or "")
        if p is None:
            self.details.setText("<i>No presets yet: set up a model and edits, then “Save current…”.</i>"
                                 if not self._presets else "")
            return
        status = self._status.get(p.name, "ok")
        model = html.escape(Path(p.model.ref).name if p.model.kind == "path" else p.model.ref)
        flag = "" if status == "ok" else f" <span style='color:#e5484d'>(model {html.escape(status)})</span>"
        edits = ", ".join(f"{html.escape(e.name)} {e.alpha:+.2f}" for e in p.edits[:4]) or "no edits"
        if len(p.edits) > 4:
            edits += f", … ({len(p.edits)} in all)"
        self.details.setText(f"<b>{model}</b>{flag} · seed {', '.join(map(str, p.seeds))} · ψ {p.truncation:g}"
                             f" · noise {html.escape(p.noise_mode)}<br>{edits}")

    def selected_name(self) -> str | None:
        item = self.list.currentItem()
        return None if item is None else str(item.data(Qt.ItemDataRole.UserRole))

    @Slot()
    def apply_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        try:
            self.apply_requested.emit(self.store.get(name))
        except PresetError as e:
            self.message.setText(str(e))
            self.refresh()

    def save_current(self, name: str) -> bool:
        if self._provider is None:
            self.message.setText("nothing to save yet: open a model first")
            return False
        try:
            preset = self._provider()
            preset.name = name
            self.store.save(preset)
        except (PresetError, OSError) as e:
            self.message.setText(str(e))
            return False
        self.refresh()
        self.message.setText(f"saved preset '{name}'")
        return True

    @Slot()
    def _ask_save(self) -> None:
        name, ok = QInputDialog.getText(self, "Save preset", "Name:")
        if ok and name.strip():
            self.save_current(name.strip())

    @Slot()
    def delete_selected(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        try:
            self.store.delete(name)
        except (PresetError, OSError) as e:
            self.message.setText(str(e))
        self.refresh()

    @Slot()
    def _ask_export(self) -> None:
        name = self.selected_name()
        if name is None:
            return
        path, _ = QFileDialog.getSaveFileName(self, "Export preset", str(Path.home() / f"{name}.json"),
                                              "Preset (*.json)")
        if path:
            try:
                self.store.export(name, path)
                self.message.setText(f"wrote {path}")
            except (PresetError, OSError) as e:
                self.message.setText(str(e))

    @Slot()
    def _ask_import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, "Import preset", str(Path.home()), "Preset (*.json)")
        if path:
            self.import_file(path)

    def import_file(self, path: str | Path) -> bool:
        try:
            p = self.store.import_file(path, overwrite=True)
        except (PresetError, OSError) as e:
            self.message.setText(str(e))
            return False
        self.refresh()
        self.message.setText(f"imported preset '{p.name}'")
        return True
