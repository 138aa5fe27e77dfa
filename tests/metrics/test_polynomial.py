"""Polynomial order (spec M4): anchor A7, affine invariance, batched-vs-reference agreement."""
import numpy as np
import pytest
import torch

from redshift.data.grids import axis
from redshift.metrics import chebyshev_order, legendre_order

_BASES = [(chebyshev_order, np.polynomial.chebyshev.Chebyshev), (legendre_order, np.polynomial.legendre.Legendre)]


def _product(basis, size, i, j):
    """B_i(x1) B_j(x2) on the G x G grid, float64."""
    t = axis(size).numpy()
    return torch.from_numpy(np.outer(basis.basis(i)(t), basis.basis(j)(t)))


@pytest.mark.parametrize(("measure", "basis"), _BASES)
@pytest.mark.parametrize(("i", "j"), [(1, 0), (0, 1), (3, 4), (20, 20), (7, 0)])
def test_basis_product_is_exact(measure, basis, i, j):
    """A7: T_i(x1) T_j(x2) gives (i + j) / (2D) under C_Cheb, and P_i P_j the same under C_Leg, to 1e-9."""
    value = measure(_product(basis, 32, i, j)).item()
    assert value == pytest.approx((i + j) / 40, abs=1e-9)


@pytest.mark.parametrize(("measure", "basis"), _BASES)
def test_affine_function(measure, basis):
    """A7: any non-constant affine function gives 1/(2D) = 0.025."""
    t = axis(32)
    y = 0.3 + 2.0 * t[:, None] - 5.0 * t[None, :]
    assert measure(y).item() == pytest.approx(0.025, abs=1e-9)


@pytest.mark.parametrize(("measure", "basis"), _BASES)
def test_constant_is_zero(measure, basis):
    """A7, M1 guard: a constant function is degenerate and gives 0."""
    assert measure(torch.full((32, 32), -1.5, dtype=torch.float64)).item() == 0.0


@pytest.mark.parametrize(("measure", "basis"), _BASES)
def test_output_affine_invariance(measure, basis):
    """A4: y -> a y + b leaves the order unchanged."""
    y = torch.randn(32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert measure(-4.0 * y + 9.0).item() == pytest.approx(measure(y).item(), abs=1e-12)


def test_degree_is_a_parameter():
    """T_2(x1) gives 2 / (2D) for the chosen D."""
    y = _product(np.polynomial.chebyshev.Chebyshev, 32, 2, 0)
    assert chebyshev_order(y, degree=10).item() == pytest.approx(0.1, abs=1e-9)


@pytest.mark.parametrize(("measure", "basis"), _BASES)
def test_batched_matches_reference(measure, basis):
    """The batched kernel over (4, 2, G, G) agrees with a per-sample numpy lstsq fit to 1e-9."""
    y = torch.randn(4, 2, 40, 40, dtype=torch.float64, generator=torch.Generator().manual_seed(1)).cumsum(-2)
    got = measure(y).numpy()
    vander = np.polynomial.chebyshev.chebvander if measure is chebyshev_order else np.polynomial.legendre.legvander
    v = vander(axis(40).numpy(), 20)  # (G, D+1)
    order = np.add.outer(np.arange(21), np.arange(21))
    for a in range(4):
        for b in range(2):
            left = np.linalg.lstsq(v, y[a, b].numpy(), rcond=None)[0]  # (D+1, G)
            coef = np.abs(np.linalg.lstsq(v, left.T, rcond=None)[0].T)  # (D+1, D+1)
            want = (coef * order).sum() / (40 * (coef.sum() - coef[0, 0]))
            assert got[a, b] == pytest.approx(want, abs=1e-9)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
def test_cuda_matches_cpu():
    """The same code on CUDA agrees with CPU to 1e-9."""
    y = torch.randn(6, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    np.testing.assert_allclose(chebyshev_order(y.cuda()).cpu().numpy(), chebyshev_order(y).numpy(), atol=1e-9)
