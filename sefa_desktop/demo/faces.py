"""Procedural cartoon faces with known, independent, labelled factors.

Every image is drawn from a handful of signed-distance shapes (ellipses, rings, an arc) composited
back to front with an anti-aliased coverage `clamp(0.5 - d / pixel, 0, 1)` — one pixel of smooth
edge, so the images have no aliasing the GAN would have to learn. Everything is vectorised over the
batch in torch; there are no per-image Python loops.

Factors (all labels in [0, 1]; each sampled independently and uniformly; `glasses` is 0 or 1):

    yaw          0 = looking to the image's left, 1 = right (features slide across the face)
    face_width   narrow → wide head ellipse
    hair_length  a cap of hair → hair down past the chin
    glasses      binary: dark rings round the eyes + bridge
    smile        0 = frown, 0.5 = straight mouth, 1 = smile
    skin_tone    light → dark skin
    hair_colour  blond → brown → black
    background   blue → orange backdrop
    lighting     light from the left → light from the right (a horizontal brightness ramp)

The default size is 32×32: the demo GAN is trained on one shared CPU core within about an hour
(docs/demo-model.md), and a 64×64 GAN costs ~4× more per image. `render(..., size=64)` works too.
"""

from __future__ import annotations

import torch

FACTORS: tuple[str, ...] = ("yaw", "face_width", "hair_length", "glasses", "smile", "skin_tone",
                            "hair_colour", "background", "lighting")
BINARY: frozenset[str] = frozenset({"glasses"})
DEFAULT_SIZE = 32


def sample_labels(n: int, seed: int) -> torch.Tensor:
    """(n, len(FACTORS)) labels in [0, 1], deterministic from `seed`."""
    g = torch.Generator().manual_seed(int(seed))
    lab = torch.rand(n, len(FACTORS), generator=g)
    gi = FACTORS.index("glasses")
    lab[:, gi] = (lab[:, gi] >= 0.5).float()
    return lab


