"""Directions for a region: the edits that change one area of the image and leave the rest alone.

After LowRankGAN (Zhu et al. 2021) and ReSeFa (ICML 2022), from the generator's Jacobian J = ∂ image
/ ∂ d, where d moves the chosen W+ rows together (as SeFa's directions do) or Z. With per-pixel
weights m (the region's coverage) and 1 − m, normalised to means,

    A_in  = Jᵀ diag(m) J / Σm          mean squared change per pixel inside, as a quadratic form in d
    A_out = Jᵀ diag(1 − m) J / Σ(1 − m)   the same outside,

the directions maximise dᵀA_in d / dᵀ(A_out + λI) d: a generalised eigenproblem, ranked by that
ratio. λ = reg · ‖A_in‖ keeps directions that barely change anything (tiny inside, tinier outside)
from winning.

Cost: J is never built. Products with it come from torch.func: a JVP (forward mode) gives J·v, a VJP
(reverse mode) Jᵀ·u, both batched over many vectors with vmap (one primal pass per batch). When the
edit space is larger than `rank`, a randomised range finder (Halko et al.) picks the subspace: a
Gaussian cotangent g weighted by √m gives Jᵀ√m·g, a sample whose covariance is A_in (same outside),
so `rank` VJPs span the top of both spectra; summing the samples of several seeds samples the sum of
their forms. Optional power iterations sharpen it. The small problem is then solved exactly on that
subspace (Rayleigh–Ritz: `rank` JVPs per seed). A good direction must have dᵀA_in d ≥ ratio·λ, so it
lies in A_in's top subspace up to the part that cancels the outside change, which lies in A_out's:
the union of both holds it. The image is rendered at an early-exit resolution fine enough for the
region (a band over the eyes of a 1024 px face needs ~128 px, not 1024).

The model is taken duck-typed (`latent_dim`, `num_layers`, `layers`, `resolution`, `edit_space`,
`synthesize_differentiable`); core imports nothing of models.
"""

from __future__ import annotations

import base64
import math
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .directions import DirectionSet

Progress = Callable[[int, int], None]

# Finer than this many pixels across the region's narrower side does not pay for itself.
MIN_REGION_SIDE_PX = 12
# Below this, early exits of style models lose the mid-level structure that most edits move.
MIN_ANALYSIS_RESOLUTION = 64
_STORED_MASK_SIDE = 128  # masks are kept in the direction file's metadata at most this size


class RegionCancelled(Exception):
    """The user cancelled the computation; nothing was produced."""


class RegionError(ValueError):
    """A region or an option that cannot work: one clear line."""


