"""Tests of redshift.data.linear_systems: instances (M1), min-l2 (M2), min-l1 by LP (M3), projectors (M4),
matrix-completion instances (M17)."""
import torch

from redshift.data.linear_systems import (Family, lp_recoverable, make_completion, make_systems, min_l1, min_l2,
                                          null_project, row_basis, solve)

SHAPE = Family("F-shape", d=100, n=20, truth="sparse", k=5)
REC = Family("F-rec", d=100, n=40, truth="sparse", k=5)


def test_instance_is_seed_determined_and_batch_independent():
    """A replicate's instance depends only on its seed, not on the other seeds of the batch."""
    one = make_systems(SHAPE, [7])
    many = make_systems(SHAPE, [3, 7, 11])
    torch.testing.assert_close(one.A[0], many.A[1], rtol=0, atol=0)
    torch.testing.assert_close(one.x_true[0], many.x_true[1], rtol=0, atol=0)


def test_sparse_truth_shape():
    """sparse(k): exactly k non-zeros with magnitudes in [1, 2]; b = A x* exactly."""
    s = make_systems(SHAPE, range(5))
    nz = s.x_true != 0
    assert torch.all(nz.sum(-1) == 5)
    mags = s.x_true.abs()[nz]
    assert mags.min() >= 1 and mags.max() <= 2
    torch.testing.assert_close(s.b, torch.einsum("rnd,rd->rn", s.A, s.x_true))


def test_min_l1_hand_made_vertex():
    """On x1 + x2 + 2 x3 = 2, x1 - x2 = 0 the min-l1 point is the vertex (0, 0, 1) with l1 norm 1."""
    A = torch.tensor([[[1.0, 1.0, 2.0], [1.0, -1.0, 0.0]]], dtype=torch.float64)
    b = torch.tensor([[2.0, 0.0]], dtype=torch.float64)
    x = min_l1(A, b)
    torch.testing.assert_close(x, torch.tensor([[0.0, 0.0, 1.0]], dtype=torch.float64), rtol=0, atol=1e-12)
    assert abs(x.abs().sum().item() - 1.0) < 1e-12


def test_min_l2_is_pseudo_inverse_solution():
    """x_l2 interpolates, lies in the row space, and equals A^T (A A^T)^{-1} b."""
    s = make_systems(SHAPE, range(3))
    x = min_l2(s.A, s.b)
    ref = torch.einsum("rdn,rn->rd", s.A.mT, torch.linalg.solve(s.A @ s.A.mT, s.b))
    torch.testing.assert_close(x, ref, rtol=1e-10, atol=1e-12)
    assert null_project(row_basis(s.A), x).norm(dim=-1).max() < 1e-12


def test_lp_facts():
    """Spec anchor 15: ||x_l1||_1 <= ||x_l2||_1, ||x_l2|| <= ||x_l1||, both interpolate to 1e-9."""
    solved = solve(make_systems(SHAPE, range(6)))
    A, b = solved.systems.A, solved.systems.b
    assert torch.all(solved.x_l1.abs().sum(-1) <= solved.x_l2.abs().sum(-1) + 1e-12)
    assert torch.all(solved.x_l2.norm(dim=-1) <= solved.x_l1.norm(dim=-1) + 1e-12)
    for x in (solved.x_l1, solved.x_l2):
        assert ((torch.einsum("rnd,rd->rn", A, x) - b).norm(dim=-1) / b.norm(dim=-1)).max() < 1e-9


def test_recovery_above_phase_transition():
    """F-rec (n = 40, k = 5) is far above the l1 phase transition: the LP recovers every planted truth."""
    solved = solve(make_systems(REC, range(6)))
    assert bool(solved.recoverable.all())
    assert not bool(lp_recoverable(solved.x_l2, solved.systems.x_true).any())


def test_null_projector_is_idempotent_and_orthogonal():
    """P_null P_null = P_null and A P_null v = 0."""
    s = make_systems(SHAPE, range(2))
    Q = row_basis(s.A)
    v = torch.randn(2, 100, dtype=torch.float64, generator=torch.Generator().manual_seed(1))
    pv = null_project(Q, v)
    torch.testing.assert_close(null_project(Q, pv), pv, rtol=0, atol=1e-12)
    assert torch.einsum("rnd,rd->rn", s.A, pv).abs().max() < 1e-12


def test_min_l2_error_expectation():
    """Spec anchor 8: E ||x_l2 - x*||^2 / ||x*||^2 = 1 - n/d for Gaussian A and fixed x* (Monte Carlo, +-0.02)."""
    fam = Family("small", d=50, n=10, truth="dense")
    s = make_systems(fam, range(1000))
    x_true = s.x_true[:1].expand_as(s.x_true)                    # one fixed x* for every draw of A
    b = torch.einsum("rnd,rd->rn", s.A, x_true)
    err = ((min_l2(s.A, b) - x_true).norm(dim=-1) ** 2 / x_true.norm(dim=-1) ** 2).mean().item()
    assert abs(err - (1 - 10 / 50)) < 0.02


def test_completion_instances_follow_m17():
    """M17: ||M*||_2 = 1, rank r, |Omega| entries with >= r + 1 per row and column; each seed's instance is its own."""
    inst = make_completion([3, 4, 5], q=20, rank=2, observed=120)
    torch.testing.assert_close(torch.linalg.matrix_norm(inst.M, ord=2), torch.ones(3, dtype=torch.float64))
    s = torch.linalg.svdvals(inst.M)
    assert bool((s[:, 1] > 1e-3).all()) and bool((s[:, 2] < 1e-12).all())
    assert inst.mask.sum((1, 2)).tolist() == [120.0] * 3
    assert bool((inst.mask.sum(1) >= 3).all()) and bool((inst.mask.sum(2) >= 3).all())
    assert set(inst.mask.unique().tolist()) == {0.0, 1.0}
    alone = make_completion([4], q=20, rank=2, observed=120)
    assert torch.equal(alone.M[0], inst.M[1]) and torch.equal(alone.mask[0], inst.mask[1])
