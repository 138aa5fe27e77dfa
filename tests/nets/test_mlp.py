"""Random MLP and unbiased-model populations (spec M10, M11): draws, priors, batched-vs-reference, invariances."""
import math

import numpy as np
import pytest
import torch

from redshift.data.grids import grid_points
from redshift.metrics import chebyshev_order, fourier_mean_frequency
from redshift.nets.mlp import (ACTIVATIONS, MLPConfig, mlp_forward, normal, sample_mlps, sample_unbiased,
                               unbiased_forward, uniform)

_ACTS = ["relu", "gelu", "swish", "selu", "tanh", "gaussian", "sine", "sigmoid"]


def _splitmix(z):
    """Pure-Python splitmix64 finaliser on unsigned 64-bit integers."""
    m = (1 << 64) - 1
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & m
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & m
    return z ^ (z >> 31)


def _population(variant="plain", prior="paper", n=10, alpha=3.0, beta=None, width=16):
    """A mixed population: every activation, depths 1..4, distinct seeds."""
    acts = [_ACTS[i % len(_ACTS)] for i in range(n)]
    depth = [1 + (i * 7) % 4 for i in range(n)]
    seeds = torch.arange(n, dtype=torch.int64) * 1_000_003 + 11
    pop = sample_mlps(MLPConfig(width=width, variant=variant, prior=prior), seeds, acts,
                      torch.full((n,), alpha), depth, beta)
    return pop, acts, depth


def _reference(pop, i, act, depth, x):
    """Network i evaluated alone with explicit per-layer maths (spec M10)."""
    p = int((pop.order == i).nonzero())
    h, phi, variant = x, ACTIVATIONS[act], pop.config.variant
    for layer in range(depth):
        z = h @ pop.weights[layer][p].T + pop.biases[layer][p]  # (P, W)
        if variant == "layernorm":
            z = (z - z.mean(-1, keepdim=True)) / z.std(-1, correction=0, keepdim=True)
        if variant == "prefactor":
            z = pop.prefactor[p] * z
        new = phi(z)
        if variant == "residual":
            new = z + new
        if variant == "gating":
            new = new * torch.sigmoid(h @ pop.gate_weights[layer][p].T + pop.gate_biases[layer][p])
        h = new
    return h @ pop.out_weight[p] + pop.out_bias[p]


def test_uniform_is_splitmix64():
    """The blocked int64 hash equals a pure-Python splitmix64: word i gives entries 2i and 2i + 1 (its halves)."""
    seed, m = 12345, (1 << 64) - 1
    key = _splitmix((seed + 1 * 0x9E3779B97F4A7C15) & m)  # stream 0
    words = [_splitmix(key ^ ((i * 0x9E3779B97F4A7C15) & m)) for i in (1, 2)]
    want = [((half) + 0.5) * 2.0**-32 for w in words for half in (w >> 32, w & 0xFFFFFFFF)]
    assert uniform(torch.tensor([seed]), 0, 4)[0].tolist() == want
    wide = uniform(torch.arange(3), 5, 70_001)  # several hashing blocks
    np.testing.assert_array_equal(wide[:, :4].numpy(), uniform(torch.arange(3), 5, 4).numpy())


def test_draw_moments():
    """U(0, 1) has mean 1/2 and variance 1/12; N(0, 1) has mean 0 and variance 1 (200k draws)."""
    u, z = uniform(torch.tensor([7]), 3, 200_000), normal(torch.tensor([7]), 4, 200_000)
    assert (u.mean().item(), 12 * u.var().item()) == pytest.approx((0.5, 1.0), abs=0.01)
    assert (z.mean().item(), z.var().item()) == pytest.approx((0.0, 1.0), abs=0.01)


def test_paper_prior_bounds():
    """Paper prior: hidden weights fill U(-s, s), s = alpha sqrt(6 / (fan_in + fan_out)); biases U(-beta, beta)."""
    pop = sample_mlps(MLPConfig(width=64), torch.arange(200), ["relu"] * 200, torch.full((200,), 2.0), [2] * 200,
                      torch.full((200,), 0.5))
    s = 2.0 * math.sqrt(6.0 / 128)
    w = pop.weights[1]
    assert w.abs().max().item() <= s and w.abs().max().item() > 0.99 * s
    assert w.var().item() == pytest.approx(s * s / 3, rel=0.02)
    assert pop.biases[0].abs().max().item() == pytest.approx(0.5, abs=0.01)


def test_fixed_first_convention():
    """first_fan_out sets the input layer's Glorot bound: sqrt(6 / (2 + 64)) whatever the width."""
    cfg = MLPConfig(width=256, first_fan_out=64)
    pop = sample_mlps(cfg, torch.arange(20), ["tanh"] * 20, torch.ones(20), [1] * 20)
    assert pop.weights[0].abs().max().item() == pytest.approx(math.sqrt(6.0 / 66), rel=0.01)


@pytest.mark.parametrize("prior", ["gaussian", "ball", "student"])
def test_robustness_priors_match_variance(prior):
    """Robustness priors have per-entry variance 2 alpha^2 / (fan_in + fan_out)."""
    pop = sample_mlps(MLPConfig(width=64, prior=prior), torch.arange(300), ["tanh"] * 300,
                      torch.full((300,), 3.0), [2] * 300)
    assert pop.weights[1].var().item() == pytest.approx(2 * 9.0 / 128, rel=0.05)


