"""The Catalogue tab with multi-file entries: the BigGAN family group, a folder download through the widget
(status "downloaded" only when the whole set is there), Cancel, and Open loading the folder in the window."""

from __future__ import annotations

import os
import threading
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")

from http_fixture import LocalServer  # noqa: E402
from test_download_multifile import BIN_BYTES, CFG_BYTES, biggan_entry, serve  # noqa: E402

from sefa_desktop.models.catalogue import load_catalogue  # noqa: E402
from sefa_desktop.models.download import RetryPolicy, staging_paths  # noqa: E402

POLICY = RetryPolicy(timeout=5, attempts=2, backoff=0.01)
TIMEOUT = 30_000


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    return tmp_path


def _row(view, name: str) -> list[str]:
    return [it.text() for it in view._items[name]]


def test_biggan_family_group_lists_the_three_models(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView

    view = CatalogueView()
    qtbot.addWidget(view)
    fams = {view.model.item(r, 0).text(): view.model.item(r, 0) for r in range(view.model.rowCount())}
    assert "biggan (3)" in fams
    imagenet = fams["biggan (3)"].child(0, 0)
    assert imagenet.text() == "ImageNet (3)"
    assert [imagenet.child(r, 0).text() for r in range(imagenet.rowCount())] == \
        ["biggan-deep-128", "biggan-deep-256", "biggan-deep-512"]
    assert _row(view, "biggan-deep-256") == ["biggan-deep-256", "256 px", "?", "unknown", ""]
    assert "2 files in the folder biggan-deep-256/" in view._items["biggan-deep-256"][0].toolTip()
    view.filter_edit.setText("biggan")
    assert view.select("biggan-deep-512")
    assert view.download_button.isEnabled() and not view.open_button.isEnabled()
    assert "2 files" in view.details_label.text() and "licence unknown" in view.details_label.text()


def test_folder_download_through_the_widget_then_open(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView
    from sefa_desktop.models import load_model

    with LocalServer() as server:
        serve(server)
        entry = biggan_entry(server)
        cat = load_catalogue().with_entries([entry])
        view = CatalogueView(cat, policy=POLICY)
        qtbot.addWidget(view)
        folder = view.folder()
        # an earlier download left only the first file (in staging): not downloaded, nothing to open
        staging, _ = staging_paths(entry.local_path(folder))
        staging.mkdir(parents=True)
        (staging / "config.json").write_bytes(CFG_BYTES)
        # and a folder with one file under the final name is no download either
        entry.local_path(folder).mkdir()
        (entry.local_path(folder) / "pytorch_model.bin").write_bytes(BIN_BYTES)
        view.set_catalogue(cat)
        assert _row(view, "tiny-biggan")[4] == ""
        assert view.select("tiny-biggan")
        assert view.download_button.isEnabled() and not view.open_button.isEnabled()

        with qtbot.waitSignal(view.download_finished, timeout=TIMEOUT) as fin:
            view.download_button.click()
        name, path = fin.args
        assert name == "tiny-biggan" and Path(path) == folder / "tiny-biggan" and Path(path).is_dir()
        assert (Path(path) / "config.json").read_bytes() == CFG_BYTES
        assert _row(view, "tiny-biggan")[4] == "downloaded"
        assert view.open_button.isEnabled() and not view.download_button.isEnabled()

        with qtbot.waitSignal(view.open_requested, timeout=2000) as opened:
            view.open_button.click()
        assert opened.args == [path]
        assert load_model(opened.args[0]).family == "biggan"


def test_cancel_a_folder_download(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView

    gate = threading.Event()  # the server holds the weights after 64 KiB until Cancel was pressed
    with LocalServer() as server:
        serve(server, hold_after=64 * 1024, gate=gate)
        entry = biggan_entry(server)
        view = CatalogueView(load_catalogue().with_entries([entry]), policy=POLICY)
        qtbot.addWidget(view)
        assert view.select("tiny-biggan")
        view.download_button.click()

        def weights_begun() -> bool:  # the held 64 KiB of the weights are on disk (progress > 0 can be the config)
            return any(p.stat().st_size >= 64 * 1024 for p in view.folder().rglob("pytorch_model.bin.part"))

        qtbot.waitUntil(weights_begun, timeout=TIMEOUT)
        with qtbot.waitSignal(view.download_failed, timeout=TIMEOUT) as failed:
            view.cancel_button.click()
            gate.set()
        assert "cancelled" in failed.args[1] and _row(view, "tiny-biggan")[4] == "cancelled"
        assert not entry.local_path(view.folder()).exists() and not view.open_button.isEnabled()
        assert view.download_button.isEnabled()

        with qtbot.waitSignal(view.download_finished, timeout=TIMEOUT):  # Download again resumes it
            view.download_button.click()
        assert len(server.routes["/config.json"].requests) == 1
        assert server.routes["/pytorch_model.bin"].requests[-1]["range"] is not None
        assert view.open_button.isEnabled()


def test_open_loads_the_folder_in_the_window(qtbot, xdg):
    from sefa_desktop.gui.main_window import MainWindow

    with LocalServer() as server:
        serve(server)
        entry = biggan_entry(server)
        w = MainWindow()
        w.catalogue_options = {"catalogue": load_catalogue().with_entries([entry]), "policy": POLICY}
        qtbot.addWidget(w)
        w.resize(1300, 850)
        w.show()
        qtbot.waitUntil(lambda: w.dirs is not None and w.catalogue_view is not None, timeout=TIMEOUT)
        try:
            view = w.catalogue_view
            assert view.select("tiny-biggan")
            with qtbot.waitSignal(view.download_finished, timeout=TIMEOUT):
                view.download_button.click()
            view.open_button.click()
            qtbot.waitUntil(lambda: w.model_info is not None and "tiny-biggan" in w.model_info["source"]
                            and w.dirs is not None and w.dirs.model_gen == w.model_gen, timeout=TIMEOUT)
            assert w.model_info["family"] == "biggan" and w.model_info["resolution"] == 8
        finally:
            w.close()