# -- the region --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Region:
    """An area of the image: a box in fractions of width and height (origin top-left), or a mask.

    `mask` is (h, w) float32 coverage in 0..1 at any resolution; `box` is set for rectangles, which
    are then exact at every resolution (pixels on the border get their covered fraction)."""

    mask: np.ndarray = field(repr=False)
    box: tuple[float, float, float, float] | None = None

    @classmethod
    def from_box(cls, x0: float, y0: float, x1: float, y1: float) -> Region:
        vals = [float(v) for v in (x0, y0, x1, y1)]
        if not all(math.isfinite(v) and 0.0 <= v <= 1.0 for v in vals):
            raise RegionError("region coordinates are fractions of the image size: each between 0 and 1")
        x0, y0, x1, y1 = vals
        if x1 <= x0 or y1 <= y0:
            raise RegionError("region must have X0 < X1 and Y0 < Y1 (origin top-left)")
        if (x1 - x0) * (y1 - y0) >= 1.0 - 1e-9:
            raise RegionError("the region covers the whole image: nothing is left outside to keep")
        box = (x0, y0, x1, y1)
        return cls(_box_coverage(box, _STORED_MASK_SIDE, _STORED_MASK_SIDE).numpy(), box)

    @classmethod
    def from_mask(cls, mask: Any) -> Region:
        m = np.asarray(mask, dtype=np.float32)
        if m.ndim != 2 or min(m.shape) < 1:
            raise RegionError(f"a region mask must be a 2-D image, got shape {m.shape}")
        if not np.isfinite(m).all():
            raise RegionError("the region mask has non-finite values")
        m = np.clip(m, 0.0, 1.0)
        if float(m.max()) < 0.5:
            raise RegionError("the region mask is empty: paint (white) the area to change")
        if float(m.min()) > 0.5:
            raise RegionError("the region mask covers the whole image: nothing is left outside to keep")
        return cls(np.ascontiguousarray(m))

    @classmethod
    def from_image(cls, path: str | Path) -> Region:
        """A mask picture: white (light) pixels are the region; transparent ones are outside."""
        from PIL import Image, UnidentifiedImageError

        path = Path(path)
        try:
            with Image.open(path) as im:
                im.load()
                alpha = np.asarray(im.getchannel("A"), dtype=np.float32) / 255 if "A" in im.getbands() else None
                grey = np.asarray(im.convert("L"), dtype=np.float32) / 255
        except FileNotFoundError:
            raise RegionError(f"{path}: no such mask file") from None
        except (UnidentifiedImageError, OSError, ValueError) as e:
            raise RegionError(f"{path.name}: not a readable mask image ({e})") from None
        inside = grey >= 0.5
        if alpha is not None:
            inside &= alpha >= 0.5
        return cls.from_mask(inside.astype(np.float32))

    # -- geometry ----------------------------------------------------------------------------------
    def coverage(self, height: int, width: int) -> torch.Tensor:
        """(height, width) float32: the fraction of each pixel inside the region."""
        if self.box is not None:
            return _box_coverage(self.box, height, width)
        m = torch.from_numpy(self.mask)[None, None]
        return F.interpolate(m, size=(int(height), int(width)), mode="area")[0, 0].clamp(0, 1)

    @property
    def fraction(self) -> float:
        """Share of the image inside the region."""
        if self.box is not None:
            x0, y0, x1, y1 = self.box
            return (x1 - x0) * (y1 - y0)
        return float(self.mask.mean())

    @property
    def bounds(self) -> tuple[float, float, float, float]:
        """The bounding box (x0, y0, x1, y1) in fractions."""
        if self.box is not None:
            return self.box
        ys, xs = np.nonzero(self.mask >= 0.5)
        h, w = self.mask.shape
        return float(xs.min()) / w, float(ys.min()) / h, float(xs.max() + 1) / w, float(ys.max() + 1) / h

    def describe(self) -> str:
        if self.box is not None:
            return "box " + ",".join(f"{v:.2f}" for v in self.box)
        return f"mask {self.fraction:.0%} of the image"

    # -- metadata (kept in the direction file) -----------------------------------------------------
    def to_metadata(self) -> dict[str, Any]:
        if self.box is not None:
            return {"kind": "box", "box": [round(v, 6) for v in self.box]}
        m = self.mask
        if max(m.shape) > _STORED_MASK_SIDE:
            s = _STORED_MASK_SIDE / max(m.shape)
            size = (max(1, round(m.shape[0] * s)), max(1, round(m.shape[1] * s)))
            m = F.interpolate(torch.from_numpy(m)[None, None], size=size, mode="area")[0, 0].numpy()
        bits = np.packbits((m >= 0.5).reshape(-1))
        return {"kind": "mask", "size": [int(m.shape[0]), int(m.shape[1])],
                "bits": base64.b64encode(bits.tobytes()).decode("ascii")}

    @classmethod
    def from_metadata(cls, meta: dict[str, Any]) -> Region:
        try:
            if meta["kind"] == "box":
                return cls.from_box(*meta["box"])
            h, w = (int(v) for v in meta["size"])
            bits = np.frombuffer(base64.b64decode(meta["bits"]), dtype=np.uint8)
            return cls.from_mask(np.unpackbits(bits)[: h * w].reshape(h, w).astype(np.float32))
        except (KeyError, TypeError, ValueError) as e:
            raise RegionError(f"damaged region metadata ({e})") from None


def _box_coverage(box: tuple[float, float, float, float], height: int, width: int) -> torch.Tensor:
    x0, y0, x1, y1 = box

    def axis(lo: float, hi: float, n: int) -> torch.Tensor:
        edges = torch.arange(n, dtype=torch.float64)
        return (torch.minimum(edges + 1, torch.tensor(hi * n)) - torch.maximum(edges, torch.tensor(lo * n))).clamp(0, 1)

    return torch.outer(axis(y0, y1, int(height)), axis(x0, x1, int(width))).to(torch.float32)


