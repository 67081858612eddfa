"""Hostile and broken files: each is a ModelLoadError, executes nothing, and leaves us healthy.

The corpus is generated here, into a temporary folder, at run time. Every payload would create
the sentinel file if any of its code ran.
"""

from __future__ import annotations

import builtins
import collections
import io
import os
import pickle
import subprocess
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from bench.nvpickle import dumps_network_pickle, record_for
from sefa_desktop.models import ModelLoadError, load_model
from tests.test_nvidia_stylegan2 import _random_generator


class _Call:
    """Pickles as `func(*args)`: the classic code-execution payload."""

    def __init__(self, func: Callable, *args: object) -> None:
        self.func, self.args = func, args

    def __reduce__(self):
        return self.func, self.args


def _touch_cmd(sentinel: Path) -> str:
    return f"touch {sentinel}"


def _payloads(sentinel: Path, good: bytes) -> dict[str, bytes]:
    s = str(sentinel)
    out: dict[str, bytes] = {
        "os_system": pickle.dumps({"G_ema": _Call(os.system, _touch_cmd(sentinel))}),
        "eval": pickle.dumps(_Call(builtins.eval, f"open({s!r}, 'w')")),
        "exec": pickle.dumps(_Call(builtins.exec, f"open({s!r}, 'w').close()")),
        "subprocess": pickle.dumps(_Call(subprocess.call, ["touch", s])),
        "random_bytes": b"\x80\x04" + os.urandom(4096),
        "truncated": good[: len(good) // 2],
        "tensorflow": b"\x80\x02cdnnlib.tflib.network\nNetwork\nq\x00)\x81q\x01}q\x02b.",
    }
    # A persistent record whose embedded source would create the sentinel if exec()'d, in a
    # snapshot that is otherwise malformed (no init kwargs).
    rec = record_for(torch.nn.Linear(2, 2), "Generator", None, module_src=f"open({s!r}, 'w').close()")
    out["persistent_src"] = pickle.dumps({"G_ema": rec}, protocol=4)
    # A nested tensor blob (legacy torch.save) whose own stream calls os.system.
    blob = io.BytesIO()
    torch.save(_Call(os.system, _touch_cmd(sentinel)), blob, _use_new_zipfile_serialization=False)
    out["nested_blob"] = pickle.dumps({"G_ema": _Call(torch.storage._load_from_bytes, blob.getvalue())})
    # A tensor declaring 2^40 elements over a 4-element storage.
    small = torch.zeros(4).untyped_storage()
    huge = _Call(torch._utils._rebuild_tensor_v2, torch.storage.TypedStorage(wrap_storage=small, dtype=torch.float32,
                                                                          _internal=True),
                 0, (1 << 20, 1 << 20), (1 << 20, 1), False, collections.OrderedDict())
    out["huge_tensor"] = pickle.dumps({"G_ema": huge})
    # Memo-reference bomb: 40 levels of lists each holding its predecessor 10 times (10^40 leaves).
    bomb = bytearray(b"\x80\x02]q\x00")
    for level in range(1, 41):
        bomb += b"(" + (b"h" + bytes([level - 1])) * 10 + b"lq" + bytes([level])
    out["memo_bomb"] = bytes(bomb) + b"."
    # Amplification bomb: one 1 MB tensor blob referenced 2000 times.
    amp = bytearray(b"\x80\x02ctorch.storage\n_load_from_bytes\nq\x00")
    data = io.BytesIO()
    torch.save(torch.zeros(1 << 18).storage(), data, _use_new_zipfile_serialization=False)
    raw = data.getvalue()
    amp += b"B" + len(raw).to_bytes(4, "little") + raw + b"q\x01("
    amp += b"h\x00h\x01\x85R" * 2000
    out["amplification_bomb"] = bytes(amp) + b"l."
    # A memo bomb inside the generator's init kwargs (walked by the reader, not the unpickler).
    nested: object = [0]
    for _ in range(30):
        nested = [nested] * 10
    g, kw = _random_generator("skip")
    out["kwargs_bomb"] = dumps_network_pickle(g, dict(kw, extra=nested))
    out["torch_zip_os_system"] = _torch_zip_with(pickle.dumps(_Call(os.system, _touch_cmd(sentinel))))
    return out


def _torch_zip_with(data_pkl: bytes) -> bytes:
    """A genuine torch.save zip archive whose data.pkl is replaced by `data_pkl`."""
    buf = io.BytesIO()
    torch.save({"x": torch.zeros(2)}, buf)
    src = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as dst:
        for info in src.infolist():
            body = data_pkl if info.filename.endswith("/data.pkl") else src.read(info)
            dst.writestr(info.filename, body)
    return out.getvalue()


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, bytes]]:
    folder = tmp_path_factory.mktemp("hostile")
    sentinel = folder / "SENTINEL"
    g, kw = _random_generator("skip")
    good = dumps_network_pickle(g, kw)
    return sentinel, _payloads(sentinel, good)


