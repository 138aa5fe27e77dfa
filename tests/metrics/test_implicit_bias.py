"""Tests of redshift.metrics.implicit_bias: distances (M5-M8, M13, M14), Q_alpha (M10), the GF oracle (M11),
completion error and effective rank (M17)."""
import math

import torch

from redshift.data.linear_systems import Family, make_systems, null_project, solve
from redshift.metrics.implicit_bias import (completion_error, effective_rank, gradient_flow_limit, h_depth, l1_gap,
                                            l1_position, projection_error, q2, q_alpha, q_depth, rel_dist, residual)

F64 = torch.float64
REC = Family("F-rec", d=100, n=40, truth="sparse", k=5)


def test_q_closed_form_values():
    """Spec anchor 1: q(0) = 0, q(2) = 2 - 2 sqrt 2 + 2 asinh 1, series z^2/4 - z^4/192, tail |z|log|z| - |z| + 2."""
    z = torch.tensor([0.0, 2.0, 1e-3, 1e8], dtype=F64)
    q = q2(z)
    assert q[0] == 0
    assert abs(q[1].item() - (2 - 2 * math.sqrt(2) + 2 * math.asinh(1))) < 1e-15
    assert abs(q[2].item() - (1e-6 / 4 - 1e-12 / 192)) < 1e-20
    assert abs(q[3].item() - (1e8 * math.log(1e8) - 1e8) - 2) < 1e-5


def test_q_derivative_is_asinh():
    """q'(z) = arcsinh(z/2) by central finite differences (1e-8)."""
    z = torch.linspace(-5, 5, 11, dtype=F64)
    eps = 1e-5
    fd = (q2(z + eps) - q2(z - eps)) / (2 * eps)
    assert (fd - torch.asinh(z / 2)).abs().max() < 1e-8


def test_h_depth_slope_and_d2_limit():
    """Spec anchor 2: h_D'(0) = 2D/(D-2); with z = x(D-2)/D, h_D(z) -> 2 sinh x as D -> 2."""
    eps = torch.tensor(1e-6, dtype=F64)
    for D, slope in ((3, 6.0), (4, 4.0)):
        assert abs((h_depth(eps, D) - h_depth(-eps, D)).item() / 2e-6 - slope) < 1e-6
    D, x = 2.0001, torch.tensor([0.3, 1.0], dtype=F64)
    p = D / (D - 2)
    z = x * (D - 2) / D
    hz = (1 - z) ** (-p) - (1 + z) ** (-p)
    assert ((hz - 2 * torch.sinh(x)) / (2 * torch.sinh(x))).abs().max() < 1e-4


def test_q_depth_inverts_h():
    """q_D'(z) = h_D^{-1}(z): h_D(q_D'(z)) = z by finite differences, D = 3 and 4."""
    z = torch.tensor([-3.0, -0.5, 0.2, 4.0], dtype=F64)
    for D in (3, 4):
        eps = 1e-5
        s = (q_depth(z + eps, D) - q_depth(z - eps, D)) / (2 * eps)
        assert (h_depth(s, D) - z).abs().max() < 1e-6


def test_q_alpha_rich_limit_is_l1():
    """Q_alpha(beta) / log(1/alpha^2) -> ||beta||_1 as alpha -> 0, with the exact asymptote of q's tail."""
    beta = torch.tensor([1.5, -0.25, 0.0, 3.0], dtype=F64)
    l1 = beta.abs().sum().item()
    for alpha in (1e-20, 1e-80):
        Q = q_alpha(beta, alpha).item()
        tail = (beta.abs() * torch.log(beta.abs().clamp_min(1e-300)) - beta.abs()).sum().item()
        assert abs(Q - (l1 * math.log(1 / alpha**2) + tail)) < 1e-9
    ratios = [q_alpha(beta, a).item() / math.log(1 / a**2) for a in (1e-5, 1e-50, 1e-150)]
    assert abs(ratios[2] - l1) < abs(ratios[1] - l1) < abs(ratios[0] - l1)
    assert abs(ratios[2] - l1) / l1 < 0.01


def test_q_alpha_kernel_limit_is_scaled_l2():
    """alpha^2 Q_alpha(beta) -> ||beta||^2 / 4 as alpha -> infinity (relative error O(alpha^-4))."""
    beta = torch.tensor([1.5, -0.25, 0.0, 3.0], dtype=F64)
    target = (beta**2).sum().item() / 4
    for alpha, tol in ((10.0, 1e-3), (1e3, 1e-10)):
        assert abs(alpha**2 * q_alpha(beta, alpha).item() - target) / target < tol


def _rec(R: int = 3):
    return solve(make_systems(REC, range(R)))


def test_oracle_optimality_d2():
    """Spec anchor 4: rho(w_GF) < 1e-11 and the KKT condition P_null arcsinh(w/(2 alpha^2)) = 0 (D = 2)."""
    s = _rec()
    alpha = torch.tensor([1e-3, 0.3, 5.0], dtype=F64)
    res = gradient_flow_limit(s.systems.A, s.systems.b, alpha, torch.full((3,), 2))
    assert bool(res.ok.all()) and res.rho.max() < 1e-11
    v = torch.asinh(res.w / (2 * alpha[:, None] ** 2))
    assert (null_project(s.Q, v).norm(dim=-1) / v.norm(dim=-1)).max() < 1e-9


