"""Export the EMA generator of a demo training checkpoint into resources/models (bundled format).

    python tools/export_demo_model.py --ckpt out/demo/ckpt.pt            # → cartoon-faces-sg2-32
    python tools/export_demo_model.py --ckpt out/demo/ckpt.pt --preview out/demo/preview.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sefa_desktop.demo.export import export_generator, set_w_avg  # noqa: E402
from sefa_desktop.demo.training import load_checkpoint  # noqa: E402
from sefa_desktop.resources import bundled_models_dir  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--ckpt", type=Path, required=True)
    ap.add_argument("--name", default="cartoon-faces-sg2-32")
    ap.add_argument("--folder", type=Path, default=bundled_models_dir())
    ap.add_argument("--preview", type=Path, default=None, help="only write a sample grid PNG here")
    a = ap.parse_args(argv)
    torch.set_num_threads(1)
    st = load_checkpoint(a.ckpt)
    G = st.G_ema.eval().requires_grad_(False)
    set_w_avg(G)
    if a.preview is not None:
        from sefa_desktop.core.imaging import compose_grid, save_png, to_uint8
        with torch.no_grad():
            img = G.synthesis(G.mapping(torch.randn(64, G.z_dim, generator=torch.Generator().manual_seed(1)), None))
        u8 = to_uint8(img)
        save_png(compose_grid([list(u8[r * 8:(r + 1) * 8]) for r in range(8)], cell=64), a.preview)
        print(f"step {st.step}: wrote {a.preview}")
        return 0
    hours = st.seconds / 3600
    card = {
        "description": (f"StyleGAN2 (our network, w {G.w_dim}, {G.num_ws} W+ rows) trained by the project on "
                        f"procedural cartoon faces with known factors, 32×32 (docs/demo-model.md)."),
        "licence": "MIT (trained by the sefa-desktop project on its own procedural images)",
        "source": "tools/train_demo_gan.py",
        "training": {"steps": st.step, "images": st.images_seen, "cpu_hours": round(hours, 2),
                     "batch": st.opts.batch},
    }
    path = export_generator(G, st.opts.g_config, a.folder, a.name, card)
    print(f"wrote {path} ({path.stat().st_size / 1e6:.2f} MB) from step {st.step}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
