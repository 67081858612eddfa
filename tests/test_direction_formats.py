"""Direction files of other tools: round trips, the rosinality fixture, dimension checks, CLI."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest
import torch

from sefa_desktop.core.direction_formats import boundary_paths, write_boundaries
from sefa_desktop.core.direction_io import read_directions, write_directions
from sefa_desktop.core.directions import DirectionFileError, DirectionSet
from tests.conftest import shared_dir


class FakeModel:
    name = "fake"
    edit_space = "w"

    def __init__(self, dim: int = 16, num_layers: int = 4) -> None:
        self.latent_dim = dim
        self.num_layers = num_layers


def _dirs(k: int = 5, dim: int = 16, seed: int = 0) -> DirectionSet:
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((dim, dim)))
    return DirectionSet(vectors=q[:, :k].T, values=np.linspace(5, 1, k), layers=[0, 1, 2, 3],
                        model_name="fake", labels=[f"d{i}" for i in range(k)])


@pytest.mark.parametrize("name", ["ours.npz", "factor.pt", "comps.ganspace.npz"])
def test_round_trip_same_vectors(tmp_path: Path, name: str) -> None:
    dirs = _dirs()
    path = tmp_path / name
    write_directions(dirs, path)
    back = read_directions(path, FakeModel())
    assert back.vectors.shape == dirs.vectors.shape
    assert np.abs(back.vectors - dirs.vectors).max() <= 1e-6
    assert back.layers == [0, 1, 2, 3]


def test_labels_travel_in_our_format(tmp_path: Path) -> None:
    write_directions(_dirs(), tmp_path / "d.npz")
    assert read_directions(tmp_path / "d.npz").labels == [f"d{i}" for i in range(5)]


def test_boundaries_one_file_per_direction_round_trip(tmp_path: Path) -> None:
    dirs = _dirs(k=3)
    write_directions(dirs, tmp_path / "b.npy")
    paths = boundary_paths(tmp_path / "b.npy", 3)
    assert [p.name for p in paths] == ["b_00.npy", "b_01.npy", "b_02.npy"]
    for i, p in enumerate(paths):
        arr = np.load(p, allow_pickle=False)
        assert arr.shape == (1, 16) and arr.dtype == np.float32
        back = read_directions(p, FakeModel())
        assert len(back) == 1
        assert np.abs(back.vectors[0] - dirs.vectors[i]).max() <= 1e-6
    assert not (tmp_path / "b.npy").exists()


def test_boundary_with_index_writes_exactly_that_file(tmp_path: Path) -> None:
    dirs = _dirs(k=3)
    written = write_boundaries(dirs, tmp_path / "smile.npy", index=2)
    assert written == [tmp_path / "smile.npy"]
    back = read_directions(tmp_path / "smile.npy", FakeModel())
    assert np.abs(back.vectors[0] - dirs.vectors[2]).max() <= 1e-6
    assert back.labels == ["smile"]
    with pytest.raises(ValueError, match="does not exist"):
        write_boundaries(dirs, tmp_path / "x.npy", index=7)


def test_rosinality_fixture_structure_and_ours_match(tmp_path: Path) -> None:
    shared = shared_dir()
    if shared is None:
        pytest.skip("shared fixtures (../shared/fixtures/rosinality) not present")
    ref = torch.load(shared / "fixtures" / "rosinality" / "factor.pt", map_location="cpu", weights_only=True)
    dirs = _dirs(k=7, dim=64)
    write_directions(dirs, tmp_path / "factor.pt")
    ours = torch.load(tmp_path / "factor.pt", map_location="cpu", weights_only=True)
    assert type(ours) is type(ref) is dict
    assert sorted(ours) == sorted(ref) == ["ckpt", "eigvec"]
    assert isinstance(ours["ckpt"], str) and isinstance(ref["ckpt"], str)
    assert ours["eigvec"].dtype == ref["eigvec"].dtype == torch.float32
    assert ours["eigvec"].ndim == ref["eigvec"].ndim == 2
    assert ours["eigvec"].shape == (64, 7)  # [dim, k]: directions are columns, as in the fixture
    assert torch.allclose(ours["eigvec"][:, 3], torch.from_numpy(dirs.vectors[3]))
    # and the fixture itself imports: column i is direction i
    back = read_directions(shared / "fixtures" / "rosinality" / "factor.pt", FakeModel(dim=64, num_layers=8))
    assert len(back) == 64 and back.layers == list(range(8))
    assert np.abs(back.vectors[5] - ref["eigvec"][:, 5].numpy()).max() == 0


def test_ganspace_file_has_its_keys_and_is_told_apart_from_ours(tmp_path: Path) -> None:
    dirs = _dirs()
    write_directions(dirs, tmp_path / "c.ganspace.npz")
    with np.load(tmp_path / "c.ganspace.npz") as data:
        assert data["lat_comp"].shape == (5, 1, 16)
        assert data["lat_mean"].shape == (1, 16)
        assert data["lat_stdev"].shape == (5,) and data["var_ratio"].shape == (5,)
        assert abs(float(data["var_ratio"].sum()) - 1) < 1e-6
        assert "format" not in data.files
    # a GANSpace file under a plain .npz name is read by content
    os.replace(tmp_path / "c.ganspace.npz", tmp_path / "plain.npz")
    back = read_directions(tmp_path / "plain.npz", FakeModel())
    assert back.method == "ganspace"
    assert np.abs(back.vectors - dirs.vectors).max() <= 1e-6
    assert read_directions(tmp_path / "plain.npz").method == "ganspace"
    write_directions(dirs, tmp_path / "mine.npz")
    assert read_directions(tmp_path / "mine.npz").method == "sefa"


@pytest.mark.parametrize("name", ["factor.pt", "b.npy", "c.ganspace.npz"])
def test_import_says_what_does_not_fit(tmp_path: Path, name: str) -> None:
    dirs = _dirs(k=1, dim=16)
    write_directions(dirs, tmp_path / name)
    with pytest.raises(DirectionFileError, match=r"16-dimensional directions.*64-dimensional latent"):
        read_directions(tmp_path / name, FakeModel(dim=64))


def test_garbage_files_give_one_line_errors(tmp_path: Path) -> None:
    (tmp_path / "bad.pt").write_bytes(b"not a torch file")
    (tmp_path / "bad.npy").write_bytes(b"\x93NUMPY garbage")
    (tmp_path / "bad.npz").write_bytes(b"PK garbage")
    for name in ("bad.pt", "bad.npy", "bad.npz"):
        with pytest.raises(DirectionFileError) as e:
            read_directions(tmp_path / name)
        assert "\n" not in str(e.value)
    torch.save({"g_ema": {}}, tmp_path / "ckpt.pt")
    with pytest.raises(DirectionFileError, match="not a rosinality factor.pt"):
        read_directions(tmp_path / "ckpt.pt")


def test_cli_factorize_picks_format_by_extension(tmp_path: Path, capsys) -> None:
    from sefa_desktop.cli import main

    assert main(["factorize", "digiface-dcgan64", "--top", "3", "-o", str(tmp_path / "factor.pt")]) == 0
    eig = torch.load(tmp_path / "factor.pt", weights_only=True)["eigvec"]
    assert eig.shape == (100, 3)
    assert main(["factorize", "digiface-dcgan64", "--top", "3", "--index", "1", "-o", str(tmp_path / "one.npy")]) == 0
    assert np.abs(np.load(tmp_path / "one.npy")[0] - eig[:, 1].numpy()).max() <= 1e-6
    assert main(["factorize", "digiface-dcgan64", "--top", "2", "-o", str(tmp_path / "g.ganspace.npz")]) == 0
    assert np.load(tmp_path / "g.ganspace.npz")["lat_comp"].shape == (2, 1, 100)
    capsys.readouterr()
    assert main(["factorize", "digiface-dcgan64", "-o", str(tmp_path / "x.txt")]) == 1
    assert "must end in one of" in capsys.readouterr().err


def test_our_factor_pt_from_the_rosinality_model_matches_its_own(tmp_path: Path) -> None:
    """factorize(compat='rosinality') → factor.pt: same structure and same directions (up to sign) as the
    file rosinality's closed_form_factorization.py wrote; importing it back fits that model."""
    from sefa_desktop.core.sefa import factorize
    from sefa_desktop.models import load_model
    from tests.conftest import fixture_path

    ckpt = fixture_path("rosinality", "stylegan2_tiny.pt")
    ref = torch.load(ckpt.parent / "factor.pt", map_location="cpu", weights_only=True)
    model = load_model(str(ckpt))
    write_directions(factorize(model, compat="rosinality"), tmp_path / "factor.pt")
    ours = torch.load(tmp_path / "factor.pt", map_location="cpu", weights_only=True)
    assert sorted(ours) == sorted(ref) and ours["eigvec"].shape == ref["eigvec"].shape
    a, b = ours["eigvec"][:, :8], ref["eigvec"][:, :8]
    assert torch.allclose(a * torch.sign((a * b).sum(0)), b, atol=1e-4)
    back = read_directions(tmp_path / "factor.pt", model)
    back.check_fits(model)
    assert back.layers == list(range(model.num_layers))
    with pytest.raises(DirectionFileError, match="64-dimensional directions.*100-dimensional latent"):
        read_directions(ckpt.parent / "factor.pt", load_model("digiface-dcgan64"))
