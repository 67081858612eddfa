"""Fuzzing the loaders: mutants of the reference fixtures, each loaded in a subprocess under an
address-space limit and a timeout, must end in a clean one-line error or a correct load.

Mutants are built here at test time from ../shared/fixtures (skipped when absent): truncations, byte
flips, stride-0 views, huge declared shapes and configs, deflate bombs, NaN/Inf/integer weights.
Many mutants share one subprocess (tests/fuzz_worker.py) to keep this fast. The memory limit is the
worker's own peak after importing torch and loading the good fixtures (about 0.8 GB here) plus
EXTRA_BYTES (docs/robustness.md).
"""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
import torch
from conftest import fixture_path

from bench.nvpickle import dumps_network_pickle
from sefa_desktop.models import bounds

ROOT = Path(__file__).resolve().parents[1]
EXTRA_BYTES = 2 << 30        # the address-space limit: the worker's warm peak + 2 GiB
BATCH_TIMEOUT = 240          # seconds for one worker's whole batch: only a hang gets near it

FIXTURES = {  # name → path under fixtures/ (biggan: the folder)
    "dcgan": "dcgan/netG.pth",
    "sg2ada": "nvidia/stylegan2_ada/network-snapshot-stylegan2_ada.pkl",
    "sg3r": "nvidia/stylegan3_r/network-snapshot-stylegan3_r.pkl",
    "gf_sg2": "genforce/stylegan2/stylegan2_random64.pth",
    "gf_sg": "genforce/stylegan/stylegan_random128.pth",
    "pggan": "genforce/pggan/pggan_random32.pth",
    "rosinality": "rosinality/stylegan2_tiny.pt",
    "biggan": "biggan",
}


def run_batch(tmp: Path, jobs: list[dict], warm: list[str]) -> dict[str, dict]:
    """Run `jobs` in one worker; returns {id: result}. Fails naming the mutant that hung or crashed
    the worker."""
    spec = tmp / "jobs.json"
    spec.write_text(json.dumps({"warm": warm, "extra_bytes": EXTRA_BYTES, "jobs": jobs}))
    env = {**os.environ, "MALLOC_ARENA_MAX": "2", "OMP_NUM_THREADS": "1", "PYTHONPATH": str(ROOT)}
    try:
        proc = subprocess.run([sys.executable, str(ROOT / "tests" / "fuzz_worker.py"), str(spec)],
                              capture_output=True, text=True, timeout=BATCH_TIMEOUT, env=env, cwd=ROOT)
        stdout, rc = proc.stdout, proc.returncode
    except subprocess.TimeoutExpired as e:
        stdout = e.stdout.decode() if isinstance(e.stdout, bytes) else (e.stdout or "")
        rc = None
    lines = [json.loads(ln) for ln in stdout.splitlines() if ln.startswith("{")]
    started = [ln["start"] for ln in lines if "start" in ln]
    results = {ln["id"]: ln for ln in lines if "outcome" in ln}
    if rc != 0 or len(results) != len(jobs):
        last = started[-1] if started else "<before the first job>"
        what = "timed out" if rc is None else f"exited with {rc}"
        err = "" if rc is None else proc.stderr[-2000:]
        pytest.fail(f"fuzz worker {what} at mutant '{last}' ({len(results)}/{len(jobs)} done)\n{err}")
    return results


def assert_clean(results: dict[str, dict], must_fail: set[str] = frozenset(),
                 must_load: set[str] = frozenset()) -> None:
    bad = []
    for rid, r in sorted(results.items()):
        msg = r.get("message", "")
        if r["outcome"] == "crash":
            bad.append(f"{rid}: crashed: {msg}")
        elif r["outcome"] == "error" and (not msg.strip() or "\n" in msg or "Traceback" in msg or "\x1b" in msg):
            bad.append(f"{rid}: error is not one clean line: {msg!r}")
        elif rid in must_fail and r["outcome"] != "error":
            bad.append(f"{rid}: loaded, but must be refused")
        elif rid in must_load and r["outcome"] != "loaded":
            bad.append(f"{rid}: refused, but must load: {msg}")
    assert not bad, "\n".join(bad)


def _copy_fixture(name: str, dst: Path) -> Path:
    src = fixture_path(*FIXTURES[name].split("/"))
    if src.is_dir():
        shutil.copytree(src, dst)
    else:
        shutil.copyfile(src, dst)
    return dst


