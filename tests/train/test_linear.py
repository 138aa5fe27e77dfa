"""Tests of redshift.train.linear and redshift.train.linear_deep: batched GD on underdetermined least squares."""
import torch

from redshift.data.linear_systems import Family, make_completion, make_systems, null_project, solve
from redshift.metrics.implicit_bias import (completion_error, gradient_flow_limit, null_residue, projection_error,
                                            rel_dist)
from redshift.train.linear import DiagSpec, diag_data, _diag_step, train_depth1, train_diagonal
from redshift.train.linear_deep import FCInit, GeneratorInit, MFInit, _mf_kappa, mf_data, train_fc, train_generator
from redshift.train.linear_deep import train_mf

F64 = torch.float64
SHAPE = Family("F-shape", d=100, n=20, truth="sparse", k=5)
SMALL = Family("small", d=30, n=10, truth="sparse", k=3)


def _randn(*shape: int, seed: int) -> torch.Tensor:
    return torch.randn(*shape, dtype=F64, generator=torch.Generator().manual_seed(seed))


def _spec(solved, alpha, D, c=0.2, rule="fixed", tol=1e-6) -> DiagSpec:
    P = len(alpha)
    s_sol = torch.maximum(solved.x_l1.abs().amax(-1), solved.x_l2.abs().amax(-1))
    return DiagSpec(torch.tensor(alpha, dtype=F64), torch.tensor(D), torch.full((P,), c, dtype=F64),
                    torch.full((P,), tol, dtype=F64), s_sol, rule)


def test_projection_law():
    """Spec anchor 7 / IB-1: depth-1 GD from w0 returns P_null w0 + x_l2 (E_proj < 1e-8); from 0, x_l2."""
    s = solve(make_systems(SHAPE, [101, 102, 103]))
    w0 = _randn(3, 100, seed=7) * torch.tensor([[0.0], [1.0], [10.0]], dtype=F64)
    out = train_depth1(s.systems.A, s.systems.b, w0, cap=5000)
    assert bool(out["converged"].all())
    assert projection_error(out["w"], w0, s.Q, s.x_l2).max() < 1e-8
    assert rel_dist(out["w"][:1], s.x_l2[:1]).item() < 1e-9


def test_diagonal_batched_equals_per_cell():
    """A mixed (alpha x depth) population gives each member exactly what it gets trained alone."""
    s = solve(make_systems(SMALL, [5, 5, 6, 6]))
    alpha, D = [0.3, 1.0, 0.5, 2.0], [2, 3, 4, 2]
    out = train_diagonal(s.systems.A, s.systems.b, _spec(s, alpha, D), cap=3000)
    for i in range(4):
        one = solve(make_systems(SMALL, [[5, 5, 6, 6][i]]))
        ref = train_diagonal(one.systems.A, one.systems.b, _spec(one, alpha[i:i + 1], D[i:i + 1]), cap=3000)
        torch.testing.assert_close(out["beta"][i:i + 1], ref["beta"], rtol=1e-12, atol=1e-14)
        assert out["steps"][i] == ref["steps"][0]


def test_mixed_rule_population_equals_separate_rules():
    """Fixed- and adaptive-rule members in one population (per-member rule) get exactly what they get in
    single-rule populations; the adaptive constants are pruned once the adaptive members have converged."""
    s = solve(make_systems(SMALL, [7, 7, 8, 8]))
    alpha, D = [0.2, 0.2, 0.5, 0.5], [2, 2, 3, 2]
    mixed = _spec(s, alpha, D, c=0.5, rule=torch.tensor([True, False, True, False]))
    out = train_diagonal(s.systems.A, s.systems.b, mixed, cap=20000)
    for rule, rows in (("adaptive", [0, 2]), ("fixed", [1, 3])):
        sub = solve(make_systems(SMALL, [[7, 7, 8, 8][i] for i in rows]))
        ref = train_diagonal(sub.systems.A, sub.systems.b, _spec(sub, [alpha[i] for i in rows],
                             [D[i] for i in rows], c=0.5, rule=rule), cap=20000)
        torch.testing.assert_close(out["beta"][rows], ref["beta"], rtol=1e-12, atol=1e-14)
        assert out["steps"][rows].tolist() == ref["steps"].tolist()
        torch.testing.assert_close(out["T"][rows], ref["T"], rtol=1e-12, atol=0)
    assert bool(out["converged"].all()) and out["steps"][0] != out["steps"][1]


