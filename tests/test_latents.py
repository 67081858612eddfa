"""Latent files: every shape encoders write loads onto the model it fits; bad files are one clear line."""

from __future__ import annotations

import io
import json
import zipfile

import numpy as np
import pytest
import torch

from sefa_desktop.core.latents import (
    LatentFileError,
    fit_latent,
    load_latent_codes,
    read_latent,
    write_latent,
)


@pytest.fixture(scope="module")
def style():
    from sefa_desktop.models import load_model

    return load_model("cartoon-faces-sg2-32")  # W+ (8, 64)


def _w(style, seed: int = 1) -> np.ndarray:
    return style.sample_codes(1, seed=seed).numpy()[0]  # (8, 64), all rows equal


@pytest.mark.parametrize("shape_kind", ["dim", "1xdim", "rowsxdim", "1xrowsxdim", "nxrowsxdim"])
@pytest.mark.parametrize("ext", [".npy", ".npz", ".pt"])
def test_every_encoder_shape_loads_onto_w_plus(style, tmp_path, shape_kind, ext) -> None:
    wp = _w(style)
    wp[3] += 0.5  # a real W+ code: rows differ
    arrays = {
        "dim": wp[0], "1xdim": wp[:1], "rowsxdim": wp, "1xrowsxdim": wp[None],
        "nxrowsxdim": np.stack([wp * 0, wp, wp * 2]),
    }
    arr = arrays[shape_kind].astype(np.float32)
    path = tmp_path / f"lat{ext}"
    if ext == ".npy":
        np.save(path, arr)
    elif ext == ".npz":
        np.savez(path, latent=arr)
    else:
        torch.save(torch.from_numpy(arr), path)
    index = 1 if shape_kind == "nxrowsxdim" else 0
    codes = load_latent_codes(path, style, index=index)
    assert codes.shape == (1, 8, 64)
    expect = wp if shape_kind in ("rowsxdim", "1xrowsxdim", "nxrowsxdim") else np.broadcast_to(wp[0], (8, 64))
    assert np.allclose(codes.numpy()[0], expect)


def test_nvidia_projected_w_and_pt_dict(style, tmp_path) -> None:
    wp = _w(style, 2)
    np.savez(tmp_path / "projected_w.npz", w=wp[None].astype(np.float32))
    assert np.allclose(load_latent_codes(tmp_path / "projected_w.npz", style).numpy()[0], wp)
    # e4e/ReStyle keep per-image codes in a dict: the index picks one, in file order
    torch.save({"a.png": torch.zeros(8, 64), "b.png": torch.from_numpy(wp)}, tmp_path / "latents.pt")
    assert np.allclose(load_latent_codes(tmp_path / "latents.pt", style, index=1).numpy()[0], wp)


def test_z_model_rows_pick_by_index(model, tmp_path) -> None:
    z = model.sample_z(4, seed=0).numpy()
    np.save(tmp_path / "z.npy", z)
    assert np.allclose(load_latent_codes(tmp_path / "z.npy", model, index=2).numpy()[0], z[2])
    np.save(tmp_path / "z1.npy", z[0])
    assert np.allclose(load_latent_codes(tmp_path / "z1.npy", model).numpy()[0], z[0])


@pytest.mark.parametrize("arr,msg", [
    (np.zeros((8, 512), np.float32), "512 numbers do not fit"),
    (np.zeros((14, 64), np.float32), r"14 W\+ rows do not fit"),
    (np.zeros((3, 8, 64), np.float32), "index 5 is out of range"),
    (np.zeros((2, 2, 8, 64), np.float32), "none of"),
    (np.full((8, 64), np.nan, np.float32), "NaN"),
    (np.zeros((8, 64), np.int64), "not floating-point"),
])
def test_wrong_sizes_are_one_clear_line(style, tmp_path, arr, msg) -> None:
    np.save(tmp_path / "bad.npy", arr)
    with pytest.raises(LatentFileError, match=msg) as e:
        load_latent_codes(tmp_path / "bad.npy", style, index=5 if arr.ndim == 3 else 0)
    assert "\n" not in str(e.value)


def test_hostile_header_is_refused_before_allocation(tmp_path) -> None:
    # a header that declares 4 TB of floats in a file of a few hundred bytes
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False,
                                               "shape": (1 << 20, 1 << 20)})
    (tmp_path / "huge.npy").write_bytes(b"\x93NUMPY\x01\x00" + buf.getvalue()[8:] + b"\0" * 64)
    with pytest.raises(LatentFileError, match="truncated or corrupt"):
        read_latent(tmp_path / "huge.npy")
    with zipfile.ZipFile(tmp_path / "huge.npz", "w") as zf:
        zf.writestr("w.npy", (tmp_path / "huge.npy").read_bytes())
    with pytest.raises(LatentFileError, match="truncated or corrupt"):
        read_latent(tmp_path / "huge.npz")


def test_pickles_are_not_executed(tmp_path) -> None:
    np.save(tmp_path / "obj.npy", np.array([{"a": 1}], dtype=object), allow_pickle=True)
    with pytest.raises(LatentFileError, match="pickle"):
        read_latent(tmp_path / "obj.npy")

    class Evil:
        def __reduce__(self):
            return (print, ("owned",))

    torch.save({"w": Evil()}, tmp_path / "evil.pt")
    with pytest.raises(LatentFileError, match="code execution"):
        read_latent(tmp_path / "evil.pt")
    (tmp_path / "junk.pt").write_bytes(b"not a torch file")
    with pytest.raises(LatentFileError, match="junk.pt"):
        read_latent(tmp_path / "junk.pt")


def test_our_file_round_trips_with_metadata(style, model, tmp_path) -> None:
    wp = torch.from_numpy(_w(style, 3))[None]
    crop = {"image": "me.jpg", "box": [10, 20, 110, 120], "alignment": "manual"}
    p = write_latent(tmp_path / "me.npz", wp, style, "w+", crop=crop, psnr=31.5)
    lat = read_latent(p)
    assert lat.is_ours and lat.meta["crop"] == crop and lat.meta["psnr"] == 31.5
    assert lat.meta["model_fingerprint"] == style.fingerprint and lat.meta["space"] == "w+"
    assert torch.equal(fit_latent(lat, style), wp)
    assert not list(tmp_path.glob(".*"))  # no temp file left behind
    # our file names its model: another model of the same size is refused unless asked for
    z = model.sample_z(1, seed=0)
    p2 = write_latent(tmp_path / "z.npz", z, model, "z")
    other = type("Other", (), {"code_shape": (100,), "name": "other", "fingerprint": "0" * 16})()
    with pytest.raises(LatentFileError, match="made for digiface-dcgan64"):
        load_latent_codes(p2, other)
    assert torch.equal(load_latent_codes(p2, other, allow_other_model=True), z)


def test_newer_version_is_refused(style, tmp_path) -> None:
    buf = io.BytesIO()
    np.savez(buf, codes=np.zeros((1, 8, 64), np.float32),
             meta=np.array(json.dumps({"format": "sefa-desktop-latent", "version": 99})))
    (tmp_path / "new.npz").write_bytes(buf.getvalue())
    with pytest.raises(LatentFileError, match="newer sefa-desktop"):
        read_latent(tmp_path / "new.npz")
