"""Load time of a 1024² StyleGAN2 NVIDIA-shaped pickle vs torch.load of the same tensors (same run).

    python bench/load.py [--resolution 1024] [--repeats 3]

Builds a config-f generator (channel_base 32768, channel_max 512, w 512, 8 mapping layers) with
random weights, writes it (a) as an NVIDIA network pickle (persistent records, one legacy
torch.save blob per tensor — the real layout) and (b) as a torch.save zip of its state dict, then
times: torch.load(weights_only=True) of (b); our restricted unpickling of (a); and the whole
load_model(a) (unpickle + build our network + strict load). Prints a table with ratios.
"""

from __future__ import annotations

import argparse
import gc
import sys
import tempfile
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.nvpickle import write_network_pickle  # noqa: E402
from sefa_desktop.models import load_model  # noqa: E402
from sefa_desktop.models.formats.safe_unpickler import restricted_load  # noqa: E402
from sefa_desktop.models.nets.stylegan2 import StyleGAN2Generator, stylegan2_config_from_nvidia  # noqa: E402


def config_f(resolution: int) -> dict:
    return dict(z_dim=512, w_dim=512, c_dim=0, img_resolution=resolution, img_channels=3,
                mapping_kwargs=dict(num_layers=8),
                synthesis_kwargs=dict(channel_base=32768, channel_max=512, num_fp16_res=4, conv_clamp=256))


def best_of_interleaved(fns: list, repeats: int) -> list[float]:
    """Min time of each callable, measured round-robin so background load hits all alike."""
    best = [float("inf")] * len(fns)
    for _ in range(repeats):
        for i, fn in enumerate(fns):
            gc.collect()
            t0 = time.perf_counter()
            fn()
            best[i] = min(best[i], time.perf_counter() - t0)
    return best


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--resolution", type=int, default=1024)
    ap.add_argument("--repeats", type=int, default=7)
    args = ap.parse_args()
    torch.set_num_threads(1)
    kw = config_f(args.resolution)
    gen = StyleGAN2Generator(stylegan2_config_from_nvidia(kw, "ada"))
    with torch.no_grad():
        for p in gen.parameters():
            p.normal_()
    n_params = sum(t.numel() for t in gen.state_dict().values())
    with tempfile.TemporaryDirectory() as tmp:
        pkl = write_network_pickle(Path(tmp) / "snapshot.pkl", gen, kw)
        pt = Path(tmp) / "state.pt"
        torch.save(gen.state_dict(), pt)
        t_torch, t_unpickle, t_model = best_of_interleaved(
            [lambda: torch.load(pt, map_location="cpu", weights_only=True), lambda: restricted_load(pkl),
             lambda: load_model(pkl)], args.repeats)
        sizes = (pkl.stat().st_size, pt.stat().st_size)
    print(f"StyleGAN2 config-f {args.resolution}²: {n_params / 1e6:.1f} M tensors elements, "
          f"pickle {sizes[0] / 1e6:.1f} MB, torch zip {sizes[1] / 1e6:.1f} MB; best of {args.repeats}, 1 thread")
    print(f"| {'what':<52} | {'seconds':>8} | {'× torch.load':>12} |")
    print(f"|{'-' * 54}|{'-' * 10}|{'-' * 14}|")
    for name, t in [("torch.load(weights_only=True) of the state dict (baseline)", t_torch),
                    ("restricted unpickle of the NVIDIA pickle", t_unpickle),
                    ("load_model(pickle): unpickle + build + strict load", t_model)]:
        print(f"| {name:<52} | {t:8.3f} | {t / t_torch:12.2f} |")


if __name__ == "__main__":
    main()
