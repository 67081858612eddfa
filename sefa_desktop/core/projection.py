"""Projection: find the code whose image matches a target image (a photo → its latent).

Style-based models (codes W+ (rows, dim)): optimise one w from the mean w (estimated from samples of
the mapping network), then — for space "w+" — per-row offsets on top of it, kept small. Z models
(DCGAN, PGGAN, BigGAN with its class part fixed): optimise z from a few prior samples (restarts, the
best one goes on), with a term that keeps |z| where the prior puts it.

Loss: pixel L2 at several scales (always, works offline) plus LPIPS when a perceptual module is given
(core/perceptual.py). Coarse-to-fine: the first steps compare at 32 and 64 px through the early exits
of `synthesize_differentiable(max_resolution=…)`, which makes a 256 px model cheap to project on a CPU.

Qt-free. `progress(ProjectionStep)` is called after every step (with an intermediate image every
`preview_every` steps); `cancel` (an Event or a callable) is checked before every step and raises
ProjectionCancelled. The model is duck-typed (any GanModel with `synthesize_differentiable`).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from PIL import Image

from .imaging import to_uint8

SPACES = ("w", "w+", "z")
COARSE_RESOLUTIONS = (32, 64)


class ProjectionCancelled(Exception):
    """The user cancelled the projection."""


@dataclass
class ProjectionSettings:
    space: str | None = None  # "w", "w+" (style models) or "z"; None = "w+" for style models, else "z"
    steps: int = 300
    lr: float = 0.08  # Adam step, relative to the spread of the codes (w: per-coordinate std; z: 1)
    restarts: int = 4  # Z models: starting points tried (each gets a short run; the best goes on)
    coarse: tuple[int, ...] = COARSE_RESOLUTIONS  # early-exit resolutions used first (those < model's)
    coarse_fraction: float = 0.4  # share of the steps spent at the coarse resolutions
    max_size: int | None = None  # optimise at most at this resolution (an early exit); None = the model's
    w_fraction: float = 0.5  # space "w+": share of the steps in w before the W+ offsets join in
    offset_weight: float = 0.02  # W+ offsets' penalty, relative to the codes' spread
    prior_weight: float = 0.02  # Z: keeps |z|/√dim near 1
    noise: float = 0.05  # exploration noise added to the code early on, relative to its spread
    perceptual: Any = None  # a callable (img, target) → distance, both (n, 3, H, W) in [0, 1]; None = off
    perceptual_weight: float = 1.0
    truncation_psi: float | None = None  # passed to synthesize (BigGAN's BN statistics)
    template: torch.Tensor | None = None  # Z models: a code whose tail past z_dim is kept (BigGAN class)
    seed: int = 0
    samples_for_mean: int = 2000  # style models: mapping samples to estimate the mean w and its spread
    preview_every: int = 10
    threads: int | None = -1  # torch threads while projecting: -1 = 1 for models up to 128 px (their
    # convolutions are too small to share: 1 thread measured faster, by far on a busy machine), None = as is

    def checked(self, model: Any) -> ProjectionSettings:
        style = len(model.code_shape) == 2
        space = self.space or ("w+" if style else "z")
        if space not in SPACES:
            raise ValueError(f"space must be one of {', '.join(SPACES)}, not {space!r}")
        if style and space == "z":
            raise ValueError(f"{model.name} is style-based: project into w or w+, not z")
        if not style and space != "z":
            raise ValueError(f"{model.name} has no W space: project into z")
        if not 1 <= self.steps <= 100_000:
            raise ValueError("steps must be between 1 and 100000")
        if self.restarts < 1:
            raise ValueError("restarts must be ≥ 1")
        if self.max_size is not None:
            ms = int(self.max_size)
            if ms < 8 or ms > int(model.resolution) or ms & (ms - 1):
                raise ValueError(f"size must be a power of two between 8 and {model.resolution}, not {ms}")
        out = ProjectionSettings(**{**self.__dict__, "space": space})
        return out


@dataclass
class ProjectionStep:
    """One step's report. `image` (uint8 H×W×3, at the stage's resolution) only every few steps."""

    step: int
    total: int
    stage: str  # e.g. "w @32px", "z restart 2/4 @64px", "w+ @256px"
    resolution: int
    loss: float
    psnr: float  # dB at the stage's resolution, on [0, 1] images
    lpips: float | None = None
    image: np.ndarray | None = None


@dataclass
class ProjectionResult:
    codes: torch.Tensor  # (1, *code_shape), detached, ready for synthesize
    space: str
    psnr: float  # dB: the 8-bit render vs the 8-bit target, full resolution (what `render` reproduces)
    lpips: float | None
    image: np.ndarray  # uint8 (H, W, 3) of the result
    steps: int
    seconds: float
    history: list[tuple[int, float]] = field(default_factory=list)  # (step, psnr at that stage)


# -- targets and metrics -----------------------------------------------------------------------------
def prepare_target(image: Image.Image | np.ndarray, resolution: int) -> np.ndarray:
    """A square RGB image resized to the model's resolution: uint8 (R, R, 3). Crop it square first."""
    img = image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image, dtype=np.uint8))
    img = img.convert("RGB")
    if img.width != img.height:
        raise ValueError(f"the target must be square (crop it first), got {img.width}×{img.height}")
    if img.width != resolution:
        # a box filter first for big reductions (no aliasing), then Lanczos to the exact size
        img = img.reduce(max(1, img.width // (2 * resolution))) if img.width > 2 * resolution else img
        img = img.resize((resolution, resolution), Image.Resampling.LANCZOS)
    return np.asarray(img, dtype=np.uint8).copy()


def psnr(a: np.ndarray | torch.Tensor, b: np.ndarray | torch.Tensor, peak: float | None = None) -> float:
    """PSNR in dB; uint8 arrays use peak 255, float arrays peak 1 unless given."""
    if isinstance(a, torch.Tensor):
        a = a.detach().cpu().numpy()
    if isinstance(b, torch.Tensor):
        b = b.detach().cpu().numpy()
    if peak is None:
        peak = 255.0 if np.asarray(a).dtype == np.uint8 else 1.0
    mse = float(np.mean((np.asarray(a, np.float64) - np.asarray(b, np.float64)) ** 2))
    return float("inf") if mse == 0 else 10.0 * math.log10(peak * peak / mse)


def _to_unit(img: torch.Tensor, value_range: tuple[float, float]) -> torch.Tensor:
    lo, hi = value_range
    img = (img - lo) / (hi - lo)
    return img.expand(-1, 3, -1, -1) if img.shape[1] == 1 else img


def _shrink(x: torch.Tensor, size: int) -> torch.Tensor:
    return x if x.shape[-1] == size else F.interpolate(x, size=(size, size), mode="area")


def multiscale_l2(img: torch.Tensor, target: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """(loss, mse at full scale): mean of the MSEs at full, ½ and ¼ size (down to 8 px)."""
    mse = F.mse_loss(img, target)
    losses, size = [mse], img.shape[-1] // 2
    while size >= 8 and len(losses) < 3:
        losses.append(F.mse_loss(_shrink(img, size), _shrink(target, size)))
        size //= 2
    return torch.stack(losses).mean(), mse.detach()


# -- the optimisation ------------------------------------------------------------------------------------
class _Synth:
    """Differentiable rendering at a stage resolution, through the early exit when the model has one."""

    def __init__(self, model: Any, truncation_psi: float | None) -> None:
        self.model, self.psi = model, truncation_psi
        self.value_range = tuple(getattr(model, "image_range", (-1.0, 1.0)))
        self.early_exit_ok = True

    def __call__(self, codes: torch.Tensor, res: int) -> torch.Tensor:
        full = int(self.model.resolution)
        img = None
        if res < full and self.early_exit_ok:
            try:
                img = self.model.synthesize_differentiable(codes, truncation_psi=self.psi, max_resolution=res)
            except ValueError:  # this model cannot stop there: render in full and shrink
                self.early_exit_ok = False
        if img is None:
            img = self.model.synthesize_differentiable(codes, truncation_psi=self.psi)
        return _shrink(_to_unit(img, self.value_range), res)  # type: ignore[arg-type]


class _Checker:
    def __init__(self, cancel: Any) -> None:
        if cancel is None:
            self.fn: Callable[[], bool] = lambda: False
        elif hasattr(cancel, "is_set"):
            self.fn = cancel.is_set
        else:
            self.fn = cancel

    def __call__(self) -> None:
        if self.fn():
            raise ProjectionCancelled("projection cancelled")


def stage_resolutions(resolution: int, coarse: tuple[int, ...], max_size: int | None = None) -> list[int]:
    top = int(resolution) if max_size is None else min(int(max_size), int(resolution))
    return sorted({r for r in coarse if r < top}) + [top]


def project(model: Any, target: Image.Image | np.ndarray, settings: ProjectionSettings | None = None,
            progress: Callable[[ProjectionStep], None] | None = None, cancel: Any = None) -> ProjectionResult:
    """Find the code of `model` whose image matches `target` (square; resized to the model's size)."""
    s = (settings or ProjectionSettings()).checked(model)
    threads = s.threads if s.threads != -1 else (1 if int(model.resolution) <= 128 else None)
    before = torch.get_num_threads()
    if threads:
        torch.set_num_threads(int(threads))
    try:
        return _project(model, target, s, progress, cancel)
    finally:
        if threads:
            torch.set_num_threads(before)


def _project(model: Any, target: Image.Image | np.ndarray, s: ProjectionSettings,
             progress: Callable[[ProjectionStep], None] | None, cancel: Any) -> ProjectionResult:
    check = _Checker(cancel)
    t0 = time.perf_counter()
    res = int(model.resolution)
    target_u8 = prepare_target(target, res)
    device = getattr(model, "device", torch.device("cpu"))
    tgt_full = torch.from_numpy(target_u8).permute(2, 0, 1)[None].float().div(255).to(device)
    stages = stage_resolutions(res, tuple(s.coarse), s.max_size)
    targets = {r: _shrink(tgt_full, r) for r in stages}
    synth = _Synth(model, s.truncation_psi)
    gen = torch.Generator().manual_seed(int(s.seed))
    run = _Run(model, s, synth, targets, stages, gen, progress, check)
    codes = run.style() if s.space in ("w", "w+") else run.z()
    check()
    with torch.inference_mode():
        final = model.synthesize(codes, truncation_psi=s.truncation_psi)
    img_u8 = to_uint8(final, tuple(getattr(model, "image_range", (-1.0, 1.0))))[0]
    lp = None
    if s.perceptual is not None:
        with torch.no_grad():
            out = torch.from_numpy(img_u8).permute(2, 0, 1)[None].float().div(255)
            lp = float(s.perceptual(out, tgt_full.cpu()).mean())
    return ProjectionResult(codes=codes, space=s.space or "", psnr=psnr(img_u8, target_u8), lpips=lp,
                            image=img_u8, steps=s.steps, seconds=time.perf_counter() - t0, history=run.history)


class _Run:
    """The step loop shared by both kinds of model: starts, schedule, loss, reports."""

    def __init__(self, model: Any, s: ProjectionSettings, synth: _Synth, targets: dict[int, torch.Tensor],
                 stages: list[int], gen: torch.Generator, progress: Any, check: _Checker) -> None:
        self.model, self.s, self.synth, self.targets, self.stages = model, s, synth, targets, stages
        self.gen, self.progress, self.check = gen, progress, check
        self.history: list[tuple[int, float]] = []
        self.device = getattr(model, "device", torch.device("cpu"))

    # the schedule: stage resolution and learning-rate factor at step t of `total`
    def resolution_at(self, t: int, total: int) -> int:
        coarse = self.stages[:-1]
        if not coarse:
            return self.stages[-1]
        f = t / max(total, 1)
        if f >= self.s.coarse_fraction:
            return self.stages[-1]
        return coarse[min(int(f / self.s.coarse_fraction * len(coarse)), len(coarse) - 1)]

    @staticmethod
    def lr_factor(t: int, total: int) -> float:
        f = t / max(total, 1)
        ramp_up = min(1.0, f / 0.05)
        ramp_down = 0.5 - 0.5 * math.cos(math.pi * min(1.0, (1.0 - f) / 0.3))
        return max(ramp_up * ramp_down, 0.02)

    def loss(self, codes: torch.Tensor, r: int) -> tuple[torch.Tensor, float, float | None, torch.Tensor]:
        img = self.synth(codes, r)
        tgt = self.targets[r]
        loss, mse = multiscale_l2(img, tgt.expand_as(img))
        lp = None
        if self.s.perceptual is not None and self.s.perceptual_weight > 0:
            d = self.s.perceptual(img, tgt.expand_as(img))
            loss = loss + self.s.perceptual_weight * d.mean()
            lp = float(d.detach().mean())
        p = 10 * math.log10(1.0 / max(float(mse), 1e-12))
        return loss, p, lp, img

    def report(self, t: int, total: int, stage: str, r: int, loss: float, p: float, lp: float | None,
               img: torch.Tensor) -> None:
        self.history.append((t, p))
        if self.progress is None:
            return
        image = None
        if t % max(self.s.preview_every, 1) == 0 or t == total:
            image = (img[:1].detach().clamp(0, 1) * 255).round().to(torch.uint8)[0].permute(1, 2, 0).cpu().numpy()
        self.progress(ProjectionStep(t, total, stage, r, loss, p, lp, image))

    def explore_steps(self) -> int:
        """Steps per starting point: a fifth of the run is shared among the starts (none for one)."""
        s = self.s
        return 0 if s.restarts < 2 else max(1, (s.steps // 5) // s.restarts)

    def pick_start(self, starts: list[torch.Tensor], kind: str, spread: float, to_codes: Any, penalty: Any,
                   ) -> tuple[torch.Tensor, int]:
        """Run each start briefly at the coarsest stage; the best goes on. Returns it and the steps used."""
        n = self.explore_steps()
        if not n:
            return starts[0], 0
        best, best_loss, t = starts[0], float("inf"), 0
        for k, start in enumerate(starts):
            x, _, loss = self.loop(start, n, t, f"{kind} start {k + 1}/{len(starts)}", spread, to_codes, penalty,
                                   explore=True)
            t += n
            if loss < best_loss:
                best, best_loss = x, loss
        return best, t

    def loop(self, start: torch.Tensor, n: int, t0: int, label: Any, spread: float, to_codes: Any, penalty: Any,
             explore: bool = False, offsets_at: int | None = None, offsets_shape: tuple[int, ...] = (),
             ) -> tuple[torch.Tensor, torch.Tensor | None, float]:
        """`n` Adam steps on a code vector from `start`; W+ offsets join at global step `offsets_at`.

        Explore runs stay at the coarsest stage with their own short schedule; the main run follows
        the coarse-to-fine stages of the whole run."""
        s = self.s
        total = s.steps
        x = start.detach().clone().requires_grad_(True)
        opt = torch.optim.Adam([x], lr=s.lr * spread, betas=(0.9, 0.99))
        offsets: torch.Tensor | None = None
        last = float("inf")
        for i in range(n):
            self.check()
            t = t0 + i
            if offsets_at is not None and t >= offsets_at and offsets is None:
                offsets = torch.zeros(offsets_shape, device=self.device, requires_grad=True)
                opt.add_param_group({"params": [offsets]})
            f = self.lr_factor(i, n)
            for g in opt.param_groups:
                g["lr"] = s.lr * spread * f
            r = self.stages[0] if explore else self.resolution_at(t, total)
            noise = s.noise * spread * max(0.0, 1.0 - i / (0.6 * n)) ** 2
            x_in = x + noise * torch.randn(x.shape, generator=self.gen).to(self.device)
            loss, p, lp, img = self.loss(to_codes(x_in, offsets), r)
            opt.zero_grad(set_to_none=True)
            (loss + penalty(x, offsets)).backward()
            opt.step()
            last = float(loss.detach())
            name = label if isinstance(label, str) else label(offsets is not None)
            self.report(t + 1, total, f"{name} @{r}px", r, last, p, lp, img)
        return x.detach(), None if offsets is None else offsets.detach(), last

    # -- style models: w (from the mean w or a few other starts), then W+ offsets -------------------
    def style(self) -> torch.Tensor:
        m, s = self.model, self.s
        rows, dim = (int(v) for v in m.code_shape)
        with torch.inference_mode():
            z = m.sample_z(s.samples_for_mean, seed=s.seed + 12345)
            ws = m.codes(z)[:, 0, :].clone().float().to(self.device)
        w_mean = ws.mean(0)
        spread = float(ws.std(0).mean()) or 1.0  # per-coordinate spread of w
        # other starts: samples pulled halfway to the mean (away from the mean's blur, still typical)
        starts = [w_mean[None]] + [(w_mean + 0.5 * (ws[k] - w_mean))[None] for k in range(s.restarts - 1)]

        def to_codes(w: torch.Tensor, offsets: torch.Tensor | None) -> torch.Tensor:
            codes = w[:, None, :].expand(1, rows, dim)
            return codes if offsets is None else codes + offsets[None]

        def penalty(w: torch.Tensor, offsets: torch.Tensor | None) -> torch.Tensor | float:
            return 0.0 if offsets is None else s.offset_weight * offsets.square().mean() / spread**2

        w0, t = self.pick_start(starts, "w", spread, to_codes, penalty)
        rest = s.steps - t
        offsets_at = None if s.space == "w" else t + max(1, int(round(rest * s.w_fraction)))
        w, offsets, _ = self.loop(w0, rest, t, lambda on: "w+" if on else "w", spread, to_codes, penalty,
                                  offsets_at=offsets_at, offsets_shape=(rows, dim))
        return to_codes(w, offsets).contiguous()

    # -- Z models: a few prior samples, the best one goes on --------------------------------------------
    def z(self) -> torch.Tensor:
        m, s = self.model, self.s
        code_len = int(m.code_shape[0])
        zdim = int(getattr(m, "z_dim", code_len))
        tail = torch.zeros(0, device=self.device)
        if code_len > zdim:  # BigGAN: [z, class]; the class part stays as given
            if s.template is not None:
                tail = torch.as_tensor(s.template, dtype=torch.float32).reshape(-1)[zdim:].to(self.device)
            else:
                with torch.inference_mode():
                    tail = m.sample_codes(1, seed=s.seed)[0, zdim:].clone().to(self.device)
        with torch.inference_mode():
            starts = [m.codes(m.sample_z(1, seed=s.seed * 1000 + k).to(self.device))[:, :zdim].clone()
                      for k in range(s.restarts)]

        def to_codes(z: torch.Tensor, offsets: torch.Tensor | None) -> torch.Tensor:
            return torch.cat([z, tail[None]], dim=1) if tail.numel() else z

        def penalty(z: torch.Tensor, offsets: torch.Tensor | None) -> torch.Tensor:
            # |z|²/dim of a prior sample is ≈ 1: keep it there (the prior's typical shell)
            return s.prior_weight * (z.square().sum() / z.shape[1] - 1.0).square()

        z0, t = self.pick_start(starts, "z", 1.0, to_codes, penalty)
        z, _, _ = self.loop(z0, s.steps - t, t, "z", 1.0, to_codes, penalty)
        return to_codes(z, None)