def test_diagonal_conservation_d2():
    """Spec anchor 12: for D = 2 one GD step multiplies u_i v_i by exactly (1 - 4 eta^2 g_i^2)."""
    s = solve(make_systems(SMALL, [9]))
    data = diag_data(s.systems.A, s.systems.b, _spec(s, [0.7], [2]))
    uv = 0.7 * torch.ones(1, 2, 30, dtype=F64)
    state = {"uv": uv.clone(), "live": torch.ones(1, dtype=torch.bool), "rnorm": torch.zeros(1, dtype=F64),
             "steps": torch.zeros(1, dtype=torch.long), "T": torch.zeros(1, dtype=F64)}
    beta = uv[:, 0] ** 2 - uv[:, 1] ** 2
    g = torch.einsum("rnd,rn->rd", s.systems.A, torch.einsum("rnd,rd->rn", s.systems.A, beta) - s.systems.b)
    _diag_step(state, data)
    ratio = state["uv"][:, 0] * state["uv"][:, 1] / (uv[:, 0] * uv[:, 1])
    torch.testing.assert_close(ratio, 1 - 4 * data["eta"][:, None] ** 2 * g**2, rtol=1e-14, atol=0)


def test_diagonal_matches_gradient_flow_limit():
    """IB-3 in miniature: small-step GD lands on the oracle w_GF (d_GF < 0.02) for D = 2, 3, 4."""
    s = solve(make_systems(SMALL, [11, 11, 11]))
    alpha, D = [0.3, 0.7, 1.0], [2, 3, 4]
    out = train_diagonal(s.systems.A, s.systems.b, _spec(s, alpha, D, tol=1e-8), cap=100000)
    w = gradient_flow_limit(s.systems.A, s.systems.b, torch.tensor(alpha, dtype=F64), torch.tensor(D)).w
    assert bool(out["converged"].all())
    assert rel_dist(out["beta"], w).max() < 0.02


def test_zero_initialisation_never_moves():
    """Spec anchor 11: alpha = 0 (diagonal) and all-zero factors (FC) are stationary: bitwise unchanged."""
    s = solve(make_systems(SMALL, [13, 13]))
    out = train_diagonal(s.systems.A, s.systems.b, _spec(s, [0.0, 0.0], [2, 4]), cap=100)
    assert bool((out["uv"] == 0).all()) and bool((out["steps"] == 100).all())
    zero = FCInit(torch.zeros(2, 30, 6, dtype=F64), torch.zeros(2, 2, 6, 6, dtype=F64), torch.zeros(2, 6, dtype=F64),
                  torch.tensor([2, 4]))
    fc = train_fc(s.systems.A, s.systems.b, zero, s.Q, s.x_l2, cap=100)
    assert all(bool((fc[k][1] == 0).all()) for k in ("W1", "wL")) and bool((fc["Wm"][1] == 0).all())


def _fc_init(R: int, d: int, m: int, sigma: torch.Tensor, L: torch.Tensor, seed: int) -> FCInit:
    return FCInit(_randn(R, d, m, seed=seed) / m**0.5 * sigma[:, None, None],
                  _randn(R, 2, m, m, seed=seed + 1) / m**0.5 * sigma[:, None, None, None],
                  _randn(R, m, seed=seed + 2) * sigma[:, None], L)


def test_fc_batched_equals_per_cell_and_identity():
    """Mixed-depth FC population equals per-member runs; E_id stays at rounding level (IB-2)."""
    s = solve(make_systems(SMALL, [21, 21, 22]))
    init = _fc_init(3, 30, 8, torch.tensor([0.1, 0.3, 0.3], dtype=F64), torch.tensor([2, 3, 4]), seed=40)
    out = train_fc(s.systems.A, s.systems.b, init, s.Q, s.x_l2, cap=400)
    for i in range(3):
        sl = slice(i, i + 1)
        one = FCInit(init.W1[sl], init.Wm[sl], init.wL[sl], init.L[sl])
        ref = train_fc(s.systems.A[sl], s.systems.b[sl], one, s.Q[sl], s.x_l2[sl], cap=400)
        torch.testing.assert_close(out["y"][sl], ref["y"], rtol=1e-11, atol=1e-13)
    assert out["eid"].max() < 1e-12


