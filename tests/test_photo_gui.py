"""Photo mode in the real window (offscreen): open a photo, the projection runs in the background while
the UI keeps rendering, Cancel stops it (injected), and after a run the gallery thumbnails show edits of
the photo. The crop dialog and the preset round trip of the photo's latent are checked too."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("pytestqt")

from PIL import Image  # noqa: E402
from PySide6.QtGui import QImage  # noqa: E402

from sefa_desktop.core.photos import CropBox  # noqa: E402
from sefa_desktop.core.projection import ProjectionSettings, psnr  # noqa: E402
from sefa_desktop.gui.main_window import MainWindow  # noqa: E402
from sefa_desktop.gui.photo_crop import CropDialog  # noqa: E402
from sefa_desktop.session.state import LatentBase, SeedBase  # noqa: E402

TIMEOUT = 60_000


@pytest.fixture
def window(qtbot):
    w = MainWindow()
    qtbot.addWidget(w)
    w.resize(1300, 850)
    w.show()
    w.open_model("digiface-dcgan64")
    qtbot.waitUntil(lambda: w.model_info is not None and w.model_info["name"] == "digiface-dcgan64"
                    and w.dirs is not None and w.dirs.model_gen == w.model_gen
                    and w.preview.image.pixmap is not None, timeout=TIMEOUT)
    w.photo.perceptual_loader = lambda: None
    yield w
    w.close()


@pytest.fixture
def photo(tmp_path, model):
    """A 100×80 'photo' with one of the model's faces at (20, 8)."""
    from sefa_desktop.core.imaging import to_uint8

    face = to_uint8(model.synthesize(model.sample_codes(1, seed=5)), model.image_range)[0]
    pic = Image.new("RGB", (100, 80), (30, 90, 160))
    pic.paste(Image.fromarray(face), (20, 8))
    path = tmp_path / "me.png"
    pic.save(path)
    return path, face


def _qimage_array(img: QImage) -> np.ndarray:
    img = img.convertToFormat(QImage.Format.Format_RGB888)
    ptr = img.constBits()
    a = np.frombuffer(ptr, np.uint8, img.sizeInBytes()).reshape(img.height(), img.bytesPerLine())
    return a[:, : 3 * img.width()].reshape(img.height(), img.width(), 3).copy()


def test_crop_dialog_keeps_a_square_inside_and_names_the_resolution(qtbot) -> None:
    dlg = CropDialog(Image.new("RGB", (200, 100)), 64, "digiface-dcgan64")
    qtbot.addWidget(dlg)
    assert dlg.box() == CropBox(50, 0, 100)  # the centred largest square
    dlg.set_box(CropBox(180, -5, 40))  # clamped into the picture
    assert dlg.box() == CropBox(160, 0, 40)
    assert "40×40 px" in dlg.info.text() and "upscaled to 64×64 px" in dlg.info.text()
    dlg.size_box.setValue(80)
    assert dlg.box().size == 80 and dlg.box().x + 80 <= 200