def _main_file(p: Path) -> Path:
    return p / "pytorch_model.bin" if p.is_dir() else p


# -- random mutants: truncation and byte flips ---------------------------------------------------

def _random_mutants(tmp: Path) -> list[dict]:
    jobs = []
    for name, rel in FIXTURES.items():
        src = fixture_path(*rel.split("/"))
        suffix = "" if src.is_dir() else src.suffix
        data = _main_file(src).read_bytes()
        variants: dict[str, bytes] = {}
        for frac in (0.0, 0.0005, 0.1, 0.5, 0.9):
            variants[f"trunc{frac}"] = data[:int(len(data) * frac)]
        variants["trunc-1"] = data[:-1]
        rng = random.Random(f"{name}-flips")
        for i in range(6):
            b = bytearray(data)
            # half the flips hit the first 4 KiB, where containers keep their headers and pickles
            hi = min(len(b), 4096) if i % 2 == 0 else len(b)
            for _ in range(8):
                b[rng.randrange(hi)] ^= 1 << rng.randrange(8)
            variants[f"flip{i}"] = bytes(b)
        for vname, content in variants.items():
            rid = f"{name}-{vname}"
            if src.is_dir():
                folder = _copy_fixture(name, tmp / rid)
                (folder / "pytorch_model.bin").chmod(0o644)
                (folder / "pytorch_model.bin").write_bytes(content)
                path = folder
            else:
                path = tmp / f"{rid}{suffix}"
                path.write_bytes(content)
            jobs.append({"id": rid, "kind": "model", "path": str(path)})
    return jobs


def test_truncations_and_byte_flips_end_cleanly(tmp_path: Path) -> None:
    jobs = _random_mutants(tmp_path)
    warm = [str(fixture_path("dcgan", "netG.pth"))]
    results = run_batch(tmp_path, jobs, warm)
    truncated = {j["id"] for j in jobs if "-trunc" in j["id"]}
    assert_clean(results, must_fail=truncated)
    # a truncated torch file is called truncated, never "not a torch file"
    for rid in ("dcgan-trunc0.5", "gf_sg2-trunc0.9", "rosinality-trunc-1"):
        assert "truncated or corrupt" in results[rid]["message"], results[rid]


# -- crafted mutants -----------------------------------------------------------------------------

def _torch_state(name: str) -> dict:
    from sefa_desktop.models.formats.containers import SAFE_EXTRA_GLOBALS

    with torch.serialization.safe_globals(SAFE_EXTRA_GLOBALS):
        return torch.load(_main_file(fixture_path(*FIXTURES[name].split("/"))), map_location="cpu",
                          weights_only=True)


def _stride0_like(t: torch.Tensor, shape: tuple[int, ...] | None = None) -> torch.Tensor:
    """A view of one stored element declaring `shape` (t's own by default)."""
    one = torch.ones((), dtype=t.dtype if t.is_floating_point() else torch.float32)
    return one.expand(shape or tuple(t.shape))


def _dcgan_state_stride0_huge() -> dict:
    """The DCGAN layout at width 4096: every tensor a stride-0 view of one element (a few KB on disk,
    > 3 GB once materialised)."""
    nz, w = 100, 4096
    chans = [nz, w, w, w, 3]
    out: dict[str, torch.Tensor] = {}
    for i, (cin, cout) in enumerate(zip(chans[:-1], chans[1:], strict=True)):
        out[f"main.{3 * i}.weight"] = torch.ones(()).expand((cin, cout, 4, 4))
        if i < len(chans) - 2:
            for p in ("weight", "bias", "running_mean", "running_var"):
                out[f"main.{3 * i + 1}.{p}"] = torch.ones(()).expand((cout,))
    return out


def _nvidia_stride0_pickle(channel_max: int = 4096) -> bytes:
    """A stylegan2-ada snapshot declaring channel_max=4096 whose tensors are stride-0 views."""
    from sefa_desktop.models.nets.stylegan2 import StyleGAN2Generator, stylegan2_config_from_nvidia

    kw = dict(z_dim=512, w_dim=512, c_dim=0, img_resolution=64, img_channels=3,
              mapping_kwargs=dict(num_layers=2),
              synthesis_kwargs=dict(channel_base=1 << 20, channel_max=channel_max, architecture="skip"))
    with torch.device("meta"):
        g = StyleGAN2Generator(stylegan2_config_from_nvidia(kw, "ada"))
    for mod in g.modules():
        for n, p in list(mod._parameters.items()):
            if p is not None:
                mod._parameters[n] = torch.nn.Parameter(torch.ones(()).expand(p.shape), requires_grad=False)
        for n, b in list(mod._buffers.items()):
            if b is not None:
                mod._buffers[n] = torch.ones(()).expand(b.shape)
    return dumps_network_pickle(g, kw)


