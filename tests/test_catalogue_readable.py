"""The Catalogue tab at the width the app gives it: names readable, counts that follow the filter, and an
offline message that says so first."""

from __future__ import annotations

import functools
import os
import socket
import urllib.error

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

pytest.importorskip("pytestqt")

from PySide6.QtCore import QModelIndex  # noqa: E402

from sefa_desktop.models.catalogue import CatalogueEntry, load_catalogue  # noqa: E402

DOCK_WIDTH = 270  # the Model/Catalogue dock's default width in the main window


@pytest.fixture
def xdg(tmp_path, monkeypatch):
    for var in ("XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME"):
        monkeypatch.setenv(var, str(tmp_path / var.lower()))
    return tmp_path


def _rows(view, parent=None, depth=0):
    """(proxy index, depth) of every row the tree shows (expanded parents only)."""
    parent = parent if parent is not None else QModelIndex()
    for r in range(view.proxy.rowCount(parent)):
        idx = view.proxy.index(r, 0, parent)
        yield idx, depth
        if view.tree.isExpanded(idx):
            yield from _rows(view, idx, depth + 1)


def _cut_labels(view) -> list[str]:
    """Labels whose column is narrower than the text (what the user saw as "pgg…" or a blank row)."""
    fm = view.tree.fontMetrics()
    width = view.tree.columnWidth(0)
    return [str(idx.data()) for idx, depth in _rows(view)
            if (depth + 1) * view.tree.indentation() + fm.horizontalAdvance(str(idx.data())) > width]


def test_names_are_whole_at_the_default_width_even_expanded(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView

    view = CatalogueView()
    qtbot.addWidget(view)
    view.resize(DOCK_WIDTH, 600)
    view.show()
    qtbot.waitExposed(view)
    assert _cut_labels(view) == []
    view.tree.expandAll()
    qtbot.waitUntil(lambda: _cut_labels(view) == [])
    # the deepest rows (model names under a dataset) have text in the visible part of the view
    names = [idx for idx, depth in _rows(view) if depth == 2]
    assert names and all(view.tree.visualRect(i).width() > 0 for i in names[:5])
    # nothing the hidden columns said is lost: the selected model's facts are under the tree
    assert view.select("stylegan2-ffhq-1024x1024")
    details = view.details_label.text()
    assert "stylegan2-ffhq-1024x1024" in details and "1024 px" in details and "licence" in details


def test_wide_pane_shows_every_column(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import COLUMNS, CatalogueView

    view = CatalogueView()
    qtbot.addWidget(view)
    view.resize(900, 600)
    view.show()
    qtbot.waitExposed(view)
    view.tree.expandAll()
    qtbot.waitUntil(lambda: _cut_labels(view) == [])
    assert not any(view.tree.isColumnHidden(c) for c in range(len(COLUMNS)))


def test_group_counts_follow_the_filter(qtbot, xdg):
    from sefa_desktop.gui.catalogue_view import CatalogueView

    cat = load_catalogue()
    view = CatalogueView(cat)
    qtbot.addWidget(view)
    totals = {e.family: 0 for e in cat.entries}
    for e in cat.entries:
        totals[e.family] += 1
    labels = {view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())}
    assert f"stylegan ({totals['stylegan']})" in labels

    view.filter_edit.setText("ffhq")
    shown = {e.family: 0 for e in cat.entries}
    for e in cat.entries:
        if any("ffhq" in str(x).lower() for x in (e.name, e.dataset, e.family, e.licence)):
            shown[e.family] += 1
    for r in range(view.proxy.rowCount()):
        label = view.proxy.index(r, 0).data()
        family = label.split(" (")[0]
        assert label == f"{family} ({shown[family]} of {totals[family]})", label
    # dataset rows count too, and the counts add up to the models the tree shows
    fam = view.proxy.index(0, 0)
    models = sum(view.proxy.rowCount(view.proxy.index(r, 0, fam)) for r in range(view.proxy.rowCount(fam)))
    assert f"({models} of" in fam.data()
    view.filter_edit.clear()
    assert {view.proxy.index(r, 0).data() for r in range(view.proxy.rowCount())} == labels


def test_offline_message_says_offline_first(qtbot, xdg, monkeypatch):
    from sefa_desktop.gui import catalogue_view
    from sefa_desktop.models import download as dl

    class Offline:  # what urllib raises when DNS cannot resolve anything
        def open(self, req, timeout):
            raise urllib.error.URLError(socket.gaierror(socket.EAI_NONAME, "Name or service not known"))

    monkeypatch.setattr(catalogue_view, "download_entry", functools.partial(dl.download_entry, opener=Offline()))
    entry = CatalogueEntry(name="remote-model", family="dcgan", format="torch-state-dict",
                           urls=("https://models.example.org/remote.pth",), filename="remote.pth",
                           dataset="test", resolution=64)
    view = catalogue_view.CatalogueView(load_catalogue().with_entries([entry]))
    qtbot.addWidget(view)
    assert view.select("remote-model")
    with qtbot.waitSignal(view.download_failed, timeout=10_000):
        view.download_button.click()
    text = view.status_label.text()
    assert text.startswith("You appear to be offline"), text
    assert text.index("offline") < text.index("models.example.org")