NAMES = ["os_system", "eval", "exec", "subprocess", "persistent_src", "nested_blob", "torch_zip_os_system",
         "truncated", "random_bytes", "memo_bomb", "amplification_bomb", "kwargs_bomb", "huge_tensor", "tensorflow"]


@pytest.mark.parametrize("suffix", [".pkl", ".pt"])
@pytest.mark.parametrize("name", NAMES)
def test_hostile_file_is_refused(corpus, name: str, suffix: str, tmp_path: Path) -> None:
    sentinel, payloads = corpus
    path = tmp_path / f"{name}{suffix}"
    path.write_bytes(payloads[name])
    with pytest.raises(ModelLoadError) as err:
        load_model(path)
    msg = str(err.value)
    assert "\n" not in msg and path.name in msg
    assert not sentinel.exists(), f"{name}: payload code ran"
    if name in ("os_system", "eval", "exec", "subprocess"):
        assert "forbidden global" in msg or "needs code we do not execute" in msg
    if name in ("amplification_bomb", "memo_bomb"):
        assert "bomb" in msg or "not an NVIDIA network" in msg
    if name == "nested_blob":
        assert "posix.system" in msg
    if name == "tensorflow":
        assert "convert" in msg and "legacy.py" in msg


def test_names_forbidden_global(corpus, tmp_path: Path) -> None:
    _, payloads = corpus
    path = tmp_path / "sub.pkl"
    path.write_bytes(payloads["subprocess"])
    with pytest.raises(ModelLoadError, match="forbidden global 'subprocess.call'"):
        load_model(path)


def test_embedded_source_is_ignored_and_process_healthy(corpus, tmp_path: Path) -> None:
    """A valid network whose module_src would create the sentinel loads, and nothing ran."""
    sentinel, _ = corpus
    g, kw = _random_generator("skip")
    for protocol in (2, 3, 4, 5):
        path = tmp_path / f"ok{protocol}.pkl"
        path.write_bytes(dumps_network_pickle(g, kw, protocol=protocol,
                                              module_src=f"open({str(sentinel)!r}, 'w').close()"))
        model = load_model(path)
        ws = model.codes(torch.randn(1, 16, generator=torch.Generator().manual_seed(0)))
        with torch.inference_mode():
            assert torch.equal(model.synthesize(ws), g.synthesis(ws))
    assert not sentinel.exists()


def test_fast_storage_path_matches_torch_load() -> None:
    """The fast blob parser returns exactly what torch.load(weights_only=True) does, and declines
    (→ torch.load) anything but a plain single-storage blob."""
    from sefa_desktop.models.formats.safe_unpickler import _parse_plain_storage_blob

    for t in (torch.randn(7), torch.arange(5, dtype=torch.int64), torch.zeros(0), torch.randn(3).half()):
        buf = io.BytesIO()
        torch.save(t.storage(), buf, _use_new_zipfile_serialization=False)
        fast = _parse_plain_storage_blob(buf.getvalue())
        ref = torch.load(io.BytesIO(buf.getvalue()), weights_only=True)
        assert fast is not None and fast.dtype == ref.dtype
        assert torch.equal(torch.tensor(fast.tolist()), torch.tensor(ref.tolist()))
        assert _parse_plain_storage_blob(buf.getvalue()[:-1]) is None  # truncated data
    buf = io.BytesIO()
    torch.save({"a": torch.zeros(2)}, buf, _use_new_zipfile_serialization=False)
    assert _parse_plain_storage_blob(buf.getvalue()) is None