def _tiny_sg2(kw_patch: dict) -> bytes:
    from tests.test_nvidia_stylegan2 import _random_generator

    g, kw = _random_generator("skip")
    kw = json.loads(json.dumps(kw))
    for k, v in kw_patch.items():
        if k.startswith("mapping."):
            kw["mapping_kwargs"][k.split(".", 1)[1]] = v
        elif k.startswith("synthesis."):
            kw["synthesis_kwargs"][k.split(".", 1)[1]] = v
        else:
            kw[k] = v
    return dumps_network_pickle(g, kw)


def _tiny_sg3(kw_patch: dict) -> bytes:
    from sefa_desktop.models.nets.stylegan3 import StyleGAN3Generator

    cfg = dict(z_dim=8, w_dim=8, img_resolution=16, channel_base=128, channel_max=16, num_layers=4,
               margin_size=2, mapping_layers=1)
    g = StyleGAN3Generator(cfg)
    kw = dict(z_dim=8, w_dim=8, c_dim=0, img_resolution=16, img_channels=3, channel_base=128, channel_max=16,
              num_layers=4, margin_size=2, magnitude_ema_beta=0.999, mapping_kwargs=dict(num_layers=1))
    for k, v in kw_patch.items():
        if k.startswith("mapping."):
            kw["mapping_kwargs"][k.split(".", 1)[1]] = v
        else:
            kw[k] = v
    return dumps_network_pickle(g, kw)


