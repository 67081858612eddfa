"""hold_fixed: InterFaceGAN's conditional manipulation generalised to any number of held directions."""

from __future__ import annotations

import numpy as np
import pytest

from sefa_desktop.core.editing import hold_fixed


def test_result_is_unit_and_orthogonal_to_every_held_direction() -> None:
    rng = np.random.default_rng(0)
    v, a, b, c = rng.normal(size=(4, 16))
    out = hold_fixed(v, [a, b, c])
    assert np.linalg.norm(out) == pytest.approx(1.0, abs=1e-6)
    for h in (a, b, c):
        assert abs(float(out @ h)) < 1e-5
    # it is the normalised residual of v, not any orthogonal vector
    basis, _ = np.linalg.qr(np.stack([a, b, c]).T)
    resid = v - basis @ (basis.T @ v)
    assert np.allclose(out, resid / np.linalg.norm(resid), atol=1e-6)


def test_dependent_held_directions_and_no_holds() -> None:
    rng = np.random.default_rng(1)
    v, a = rng.normal(size=(2, 8))
    assert np.allclose(hold_fixed(v, [a, 2 * a]), hold_fixed(v, [a]), atol=1e-6)
    assert np.allclose(hold_fixed(v, []), v / np.linalg.norm(v), atol=1e-6)


def test_vector_inside_the_span_is_refused() -> None:
    a, b = np.eye(4)[:2]
    with pytest.raises(ValueError, match="span"):
        hold_fixed(a + b, [a, b])
