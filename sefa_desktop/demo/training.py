"""Training of the demo StyleGAN2 on procedural faces (used by tools/train_demo_gan.py).

The generator is OUR inference network (`models/nets/stylegan2.StyleGAN2Generator`), initialised the
way StyleGAN2 does (weights ~ N(0, 1) / lr-multiplier, style-affine biases 1, so the equalised
learning-rate gains inside the network apply). The discriminator is a small residual one written
here. Losses: non-saturating logistic, lazy R1 on reals, style mixing; the EMA generator is what we
ship. No path-length regularisation (its cost is not affordable on one CPU core).

Checkpoints are one torch file (written atomically) holding everything needed to resume exactly:
G, D, G_ema, both Adam states, the step and the image count. Training batches are rendered on the
fly from a seed derived from the step, so a resumed run sees the same data it would have seen.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import torch
import torch.nn.functional as F
from torch import nn

from ..models.nets.stylegan2 import FullyConnected, StyleGAN2Generator
from ..util.atomic import atomic_path
from . import faces

# 32×32 → blocks 4, 8, 16, 32 → 1 + 2 + 2 + 2 + 1 = 8 W+ rows.
DEFAULT_G_CONFIG: dict[str, Any] = {
    "z_dim": 64, "w_dim": 64, "img_resolution": 32, "img_channels": 3,
    "channels": {"4": 64, "8": 64, "16": 32, "32": 16}, "architecture": "skip",
    "use_noise": False, "mapping_layers": 3, "mapping_lr_multiplier": 0.01, "conv_clamp": None,
}


@dataclass
class TrainOptions:
    g_config: dict[str, Any] = field(default_factory=lambda: dict(DEFAULT_G_CONFIG))
    d_channels: dict[str, int] = field(default_factory=lambda: {"32": 16, "16": 32, "8": 64, "4": 64})
    batch: int = 32
    lr: float = 0.0025
    r1_gamma: float = 0.5
    r1_every: int = 16
    mixing_prob: float = 0.5
    ema_half_life_img: float = 2000.0
    ema_rampup: float = 0.05
    seed: int = 0


class EqConv(nn.Module):
    """3×3 / 1×1 conv with an equalised learning rate (weight ~ N(0,1) scaled by 1/√fan_in)."""

    def __init__(self, cin: int, cout: int, k: int, act: bool = True, bias: bool = True) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.randn(cout, cin, k, k))
        self.bias = nn.Parameter(torch.zeros(cout)) if bias else None
        self.gain, self.pad, self.act = 1 / math.sqrt(cin * k * k), k // 2, act

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = F.conv2d(x, self.weight * self.gain, self.bias, padding=self.pad)
        return F.leaky_relu(x, 0.2) * math.sqrt(2) if self.act else x


class DBlock(nn.Module):
    """Residual block: two 3×3 convs then 2× average-pool, skip = pool + 1×1 conv."""

    def __init__(self, cin: int, cout: int) -> None:
        super().__init__()
        self.conv0, self.conv1 = EqConv(cin, cin, 3), EqConv(cin, cout, 3)
        self.skip = EqConv(cin, cout, 1, act=False, bias=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = F.avg_pool2d(self.skip(x), 2)
        x = F.avg_pool2d(self.conv1(self.conv0(x)), 2)
        return (x + y) * math.sqrt(0.5)


class Discriminator(nn.Module):
    def __init__(self, resolution: int, channels: dict[str, int]) -> None:
        super().__init__()
        ch = {int(k): int(v) for k, v in channels.items()}
        self.from_rgb = EqConv(3, ch[resolution], 1)
        blocks, r = [], resolution
        while r > 4:
            blocks.append(DBlock(ch[r], ch[r // 2]))
            r //= 2
        self.blocks = nn.Sequential(*blocks)
        self.conv = EqConv(ch[4] + 1, ch[4], 3)
        self.fc = nn.Linear(ch[4] * 16, ch[4])
        self.out = nn.Linear(ch[4], 1)

    def forward(self, img: torch.Tensor) -> torch.Tensor:
        x = self.blocks(self.from_rgb(img))
        # minibatch standard deviation (groups of up to 4) as one extra feature map
        n, c, h, w = x.shape
        g = min(4, n) if n % min(4, n) == 0 else 1
        s = x.reshape(g, -1, c, h, w).var(dim=0, unbiased=False).add(1e-8).sqrt().mean(dim=[1, 2, 3])
        s = s.reshape(-1, 1, 1, 1).repeat(g, 1, h, w)
        x = self.conv(torch.cat([x, s], dim=1))
        x = F.leaky_relu(self.fc(x.flatten(1)), 0.2) * math.sqrt(2)
        return self.out(x)


def init_generator(config: dict[str, Any], seed: int) -> StyleGAN2Generator:
    """Our generator with StyleGAN2's initialisation (the inference code starts from zeros)."""
    torch.manual_seed(seed)
    g = StyleGAN2Generator(config)
    for name, mod in g.named_modules():
        if isinstance(mod, FullyConnected):
            nn.init.normal_(mod.weight, 0.0, 1.0 / (mod.weight_gain * math.sqrt(mod.weight.shape[1])))
            if mod.bias is not None:
                nn.init.constant_(mod.bias, 1.0 if name.endswith("affine") else 0.0)
    for name, p in g.named_parameters():
        if name.endswith(".weight") and p.ndim == 4 or name.endswith(".const"):
            nn.init.normal_(p)
    return g.train().requires_grad_(True)


