"""Catalogue browser widget: download a fixture checkpoint from 127.0.0.1 through it, then open it."""

from __future__ import annotations

import hashlib
import os
import threading

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")

from conftest import shared_dir  # noqa: E402
from http_fixture import LocalServer  # noqa: E402

from sefa_desktop.models.catalogue import CatalogueEntry, load_catalogue  # noqa: E402
from sefa_desktop.models.download import RetryPolicy  # noqa: E402


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    return tmp_path


def _fixture_bytes() -> bytes:
    shared = shared_dir()
    path = shared / "fixtures" / "dcgan" / "netG.pth" if shared else None
    if path is None or not path.is_file():
        pytest.skip("shared fixtures/dcgan/netG.pth not found (needs ../shared)")
    return path.read_bytes()


def _entry(name: str, url: str, data: bytes) -> CatalogueEntry:
    return CatalogueEntry(name=name, family="dcgan", format="torch-state-dict", urls=(url,),
                          filename=f"{name}.pth", dataset="random init (test fixture)", resolution=64,
                          size=len(data), sha256=hashlib.sha256(data).hexdigest(), licence="test")


def test_download_through_the_widget_then_open(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView
    from sefa_desktop.models import load_model

    data = _fixture_bytes()
    with LocalServer() as server:
        server.add("/netG.pth", data=data, chunk_delay=0.001)
        cat = load_catalogue().with_entries([_entry("fixture-dcgan64", server.url("/netG.pth"), data)])
        view = CatalogueView(cat, policy=RetryPolicy(timeout=5, attempts=2, backoff=0.01))
        qtbot.addWidget(view)
        view.show()
        assert view.folder() == xdg / "xdg_cache_home" / "sefa-desktop" / "models"

        # grouped by family then dataset; filter narrows to the one model
        view.filter_edit.setText("fixture")
        assert view.proxy.rowCount() == 1
        assert view.select("fixture-dcgan64")
        assert not view.open_button.isEnabled() and view.download_button.isEnabled()

        with qtbot.waitSignal(view.download_finished, timeout=20_000) as fin:
            view.download_button.click()
        name, path = fin.args
        assert name == "fixture-dcgan64"
        assert open(path, "rb").read() == data
        assert view.open_button.isEnabled() and not view.download_button.isEnabled()

        with qtbot.waitSignal(view.open_requested, timeout=2000) as opened:
            view.open_button.click()
        assert opened.args == [path]
        model = load_model(opened.args[0])
        assert model.family == "dcgan" and model.resolution == 64


def test_cancel_then_failure_message(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView

    data = os.urandom(400_000)
    gate = threading.Event()  # the server holds the body after 64 KiB until the test has pressed Cancel
    with LocalServer() as server:
        server.add("/big.pth", data=data, hold_after=64 * 1024, gate=gate)
        cat = load_catalogue().with_entries([_entry("slow-model", server.url("/big.pth"), data),
                                             _entry("gone-model", server.url("/gone.pth"), data)])
        view = CatalogueView(cat, policy=RetryPolicy(timeout=5, attempts=1))
        qtbot.addWidget(view)
        assert view.select("slow-model")
        view.download_button.click()
        qtbot.waitUntil(lambda: view.progress_bar.value() > 0, timeout=10_000)
        assert view.cancel_button.isEnabled()
        with qtbot.waitSignal(view.download_failed, timeout=10_000) as failed:
            view.cancel_button.click()
            gate.set()  # only now can the download move on: it sees the cancel before it could finish
        assert "cancelled" in failed.args[1] and not view.is_downloading()
        assert view.download_button.isEnabled()

        assert view.select("gone-model")
        with qtbot.waitSignal(view.download_failed, timeout=10_000) as failed:
            view.download_button.click()
        assert "HTTP 404" in failed.args[1] and "HTTP 404" in view.status_label.text()


def test_broken_catalogue_file_shows_message_instead_of_crashing(qtbot, xdg, tmp_path, monkeypatch):
    from sefa_desktop.gui.catalogue_view import CatalogueView

    res = tmp_path / "res"
    res.mkdir()
    (res / "catalogue.json").write_text('{"version": 1, "entries": [{"name": "x"}]}')
    monkeypatch.setenv("SEFA_DESKTOP_RESOURCES", str(res))
    view = CatalogueView()
    qtbot.addWidget(view)
    assert view.model.rowCount() == 0 and "model catalogue" in view.status_label.text()
