"""Build a StyleGAN2 with random weights in our own layout and save it as a genforce `.pth` file.

    python tools/make_random_stylegan2.py --resolution 256 -o random-sg2-256.pth
    python tools/make_random_stylegan2.py --resolution 1024 --seed 1 -o random-sg2-1024.pth

Widths default to config-f (channel_base 32768, channel_max 512, z = w = 512, 8 mapping layers), so
the file costs what a real FFHQ/LSUN StyleGAN2 costs to load and render; benchmarks and tests of
other code use it where a real checkpoint would be a download. The weights follow NVIDIA's
initialisation (unit-variance convolutions, affine biases 1, mapping weights / lr multiplier) plus
small random biases and noise strengths so every path is exercised; `truncation.w_avg` is the mean
of the mapping over 4096 seeded z. The file is a dict `{"generator_smooth": state}` with exactly the
names, shapes and conventions of the official genforce `StyleGAN2Generator.state_dict()`, so both
our loader (`load_model`) and the official code open it.

Importable: `build_random_stylegan2(resolution, seed)`, `save_genforce(net, path)` and
`cached_random_stylegan2(resolution, folder)` (build once, reuse: what the benches call).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.models.formats.genforce import genforce_stylegan2_state  # noqa: E402
from sefa_desktop.models.nets.stylegan2 import StyleGAN2Generator  # noqa: E402
from sefa_desktop.util.atomic import atomic_path  # noqa: E402


def build_random_stylegan2(resolution: int, seed: int = 0, channel_base: int = 32768, channel_max: int = 512,
                           w_dim: int = 512, mapping_layers: int = 8) -> StyleGAN2Generator:
    """A StyleGAN2Generator ('skip', no clamp) with seeded random weights, in eval mode."""
    cfg = {"z_dim": w_dim, "w_dim": w_dim, "img_resolution": resolution, "channel_base": channel_base,
           "channel_max": channel_max, "architecture": "skip", "conv_clamp": None,
           "mapping_layers": mapping_layers, "mapping_lr_multiplier": 0.01}
    net = StyleGAN2Generator(cfg)
    g = torch.Generator().manual_seed(seed)

    def randn_like(p: torch.Tensor, scale: float = 1.0, shift: float = 0.0) -> torch.Tensor:
        return torch.randn(p.shape, generator=g) * scale + shift

    with torch.no_grad():
        for name, p in list(net.named_parameters()) + list(net.named_buffers()):
            leaf = name.rsplit(".", 1)[-1]
            if name.startswith("mapping.fc"):
                lr = net.mapping.fc0.bias_gain
                p.copy_(randn_like(p, 1 / lr) if leaf == "weight" else randn_like(p, 0.1 / lr))
            elif name.endswith("affine.weight") or leaf in ("weight", "const", "noise_const"):
                p.copy_(randn_like(p))
            elif name.endswith("affine.bias"):
                p.copy_(randn_like(p, 0.1, 1.0))
            elif leaf == "bias":
                p.copy_(randn_like(p, 0.1))
            elif leaf == "noise_strength":
                p.copy_(randn_like(p, 0.05))
            # w_avg below; resample filters keep their [1,3,3,1] values
        z = torch.randn(4096, w_dim, generator=g)
        net.mapping.w_avg.copy_(net.mapping(z, None).mean(dim=(0, 1)))
    return net.eval().requires_grad_(False)


def save_genforce(net: StyleGAN2Generator, path: str | Path) -> Path:
    """Write `net` as a genforce checkpoint (atomically); returns the path."""
    path = Path(path)
    state = genforce_stylegan2_state(net)
    with atomic_path(path) as tmp:
        torch.save({"generator_smooth": state}, tmp)
    return path


def cached_random_stylegan2(resolution: int, folder: str | Path | None = None, seed: int = 0) -> Path:
    """The config-f random model's genforce file in `folder` (default: a temp folder), built once."""
    folder = Path(folder) if folder is not None else Path(tempfile.gettempdir()) / "sefa-desktop-bench"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"random-sg2-{resolution}-seed{seed}.pth"
    if not path.exists():
        save_genforce(build_random_stylegan2(resolution, seed), path)
    return path


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--resolution", type=int, required=True, help="8 … 1024, a power of two")
    ap.add_argument("-o", "--output", type=Path, required=True, help="the .pth file to write")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--channel-base", type=int, default=32768)
    ap.add_argument("--channel-max", type=int, default=512)
    ap.add_argument("--w-dim", type=int, default=512, help="z and w size")
    a = ap.parse_args(argv)
    if a.resolution < 8 or a.resolution & (a.resolution - 1):
        print(f"error: --resolution must be a power of two ≥ 8, got {a.resolution}", file=sys.stderr)
        return 2
    try:
        net = build_random_stylegan2(a.resolution, a.seed, a.channel_base, a.channel_max, a.w_dim)
        save_genforce(net, a.output)
    except OSError as e:
        print(f"error: {e}", file=sys.stderr)
        return 1
    n = sum(p.numel() for p in net.parameters())
    print(f"wrote {a.output}: StyleGAN2 {a.resolution}² ({net.num_ws} W+ rows, {n / 1e6:.1f} M parameters)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