def test_code_prior_is_not_fan_scaled():
    """Code prior: every weight and bias ~ U(-A, A)."""
    pop = sample_mlps(MLPConfig(prior="code"), torch.arange(50), ["sine"] * 50, torch.full((50,), 0.1), [2] * 50)
    for t in (pop.weights[1], pop.biases[0], pop.out_weight):
        assert t.abs().max().item() == pytest.approx(0.1, abs=0.002)


@pytest.mark.parametrize("variant", ["plain", "layernorm", "residual", "gating", "prefactor"])
def test_batched_matches_reference(variant):
    """The depth-sorted batched forward equals each network evaluated alone, to 1e-9, for every variant."""
    pop, acts, depth = _population(variant)
    x = grid_points(12)
    got = mlp_forward(pop, x, max_elements=3000)  # several point chunks
    for i in range(pop.size):
        np.testing.assert_allclose(got[i].numpy(), _reference(pop, i, acts[i], depth[i], x).numpy(), atol=1e-9)


def test_draws_do_not_depend_on_the_batch():
    """A network's function depends on its own seed only, not on what it is batched with."""
    pop, acts, depth = _population()
    alone = sample_mlps(pop.config, torch.tensor([3 * 1_000_003 + 11]), [acts[3]], torch.tensor([3.0]), [depth[3]])
    x = grid_points(8)
    np.testing.assert_allclose(mlp_forward(alone, x)[0].numpy(), mlp_forward(pop, x)[3].numpy(), atol=1e-12)


def test_zero_bias_relu_is_scale_invariant():
    """A9: with all biases zero, a ReLU MLP's grid measures do not change with alpha (positive homogeneity)."""
    seeds, x = torch.arange(6), grid_points(32)
    ys = [mlp_forward(sample_mlps(MLPConfig(), seeds, ["relu"] * 6, torch.full((6,), a), [3] * 6,
                                  torch.zeros(6)), x).reshape(6, 32, 32) for a in (1.0, 8.0)]
    for measure in (fourier_mean_frequency, chebyshev_order):
        np.testing.assert_allclose(measure(ys[1]).numpy(), measure(ys[0]).numpy(), atol=1e-12)


def test_one_layer_relu_prefactor_is_invariant():
    """A9: a one-hidden-layer ReLU MLP with prefactor alpha has alpha-invariant grid measures."""
    seeds, x = torch.arange(5), grid_points(32)
    ys = [mlp_forward(sample_mlps(MLPConfig(variant="prefactor"), seeds, ["relu"] * 5, torch.full((5,), a),
                                  [1] * 5), x).reshape(5, 32, 32) for a in (0.5, 20.0)]
    np.testing.assert_allclose(fourier_mean_frequency(ys[1]).numpy(), fourier_mean_frequency(ys[0]).numpy(),
                               atol=1e-12)


def test_unbiased_matches_sum_and_scales():
    """M11: the two-matmul evaluation equals the explicit sum; a = alpha u makes measures alpha-invariant (A9)."""
    seeds, x = torch.arange(3), grid_points(8)
    small, big = (sample_unbiased(seeds, torch.full((3,), a, dtype=torch.float64), 4) for a in (0.1, 10.0))
    got = unbiased_forward(small, x, max_elements=40)
    want = (small.amplitude[:, None, :] * torch.sin(math.pi * x @ small.freqs.T + small.phase[:, None, :])).sum(-1)
    np.testing.assert_allclose(got.numpy(), want.numpy(), atol=1e-12)
    np.testing.assert_allclose(unbiased_forward(big, x).numpy(), 100.0 * got.numpy(), rtol=1e-12)


def test_per_network_points_match_shared_evaluation():
    """x of shape (N, P, d), one point set per network, gives each network's values at its own points."""
    pop, _, _ = _population()
    grid = grid_points(12)  # (144, 2)
    pick = torch.stack([torch.randperm(144, generator=torch.Generator().manual_seed(i))[:7] for i in range(pop.size)])
    want = torch.gather(mlp_forward(pop, grid), 1, pick)  # (N, 7)
    np.testing.assert_allclose(mlp_forward(pop, grid[pick], max_elements=50).numpy(), want.numpy(), atol=1e-12)
    models = sample_unbiased(torch.arange(4), torch.ones(4, dtype=torch.float64), 4)
    want = torch.gather(unbiased_forward(models, grid), 1, pick[:4])
    np.testing.assert_allclose(unbiased_forward(models, grid[pick[:4]], max_elements=40).numpy(), want.numpy(),
                               atol=1e-12)


def test_rejects_bad_members():
    """Unknown activations or depth 0 are clear errors."""
    with pytest.raises(ValueError, match="activations"):
        sample_mlps(MLPConfig(), torch.arange(2), ["relu", "swoosh"], torch.ones(2), [1, 1])


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs CUDA")
@pytest.mark.parametrize("variant", ["plain", "gating"])
def test_cuda_matches_cpu(variant):
    """The same seeds give the same networks and outputs on CUDA and CPU (to 1e-9)."""
    acts, depth, seeds = ["relu", "sine", "tanh"], [1, 3, 2], torch.tensor([5, 6, 7])
    cfg = MLPConfig(variant=variant)
    cpu = mlp_forward(sample_mlps(cfg, seeds, acts, torch.full((3,), 4.0), depth), grid_points(16))
    gpu = mlp_forward(sample_mlps(cfg, seeds.cuda(), acts, torch.full((3,), 4.0), depth), grid_points(16, "cuda"))
    np.testing.assert_allclose(gpu.cpu().numpy(), cpu.numpy(), atol=1e-9)
