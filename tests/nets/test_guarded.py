"""Cache-blocked forward and the guarded float32 fast path (redshift.nets.guarded; Neural Redshift spec M1, A11)."""
import itertools

import numpy as np
import pytest
import torch

from redshift.data.grids import grid_points
from redshift.nets.guarded import ForwardConfig, blocked_forward, cast, guarded_forward, subset
from redshift.nets.mlp import MLPConfig, mlp_forward, sample_mlps
from suites.neural_redshift.measures import grid_measures

_ACTS = ["relu", "gelu", "swish", "selu", "tanh", "gaussian", "sine", "sigmoid"]
_MEASURES = ("fourier", "fourier_raw", "cheb", "leg", "lz")
_UNCHANGED = 1e-3  # far inside the suite's 'unchanged' margins (0.02 on C_hat, 0.005 on the raw mean frequency)


def _population(variant="plain", alphas=(0.1, 8.0), depths=(1, 6)):
    """Every activation x alpha x depth, one network each; small alphas give near-constant networks."""
    cells = list(itertools.product(_ACTS, alphas, depths))
    seeds = torch.arange(len(cells), dtype=torch.int64) * 7919 + 5
    return sample_mlps(MLPConfig(width=16, variant=variant), seeds, [c[0] for c in cells],
                       torch.tensor([c[1] for c in cells], dtype=torch.float64), [c[2] for c in cells]), cells


@pytest.mark.parametrize("variant", ["plain", "layernorm", "residual", "gating", "prefactor"])
def test_blocked_forward_equals_mlp_forward(variant):
    """Blocks of 3 networks x 50 points give mlp_forward's float64 values, in the caller's order."""
    pop, _ = _population(variant)
    x = grid_points(16)
    np.testing.assert_allclose(blocked_forward(pop, x, block_elements=3 * 50 * 16).numpy(),
                               mlp_forward(pop, x).numpy(), rtol=1e-12, atol=1e-12)


def test_subset_is_those_networks():
    """subset(pop, idx) evaluates exactly the networks at those sorted positions."""
    pop, _ = _population()
    x = grid_points(8)
    idx = [0, 5, 6, 20, 31]
    full = blocked_forward(pop, x)[pop.order[idx]]  # caller's rows of the sorted positions idx
    np.testing.assert_allclose(blocked_forward(subset(pop, idx), x).numpy(), full.numpy(), rtol=1e-13, atol=1e-13)


def test_guarded_measures_equal_float64_and_the_guard_fires_on_near_constant_networks():
    """On every activation x alpha in {0.1, 8} x depth in {1, 6} at G = 128, guarded and float64 measures agree to 1e-3,
    the degenerate flags are identical, and every deep sigmoid at alpha 0.1 (near-constant) is recomputed."""
    pop, cells = _population()
    x = grid_points(128)
    y64, _ = guarded_forward(pop, x, ForwardConfig("float64"))
    yg, flags = guarded_forward(pop, x)
    m64, mg = (grid_measures(y.reshape(-1, 128, 128), _MEASURES) for y in (y64, yg))
    for key in m64:
        np.testing.assert_allclose(mg[key].numpy(), m64[key].numpy(), rtol=0, atol=_UNCHANGED, err_msg=key)
    near_constant = [i for i, (act, alpha, depth) in enumerate(cells) if act == "sigmoid" and alpha == 0.1
                     and depth == 6]
    assert flags[near_constant].all() and not flags.all()


def test_unguarded_float32_would_change_the_measures():
    """The guard is needed: with the check disabled, float32 moves some network's C_hat by more than 0.02."""
    pop, _ = _population()
    x = grid_points(128)
    y64, _ = guarded_forward(pop, x, ForwardConfig("float64"))
    y32 = blocked_forward(cast(pop, torch.float32), x).to(torch.float64)
    m64, m32 = (grid_measures(y.reshape(-1, 128, 128), ("fourier",))["c_fourier"] for y in (y64, y32))
    assert (m64 - m32).abs().max() > 0.02


def test_small_grids_are_float64_throughout():
    """Below min_grid (128) the guarded path evaluates every network in float64: the float64 path's values."""
    pop, _ = _population()
    x = grid_points(32)
    yg, flags = guarded_forward(pop, x)
    assert flags.all() and torch.equal(yg, guarded_forward(pop, x, ForwardConfig("float64"))[0])


def test_guarded_rejects_per_network_points():
    """Per-network points (N, P, in_dim) are not a shared grid: a clear error."""
    pop, _ = _population()
    with pytest.raises(ValueError, match="shared"):
        guarded_forward(pop, torch.zeros(pop.size, 4, 2, dtype=torch.float64))
