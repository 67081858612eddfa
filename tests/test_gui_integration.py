"""Exports, imports, presets and the catalogue, driven through the real main window (offscreen)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from conftest import fixture_path  # noqa: E402
from http_fixture import LocalServer  # noqa: E402
from PIL import Image  # noqa: E402
from PySide6.QtGui import QAction  # noqa: E402
from PySide6.QtWidgets import QPushButton  # noqa: E402

from sefa_desktop.core.directions import DirectionSet  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402

TIMEOUT = 30_000


def start_window(qtbot, **options) -> MainWindow:
    w = MainWindow()
    w.catalogue_options = options
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    qtbot.waitUntil(lambda: w.dirs is not None and w.preview.image.pixmap is not None, timeout=TIMEOUT)
    return w


@pytest.fixture
def window(qtbot):
    w = start_window(qtbot)
    yield w
    w.close()


def wait_loaded(qtbot, w: MainWindow, source_part: str) -> None:
    qtbot.waitUntil(lambda: w.model_info is not None and source_part in w.model_info["source"]
                    and w.dirs is not None and w.dirs.model_gen == w.model_gen, timeout=TIMEOUT)


def menu_action(w: MainWindow, menu, text: str) -> QAction:
    menu.aboutToShow.emit()  # menus are rebuilt when they open
    for act in menu.actions():
        if act.text().replace("&", "").split("\t")[0] == text:
            return act
    raise AssertionError(f"no '{text}' in {[a.text() for a in menu.actions()]}")


def add_edit(w: MainWindow, row: int, alpha: float) -> None:
    w.gallery.view.setCurrentIndex(w.gallery.model.index(row))
    w.gallery.alphaCommitted.emit(row, alpha)  # as a double-click on a thumbnail does


# -- video --------------------------------------------------------------------------------------------
def test_edit_video_from_the_menu_then_cancel(qtbot, window, tmp_path, job_gate):
    w = window
    job_gate.held = False
    add_edit(w, 2, 1.5)
    w.preview.seed.setValue(4)
    menu_action(w, w.export_menu, "Edit Video…").trigger()
    dlg = w.exports.dialog
    assert dlg is not None and dlg.isVisible() and dlg.objectName() == "videoExportDialog"
    # the focused card, the current sample, the active edit as the keyframes' base
    assert dlg.direction.currentData() == 2 and dlg.seeds.text() == "4"
    assert dlg.base_edits == {2: 1.5} and dlg.motion.currentData() == "sweep-on-edits"
    dlg.format.setCurrentIndex(2)  # GIF
    dlg.path.setText(str(tmp_path / "clip.gif"))
    dlg.frames.setValue(6)
    dlg.size.setValue(32)
    dlg.export_button.click()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=TIMEOUT)
    assert dlg.last_result.startswith("wrote clip.gif"), dlg.last_result
    with Image.open(tmp_path / "clip.gif") as im:
        assert im.n_frames == 6 and im.size == (32, 32)
    # the window kept its own model and still renders
    shown = w.render.shown_gen
    w.preview.seed.setValue(5)
    qtbot.waitUntil(lambda: w.render.shown_gen > shown, timeout=TIMEOUT)

    # Cancel half-way: nothing under the target name, nothing left beside it (the job waits after its
    # first frame until Cancel: injected, not raced)
    job_gate.held = True
    target = tmp_path / "long.webm"
    dlg.format.setCurrentIndex(0)
    dlg.path.setText(str(target))
    dlg.frames.setValue(3000)
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.bar.value() > 0, timeout=TIMEOUT)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=TIMEOUT)
    assert dlg.last_result.startswith("cancelled"), dlg.last_result
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif"]

    # Esc during an export cancels it; closing the window joins a running export
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.bar.value() > 0, timeout=TIMEOUT)
    dlg.reject()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=TIMEOUT)
    assert dlg.isVisible() and dlg.last_result.startswith("cancelled")
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.bar.value() > 0, timeout=TIMEOUT)
    w.close()
    assert w.exports.dialog is None and not dlg.is_running()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.gif"]


# -- grid and page ------------------------------------------------------------------------------------
def test_gallery_grid_and_html_page(qtbot, window, tmp_path, job_gate):
    w = window
    job_gate.held = False
    w.gallery.model.setData(w.gallery.model.index(0), "smile")  # F2 on the card
    for label, name in (("Gallery Grid (.png)…", "grid.png"), ("HTML Page…", "page.html")):
        menu_action(w, w.export_menu, label).trigger()
        dlg = w.exports.dialog
        dlg.count.setValue(2)
        dlg.steps.setValue(3)
        dlg.cell.setValue(32)
        dlg.seeds.setText("1 2")
        dlg.path.setText(str(tmp_path / name))
        dlg.export_button.click()
        qtbot.waitUntil(lambda d=dlg: not d.is_running(), timeout=TIMEOUT)
        assert dlg.last_result.startswith(f"wrote {name}"), dlg.last_result
        assert dlg.bar.value() == 4  # 2 seeds × 2 directions
    with Image.open(tmp_path / "grid.png") as im:
        recipe = json.loads(im.text["sefa-desktop"])
        assert recipe["labels"][0] == "smile" and recipe["seeds"] == [1, 2] and im.width > 3 * 32
    page = (tmp_path / "page.html").read_text()
    assert "smile" in page and len(list((tmp_path / "page_files").glob("*.png"))) == 2 * 2 * 3

    # Cancel of a page export leaves no page and no images (the job waits for Cancel after its first step)
    job_gate.held = True
    menu_action(w, w.export_menu, "HTML Page…").trigger()
    dlg = w.exports.dialog
    dlg.count.setValue(100)
    dlg.seeds.setText(" ".join(str(s) for s in range(20)))
    dlg.path.setText(str(tmp_path / "big.html"))
    dlg.export_button.click()
    qtbot.waitUntil(lambda: dlg.bar.value() > 0, timeout=TIMEOUT)
    dlg.cancel_button.click()
    qtbot.waitUntil(lambda: not dlg.is_running(), timeout=TIMEOUT)
    assert dlg.last_result.startswith("cancelled")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["grid.png", "page.html", "page_files"]


# -- directions in and out ----------------------------------------------------------------------------
def test_directions_as_other_formats_and_import(qtbot, window, tmp_path):
    w = window
    w.gallery.model.setData(w.gallery.model.index(1), "glasses")  # F2 on the card
    k = len(w.dirs.values)
    assert w.exports.export_directions_as(str(tmp_path / "factor"), "rosinality") == [tmp_path / "factor.pt"]
    assert len(w.exports.export_directions_as(str(tmp_path / "b.npy"), "interfacegan")) == k
    assert w.exports.export_directions_as(str(tmp_path / "comp"), "ganspace") == [tmp_path / "comp.ganspace.npz"]

    # our format, with names: replaces the gallery's set and renders thumbnails for it
    rng = np.random.default_rng(0)
    v = rng.standard_normal((3, int(w.model_info["latent_dim"]))).astype(np.float32)
    v /= np.linalg.norm(v, axis=1, keepdims=True)
    DirectionSet(v, np.array([3, 2, 1], np.float32), [0], labels=["age", "pose", "light"]).save(tmp_path / "d.npz")
    add_edit(w, 0, 1.0)
    assert w.exports.import_directions(str(tmp_path / "d.npz"))
    assert w.gallery.model.rowCount() == 3 and w.gallery.model.names == ["age", "pose", "light"]
    assert w.directions_source.endswith("d.npz") and "imported from d.npz" in w.gallery_sub.text()
    assert not w.preview.edits  # edits of the replaced set are gone
    qtbot.waitUntil(lambda: all(r in w.gallery.model.thumbs for r in range(3)), timeout=TIMEOUT)
    add_edit(w, 1, 2.0)
    qtbot.waitUntil(lambda: bool(w.preview.edits) and w.render.frame_current, timeout=TIMEOUT)

    # another tool's file of the full set
    assert w.exports.import_directions(str(tmp_path / "factor.pt"))
    assert w.gallery.model.rowCount() == k

    # wrong dimension: a clear message, the gallery and the preview stay as they were
    np.save(tmp_path / "wrong.npy", np.ones((1, 7), np.float32))
    assert not w.exports.import_directions(str(tmp_path / "wrong.npy"))
    text = w.error_label.text()
    assert "Import failed" in text and "7-dimensional" in text and "does not fit" in text, text
    assert w.gallery.model.rowCount() == k
    shown = w.render.shown_gen
    w.preview.seed.setValue(11)
    qtbot.waitUntil(lambda: w.render.shown_gen > shown, timeout=TIMEOUT)
    # garbage is an error too
    (tmp_path / "junk.pt").write_bytes(b"not a tensor file")
    assert not w.exports.import_directions(str(tmp_path / "junk.pt"))
    assert "junk.pt" in w.error_label.text()
    # a 128-byte header declaring 64 GiB, and any failure at all (here MemoryError): a message each
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "<f4", "fortran_order": False, "shape": (1 << 24, 1024)})
    (tmp_path / "bomb.npy").write_bytes(header.getvalue())
    assert not w.exports.import_directions(str(tmp_path / "bomb.npy"))
    assert "bomb.npy" in w.error_label.text() and "declares" in w.error_label.text()

    def out_of_memory(*a, **k):
        raise MemoryError

    import sefa_desktop.gui.export_menu as export_menu
    real = export_menu.read_directions
    export_menu.read_directions = out_of_memory
    try:
        assert not w.exports.import_directions(str(tmp_path / "d.npz"))
    finally:
        export_menu.read_directions = real
    assert "too large to hold in memory" in w.error_label.text()
    assert w.gallery.model.rowCount() == k


# -- presets ------------------------------------------------------------------------------------------
def test_save_preset_then_apply_restores_model_layers_sample_and_edits(qtbot, window, tmp_path):
    w = window
    tiny = str(fixture_path("rosinality", "stylegan2_tiny.pt"))
    w.open_model(tiny)
    wait_loaded(qtbot, w, "stylegan2_tiny")
    n = w.model_info["num_layers"]
    coarse = list(range(0, 2 * n // 7 or 1))
    w.layer_tree.set_selected(coarse)
    qtbot.waitUntil(lambda: w.dirs.layers == coarse, timeout=TIMEOUT)
    w.preview.seed.setValue(7)
    w.preview.psi.setValue(0.7)
    w.gallery.model.setData(w.gallery.model.index(3), "hair")  # as F2 does
    add_edit(w, 3, -1.25)
    w.preview.rows[(w.dirs_gen, 3)].layers.setCurrentIndex(4)  # this edit moves the fine rows
    saved_vector = w.preview.edits[0].vector.copy()
    assert w.presets.save_current("tiny look")
    entry = menu_action(w, w.presets_menu, "tiny look")
    assert "stylegan2_tiny.pt" in entry.toolTip()

    # change everything, including the model
    w.open_model("digiface-dcgan64")
    wait_loaded(qtbot, w, "digiface-dcgan64")
    w.preview.seed.setValue(1)
    entry = menu_action(w, w.presets_menu, "tiny look")
    entry.trigger()
    qtbot.waitUntil(lambda: w.presets.pending is None and bool(w.preview.edits), timeout=TIMEOUT)
    assert "stylegan2_tiny" in w.model_info["source"] and w.model_label.text().startswith(w.model_info["name"])
    assert w.dirs.layers == coarse and w.layer_tree.selected() == coarse
    assert w.preview.sample() == (7, 0.7, "const")
    (e,) = w.preview.edits
    assert e.key == (w.dirs_gen, 3) and e.alpha == -1.25 and e.layer_choice == "fine" and e.name == "hair"
    np.testing.assert_allclose(e.vector, saved_vector, atol=1e-6)
    qtbot.waitUntil(lambda: w.render.frame_current and w.preview.image.pixmap is not None,
                    timeout=TIMEOUT)

    # the model file's content hash no longer matches: applied, with a warning
    store = w.presets._store()
    path = store.path_for("tiny look")
    data = json.loads(path.read_text())
    data["model"]["sha256"] = hashlib.sha256(b"other").hexdigest()
    path.write_text(json.dumps(data))
    w.preview.seed.setValue(2)
    menu_action(w, w.presets_menu, "tiny look").trigger()
    qtbot.waitUntil(lambda: w.presets.pending is None and w.preview.sample()[0] == 7, timeout=TIMEOUT)
    assert "changed since the preset was saved" in w.error_label.text()

    # Manage Presets… shows the pane with the preset flagged
    menu_action(w, w.presets_menu, "Manage Presets…").trigger()
    assert w.presets.dock.isVisible() and w.presets.pane.list.count() == 1
    assert "changed" in w.presets.pane.list.item(0).text()


def test_broken_preset_file_app_starts_with_a_message(qtbot):
    from sefa_desktop.presets import ModelRef, Preset, PresetStore

    store = PresetStore()
    store.save(Preset("good", ModelRef("digiface-dcgan64", "bundled", ""), seeds=[3]))
    store.folder.joinpath("broken.json").write_text('{"format": "sefa-desktop-preset", "version": 2, "na')
    w = start_window(qtbot)
    try:
        assert "broken.json is unreadable" in w.error_label.text()
        assert not (store.folder / "broken.json").exists() and any((store.folder / "moved-aside").iterdir())
        names = [a.text() for a in (menu_action(w, w.presets_menu, "good"),)]
        assert names == ["good"]
        menu_action(w, w.presets_menu, "good").trigger()
        qtbot.waitUntil(lambda: w.preview.sample()[0] == 3, timeout=TIMEOUT)
    finally:
        w.close()


# -- catalogue ----------------------------------------------------------------------------------------
def test_catalogue_download_then_open_in_the_window(qtbot):
    from sefa_desktop.models.catalogue import CatalogueEntry, load_catalogue
    from sefa_desktop.models.download import RetryPolicy

    data = fixture_path("dcgan", "netG.pth").read_bytes()
    with LocalServer() as server:
        server.add("/netG.pth", data=data, chunk_delay=0.001)
        entry = CatalogueEntry(name="fixture-dcgan", family="dcgan", format="torch-state-dict",
                               urls=(server.url("/netG.pth"),), filename="fixture-dcgan.pth",
                               dataset="test fixture", resolution=64, size=len(data),
                               sha256=hashlib.sha256(data).hexdigest(), licence="test")
        w = start_window(qtbot, catalogue=load_catalogue().with_entries([entry]),
                         policy=RetryPolicy(timeout=5, attempts=2, backoff=0.01))
        try:
            view = w.catalogue_view
            assert view is not None and w.catalogue_dock.widget() is view
            assert w.catalogue_dock.visibleRegion().isEmpty()  # tabbed behind the Model pane
            w.browser.findChild(QPushButton, "catalogueButton").click()
            assert not w.catalogue_dock.visibleRegion().isEmpty()
            view.filter_edit.setText("fixture")
            assert view.proxy.rowCount() == 1 and view.select("fixture-dcgan")
            with qtbot.waitSignal(view.download_finished, timeout=TIMEOUT) as fin:
                view.download_button.click()
            path = Path(fin.args[1])
            assert path.read_bytes() == data and view.open_button.isEnabled()
            view.open_button.click()
            wait_loaded(qtbot, w, "fixture-dcgan.pth")
            assert w.model_info["family"] == "dcgan" and w.model_info["name"] in w.model_label.text()
            assert w.gallery.model.rowCount() > 0
            qtbot.waitUntil(lambda: 0 in w.gallery.model.thumbs, timeout=TIMEOUT)
        finally:
            w.close()