def test_fc_zero_output_layer_gives_min_l2():
    """IB-2: W1(0) = 0 leaves y in the row space, so the converged solution is x_l2 (N(y) ~ 1e-15)."""
    s = solve(make_systems(SMALL, [31, 31]))
    init = _fc_init(2, 30, 8, torch.full((2,), 0.3, dtype=F64), torch.tensor([2, 3]), seed=50)
    init = FCInit(torch.zeros_like(init.W1), init.Wm, init.wL, init.L)
    out = train_fc(s.systems.A, s.systems.b, init, s.Q, s.x_l2, cap=20000)
    assert bool(out["converged"].all())
    assert null_residue(out["y"], s.Q, s.x_l2).max() < 1e-12


def test_generator_batched_and_output_scale_zero():
    """Generator population equals per-member runs; sigma_out = 0 converges to x_l2 (IB-2, IB-10)."""
    s = solve(make_systems(SMALL, [41, 41]))
    z = _randn(2, 4, seed=60)
    init = GeneratorInit(_randn(2, 30, 8, seed=61) / 8**0.5 * torch.tensor([0.0, 0.5], dtype=F64)[:, None, None],
                         _randn(2, 8, 4, seed=62) * 0.5**0.5, torch.zeros(2, 8, dtype=F64), z)
    out = train_generator(s.systems.A, s.systems.b, init, s.Q, s.x_l2, cap=20000)
    ref = train_generator(s.systems.A[1:], s.systems.b[1:], GeneratorInit(init.Wout[1:], init.Wh[1:], init.bh[1:],
                          z[1:]), s.Q[1:], s.x_l2[1:], cap=20000)
    torch.testing.assert_close(out["y"][1:], ref["y"], rtol=1e-11, atol=1e-13)
    assert bool(out["converged"].all()) and rel_dist(out["y"][:1], s.x_l2[:1]).item() < 1e-8
    assert null_project(s.Q, out["y"])[1].norm() > 1e-3


def _mc(R: int, seed: int):
    return make_completion(list(range(seed, seed + R)), q=8, rank=2, observed=30)


def test_mf_single_factor_is_the_projection():
    """Spec anchor 14: with N = 1, GD never changes the unobserved entries and converges to W0 + P_Omega(M* - W0)."""
    inst = _mc(2, 70)
    W0 = _randn(2, 1, 8, 8, seed=71) * 0.3
    out = train_mf(inst.M, inst.mask, MFInit(W0, torch.tensor([1, 1])), cap=2000, tol=1e-12)
    off = 1 - inst.mask
    assert bool(out["converged"].all())
    assert torch.equal(out["X"] * off, W0[:, 0] * off)
    torch.testing.assert_close(out["X"], W0[:, 0] + inst.mask * (inst.M - W0[:, 0]), rtol=0, atol=1e-12)


def test_mf_kappa_hand_value():
    """M12 bound for three trainable factors with norms (2, 3, 5) and ||G|| = 0.5:
    kappa = (15^2 + 10^2 + 6^2) + 2 * 0.5 * max(5, 3, 2) = 366; with N = 2 of K = 3 (s_3 = 1): 9 + 4 + 0.5."""
    data = mf_data(torch.zeros(2, 4, 4, dtype=F64), torch.ones(2, 4, 4, dtype=F64), torch.tensor([3, 2]), 3, 1e-6, 0.5)
    s = torch.tensor([[2.0, 3.0, 5.0], [2.0, 3.0, 1.0]], dtype=F64)
    torch.testing.assert_close(_mf_kappa(s, data, torch.full((2,), 0.5, dtype=F64)),
                               torch.tensor([366.0, 13.5], dtype=F64))


def test_mf_batched_equals_per_cell_and_interpolates():
    """A mixed-depth (N = 2, 3) factorisation population equals per-member runs; converged runs interpolate
    the observed entries and a small init completes far better than zero-filling (e_MC < 1)."""
    inst = _mc(3, 80)
    x = _randn(3, 3, 8, 8, seed=81) / 8**0.5
    init = MFInit(x * torch.tensor([0.1, 0.5, 1.0], dtype=F64)[:, None, None, None], torch.tensor([2, 3, 2]))
    out = train_mf(inst.M, inst.mask, init, cap=6000)
    for i in range(3):
        sl = slice(i, i + 1)
        ref = train_mf(inst.M[sl], inst.mask[sl], MFInit(init.W[sl], init.N[sl]), cap=6000)
        torch.testing.assert_close(out["X"][sl], ref["X"], rtol=1e-11, atol=1e-13)
        assert out["steps"][i] == ref["steps"][0]
    assert bool(out["converged"].all()) and out["rho"].max() < 1e-6
    assert completion_error(out["X"][:1], inst.M[:1], inst.mask[:1]).item() < 1