def _lerp(a: torch.Tensor, b: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
    return a + (b - a) * t


def _palette(stops: list[tuple[float, float, float]], t: torch.Tensor) -> torch.Tensor:
    """Piecewise-linear colour ramp through `stops` at t ∈ [0, 1] → (n, 3)."""
    cols = torch.tensor(stops, dtype=torch.float32)
    x = t.clamp(0, 1) * (len(stops) - 1)
    i = x.floor().clamp(max=len(stops) - 2).long()
    f = (x - i.float()).unsqueeze(1)
    return _lerp(cols[i], cols[i + 1], f)


def _ellipse_sdf(x: torch.Tensor, y: torch.Tensor, cx: torch.Tensor, cy: torch.Tensor,
                 rx: torch.Tensor, ry: torch.Tensor) -> torch.Tensor:
    """Approximate signed distance to an ellipse (exact for circles, good enough for 1-px AA)."""
    u = (x - cx) / rx
    v = (y - cy) / ry
    return (torch.sqrt(u * u + v * v) - 1) * torch.minimum(rx, ry)


def render(labels: torch.Tensor, size: int = DEFAULT_SIZE) -> torch.Tensor:
    """Draw faces for (n, len(FACTORS)) labels → float32 images (n, 3, size, size) in [-1, 1]."""
    if labels.ndim != 2 or labels.shape[1] != len(FACTORS):
        raise ValueError(f"labels must have shape (n, {len(FACTORS)}), got {tuple(labels.shape)}")
    lab = labels.float().clamp(0, 1)
    n = lab.shape[0]
    f = {name: lab[:, i].reshape(n, 1, 1) for i, name in enumerate(FACTORS)}
    px = 2.0 / size
    coords = (torch.arange(size, dtype=torch.float32) + 0.5) * px - 1
    y, x = torch.meshgrid(coords, coords, indexing="ij")
    x, y = x.unsqueeze(0), y.unsqueeze(0)

    def cover(d: torch.Tensor) -> torch.Tensor:
        return (0.5 - d / px).clamp(0, 1).unsqueeze(1)

    def col(c: torch.Tensor) -> torch.Tensor:
        return c.reshape(n, 3, 1, 1)

    yaw = f["yaw"] * 2 - 1  # [-1, 1]
    bg = _palette([(0.30, 0.45, 0.85), (0.55, 0.75, 0.60), (0.95, 0.65, 0.30)], lab[:, FACTORS.index("background")])
    img = col(bg).expand(n, 3, size, size).clone()

    cx = 0.06 * yaw
    cy = torch.full_like(cx, 0.08)
    rx = _lerp(torch.tensor(0.40), torch.tensor(0.62), f["face_width"])
    ry = torch.full_like(rx, 0.62)

    hair = _palette([(0.95, 0.82, 0.40), (0.50, 0.30, 0.13), (0.10, 0.08, 0.08)], lab[:, FACTORS.index("hair_colour")])
    top = cy - ry - 0.14
    bottom = cy + _lerp(torch.tensor(-0.15), torch.tensor(0.95), f["hair_length"])
    img = _lerp(img, col(hair), cover(_ellipse_sdf(x, y, cx, (top + bottom) / 2, rx + 0.13, (bottom - top) / 2)))

    skin = _palette([(1.00, 0.86, 0.72), (0.78, 0.57, 0.40), (0.42, 0.27, 0.17)], lab[:, FACTORS.index("skin_tone")])
    img = _lerp(img, col(skin), cover(_ellipse_sdf(x, y, cx, cy, rx, ry)))
    # fringe: the part of the face above a line near the forehead is hair
    fringe = torch.maximum(_ellipse_sdf(x, y, cx, cy, rx, ry), y - (cy - 0.36))
    img = _lerp(img, col(hair), cover(fringe))

    # features slide with yaw; their spacing follows the face width
    fx = cx + 0.28 * yaw * rx
    ex = 0.42 * rx
    ey = cy - 0.10
    dark = torch.tensor([0.08, 0.06, 0.08]).reshape(1, 3, 1, 1)
    r_eye = torch.full_like(rx, 0.085)
    for side in (-1, 1):
        img = _lerp(img, dark, cover(_ellipse_sdf(x, y, fx + side * ex, ey, r_eye, r_eye)))
    # glasses: rings round both eyes + a bridge, only where glasses == 1
    ring = torch.minimum(*(_ellipse_sdf(x, y, fx + s * ex, ey, r_eye * 2.1, r_eye * 2.1).abs() for s in (-1, 1)))
    bridge = torch.maximum((x - fx).abs() - (ex - r_eye * 2.1), (y - ey).abs())
    glasses = torch.minimum(ring, bridge) - 0.035
    img = _lerp(img, torch.tensor([0.15, 0.15, 0.20]).reshape(1, 3, 1, 1), cover(glasses) * f["glasses"].unsqueeze(1))

    nose = _ellipse_sdf(x, y, fx + 0.05 * yaw, cy + 0.10, torch.full_like(rx, 0.06), torch.full_like(rx, 0.10))
    img = _lerp(img, col(skin) * 0.78, cover(nose))

    # mouth: a parabolic arc y = my - k·(x - mx)², thickness ~1.5 px, half-width 0.22
    k = (f["smile"] * 2 - 1) * 3.0
    mx, my = fx, cy + 0.33
    dx = x - mx
    curve = my - k * dx * dx + k * 0.22 ** 2 / 2  # keep the arc centred vertically
    d_arc = (y - curve).abs() / torch.sqrt(1 + (2 * k * dx) ** 2)
    mouth = torch.maximum(d_arc - 0.05, dx.abs() - 0.22)
    img = _lerp(img, torch.tensor([0.55, 0.10, 0.12]).reshape(1, 3, 1, 1), cover(mouth))

    light = (f["lighting"] * 2 - 1).unsqueeze(1)
    img = img * (1 + 0.35 * light * x.unsqueeze(1))
    return (img.clamp(0, 1) * 2 - 1).contiguous()


def sample(n: int, seed: int, size: int = DEFAULT_SIZE) -> tuple[torch.Tensor, torch.Tensor]:
    """(images (n, 3, size, size) in [-1, 1], labels (n, len(FACTORS))), deterministic from `seed`."""
    lab = sample_labels(n, seed)
    return render(lab, size), lab