def test_oracle_minimises_q_alpha():
    """Q_alpha(w_GF) <= Q_alpha(w_GF + eps v) for random null-space directions v (D = 2 and 3)."""
    s = _rec(1)
    gen = torch.Generator().manual_seed(12345)   # not seed 0: that stream drew A itself (v would lie in its row space)
    for D, alpha in ((2, 0.1), (3, 0.5)):
        w = gradient_flow_limit(s.systems.A, s.systems.b, torch.tensor([alpha], dtype=F64), torch.tensor([D])).w
        v = null_project(s.Q.repeat(4, 1, 1), torch.randn(4, 100, dtype=F64, generator=gen))
        v = v / v.norm(dim=-1, keepdim=True)
        base = q_alpha(w[0], alpha, D)
        for eps in (1e-3, 1e-2):
            assert torch.all(q_alpha(w + eps * v, alpha, D) >= base)


def test_oracle_invariances():
    """Spec anchor 5: rotation (RA, Rb) leaves w_GF unchanged; w_GF(A, cb, c^{1/D} alpha) = c w_GF(A, b, alpha)."""
    s = _rec(1)
    A, b = s.systems.A, s.systems.b
    R, _ = torch.linalg.qr(torch.randn(40, 40, dtype=F64, generator=torch.Generator().manual_seed(202)))
    for D, alpha in ((2, 0.05), (3, 0.3), (4, 0.5)):
        a, d = torch.tensor([alpha], dtype=F64), torch.tensor([D])
        w = gradient_flow_limit(A, b, a, d).w
        w_rot = gradient_flow_limit(R @ A, (R @ b[0])[None], a, d).w
        w_scaled = gradient_flow_limit(A, 3 * b, 3 ** (1 / D) * a, d).w
        assert rel_dist(w_rot, w).item() < 1e-10
        assert rel_dist(w_scaled, 3 * w).item() < 1e-10


def test_oracle_kernel_rate():
    """Spec anchor 6: in the kernel range doubling alpha divides d_l2(w_GF) by 2^{2D} within 5%."""
    s = _rec(1)
    A, b = s.systems.A.expand(2, -1, -1), s.systems.b.expand(2, -1)
    for D, alphas in ((2, (4.0, 8.0)), (3, (2.0, 4.0)), (4, (2.0, 4.0))):
        w = gradient_flow_limit(A, b, torch.tensor(alphas, dtype=F64), torch.full((2,), D)).w
        d = rel_dist(w, s.x_l2.expand(2, -1))
        assert 1e-9 < d[1] < d[0] < 1e-2
        assert abs((d[0] / d[1]).item() / 2 ** (2 * D) - 1) < 0.05


def test_distances_known_values():
    """rho, d_t, G and pi on hand-made vectors: pi(x_l1) = 0, pi(x_l2) = 1, G(x_l1) = 0."""
    A = torch.tensor([[[1.0, 1.0]]], dtype=F64)
    b = torch.tensor([[2.0]], dtype=F64)
    x_l1, x_l2 = torch.tensor([[2.0, 0.0]], dtype=F64), torch.tensor([[1.0, 1.0]], dtype=F64)
    assert residual(A, x_l2, b).item() == 0 and residual(A, 2 * x_l2, b).item() == 1
    assert rel_dist(x_l1, x_l2).item() == 1
    assert l1_gap(x_l1, x_l1).item() == 0 and l1_gap(torch.tensor([[3.0, -1.0]], dtype=F64), x_l1).item() == 1
    assert l1_position(x_l1, x_l1, torch.tensor([[1.0, 1.5]], dtype=F64)).item() == 0
    assert l1_position(torch.tensor([[1.0, 1.5]], dtype=F64), x_l1, torch.tensor([[1.0, 1.5]], dtype=F64)).item() == 1
    assert math.isnan(l1_position(x_l2, x_l1, x_l1).item())


def test_projection_error_zero_on_projection():
    """E_proj(P_null w0 + x_l2; w0) = 0 up to rounding, and is positive for x_l2 when P_null w0 != 0."""
    s = _rec(2)
    w0 = torch.randn(2, 100, dtype=F64, generator=torch.Generator().manual_seed(303))
    target = null_project(s.Q, w0) + s.x_l2
    assert projection_error(target, w0, s.Q, s.x_l2).max() < 1e-14
    assert projection_error(s.x_l2, w0, s.Q, s.x_l2).min() > 0.1


def test_effective_rank_known_values():
    """Spec anchor 14: r equal non-zero singular values give erank r (any orthogonal frame); erank(I_20) = 20;
    singular values (3, 1) give exp(H(3/4, 1/4))."""
    Q, _ = torch.linalg.qr(torch.randn(20, 20, dtype=F64, generator=torch.Generator().manual_seed(7)))
    W = torch.stack([Q[:, :r] @ Q[:, :r].T * 2.5 for r in (1, 2, 5)] + [torch.eye(20, dtype=F64)])
    torch.testing.assert_close(effective_rank(W), torch.tensor([1.0, 2.0, 5.0, 20.0], dtype=F64))
    p = torch.tensor([0.75, 0.25], dtype=F64)
    expect = torch.exp(-(p * p.log()).sum())
    torch.testing.assert_close(effective_rank(torch.diag(torch.tensor([3.0, 1.0, 0.0], dtype=F64))[None]), expect[None])


def test_completion_error_known_values():
    """Spec anchor 14: zero-filling gives e_MC = 1 exactly, M* itself 0, and observed entries do not count."""
    M = torch.arange(1.0, 10.0, dtype=F64).view(1, 3, 3)
    mask = torch.tensor([[[1.0, 0, 0], [0, 1, 0], [0, 0, 1]]], dtype=F64)
    assert completion_error(torch.zeros_like(M), M, mask).item() == 1.0
    assert completion_error(M, M, mask).item() == 0.0
    off = M * (1 - mask)
    W = M + 5 * mask + 0.5 * off                                   # observed entries wrong, unobserved at half
    assert abs(completion_error(W, M, mask).item() - 0.5) < 1e-15