# -- resolution --------------------------------------------------------------------------------------
def analysis_resolution(model: Any, region: Region, rows: Sequence[int] | None = None,
                        min_side_px: int = MIN_REGION_SIDE_PX) -> int:
    """The early-exit resolution to differentiate at: the smallest power of two at which the region's
    narrower side spans `min_side_px` pixels, at least MIN_ANALYSIS_RESOLUTION and the coarsest
    selected W+ row's own resolution (else those rows could not show), at most the model's."""
    full = int(model.resolution)
    x0, y0, x1, y1 = region.bounds
    need = max(min_side_px / max(min(x1 - x0, y1 - y0), 1e-6), MIN_ANALYSIS_RESOLUTION)
    layers = getattr(model, "layers", None) or []
    if rows and layers:
        need = max(need, min(int(layers[r].resolution) for r in rows if r < len(layers)))
    r = 4
    while r < need and r < full:
        r *= 2
    return min(r, full)


# -- the computation ---------------------------------------------------------------------------------
@dataclass
class _Sample:
    """One sample's image as a function of the direction d, with batched J·v and Jᵀ·u."""

    fn: Callable[[torch.Tensor], torch.Tensor]
    zero: torch.Tensor
    chunk: int
    _vjp: Callable[[torch.Tensor], tuple[torch.Tensor]] | None = None
    _shape: tuple[int, ...] = ()
    counts: dict[str, int] = field(default_factory=lambda: {"jvp": 0, "vjp": 0})

    def image_shape(self) -> tuple[int, ...]:
        """(C, H, W) of the rendered image; runs the forward pass that the VJPs reuse."""
        self._prepare_vjp()
        return self._shape

    def _prepare_vjp(self) -> None:
        from torch.func import vjp

        if self._vjp is None:
            out, self._vjp = vjp(self.fn, self.zero)
            self._shape = tuple(out.shape)

    def jvp(self, vs: torch.Tensor) -> torch.Tensor:
        """(b, D) → (b, C, H, W): J·v for each row of vs."""
        from torch.func import jvp, vmap

        self.counts["jvp"] += int(vs.shape[0])
        return vmap(lambda v: jvp(self.fn, (self.zero,), (v,))[1], chunk_size=self.chunk)(vs)

    def vjp(self, us: torch.Tensor) -> torch.Tensor:
        """(b, C, H, W) → (b, D): Jᵀ·u for each cotangent (one forward pass kept per sample)."""
        from torch.func import vmap

        self._prepare_vjp()
        fn = self._vjp
        assert fn is not None
        self.counts["vjp"] += int(us.shape[0])
        return vmap(lambda u: fn(u)[0], chunk_size=self.chunk)(us)

    def release(self) -> None:
        self._vjp = None


def _sample(model: Any, base: torch.Tensor, rows: list[int], res: int | None, noise_mode: str,
            psi: float | None, chunk: int) -> _Sample:
    dim = int(model.latent_dim)
    if base.ndim == 3:  # W+: d moves the selected rows together
        sel = torch.zeros(base.shape[1], 1, dtype=base.dtype, device=base.device)
        sel[rows] = 1.0

        def fn(d: torch.Tensor) -> torch.Tensor:
            return model.synthesize_differentiable(base + sel * d, noise_mode, psi, res)[0]
    else:  # Z (BigGAN: the leading z part of [z, class])
        pad = base.shape[1] - dim

        def fn(d: torch.Tensor) -> torch.Tensor:
            return model.synthesize_differentiable(base + F.pad(d, (0, pad))[None], noise_mode, psi, res)[0]

    return _Sample(fn, torch.zeros(dim, dtype=base.dtype, device=base.device), chunk)


def _orth(y: torch.Tensor, tol: float = 1e-6) -> torch.Tensor:
    """Orthonormal basis (columns) of y's column space, numerically dependent columns dropped."""
    u, s, _ = torch.linalg.svd(y.to(torch.float64), full_matrices=False)
    keep = s > tol * max(float(s[0]), 1e-30) if s.numel() else s > 0
    return u[:, keep]


