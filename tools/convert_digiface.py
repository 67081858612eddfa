"""Convert the digiface DCGAN from the `gan-face-generate` 1.1.1 wheel into our bundled format.

Run once:  pip download --no-deps gan-face-generate==1.1.1 -d /tmp/gfg && unzip -o /tmp/gfg/*.whl -d /tmp/gfg
           python tools/convert_digiface.py /tmp/gfg/gan_face_generate/weights.tar
Writes resources/models/digiface-dcgan64.safetensors (+ its .json card). The MIT notice of the
source lives beside it in resources/models/digiface-dcgan64.LICENSE.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import torch
from safetensors.torch import save_file

from sefa_desktop.models.formats.bundled_safetensors import FORMAT_TAG
from sefa_desktop.models.nets.dcgan import build_dcgan

NAME = "digiface-dcgan64"


def main(src: str) -> None:
    ckpt = torch.load(src, map_location="cpu", weights_only=True)
    state = {k: v.contiguous() for k, v in ckpt["netG_state_dict"].items()}
    net = build_dcgan(state)  # validates the layout before anything is written
    out = Path(__file__).resolve().parents[1] / "resources" / "models"
    config = {"channels": net.channels}
    save_file(state, str(out / f"{NAME}.safetensors"),
              metadata={"format": FORMAT_TAG, "family": "dcgan", "name": NAME, "config": json.dumps(config)})
    card = {
        "name": NAME, "family": "dcgan", "resolution": net.resolution, "weights": f"{NAME}.safetensors",
        "description": "DCGAN (PyTorch-tutorial layout, ngf 64) trained on DigiFace-1M synthetic faces, 64×64.",
        "licence": "MIT (© 2023 chien liu), from the gan-face-generate 1.1.1 package",
        "source": "PyPI gan-face-generate 1.1.1, gan_face_generate/weights.tar (netG_state_dict)",
    }
    (out / f"{NAME}.json").write_text(json.dumps(card, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {out / NAME}.safetensors ({net.resolution}px, channels {net.channels})")


if __name__ == "__main__":
    main(sys.argv[1])
