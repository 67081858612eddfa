"""DirectionSet files: lossless round trips, versions, clear errors, model checks."""

from __future__ import annotations

import numpy as np
import pytest
from fakes import FakeStyleModel

from sefa_desktop.core import DirectionFileError, DirectionSet, factorize
from sefa_desktop.core.direction_io import read_directions, write_directions


def test_round_trip_is_lossless(tmp_path):
    model = FakeStyleModel()
    d = factorize(model, layers=[1, 3], k=5)
    d.labels = ["pose", "", "smile ☺", "", "age"]
    path = tmp_path / "d.npz"
    write_directions(d, path)
    back = read_directions(path)
    assert np.array_equal(back.vectors, d.vectors)
    assert np.array_equal(back.values, d.values)
    assert back.layers == [1, 3]
    assert back.labels == d.labels
    assert (back.method, back.model_name, back.model_fingerprint, back.created_at) == \
        (d.method, d.model_name, d.model_fingerprint, d.created_at)
    back.check_fits(model)


def test_newer_version_and_foreign_npz_are_refused(tmp_path):
    d = factorize(FakeStyleModel(), k=2)
    raw = dict(np.load(__import__("io").BytesIO(d.to_bytes())))
    raw["version"] = np.array(99)
    np.savez(tmp_path / "future.npz", **raw)
    with pytest.raises(DirectionFileError, match="newer"):
        DirectionSet.load(tmp_path / "future.npz")
    np.savez(tmp_path / "other.npz", lat_comp=np.zeros((3, 1, 4)))
    with pytest.raises(DirectionFileError, match="not a sefa-desktop"):
        DirectionSet.load(tmp_path / "other.npz")
    (tmp_path / "junk.npz").write_bytes(b"junk" * 10)
    with pytest.raises(DirectionFileError, match="not a readable"):
        read_directions(tmp_path / "junk.npz")
    with pytest.raises(DirectionFileError, match="no such file"):
        read_directions(tmp_path / "missing.npz")


def test_directions_for_another_model_are_refused():
    d = factorize(FakeStyleModel(seed=1))
    with pytest.raises(DirectionFileError, match="another model"):
        d.check_fits(FakeStyleModel(seed=2))
    d.check_fits(FakeStyleModel(seed=2), strict_model=False)  # same size: allowed when asked
    with pytest.raises(DirectionFileError, match="dimension"):
        d.check_fits(FakeStyleModel(w_dim=32), strict_model=False)
    with pytest.raises(DirectionFileError, match="row"):
        factorize(FakeStyleModel(num_layers=8)).check_fits(FakeStyleModel(num_layers=4), strict_model=False)


def test_unknown_extension_is_a_clear_error(tmp_path):
    d = factorize(FakeStyleModel(), k=1)
    with pytest.raises(DirectionFileError, match="cannot write"):
        write_directions(d, tmp_path / "d.xyz")
    assert not (tmp_path / "d.xyz").exists()


def test_save_is_atomic_and_keeps_previous_on_failure(tmp_path, monkeypatch):
    d = factorize(FakeStyleModel(), k=2)
    path = tmp_path / "d.npz"
    d.save(path)
    before = path.read_bytes()

    def boom(*a, **k):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("pathlib.Path.write_bytes", boom)
    with pytest.raises(OSError, match="No space left"):
        d.top(1).save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["d.npz"]


def test_written_files_get_the_usual_permissions(tmp_path):
    import os
    import stat

    path = tmp_path / "d.npz"
    factorize(FakeStyleModel(), k=1).save(path)
    mask = os.umask(0)
    os.umask(mask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~mask


def test_npz_without_version_is_a_directions_file_error(tmp_path):
    d = DirectionSet(vectors=np.eye(3, dtype=np.float32), values=np.ones(3, np.float32), layers=[0])
    path = tmp_path / "old.npz"
    d.save(path)
    with np.load(path) as data:
        entries = {k: data[k] for k in data.files if k != "version"}
    np.savez(path, **entries)
    with pytest.raises(DirectionFileError, match="old.npz: damaged directions file.*version"):
        read_directions(path)