def _top_left(y: torch.Tensor, k: int) -> torch.Tensor:
    u, _, _ = torch.linalg.svd(y.to(torch.float64), full_matrices=False)
    return u[:, :k]


def region_directions(
    model: Any,
    codes: torch.Tensor,
    region: Region,
    layers: Sequence[int] | None = None,
    k: int = 10,
    *,
    resolution: int | None = None,
    rank: int | None = None,
    power_iters: int = 0,
    reg: float = 0.01,
    chunk: int = 8,
    noise_mode: str = "const",
    truncation_psi: float | None = None,
    seed: int = 0,
    seeds: Sequence[int] | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> DirectionSet:
    """The top-`k` region directions for the samples `codes` ((n, *model.code_shape); the forms of
    all n samples are averaged). `layers`: W+ rows moved together (None = all; Z models ignore it).

    `resolution`: where to differentiate (None = analysis_resolution). `rank`: size of the subspace
    the problem is solved in (None = the whole edit space up to 128 dimensions, else max(4k, 48));
    `power_iters` sharpens the randomised subspace; `reg` is λ relative to the largest inside change.
    `progress(done, total)` is called between batches; setting `cancel` stops at the next one with
    RegionCancelled. `seed` drives the random sketch; `seeds` are recorded in the metadata only.
    """
    dim = int(model.latent_dim)
    codes = torch.as_tensor(codes).detach().clone().to(torch.float32)
    if codes.ndim < 2 or codes.shape[0] < 1:
        raise RegionError("codes must be (n, …) with at least one sample")
    w_space = codes.ndim == 3
    n_rows = int(model.num_layers)
    rows = list(range(n_rows)) if layers is None or not w_space else sorted({int(r) for r in layers})
    if not rows or rows[0] < 0 or rows[-1] >= n_rows:
        raise RegionError(f"W+ rows must be between 0 and {n_rows - 1}")
    if not 1 <= int(k):
        raise RegionError("k must be at least 1")
    if not reg > 0:
        raise RegionError("reg must be positive")
    res = int(resolution) if resolution is not None else analysis_resolution(model, region, rows if w_space else None)
    res_arg = None if res >= int(model.resolution) else res
    exact = rank is None and dim <= 128 or rank is not None and int(rank) >= dim
    m = dim if exact else min(dim, int(rank) if rank is not None else max(4 * int(k), 48))
    k = min(int(k), m)
    n = int(codes.shape[0])
    cancel = cancel or threading.Event()
    half = (m + 1) // 2
    sketch = 0 if exact else half + 8  # oversampling, per side
    per_seed = _batches(sketch, chunk) * (2 + 4 * power_iters) if not exact else 0
    total = n * (per_seed + _batches(m, chunk))
    done = 0

    def step(units: int = 1) -> None:
        nonlocal done
        if cancel.is_set():
            raise RegionCancelled("region directions cancelled")
        done += units
        if progress is not None:
            progress(done, total)

    gen = torch.Generator().manual_seed(int(seed))
    device = getattr(model, "device", torch.device("cpu"))
    if progress is not None:
        progress(0, total)
    samples = [_sample(model, codes[i: i + 1].to(device), rows, res_arg, noise_mode, truncation_psi, chunk)
               for i in range(n)]
    weights: list[tuple[torch.Tensor, torch.Tensor]] = []

    if exact:
        basis = torch.eye(dim, dtype=torch.float64)
    else:
        basis = _range_finder(samples, weights, region, sketch, half, power_iters, gen, step)
    basis32 = basis.to(torch.float32).to(device)

    # Rayleigh–Ritz: the forms on the subspace, averaged over the samples.
    b_in = torch.zeros(basis.shape[1], basis.shape[1], dtype=torch.float64)
    b_out = torch.zeros_like(b_in)
    for i, s in enumerate(samples):
        t = _jvp_chunks(s, basis32, step)  # (m, C, H, W)
        if i >= len(weights):
            weights.append(_pixel_weights(region, *t.shape[1:]))
        w_in, w_out = weights[i]
        t = t.flatten(2)
        t_in = t * w_in.sqrt().to(torch.float64)
        t_out = t * w_out.sqrt().to(torch.float64)
        b_in += torch.einsum("icp,jcp->ij", t_in, t_in) / n
        b_out += torch.einsum("icp,jcp->ij", t_out, t_out) / n
        s.release()

    if progress is not None:
        progress(total, total)
    values, x, ratio = _generalised_eig(b_in, b_out, reg)
    vectors = basis @ x[:, :k]
    vectors = vectors / vectors.norm(dim=0, keepdim=True).clamp_min(1e-30)
    vectors = _sign_fix(vectors.t().to(torch.float32))
    inside = torch.einsum("ki,ij,kj->k", x[:, :k].t(), b_in, x[:, :k].t()) / (x[:, :k] ** 2).sum(0)
    meta = {
        "name": f"region {region.describe()}",
        "region": region.to_metadata(),
        "analysis_resolution": int(res if res_arg is not None else model.resolution),
        "subspace": int(basis.shape[1]),
        "exact": bool(exact),
        "reg": float(reg),
        "samples": n,
        "products": {key: sum(s.counts[key] for s in samples) for key in ("jvp", "vjp")},
        "ratio": [round(float(v), 6) for v in ratio[:k]],
        "inside_ms": [float(v) for v in inside],
    }
    if seeds is not None:
        meta["seeds"] = [int(s) for s in seeds]
    return DirectionSet(
        vectors=vectors.cpu().numpy(), values=values[:k].to(torch.float32).numpy(),
        layers=rows if w_space else list(range(n_rows)), method="region",
        model_name=str(getattr(model, "name", "")), model_family=str(getattr(model, "family", "")),
        model_fingerprint=str(getattr(model, "fingerprint", "")), metadata=meta,
    )


def _batches(n: int, chunk: int) -> int:
    return -(-int(n) // int(chunk)) if n > 0 else 0


def _pixel_weights(region: Region, channels: int, h: int, w: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(1, 1, H·W) weights that sum to 1 over the inside and over the outside values: the forms are
    mean squared changes per pixel and channel."""
    cov = region.coverage(h, w).to(torch.float64).reshape(1, 1, -1)
    inside, outside = float(cov.sum()), float((1 - cov).sum())
    if inside < 1e-3 or outside < 1e-3:
        raise RegionError(f"at {h}×{w} px the region is {'empty' if inside < 1e-3 else 'the whole image'}; "
                          "choose a larger region or a finer analysis resolution")
    return cov / (inside * channels), (1 - cov) / (outside * channels)


def _range_finder(samples: list[_Sample], weights: list[tuple[torch.Tensor, torch.Tensor]], region: Region,
                  sketch: int, half: int, power_iters: int, gen: torch.Generator,
                  step: Callable[[int], None]) -> torch.Tensor:
    """Orthonormal (D, ≤ 2·half) basis spanning the top of A_in and of A_out, summed over samples."""
    y_in: torch.Tensor | None = None
    y_out: torch.Tensor | None = None
    for s in samples:
        c, h, w = s.image_shape()
        w_in, w_out = _pixel_weights(region, c, h, w)
        weights.append((w_in, w_out))
        for side, wt in (("in", w_in), ("out", w_out)):
            g = torch.randn(sketch, c, h * w, generator=gen, dtype=torch.float64) * wt.sqrt()
            y = _vjp_chunks(s, g.reshape(sketch, c, h, w), step)
            if side == "in":
                y_in = y if y_in is None else y_in + y
            else:
                y_out = y if y_out is None else y_out + y
    assert y_in is not None and y_out is not None
    for _ in range(power_iters):
        q_in, q_out = _orth(y_in)[:, :sketch], _orth(y_out)[:, :sketch]
        y_in, y_out = torch.zeros_like(y_in), torch.zeros_like(y_out)
        for s, (w_in, w_out) in zip(samples, weights, strict=True):
            for q, wt, acc in ((q_in, w_in, y_in), (q_out, w_out, y_out)):
                t = _jvp_chunks(s, q, step)  # (b, C, H, W)
                shape = t.shape
                u = (t.flatten(2) * wt).reshape(shape)  # W·J·q, so Jᵀ of it is A·q
                acc[:, : q.shape[1]] += _vjp_chunks(s, u, step)
    top = torch.cat([_top_left(y_in, half), _top_left(y_out, half)], dim=1)
    return _orth(top)


def _vjp_chunks(s: _Sample, us: torch.Tensor, step: Callable[[int], None]) -> torch.Tensor:
    out = []
    dev = s.zero.device
    for j in range(0, us.shape[0], s.chunk):
        out.append(s.vjp(us[j: j + s.chunk].to(dev, torch.float32)).to("cpu", torch.float64))
        step(1)
    return torch.cat(out).t()  # (D, b)


def _jvp_chunks(s: _Sample, q: torch.Tensor, step: Callable[[int], None]) -> torch.Tensor:
    out = []
    dev = s.zero.device
    for j in range(0, q.shape[1], s.chunk):
        out.append(s.jvp(q[:, j: j + s.chunk].t().contiguous().to(dev, torch.float32)).to("cpu", torch.float64))
        step(1)
    return torch.cat(out)


def _generalised_eig(b_in: torch.Tensor, b_out: torch.Tensor, reg: float) \
        -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Solve b_in x = μ (b_out + λI) x, λ = reg·‖b_in‖; μ descending, x columns; also the plain
    inside/outside ratio of each x (unregularised)."""
    b_in = (b_in + b_in.t()) / 2
    b_out = (b_out + b_out.t()) / 2
    top = float(torch.linalg.eigvalsh(b_in)[-1])
    if not top > 0:
        raise RegionError("the chosen rows do not change the region at all (at this resolution)")
    lam = reg * top
    chol = torch.linalg.cholesky(b_out + lam * torch.eye(b_in.shape[0], dtype=b_in.dtype))
    # C = L⁻¹ b_in L⁻ᵀ is symmetric; its eigenvectors y give x = L⁻ᵀ y.
    c = torch.linalg.solve_triangular(chol, b_in, upper=False)
    c = torch.linalg.solve_triangular(chol, c.t(), upper=False).t()
    mu, y = torch.linalg.eigh((c + c.t()) / 2)
    mu, y = mu.flip(0), y.flip(1)
    x = torch.linalg.solve_triangular(chol.t(), y, upper=True)
    num = torch.einsum("ik,ij,jk->k", x, b_in, x)
    den = torch.einsum("ik,ij,jk->k", x, b_out, x).clamp_min(1e-30)
    return mu.clamp_min(0), x, num / den


def _sign_fix(vectors: torch.Tensor) -> torch.Tensor:
    """Deterministic arrows: the entry of largest magnitude in each direction is positive."""
    idx = vectors.abs().argmax(dim=1, keepdim=True)
    signs = torch.sign(torch.gather(vectors, 1, idx))
    signs[signs == 0] = 1
    return vectors * signs


# -- how local an edit is ------------------------------------------------------------------------------
@dataclass(frozen=True)
class RegionChange:
    inside: float  # mean |Δ pixel| per pixel and channel inside the region, in the model's range
    outside: float  # the same outside

    @property
    def ratio(self) -> float:
        return self.inside / max(self.outside, 1e-12)


def region_change(model: Any, codes: torch.Tensor, vector: np.ndarray, region: Region,
                  layers: Sequence[int] | None = None, alpha: float = 2.0,
                  noise_mode: str = "const", truncation_psi: float | None = None) -> RegionChange:
    """The full-resolution image change between −α and +α along a unit `vector` (on `layers`, None =
    all W+ rows), averaged over the samples `codes`, inside and outside the region."""
    from .editing import DirectionEdit, apply_edits

    v = np.asarray(vector, dtype=np.float32)
    v = v / max(float(np.linalg.norm(v)), 1e-12)
    rows = tuple(layers) if layers is not None else None
    lo = apply_edits(codes, [DirectionEdit(v, -alpha, rows)])
    hi = apply_edits(codes, [DirectionEdit(v, alpha, rows)])
    diff = (model.synthesize(hi, noise_mode, truncation_psi) - model.synthesize(lo, noise_mode, truncation_psi))
    diff = diff.abs().to("cpu", torch.float64).mean(dim=(0, 1))  # (H, W)
    cov = region.coverage(*diff.shape).to(torch.float64)
    return RegionChange(float((diff * cov).sum() / cov.sum()), float((diff * (1 - cov)).sum() / (1 - cov).sum()))
