"""Presets: round trips, atomic writes with one backup, damaged files moved aside, migration, CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from sefa_desktop import presets as presets_mod
from sefa_desktop.presets import (
    PRESET_VERSION,
    ModelRef,
    Preset,
    PresetEdit,
    PresetError,
    PresetStore,
    file_sha256,
    model_ref,
    model_status,
)
from sefa_desktop.util.atomic import WriteError

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _user_dirs(tmp_path: Path, monkeypatch) -> None:
    for var, sub in (("XDG_DATA_HOME", "data"), ("XDG_CACHE_HOME", "cache"), ("XDG_CONFIG_HOME", "config")):
        monkeypatch.setenv(var, str(tmp_path / sub))


def _preset(name: str = "smile", alpha: float = 2.0) -> Preset:
    return Preset(name=name, model=ModelRef("digiface-dcgan64", "bundled", "abc"), layers=[0], method="sefa",
                  edits=[PresetEdit("smile", 3, alpha, [0], [0.5, -0.5])], seeds=[1, 2], truncation=0.7,
                  noise_mode="const")


def test_save_load_round_trip_in_user_data_dir(tmp_path: Path) -> None:
    store = PresetStore()
    assert store.folder == tmp_path / "data" / "sefa-desktop" / "presets"
    store.save(_preset())
    store.save(_preset("Ünïcode / name?"))
    got, messages = store.load_all()
    assert messages == []
    assert [p.name for p in got] == ["smile", "Ünïcode / name?"]
    assert got[0].to_json() | {"created_at": ""} == _preset().to_json() | {"created_at": ""}
    p = store.get("smile")
    assert p.edits[0] == PresetEdit("smile", 3, 2.0, [0], [0.5, -0.5])
    assert (p.seeds, p.truncation, p.layers) == ([1, 2], 0.7, [0])
    raw = json.loads(store.path_for("smile").read_text())
    assert raw["format"] == "sefa-desktop-preset" and raw["version"] == PRESET_VERSION


def test_overwrite_keeps_one_backup_and_no_temp_files() -> None:
    store = PresetStore()
    store.save(_preset(alpha=1.0))
    store.save(_preset(alpha=2.0))
    store.save(_preset(alpha=3.0))
    f = store.path_for("smile")
    assert store.get("smile").edits[0].alpha == 3.0
    assert Preset.from_json(json.loads(f.with_name(f.name + ".bak").read_text())).edits[0].alpha == 2.0
    assert sorted(p.name for p in store.folder.iterdir()) == ["smile.json", "smile.json.bak"]
    with pytest.raises(PresetError, match="exists"):
        store.save(_preset(), overwrite=False)


@pytest.mark.parametrize("content", [b'{"format": "sefa-desktop-preset", "version": 2, "name": "smi',
                                     b"\x00\xff garbage \x89PNG", b"[1, 2, 3]", b"[" * 100_000,
                                     b'{"format": "sefa-desktop-preset", "version": 2, "name": "smile", '
                                     b'"model": {"ref": "x"}, "edits": [{"name": "a", "alpha": "big"}]}',
                                     b'{"format": "sefa-desktop-preset", "version": 2, "name": "smile", '
                                     b'"model": 5, "layers": "zz"}'])
def test_damaged_file_is_moved_aside_and_backup_restored(content: bytes) -> None:
    store = PresetStore()
    store.save(_preset(alpha=1.0))
    store.save(_preset(alpha=2.0))  # .bak holds alpha 1
    store.save(_preset("other"))
    store.path_for("smile").write_bytes(content)  # a truncated or garbage file (e.g. a crash on a bad FS)
    got, messages = store.load_all()
    assert len(messages) == 1 and "smile.json" in messages[0] and "moved to" in messages[0]
    assert "restored the previous version" in messages[0]
    assert {p.name: p.edits[0].alpha for p in got} == {"other": 2.0, "smile": 1.0}
    aside = list((store.folder / "moved-aside").iterdir())
    assert len(aside) == 1 and aside[0].read_bytes() == content
    assert store.load_all()[1] == []  # handled once, quiet afterwards


def test_newer_version_is_left_in_place_and_never_replaced() -> None:
    store = PresetStore()
    store.save(_preset("good"))
    store.save(_preset("future", alpha=1.0))
    future = _preset("future", alpha=5.0).to_json() | {"version": PRESET_VERSION + 1}
    f = store.folder.joinpath("future.json")
    f.write_text(json.dumps(future))  # a newer app saved it; .bak holds our older version
    got, messages = store.load_all()
    assert [p.name for p in got] == ["good"]
    assert "newer than this app supports" in messages[0] and "left in place" in messages[0]
    assert json.loads(f.read_text()) == future  # not moved, not replaced by the backup
    assert not (store.folder / "moved-aside").exists()
    with pytest.raises(PresetError, match="newer sefa-desktop; not replaced"):
        store.save(_preset("future", alpha=2.0))
    assert json.loads(f.read_text()) == future


def test_crash_during_save_leaves_previous_preset_intact(monkeypatch) -> None:
    store = PresetStore()
    store.save(_preset(alpha=1.0))

    def crash(self, data):  # the disk fills up halfway through writing the temp file
        with open(self, "wb") as f:
            f.write(data[: len(data) // 2])
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Path, "write_bytes", crash)
    with pytest.raises(WriteError, match="No space left"):
        store.save(_preset(alpha=9.0))
    monkeypatch.undo()
    assert store.get("smile").edits[0].alpha == 1.0
    assert not [p for p in store.folder.iterdir() if p.name.startswith(".")]


def test_version_1_is_migrated() -> None:
    store = PresetStore()
    store.folder.mkdir(parents=True)
    old = {"format": "sefa-desktop-preset", "version": 1, "name": "old", "model": "digiface-dcgan64",
           "seed": 7, "edits": [[2, 1.5]], "truncation": 0.5}
    store.folder.joinpath("old.json").write_text(json.dumps(old))
    p = store.get("old")
    assert p.seeds == [7] and p.model.ref == "digiface-dcgan64"
    assert p.edits == [PresetEdit("direction 2", 2, 1.5)]
    assert p.truncation == 0.5


def test_model_hash_detects_a_changed_file(tmp_path: Path) -> None:
    f = tmp_path / "model.pt"
    f.write_bytes(b"weights v1")
    ref = model_ref(str(f))
    assert ref.kind == "path" and len(ref.sha256) == 64
    p = Preset("p", ref)
    assert model_status(p) == "ok"
    f.write_bytes(b"weights v2, longer")
    assert model_status(p) == "changed"
    f.unlink()
    assert model_status(p) == "missing"
    assert model_ref("digiface-dcgan64").kind == "bundled"


def test_hash_is_cached_by_size_and_mtime(tmp_path: Path, monkeypatch) -> None:
    f = tmp_path / "m.bin"
    f.write_bytes(b"x" * 1000)
    first = file_sha256(f)
    calls = []
    real = presets_mod.hashlib.sha256
    monkeypatch.setattr(presets_mod.hashlib, "sha256", lambda *a: calls.append(1) or real(*a))
    assert file_sha256(f) == first and calls == []


def test_export_import_delete(tmp_path: Path) -> None:
    store = PresetStore()
    store.save(_preset())
    store.export("smile", tmp_path / "share.json")
    store.import_file(tmp_path / "share.json", name="copy")
    assert store.names() == ["copy", "smile"]
    store.delete("smile")
    assert store.names() == ["copy"]
    with pytest.raises(PresetError, match="no preset named"):
        store.get("smile")
    (tmp_path / "junk.json").write_text("{")
    with pytest.raises(PresetError, match="junk.json"):
        store.import_file(tmp_path / "junk.json")


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    """The CLI in-process (a subprocess per call costs seconds of torch import)."""
    from sefa_desktop.cli import main

    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_cli_presets(tmp_path: Path, capsys) -> None:
    rc, _, err = _cli(capsys, "factorize", "digiface-dcgan64", "--top", "4", "-o", str(tmp_path / "d.npz"))
    assert rc == 0, err
    rc, _, err = _cli(capsys, "presets", "save", "look", "--model", "digiface-dcgan64", "--seed", "3",
                      "--directions", str(tmp_path / "d.npz"), "--edit", "1=2.5")
    assert rc == 0, err
    rc, out, _ = _cli(capsys, "presets", "show", "look")
    shown = json.loads(out)
    assert shown["seeds"] == [3] and shown["edits"][0]["alpha"] == 2.5 and len(shown["edits"][0]["vector"]) == 100
    presets_dir = tmp_path / "data" / "sefa-desktop" / "presets"
    (presets_dir / "broken.json").write_text('{"format": "sefa-desktop-preset", "vers')
    rc, out, err = _cli(capsys, "presets", "list")
    assert rc == 0
    assert "look" in out and "broken.json" in err and "moved to" in err
    rc, _, err = _cli(capsys, "presets", "save", "bad", "--model", "digiface-dcgan64", "--layers", "5")
    assert rc == 1 and "out of range" in err
    rc, _, err = _cli(capsys, "presets", "show", "nope")
    assert rc == 1 and "no preset named" in err


def test_cli_presets_list_starts_in_a_fresh_subprocess(tmp_path: Path) -> None:
    """The real entry point keeps working with a garbage preset (one subprocess, no torch import)."""
    folder = tmp_path / "data" / "sefa-desktop" / "presets"
    folder.mkdir(parents=True)
    (folder / "g.json").write_bytes(b"\x00\x01garbage")
    env = dict(os.environ, PYTHONPATH=str(REPO), XDG_DATA_HOME=str(tmp_path / "data"),
               XDG_CACHE_HOME=str(tmp_path / "cache"), XDG_CONFIG_HOME=str(tmp_path / "config"))
    r = subprocess.run([sys.executable, "-m", "sefa_desktop", "presets", "list"], capture_output=True, text=True,
                       env=env, cwd=REPO, timeout=120)
    assert r.returncode == 0 and "no presets" in r.stdout and "g.json" in r.stderr
