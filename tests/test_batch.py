"""`sefa-desktop batch`: plan and layout, resumable manifest, recipe check, and identical bytes from the
in-process, process-pool and Ray engines, before and after an interruption."""

from __future__ import annotations

import csv
import hashlib
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from sefa_desktop.batch import manifest
from sefa_desktop.batch.plan import BatchError, Plan, Sweep, make_recipe, parse_seeds, parse_sweep
from sefa_desktop.cli import main

REPO = Path(__file__).resolve().parents[1]
MODEL = "digiface-dcgan64"
JOB = ["--seeds", "3-6", "--sweep", "0=-2:2:3", "--sweep", "2=-1:1:2"]  # 4 seeds × 5 variants = 20 images


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def files_of(outdir: Path) -> dict[str, bytes]:
    """Every image under OUTDIR (relative path → bytes), plus the manifest."""
    out = {str(p.relative_to(outdir)): p.read_bytes() for p in outdir.glob("*/*") if not p.name.startswith(".")}
    out["manifest.csv"] = (outdir / "manifest.csv").read_bytes()
    return out


def read_manifest(outdir: Path) -> list[dict[str, str]]:
    with open(outdir / "manifest.csv", newline="") as f:
        return list(csv.DictReader(f))


@pytest.fixture(scope="module")
def directions(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("dirs") / "d.npz"
    assert main(["factorize", MODEL, "--top", "4", "-o", str(path)]) == 0
    return path


@pytest.fixture(scope="module")
def reference(directions, tmp_path_factory) -> Path:
    """The job rendered by one in-process worker: what every other way of running it must reproduce."""
    out = tmp_path_factory.mktemp("ref") / "out"
    assert main(["batch", MODEL, "--directions", str(directions), "-o", str(out), *JOB, "--workers", "1",
                 "-q"]) == 0
    return out


# -- plan and layout ------------------------------------------------------------------------------------
def recipe(**kw):
    args = dict(model_fingerprint="f", weights_sha256="w", directions_sha256="d", direction_layers=[0],
                seeds=parse_seeds(["0-2", "7"]), latents=None, sweeps=[Sweep(3, -1.5, 1.5, 3)], hold=[],
                size=None, fmt="png", quality=None, truncation=1.0, noise="const")
    args.update(kw)
    return make_recipe(**args)


def test_plan_numbers_jobs_and_lays_out_shards():
    plan = Plan(recipe())
    assert len(plan) == 4 * 3
    paths = [j.path for j in plan]
    assert paths[:3] == ["00/seed000000_d3_a-1.50.png", "00/seed000000_d3_a+0.00.png", "00/seed000000_d3_a+1.50.png"]
    assert plan[11].seed == 7 and plan[11].path == "07/seed000007_d3_a+1.50.png"
    assert Plan(recipe(seeds=parse_seeds(["300"])))[0].path.startswith("2c/seed000300_")  # 300 % 256 = 0x2c
    assert len(set(paths)) == len(paths)


def test_plan_drops_duplicate_variants_and_widens_alpha_names():
    plan = Plan(recipe(sweeps=[Sweep(1, 0, 1, 3), Sweep(1, 0, 1, 3), Sweep(2, 0, 0.001, 2)]))
    assert len(plan.variants) == 5
    names = {j.path for j in plan}
    assert len(names) == len(plan)  # 0.000 and 0.001 must not collide
    assert "00/seed000000_d2_a+0.001.png" in names


def test_plan_without_sweeps_renders_each_seed_once():
    plan = Plan(recipe(sweeps=[]))
    assert [j.path for j in plan] == ["00/seed000000.png", "01/seed000001.png", "02/seed000002.png",
                                      "07/seed000007.png"]


@pytest.mark.parametrize("text", ["3", "3=1:2", "x=1:2:3", "3=1:2:0", "-1=0:1:2"])
def test_bad_sweeps_are_refused(text):
    with pytest.raises(BatchError, match="sweep"):
        parse_sweep(text)


def test_seeds_merge_and_refuse_nonsense():
    assert parse_seeds(["5-9", "0,1", "2-6"]) == [(0, 9)]
    for bad in (["9-2"], ["a"], ["-3"]):
        with pytest.raises(BatchError):
            parse_seeds(bad)


# -- the command end to end ---------------------------------------------------------------------------
def test_batch_writes_images_manifest_and_recipe(reference):
    rows = read_manifest(reference)
    assert list(rows[0]) == ["seed", "direction", "alpha", "path", "sha256"]
    assert len(rows) == 20
    assert [r["seed"] for r in rows[:5]] == ["3"] * 5
    assert [(r["direction"], r["alpha"]) for r in rows[:5]] == [("0", "-2.0"), ("0", "0.0"), ("0", "2.0"),
                                                                ("2", "-1.0"), ("2", "1.0")]
    for r in rows:
        data = (reference / r["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == r["sha256"]
    img = Image.open(reference / rows[0]["path"])
    assert img.size == (64, 64) and '"seed": 3' in img.text["sefa-desktop"]
    # The edit is real: α = -2 and +2 along direction 0 give clearly different faces.
    a = np.asarray(Image.open(reference / rows[0]["path"]), np.float32)
    b = np.asarray(Image.open(reference / rows[2]["path"]), np.float32)
    assert np.abs(a - b).mean() > 5
    assert (reference / "batch.json").is_file()


def test_process_pool_gives_identical_bytes(directions, reference, tmp_path, capsys):
    out = tmp_path / "pool"
    code, stdout, err = run(capsys, "batch", MODEL, "--directions", str(directions), "-o", str(out), *JOB,
                            "--workers", "2", "-q")
    assert code == 0, err
    assert files_of(out) == files_of(reference)


def test_interrupted_run_resumes_without_rendering_done_images_again(directions, reference, tmp_path):
    """The process is killed (SIGKILL, injected after 8 images); the rerun renders only the rest."""
    out = tmp_path / "killed"
    cmd = [sys.executable, "-m", "sefa_desktop", "batch", MODEL, "--directions", str(directions), "-o", str(out),
           *JOB, "--workers", "1", "-q"]
    env = {**os.environ, "SEFA_BATCH_TEST_STOP": "kill:8"}
    killed = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert killed.returncode == -9, killed.stderr
    done = read_manifest(out)
    assert 8 <= len(done) < 20
    before = {r["path"]: (out / r["path"]).stat() for r in done}
    resumed = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr
    assert f"({20 - len(done)} rendered now, {len(done)} already done)" in resumed.stdout
    for path, st in before.items():  # untouched: same inode, same modification time
        now = (out / path).stat()
        assert (now.st_ino, now.st_mtime_ns) == (st.st_ino, st.st_mtime_ns), path
    assert files_of(out) == files_of(reference)


def test_ctrl_c_stops_cleanly_and_the_rerun_completes(directions, reference, tmp_path, capsys, monkeypatch):
    """The Ctrl+C path (injected: the stop flag is set after 4 images) leaves a consistent manifest."""
    out = tmp_path / "stopped"
    args = ["batch", MODEL, "--directions", str(directions), "-o", str(out), *JOB, "--workers", "1", "-q"]
    monkeypatch.setenv("SEFA_BATCH_TEST_STOP", "interrupt:4")
    code, _, err = run(capsys, *args)
    assert code == 130 and "run the same command again to resume" in err
    rows = read_manifest(out)
    assert len(rows) == 4  # one chunk of 4 in flight, recorded before stopping
    assert all((out / r["path"]).is_file() for r in rows)
    monkeypatch.delenv("SEFA_BATCH_TEST_STOP")
    code, stdout, err = run(capsys, *args)
    assert code == 0 and "(16 rendered now, 4 already done)" in stdout
    assert files_of(out) == files_of(reference)


def test_resume_renders_again_what_is_missing_changed_or_torn(directions, reference, tmp_path, capsys):
    out = tmp_path / "damaged"
    args = ["batch", MODEL, "--directions", str(directions), "-o", str(out), *JOB, "--workers", "1", "-q"]
    assert run(capsys, *args)[0] == 0
    rows = read_manifest(out)
    (out / rows[0]["path"]).unlink()
    (out / rows[1]["path"]).write_bytes(b"not the image")
    with open(out / "manifest.csv", "a") as f:
        f.write("9,0,1.0,09/seed000009_d0_a+1.0")  # a torn last line, as a power cut may leave
    code, stdout, err = run(capsys, *args)
    assert code == 0, err
    assert "(2 rendered now, 18 already done) (2 recorded images were missing or changed" in stdout
    assert files_of(out) == files_of(reference)


def test_another_recipe_in_the_same_folder_is_refused(directions, reference, tmp_path, capsys):
    out = tmp_path / "refuse"
    base = ["batch", MODEL, "--directions", str(directions), "-o", str(out), "--workers", "1", "-q"]
    assert run(capsys, *base, *JOB)[0] == 0
    before = files_of(out)
    more_seeds = ["--seeds", "3-7", *JOB[2:]]
    for other, words in (([*more_seeds], "--seeds 3-6 there, 3-7 now"),
                         ([*JOB, "--size", "32"], "--size none there, 32 now"),
                         ([*JOB, "--format", "jpg"], "--format"),
                         ([*JOB, "--hold", "1"], "--hold")):
        code, _, err = run(capsys, *base, *other)
        assert code == 1
        assert err.count("\n") == 1 and "holds another batch" in err and words in err, err
    code, _, err = run(capsys, "batch", "cartoon-faces-sg2-32", "-o", str(out), "--seeds", "3-6", "-q")
    assert code == 1 and "holds another batch (the model differs)" in err
    assert files_of(out) == before


def test_a_folder_of_other_files_is_not_used(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("mine")
    code, _, err = run(capsys, "batch", MODEL, "-o", str(tmp_path), "--seeds", "0", "-q")
    assert code == 1 and "is not empty and holds no batch" in err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_bad_options_are_one_line_errors(directions, tmp_path, capsys):
    out = str(tmp_path / "x")
    for args, words in ((["--seeds", "0", "--sweep", "0=-1:1:3"], "--sweep and --hold need --directions"),
                        (["--directions", str(directions), "--seeds", "0", "--sweep", "9=-1:1:3"], "direction 9"),
                        (["--directions", str(directions), "--seeds", "0", "--sweep", "1=-1:1:3", "--hold", "1"],
                         "both held (--hold) and edited"),
                        (["--sweep", "0=-1:1:3"], "give --seeds")):
        code, _, err = run(capsys, "batch", MODEL, "-o", out, *args, "-q")
        assert code == 1 and words in err and err.count("\n") == 1, err
    assert not Path(out).exists()


def test_hold_changes_the_edit_and_formats_are_reproducible(directions, tmp_path, capsys):
    common = ["--directions", str(directions), "--seeds", "1", "--sweep", "0=2:2:1", "--workers", "1", "-q"]
    plain, held = tmp_path / "plain", tmp_path / "held"
    assert run(capsys, "batch", MODEL, "-o", str(plain), *common)[0] == 0
    assert run(capsys, "batch", MODEL, "-o", str(held), *common, "--hold", "1,2")[0] == 0
    assert read_manifest(plain)[0]["sha256"] != read_manifest(held)[0]["sha256"]
    for fmt in ("jpg", "webp"):
        a, b = tmp_path / f"{fmt}-a", tmp_path / f"{fmt}-b"
        for out in (a, b):
            assert run(capsys, "batch", MODEL, "-o", str(out), *common, "--format", fmt, "--size", "48")[0] == 0
        assert files_of(a) == files_of(b)
        img = Image.open(a / read_manifest(a)[0]["path"])
        assert img.format == {"jpg": "JPEG", "webp": "WEBP"}[fmt] and img.size == (48, 48)


def test_ray_missing_says_how_to_install(tmp_path, capsys, monkeypatch):
    monkeypatch.setitem(sys.modules, "ray", None)
    code, _, err = run(capsys, "batch", MODEL, "-o", str(tmp_path / "r"), "--seeds", "0", "--engine", "ray")
    assert code == 1 and "pip install sefa-desktop[cluster]" in err


def test_manifest_reader_drops_only_a_torn_last_line(tmp_path):
    cols = manifest.COLUMNS
    (tmp_path / "m.csv").write_text(",".join(cols) + "\n1,0,1.0,01/a.png,abc\n2,0,1.0,02/b.p")
    rows, torn = manifest.read_rows(tmp_path / "m.csv", cols)
    assert rows == [["1", "0", "1.0", "01/a.png", "abc"]] and torn


# -- latent files -----------------------------------------------------------------------------------------
def test_latent_files_are_samples_with_their_own_column(directions, reference, tmp_path, capsys):
    """A latent file holding seed 3's code renders seed 3's pixels; the manifest names the file."""
    from sefa_desktop.models import load_model

    model = load_model(MODEL)
    np.save(tmp_path / "three.npy", model.sample_z(1, seed=3).numpy())  # (1, dim), as encoders write
    np.save(tmp_path / "six.npy", model.sample_z(1, seed=6).numpy()[0])  # (dim,)
    out = tmp_path / "lat"
    code, _, err = run(capsys, "batch", MODEL, "--directions", str(directions), "-o", str(out), "--latents",
                       str(tmp_path / "three.npy"), str(tmp_path / "six.npy"), *JOB[2:], "--workers", "1", "-q")
    assert code == 0, err
    rows = read_manifest(out)
    assert list(rows[0]) == ["seed", "direction", "alpha", "path", "sha256", "latent"]
    assert len(rows) == 10 and rows[0]["seed"] == "" and rows[0]["path"] == "00/latent00000_d0_a-2.00.png"
    assert rows[0]["latent"].endswith("three.npy") and rows[9]["latent"].endswith("six.npy")
    ref = {(r["seed"], r["direction"], r["alpha"]): r["path"] for r in read_manifest(reference)}
    for r in rows:
        seed = "3" if r["latent"].endswith("three.npy") else "6"
        mine = np.asarray(Image.open(out / r["path"]))
        theirs = np.asarray(Image.open(reference / ref[(seed, r["direction"], r["alpha"])]))
        assert np.array_equal(mine, theirs)
    # The recipe holds the files' contents: another file under the same name is another batch.
    np.save(tmp_path / "six.npy", model.sample_z(1, seed=7).numpy())
    code, _, err = run(capsys, "batch", MODEL, "--directions", str(directions), "-o", str(out), "--latents",
                       str(tmp_path / "three.npy"), str(tmp_path / "six.npy"), *JOB[2:], "--workers", "1", "-q")
    assert code == 1 and "holds another batch (--latents differs)" in err


def test_bad_latent_options_are_one_line_errors(tmp_path, capsys):
    np.save(tmp_path / "short.npy", np.zeros(7, np.float32))
    for args, words in ((["--seeds", "0", "--latents", str(tmp_path / "short.npy")], "not both"),
                        (["--latents", str(tmp_path / "short.npy")], "short.npy"),
                        (["--latents", str(tmp_path / "missing.npy")], "missing.npy")):
        code, _, err = run(capsys, "batch", MODEL, "-o", str(tmp_path / "x"), *args, "-q")
        assert code == 1 and words in err and err.count("\n") == 1, err


# -- Ray ------------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def local_ray():
    """One local Ray instance (2 CPUs) for the module; the batch engine reuses it and leaves it running."""
    ray = pytest.importorskip("ray")
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
    try:
        yield ray
    finally:
        ray.shutdown()


def test_ray_engine_gives_identical_files_and_manifest(local_ray, directions, reference, tmp_path, capsys):
    out = tmp_path / "ray"
    code, stdout, err = run(capsys, "batch", MODEL, "--directions", str(directions), "-o", str(out), *JOB,
                            "--engine", "ray", "--workers", "2", "-q")
    assert code == 0, err
    assert files_of(out) == files_of(reference)
    assert local_ray.is_initialized()  # a session it did not start is left to its owner


def test_gpu_renders_are_reproducible(directions, tmp_path, capsys):
    torch = pytest.importorskip("torch")
    if not torch.cuda.is_available():
        pytest.skip("no CUDA GPU here")
    a, b = tmp_path / "a", tmp_path / "b"
    for out, workers in ((a, "1"), (b, "2")):
        code, _, err = run(capsys, "batch", MODEL, "--directions", str(directions), "-o", str(out), *JOB,
                           "--device", "cuda", "--workers", workers, "-q")
        assert code == 0, err
    assert files_of(a) == files_of(b)


def test_two_batches_cannot_write_to_one_folder(tmp_path, capsys):
    import fcntl

    out = tmp_path / "busy"
    assert run(capsys, "batch", MODEL, "-o", str(out), "--seeds", "0", "--workers", "1", "-q")[0] == 0
    with open(out / ".batch.lock", "a") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)
        code, _, err = run(capsys, "batch", MODEL, "-o", str(out), "--seeds", "0", "--workers", "1", "-q")
    assert code == 1 and "another sefa-desktop batch is writing to" in err