def _deflate_bomb(src: Path, dst: Path, inflated: int = 512 << 20) -> None:
    """The torch zip with its largest storage member replaced by `inflated` zero bytes, deflated
    (about 0.5 MB on disk)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_STORED) as zout:
        victim = max((i for i in zin.infolist() if "/data/" in i.filename), key=lambda i: i.file_size)
        for info in zin.infolist():
            if info.filename != victim.filename:
                zout.writestr(info, zin.read(info.filename))
        bomb = zipfile.ZipInfo(victim.filename)
        bomb.compress_type = zipfile.ZIP_DEFLATED
        with zout.open(bomb, "w", force_zip64=True) as f:
            zero = bytes(1 << 20)
            for _ in range(inflated >> 20):
                f.write(zero)
    assert dst.stat().st_size < 2 << 20


def _safetensors_config_bomb(path: Path, config: dict) -> None:
    from safetensors.torch import save_file

    save_file({"x": torch.zeros(4)}, str(path), metadata={
        "format": "sefa-desktop/1", "family": "stylegan2", "name": "bomb", "config": json.dumps(config)})


def _crafted_mutants(tmp: Path) -> tuple[list[dict], set[str], set[str]]:
    files: dict[str, Path] = {}
    must_fail: set[str] = set()
    must_load: set[str] = set()

    def put(rid: str, name: str, fail: bool = True) -> Path:
        files[rid] = tmp / name
        (must_fail if fail else must_load).add(rid)
        return files[rid]

    # stride-0 views: huge declared widths (refused) and the fixture's own shapes (loads: counted small)
    torch.save(_dcgan_state_stride0_huge(), put("dcgan-stride0-4096", "dcgan-stride0.pth"))
    put("sg2-stride0-channel_max4096", "sg2-stride0.pkl").write_bytes(_nvidia_stride0_pickle())
    pg = _torch_state("pggan")
    gen = pg.get("generator_smooth") or pg.get("generator") or pg
    torch.save({k: _stride0_like(v) if v.is_floating_point() else v for k, v in gen.items()},
               put("pggan-stride0-same-shapes", "pggan-stride0.pth", fail=False))
    # configs no real model has
    for rid, patch in {"sg2-mapping-1e6": {"mapping.num_layers": 10 ** 6},
                       "sg2-resolution-2^30": {"img_resolution": 1 << 30},
                       "sg2-channel_base-2^40": {"synthesis.channel_base": 1 << 40, "synthesis.channel_max": 1 << 40},
                       "sg2-zdim-1e9": {"z_dim": 10 ** 9, "w_dim": 10 ** 9},
                       "sg2-cdim-1e8": {"c_dim": 10 ** 8}}.items():
        put(rid, f"{rid}.pkl").write_bytes(_tiny_sg2(patch))
    for rid, patch in {"sg3-layers-1e6": {"num_layers": 10 ** 6},
                       "sg3-mapping-1e6": {"mapping.num_layers": 10 ** 6},
                       "sg3-margin-1e6": {"margin_size": 10 ** 6}}.items():
        put(rid, f"{rid}.pkl").write_bytes(_tiny_sg3(patch))
    big_cfg = json.loads(fixture_path("biggan", "config.json").read_text())
    for rid, patch in {"biggan-width-2000": {"channel_width": 2000},
                       "biggan-classes-1e8": {"num_classes": 10 ** 8},
                       "biggan-layers-1e5": {"layers": [[False, 1, 1]] * 10 ** 5},
                       "biggan-nstats-1e7": {"n_stats": 10 ** 7}}.items():
        folder = _copy_fixture("biggan", put(rid, rid))
        (folder / "config.json").chmod(0o644)
        (folder / "config.json").write_text(json.dumps({**big_cfg, **patch}))
    for rid, cfg in {"ours-resolution-2^20": {"z_dim": 8, "w_dim": 8, "img_resolution": 1 << 20},
                     "ours-mapping-1e6": {"z_dim": 8, "w_dim": 8, "img_resolution": 8, "mapping_layers": 10 ** 6},
                     "ours-width-2^31": {"z_dim": 8, "w_dim": 1 << 31, "img_resolution": 8}}.items():
        _safetensors_config_bomb(put(rid, f"{rid}.safetensors"), cfg)
    # legacy (pre-zip) torch files: one declaring an 8 GiB storage over 4 stored floats; a real one loads
    legacy = io.BytesIO()
    torch.save({"main.0.weight": torch.zeros(4)}, legacy, _use_new_zipfile_serialization=False)
    raw = legacy.getvalue()
    bomb = raw.replace(b"cpuq\x06K\x04N", b"cpuq\x06J\xff\xff\xff\x7fN", 1)  # numel 4 → 2³¹−1
    assert bomb != raw
    put("legacy-storage-8GiB", "legacy-bomb.pth").write_bytes(bomb)
    torch.save(_torch_state("dcgan"), put("dcgan-legacy-format", "dcgan-legacy.pth", fail=False),
               _use_new_zipfile_serialization=False)
    # a deflate bomb inside a torch zip
    _deflate_bomb(fixture_path("dcgan", "netG.pth"), put("dcgan-deflate-bomb", "dcgan-bomb.pth"))
    # non-finite and non-float weights; float16 is converted and loads
    dc = _torch_state("dcgan")
    key = next(k for k in dc if k.endswith("3.weight"))
    torch.save({**dc, key: dc[key].clone().fill_(float("nan"))}, put("dcgan-nan", "dcgan-nan.pth"))
    torch.save({**dc, key: dc[key].clone().index_fill_(0, torch.tensor([0]), float("inf"))},
               put("dcgan-inf", "dcgan-inf.pth"))
    torch.save({k: (v * 100).to(torch.int32) if v.is_floating_point() else v for k, v in dc.items()},
               put("dcgan-int32", "dcgan-int32.pth"))
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in dc.items()},
               put("dcgan-float16", "dcgan-f16.pth", fail=False))
    ros = _torch_state("rosinality")
    g = dict(ros["g_ema"])
    g["style.1.weight"] = g["style.1.weight"].clone()
    g["style.1.weight"][0, 0] = float("nan")
    torch.save({**ros, "g_ema": g}, put("rosinality-nan", "ros-nan.pt"))
    gf = _torch_state("gf_sg2")
    inner = dict(gf["generator_smooth"])
    k = "synthesis.layer0.weight"
    inner[k] = inner[k].clone().fill_(float("inf"))
    torch.save({**gf, "generator_smooth": inner}, put("gf_sg2-inf", "gf-inf.pth"))
    jobs = [{"id": rid, "kind": "model", "path": str(p)} for rid, p in files.items()]
    return jobs, must_fail, must_load


def test_crafted_files_are_refused_within_the_memory_limit(tmp_path: Path) -> None:
    jobs, must_fail, must_load = _crafted_mutants(tmp_path)
    results = run_batch(tmp_path, jobs, [str(fixture_path("dcgan", "netG.pth"))])
    assert_clean(results, must_fail, must_load)
    msg = {rid: r["message"] for rid, r in results.items()}
    for rid in must_fail:  # refused by a check, not by running out of the address space
        assert not any(w in msg[rid].lower() for w in ("memory", "allocate", "could not be loaded")), msg[rid]
        name = Path(next(j["path"] for j in jobs if j["id"] == rid)).name
        assert msg[rid].startswith(name), msg[rid]
    assert "key 'main.3.weight'" in msg["dcgan-nan"] and "NaN" in msg["dcgan-nan"]
    assert "infinite" in msg["dcgan-inf"]
    assert "int32" in msg["dcgan-int32"]
    assert "style.1.weight" in msg["rosinality-nan"]
    assert "refused to load" in msg["dcgan-stride0-4096"] and "MiB" in msg["dcgan-stride0-4096"]
    assert "num_layers" in msg["sg2-mapping-1e6"] or "mapping_layers" in msg["sg2-mapping-1e6"]
    assert "channel_width" in msg["biggan-width-2000"]
    assert "zip members" in msg["dcgan-deflate-bomb"]
    assert "storages legacy-bomb.pth declares would need 8,192 MiB" in msg["legacy-storage-8GiB"]


# -- the bounds admit every real model ---------------------------------------------------------------

# Configs of the real models behind resources/catalogue.json's families (their repositories' presets).
REAL_SG2 = [dict(z_dim=512, w_dim=512, c_dim=0, img_resolution=r, img_channels=3, channel_base=cb, channel_max=512,
                 mapping_layers=8, conv_clamp=256) for r, cb in ((32, 16384), (256, 16384), (512, 32768),
                                                                   (1024, 32768))]
REAL_SG3 = [dict(z_dim=512, w_dim=512, c_dim=0, img_resolution=r, img_channels=3, channel_base=cb, channel_max=cm,
                 num_layers=14, num_critical=2, margin_size=10, conv_kernel=ck, filter_size=6, mapping_layers=2,
                 use_radial_filters=ck == 1) for r in (256, 512, 1024)
            for cb, cm, ck in ((32768, 512, 3), (65536, 1024, 1))]


def test_bounds_admit_every_catalogue_model() -> None:
    from sefa_desktop.models.catalogue import load_catalogue
    from sefa_desktop.models.nets.biggan import BigGANConfig

    cat = load_catalogue()
    assert max(e.resolution or 0 for e in cat) <= bounds.MAX_RESOLUTION
    for e in cat:
        if e.family == "stylegan2":
            bounds.check_stylegan2_config(next(c for c in REAL_SG2 if c["img_resolution"] >= (e.resolution or 0)))
        if e.family == "stylegan3":
            for c in REAL_SG3:
                if c["img_resolution"] == e.resolution:
                    bounds.check_stylegan3_config(c)
    # BigGAN-deep 512 (pytorch-pretrained-biggan's config): the largest of the family
    layers = [[False, 16, 16], [True, 16, 16], [False, 16, 16], [True, 16, 8], [False, 8, 8], [True, 8, 8],
              [False, 8, 8], [True, 8, 4], [False, 4, 4], [True, 4, 2], [False, 2, 2], [True, 2, 1],
              [False, 1, 1], [True, 1, 1]]
    bounds.check_biggan_config(BigGANConfig.from_json(dict(
        output_dim=512, z_dim=128, class_embed_dim=128, channel_width=128, num_classes=1000, layers=layers,
        attention_layer_position=8, eps=1e-4, n_stats=51)))


# -- direction files: header bombs, deflate bombs, truncations --------------------------------------

def _npy_with_header(shape: tuple[int, ...], payload: bytes = b"") -> bytes:
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, {"descr": "<f4", "fortran_order": False, "shape": shape})
    return buf.getvalue() + payload


def _direction_mutants(tmp: Path, dim: int) -> tuple[list[dict], set[str], set[str]]:
    from sefa_desktop.core.direction_io import write_directions
    from sefa_desktop.core.directions import DirectionSet

    rng = np.random.default_rng(0)
    good = DirectionSet(vectors=rng.standard_normal((6, dim)).astype(np.float32), values=np.arange(6, 0, -1.0),
                        layers=[0], method="sefa", model_name="fixture")
    files: dict[str, Path] = {}
    must_fail: set[str] = set()
    must_load: set[str] = set()

    def put(rid: str, name: str, fail: bool | None = True) -> Path:
        files[rid] = tmp / name
        if fail is True:
            must_fail.add(rid)
        elif fail is False:
            must_load.add(rid)
        return files[rid]

    for rid, name in (("ours", "d.npz"), ("ganspace", "d.ganspace.npz"), ("rosinality", "factor.pt"),
                      ("boundary", "b.npy")):
        p = put(f"dir-{rid}-good", name, fail=False)
        write_directions(good if rid != "boundary" else DirectionSet(vectors=good.vectors[:1],
                                                                     values=good.values[:1], layers=[0]), p)
    # header bombs: a 128-byte .npy declaring 64 GiB; an .npz member declaring more than it holds
    put("dir-npy-header-bomb", "bomb.npy").write_bytes(_npy_with_header((1 << 24, 1024)))
    put("dir-npy-truncated", "short.npy").write_bytes(_npy_with_header((1, dim), b"\0" * (2 * dim)))
    with zipfile.ZipFile(put("dir-npz-header-bomb", "hb.ganspace.npz"), "w") as zf:
        zf.writestr("lat_comp.npy", _npy_with_header((1 << 20, 1, dim)))
    # deflate bombs: 256 MiB of zeros in GANSpace's and in our own .npz (about 0.5 MB on disk)
    big = np.zeros((1 << 26,), np.float32)
    with open(put("dir-ganspace-deflate-bomb", "db.ganspace.npz"), "wb") as f:
        np.savez_compressed(f, lat_comp=np.zeros(((1 << 26) // dim, 1, dim), np.float32),
                            var_ratio=np.ones(3, np.float32))
    with open(put("dir-ours-deflate-bomb", "db.npz"), "wb") as f:
        np.savez_compressed(f, format=np.array("sefa-desktop-directions"), vectors=big)
    # stride-0 eigvec in factor.pt: 4 bytes on disk, 2 GB declared
    torch.save({"ckpt": "x", "eigvec": torch.zeros(()).expand((dim, 5_000_000))}, put("dir-factor-stride0", "s0.pt"))
    # non-finite and wrong-size directions
    nan = good.vectors[:1].copy()
    nan[0, 3] = np.nan
    np.save(put("dir-boundary-nan", "nan.npy"), nan)
    np.save(put("dir-boundary-wrong-dim", "wd.npy"), np.ones((1, dim + 1), np.float32))
    torch.save({"ckpt": "x", "eigvec": torch.full((dim, 2), float("inf"))}, put("dir-factor-inf", "inf.pt"))
    # truncations and byte flips of every good file, and of the shared factor.pt fixture
    sources = {rid: files[rid] for rid in list(files) if rid.endswith("-good")}
    sources["dir-shared-factor"] = fixture_path("rosinality", "factor.pt")
    for rid, src in sources.items():
        data = src.read_bytes()
        suffix = "".join(src.suffixes[-2:]) if src.name.endswith(".ganspace.npz") else src.suffix
        r = random.Random(rid)
        for frac in (0.3, 0.9):
            put(f"{rid}-trunc{frac}", f"{rid}-t{frac}{suffix}", fail=True).write_bytes(data[:int(len(data) * frac)])
        for i in range(3):
            b = bytearray(data)
            for _ in range(4):
                b[r.randrange(len(b))] ^= 1 << r.randrange(8)
            put(f"{rid}-flip{i}", f"{rid}-f{i}{suffix}", fail=None).write_bytes(bytes(b))
    return [{"id": rid, "kind": "directions", "path": str(p)} for rid, p in files.items()], must_fail, must_load


def test_direction_file_bombs_and_damage_end_cleanly(tmp_path: Path) -> None:
    from sefa_desktop.models import load_model

    warm = str(fixture_path("dcgan", "netG.pth"))
    dim = load_model(warm).latent_dim
    jobs, must_fail, must_load = _direction_mutants(tmp_path, dim)
    for j in jobs:
        j["model"] = warm
    results = run_batch(tmp_path, jobs, [warm])
    assert_clean(results, must_fail, must_load)
    msg = {rid: r["message"] for rid, r in results.items()}
    assert "declares a (16777216, 1024) float32 array" in msg["dir-npy-header-bomb"]
    for rid in ("dir-ganspace-deflate-bomb", "dir-ours-deflate-bomb", "dir-factor-stride0"):
        assert "refused" in msg[rid] and "MiB" in msg[rid], msg[rid]
    assert "NaN" in msg["dir-boundary-nan"] and "does not fit" in msg["dir-boundary-wrong-dim"]
