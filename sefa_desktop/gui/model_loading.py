"""Opening models: by bundled name or path, the remembered last model at start-up, and the fall-back
to the bundled default when that one is gone. The model browser shows the progress; the window gets
`loaded` / `failed` for what it shows beyond that."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, QSettings, Signal, Slot

from .model_browser import ModelBrowser
from .render_client import RenderClient


class ModelLoading(QObject):
    loaded = Signal(int, dict)  # load generation, info: the model asked for is open
    failed = Signal(str)  # it could not be opened (a fall-back may be loading now)

    def __init__(self, render: RenderClient, browser: ModelBrowser, qsettings: QSettings,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.render, self.browser, self.qsettings = render, browser, qsettings
        self.fallback = ""  # opened instead when the first model fails (the remembered one is gone)
        render.modelLoaded.connect(self._on_loaded)
        render.loadFailed.connect(self._on_failed)

    def open_first(self, initial: str | None, default: str) -> None:
        """At start-up: the model asked for on the command line, else the last one, else the default."""
        last = self.qsettings.value("model/last", "")
        first = initial or (str(last) if last else "") or default
        self.fallback = default if first != default and not initial else ""
        self.open(first)

    def open(self, source: str) -> str:
        """Start loading; returns the source as it will be remembered (paths made absolute)."""
        bundled = {m["name"] for m in self.browser.bundled}
        path = Path(source).expanduser()
        if source not in bundled and path.exists():
            source = str(path.resolve())  # recents and "last model" must survive a change of directory
        self.render.load(source)
        self.browser.set_loading(source)
        return source

    def cancel(self) -> None:
        self.render.cancel_load()
        self.browser.set_idle()

    @Slot(int, dict)
    def _on_loaded(self, gen: int, info: dict) -> None:
        self.fallback = ""
        self.browser.set_loaded(info)
        self.qsettings.setValue("model/last", info["source"])
        if Path(info["source"]).exists():  # a path: the worker has added it to the recents
            self.browser.refresh_recent()
        self.loaded.emit(gen, info)

    @Slot(int, str)
    def _on_failed(self, gen: int, message: str) -> None:
        self.browser.set_failed(message)
        self.failed.emit(message)
        if self.fallback:
            fallback, self.fallback = self.fallback, ""
            self.open(fallback)
            self.browser.error.show()  # keep the explanation visible while the fallback loads
