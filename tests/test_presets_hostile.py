"""Preset faults of issue 18: a bad model reference never stops a listing, an unreadable or newer file
is never replaced by an older backup, `"version": true` is refused, a read-only folder is reported
truthfully, and two saves of one new name cannot both succeed."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from sefa_desktop import presets as presets_mod
from sefa_desktop.presets import ModelRef, Preset, PresetEdit, PresetError, PresetStore, model_status


def _deny(monkeypatch, *paths: Path) -> None:
    """Reading these files fails as it does without read permission (tests may run as root)."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self in paths:
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)


def _preset(name: str = "smile", alpha: float = 2.0, ref: str = "digiface-dcgan64") -> Preset:
    return Preset(name=name, model=ModelRef(ref, "path", "abc"), layers=[0],
                  edits=[PresetEdit("smile", 3, alpha, [0], [0.5, -0.5])], seeds=[1])


def _cli(capsys, *args: str) -> tuple[int, str, str]:
    from sefa_desktop.cli import main

    rc = main(list(args))
    out = capsys.readouterr()
    return rc, out.out, out.err


def test_unexpandable_model_path_is_that_presets_problem(capsys) -> None:
    store = PresetStore()
    store.save(_preset("odd", ref="~nosuchuser_sefa/m.pth"))
    store.save(_preset("fine", ref="digiface-dcgan64"))
    assert model_status(store.get("odd")) == "missing"
    rc, out, err = _cli(capsys, "presets", "list")
    assert rc == 0, err
    assert "odd" in out and "[model missing]" in out and "fine" in out
    rc, out, err = _cli(capsys, "presets", "show", "odd")
    assert rc == 0 and json.loads(out)["name"] == "odd" and "missing" in err


def test_model_status_never_raises(monkeypatch) -> None:
    def boom(ref):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(presets_mod, "model_file", boom)
    assert model_status(_preset()) == "unreadable (Permission denied)"


def test_unreadable_file_is_never_replaced_by_its_backup(monkeypatch) -> None:
    store = PresetStore()
    store.save(_preset(alpha=1.0))
    store.save(_preset(alpha=2.0))  # current: 2, backup: 1
    f = store.path_for("smile")
    _deny(monkeypatch, f)
    got, messages = store.load_all()
    assert got == [] and "cannot be read (Permission denied); left in place" in messages[0]
    with pytest.raises(PresetError, match="cannot be read"):
        store.save(_preset(alpha=3.0))
    monkeypatch.undo()
    assert store.get("smile").edits[0].alpha == 2.0  # the good current file, never the older backup
    assert not (store.folder / "moved-aside").exists()


def test_read_only_folder_does_not_claim_a_restore(monkeypatch) -> None:
    store = PresetStore()
    store.save(_preset(alpha=1.0))
    store.save(_preset(alpha=2.0))
    f = store.path_for("smile")
    f.write_text("{damaged")

    def read_only(*args, **kw):  # what a read-only folder answers to rename and create
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(presets_mod.os, "replace", read_only)
    monkeypatch.setattr(presets_mod, "atomic_write_bytes", read_only)
    got, messages = store.load_all()
    monkeypatch.undo()
    assert "restored" not in messages[0]
    assert "left in place" in messages[0] and "showing its backup" in messages[0]
    assert [p.edits[0].alpha for p in got] == [1.0]
    assert f.read_text() == "{damaged"  # nothing was written


@pytest.mark.parametrize("version", [True, 2.0, "2", None])
def test_version_must_be_a_real_integer(version) -> None:
    d = _preset().to_json() | {"version": version}
    with pytest.raises(PresetError, match="bad preset version"):
        Preset.from_json(d)


def test_a_competing_save_between_write_and_publish_wins_alone(monkeypatch) -> None:
    """The other save lands exactly between our temp write and our publish: ours must fail."""
    store = PresetStore()
    other = PresetStore()
    fired = []

    def competitor(target: Path) -> None:
        if not fired:
            fired.append(True)
            other.save(_preset(alpha=7.0), overwrite=False)

    monkeypatch.setattr(presets_mod, "before_publish", competitor)
    with pytest.raises(PresetError, match="exists"):
        store.save(_preset(alpha=1.0), overwrite=False)
    assert store.get("smile").edits[0].alpha == 7.0
    assert sorted(p.name for p in store.folder.iterdir()) == ["smile.json"]  # no temp left behind


def test_two_concurrent_saves_of_one_name_exactly_one_succeeds() -> None:
    store = PresetStore()
    for round_ in range(25):
        name = f"race{round_}"
        start = threading.Barrier(2)
        outcome: dict[float, str] = {}

        def save(alpha: float, name: str = name, start: threading.Barrier = start,
                 outcome: dict[float, str] = outcome) -> None:
            start.wait()
            try:
                PresetStore().save(_preset(name, alpha), overwrite=False)
                outcome[alpha] = "saved"
            except PresetError as e:
                outcome[alpha] = str(e)

        threads = [threading.Thread(target=save, args=(a,)) for a in (1.0, 2.0)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        winners = [a for a, r in outcome.items() if r == "saved"]
        assert len(winners) == 1, outcome
        loser = next(r for a, r in outcome.items() if r != "saved")
        assert "exists" in loser
        assert store.get(name).edits[0].alpha == winners[0]
    assert not [p for p in store.folder.iterdir() if p.name.startswith(".")]


def test_presets_pane_lists_a_preset_with_an_unexpandable_model(qtbot) -> None:
    pytest.importorskip("pytestqt")
    from sefa_desktop.gui.presets_pane import PresetsPane

    store = PresetStore()
    store.save(_preset("odd", ref="~nosuchuser_sefa/m.pth"))
    store.save(_preset("fine"))
    pane = PresetsPane(store)
    qtbot.addWidget(pane)
    texts = [pane.list.item(i).text() for i in range(pane.list.count())]
    assert len(texts) == 2 and texts[0].startswith("fine") and texts[1] == "odd  (model missing)", texts