def test_photo_projects_in_the_background_cancels_then_edits_the_photo(qtbot, window, photo) -> None:
    w, (path, _face) = window, photo
    pc = w.photo
    # 1) a long run: the UI keeps rendering while it projects, and Cancel (injected) stops it
    pc.settings_factory = lambda: ProjectionSettings(steps=100_000, preview_every=1)
    assert pc.open_photo(str(path), CropBox(20, 8, 64))
    assert pc.busy()
    qtbot.waitUntil(lambda: pc.panel.live.pixmap() is not None and not pc.panel.live.pixmap().isNull(),
                    timeout=TIMEOUT)  # live intermediate images arrive
    shown = w.render.shown_gen
    w.editor.set_seed(3)  # the preview still renders while the projection runs
    qtbot.waitUntil(lambda: w.render.shown_gen > shown and w.render.frame_current, timeout=TIMEOUT)
    assert pc.busy() and w.preview.sample()[0] == 3
    assert pc.panel.bar.value() > 0 and pc.panel.cancel.isVisible()
    pc.panel.cancel.click()
    qtbot.waitUntil(lambda: not pc.busy(), timeout=TIMEOUT)
    assert w.session.base == SeedBase(3) and "cancelled" in pc.panel.status.text()

    # 2) a short run: the photo becomes the base; the thumbnails are edits of it
    seed_thumbs = dict(w.gallery.model.thumbs)
    pc.settings_factory = lambda: ProjectionSettings(steps=60)
    assert pc.open_photo(str(path), CropBox(20, 8, 64))
    qtbot.waitUntil(lambda: not pc.busy(), timeout=120_000)
    base = w.session.base
    assert isinstance(base, LatentBase) and base.name == "photo me.png"
    result = pc.last_result
    assert result.psnr > 20 and "PSNR" in pc.panel.status.text()
    assert base.key in w.render.sample_spec().key  # the thumbnails' context is the photo's latent
    gm = w.gallery.model  # wait for the new sharp strips (stale ones stay, dimmed, and drafts come first)
    qtbot.waitUntil(lambda: gm.context == w.render.thumb_context()
                    and all(r in gm.thumbs and r not in gm.draft_rows and r not in gm.stale_rows for r in range(3)),
                    timeout=TIMEOUT)
    # the preview shows the photo's reconstruction, the strips are new (not the seed's) and move along α
    qtbot.waitUntil(lambda: w.render.frame_current, timeout=TIMEOUT)
    shown = _qimage_array(w.preview.image.pixmap.toImage())
    ref = np.asarray(Image.fromarray(result.image).resize(shown.shape[1::-1], Image.Resampling.LANCZOS))
    c = shown.shape[0] // 8  # the preview's corners may be rounded
    assert psnr(shown[c:-c, c:-c], ref[c:-c, c:-c]) > 25
    for row in range(3):
        strip = [_qimage_array(p.toImage())[12:-12, 12:-12] for p in gm.thumbs[row]]
        if row in seed_thumbs:
            before = [_qimage_array(p.toImage())[12:-12, 12:-12] for p in seed_thumbs[row]]
            assert not all(np.array_equal(a, b) for a, b in zip(strip, before, strict=True))
        assert psnr(strip[0], strip[-1]) < 30  # the ends of the strip are edits: they differ
        size = gm.thumbs[row][0].toImage().width()  # α = 0 in the middle: the photo's reconstruction
        ref_t = np.asarray(Image.fromarray(result.image).resize((size, size), Image.Resampling.LANCZOS))[12:-12, 12:-12]
        assert psnr(strip[len(strip) // 2], ref_t) > 25

    # 3) back to seeds at any time, and forward again with undo/redo
    pc.panel.back.click()
    assert w.session.base == SeedBase(3)
    w.editor.undo()
    assert w.session.base == base


def test_photo_latent_travels_in_presets_and_import_latent(qtbot, window, tmp_path, model) -> None:
    from sefa_desktop.core.latents import write_latent

    w = window
    codes = model.sample_codes(1, seed=11)
    write_latent(tmp_path / "enc.npz", codes, model, "z")
    assert w.photo.import_latent(str(tmp_path / "enc.npz"))
    qtbot.waitUntil(lambda: not w.photo.busy(), timeout=TIMEOUT)
    base = w.session.base
    assert isinstance(base, LatentBase) and np.allclose(base.codes, codes.numpy()[0])
    preset = w.presets.current_preset("with photo")
    assert preset.latent is not None and preset.latent["shape"] == [100]
    from sefa_desktop.presets import Preset

    again = Preset.from_json(preset.to_json())
    assert np.allclose(np.asarray(again.latent["codes"], np.float32), codes.numpy()[0])
    w.photo.back_to_seed()
    assert isinstance(w.session.base, SeedBase)
    # a file that does not fit is one message, and the base stays
    np.save(tmp_path / "bad.npy", np.zeros((3, 7), np.float32))
    errors: list[str] = []
    w.show_error = errors.append
    assert w.photo.import_latent(str(tmp_path / "bad.npy"))
    qtbot.waitUntil(lambda: not w.photo.busy(), timeout=TIMEOUT)
    assert errors and "do not fit" in errors[0] and "\n" not in errors[0]
    assert isinstance(w.session.base, SeedBase)