@dataclass
class TrainState:
    G: StyleGAN2Generator
    D: Discriminator
    G_ema: StyleGAN2Generator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    opts: TrainOptions
    step: int = 0
    images_seen: int = 0
    seconds: float = 0.0


def new_state(opts: TrainOptions) -> TrainState:
    G = init_generator(opts.g_config, opts.seed)
    G_ema = init_generator(opts.g_config, opts.seed)
    G_ema.load_state_dict(G.state_dict())
    G_ema.eval().requires_grad_(False)
    D = Discriminator(int(opts.g_config["img_resolution"]), opts.d_channels)
    # lazy regularisation: scale Adam's lr/betas as in StyleGAN2 (D only — G has no lazy term here)
    c = opts.r1_every / (opts.r1_every + 1)
    opt_g = torch.optim.Adam(G.parameters(), lr=opts.lr, betas=(0.0, 0.99), eps=1e-8)
    opt_d = torch.optim.Adam(D.parameters(), lr=opts.lr * c, betas=(0.0, 0.99 ** c), eps=1e-8)
    return TrainState(G, D, G_ema, opt_g, opt_d, opts)


def _ws(G: StyleGAN2Generator, z: torch.Tensor, gen: torch.Generator, mixing_prob: float) -> torch.Tensor:
    ws = G.mapping(z, None)
    if mixing_prob > 0 and torch.rand((), generator=gen).item() < mixing_prob:
        cut = int(torch.randint(1, ws.shape[1], (), generator=gen).item())
        ws2 = G.mapping(torch.randn(z.shape, generator=gen), None)
        ws = torch.cat([ws[:, :cut], ws2[:, cut:]], dim=1)
    return ws


