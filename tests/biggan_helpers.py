"""A small random BigGAN-deep in the pytorch-pretrained-biggan layout (config.json + pytorch_model.bin)
with named classes, for the class-choice tests: no download, a few hundred kB, renders 32×32 in ms."""

from __future__ import annotations

import json
from pathlib import Path

import torch

from sefa_desktop.models.nets.biggan import BigGANConfig, BigGANNet

CLASS_NAMES = ("tench", "goldfish", "golden retriever", "Labrador retriever", "tabby cat", "tiger cat",
               "volcano", "daisy")
CONFIG = {"output_dim": 32, "z_dim": 16, "channel_width": 4, "num_classes": len(CLASS_NAMES),
          "layers": [[False, 16, 16], [True, 16, 8], [True, 8, 4], [False, 4, 2], [True, 2, 1]],
          "attention_layer_position": 2, "eps": 1e-4, "n_stats": 51}


def make_biggan(folder: Path, seed: int = 0, names: bool = True, num_classes: int | None = None) -> Path:
    """Write a random class-conditional BigGAN into `folder` (created) and return the folder. `names`:
    CLASS_NAMES in its config.json (the published configs have none); `num_classes` other than 8: no names."""
    folder.mkdir(parents=True, exist_ok=True)
    n = num_classes or CONFIG["num_classes"]
    cfg_json = dict(CONFIG, num_classes=n, **({"class_names": list(CLASS_NAMES)} if names and num_classes is None
                                              else {}))
    net = BigGANNet(BigGANConfig.from_json(cfg_json))
    gen = torch.Generator().manual_seed(seed)
    state = net.state_dict()
    for key, t in state.items():
        if key.endswith("running_vars"):
            t.copy_(0.5 + torch.rand(t.shape, generator=gen))
        elif key.endswith("running_means"):
            t.copy_(0.1 * torch.randn(t.shape, generator=gen))
        elif key.endswith("gamma"):
            t.fill_(0.5)
        elif not key.endswith(("weight_u", "weight_v")):
            t.copy_(torch.randn(t.shape, generator=gen) * (1.0 if key == "embeddings.weight" else 0.1))
    # Spectral norm as stored: v a unit vector, u = W v / |W v|, so σ = u·(W v) = |W v| > 0.
    for key in [k for k in state if k.endswith("weight_orig")]:
        w = state[key].reshape(state[key].shape[0], -1)
        v = torch.randn(w.shape[1], generator=gen)
        v /= v.norm()
        wv = w @ v
        state[key.replace("weight_orig", "weight_v")].copy_(v)
        state[key.replace("weight_orig", "weight_u")].copy_(wv / wv.norm())
    # Random running statistics do not normalise: activations grow block by block until tanh saturates
    # (flat images, no gradient for region search). Standing statistics instead, as BigGAN's are: each
    # batch norm gets the mean and variance of what reaches it, in forward order, for every ψ row.
    net.load_state_dict(state)
    from sefa_desktop.models.nets.biggan import ConditionalBN

    def standing(bn, args):
        x = args[0]
        bn.running_means.copy_(x.mean(dim=(0, 2, 3)).expand_as(bn.running_means))
        bn.running_vars.copy_(x.var(dim=(0, 2, 3)).expand_as(bn.running_vars))

    hooks = [m.register_forward_pre_hook(standing) for m in net.modules() if isinstance(m, ConditionalBN)]
    with torch.no_grad():
        m = min(4 * n, 64)  # samples of every class in turn
        net(torch.randn(m, CONFIG["z_dim"], generator=gen).clamp(-2, 2), torch.eye(n)[torch.arange(m) % n], 1.0)
    for h in hooks:
        h.remove()
    state = net.state_dict()
    torch.save(state, folder / "pytorch_model.bin")
    (folder / "config.json").write_text(json.dumps(cfg_json), encoding="utf-8")
    return folder