def train_step(st: TrainState) -> dict[str, float]:
    """One G step + one D step (+ R1 every r1_every steps) on a freshly rendered batch."""
    o = st.opts
    gen = torch.Generator().manual_seed(o.seed * 1_000_003 + st.step)
    res = int(o.g_config["img_resolution"])
    reals, _ = faces.sample(o.batch, seed=o.seed * 1_000_003 + st.step + 7_919, size=res)
    zdim = int(o.g_config["z_dim"])

    # generator: non-saturating loss softplus(-D(G(z)))
    st.D.requires_grad_(False)
    fake = st.G.synthesis(_ws(st.G, torch.randn(o.batch, zdim, generator=gen), gen, o.mixing_prob), "none")
    loss_g = F.softplus(-st.D(fake)).mean()
    st.opt_g.zero_grad(set_to_none=True)
    loss_g.backward()
    st.opt_g.step()
    st.D.requires_grad_(True)

    # discriminator: softplus(D(fake)) + softplus(-D(real))
    with torch.no_grad():
        fake = st.G.synthesis(_ws(st.G, torch.randn(o.batch, zdim, generator=gen), gen, o.mixing_prob), "none")
    loss_d = F.softplus(st.D(fake)).mean() + F.softplus(-st.D(reals)).mean()
    st.opt_d.zero_grad(set_to_none=True)
    loss_d.backward()
    r1 = 0.0
    if o.r1_every > 0 and st.step % o.r1_every == 0:
        x = reals.detach().requires_grad_(True)
        (grad,) = torch.autograd.grad(st.D(x).sum(), x, create_graph=True)
        penalty = grad.square().sum(dim=[1, 2, 3]).mean()
        (penalty * (o.r1_gamma / 2) * o.r1_every).backward()
        r1 = float(penalty.detach())
    st.opt_d.step()

    # EMA of G (half-life in images, ramped up early in training as StyleGAN2-ADA does)
    st.images_seen += o.batch
    half = min(o.ema_half_life_img, st.images_seen * o.ema_rampup) if o.ema_rampup else o.ema_half_life_img
    beta = 0.5 ** (o.batch / max(half, 1e-8))
    with torch.no_grad():
        for pe, p in zip(st.G_ema.parameters(), st.G.parameters(), strict=True):
            pe.copy_(p.lerp(pe, beta))
        for be, b in zip(st.G_ema.buffers(), st.G.buffers(), strict=True):
            be.copy_(b)
    st.step += 1
    return {"loss_g": float(loss_g.detach()), "loss_d": float(loss_d.detach()), "r1": r1}


def save_checkpoint(st: TrainState, path: Path) -> None:
    blob = {"G": st.G.state_dict(), "D": st.D.state_dict(), "G_ema": st.G_ema.state_dict(),
            "opt_g": st.opt_g.state_dict(), "opt_d": st.opt_d.state_dict(), "opts": asdict(st.opts),
            "step": st.step, "images_seen": st.images_seen, "seconds": st.seconds}
    with atomic_path(path) as tmp:
        torch.save(blob, tmp)


def load_checkpoint(path: Path) -> TrainState:
    blob = torch.load(path, map_location="cpu", weights_only=True)
    st = new_state(TrainOptions(**blob["opts"]))
    st.G.load_state_dict(blob["G"])
    st.D.load_state_dict(blob["D"])
    st.G_ema.load_state_dict(blob["G_ema"])
    st.opt_g.load_state_dict(blob["opt_g"])
    st.opt_d.load_state_dict(blob["opt_d"])
    st.step, st.images_seen, st.seconds = int(blob["step"]), int(blob["images_seen"]), float(blob["seconds"])
    return st


def train(st: TrainState, steps: int, ckpt: Path | None, every: int = 200,
          log: Callable[[str], None] = print, deadline: float | None = None) -> TrainState:
    """Run until `st.step == steps` or time.time() ≥ deadline, checkpointing every `every` steps."""
    t_last = time.perf_counter()
    last_r1 = 0.0
    while st.step < steps and (deadline is None or time.time() < deadline):
        m = train_step(st)
        last_r1 = m["r1"] or last_r1  # R1 runs every r1_every steps; log the latest value
        now = time.perf_counter()
        st.seconds += now - t_last
        t_last = now
        if st.step % 20 == 0 or st.step == steps:
            log(f"step {st.step} img {st.images_seen} {st.seconds:.0f}s "
                f"({st.images_seen / max(st.seconds, 1e-9):.1f} img/s) G {m['loss_g']:.3f} D {m['loss_d']:.3f}"
                + f" R1 {last_r1:.3f}")
        if ckpt is not None and (st.step % every == 0 or st.step == steps):
            save_checkpoint(st, ckpt)
    if ckpt is not None:
        save_checkpoint(st, ckpt)
    return st
