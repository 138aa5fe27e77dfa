"""The reference-style per-network pipeline (the speed baseline) computes the same measures as the engine."""
import numpy as np
import pytest
import torch

from redshift import bench_reference as ref
from redshift.bench import measures, population
from redshift.data.grids import grid_points
from redshift.metrics import binarize, chebyshev_order, fourier_mean_frequency, lz_complexity
from redshift.nets.mlp import MLPConfig, mlp_forward, sample_mlps


@pytest.mark.parametrize(("text", "phrases"), [("1001111011000010", 8), ("1010101010101010", 7),
                                               ("100111101100001000001010", 10)])
def test_reference_lz78_parses_the_spec_anchors(text, phrases):
    """A8: the reference loop over a set of phrases gives the stated phrase counts."""
    assert ref.lempel_ziv_complexity(text.encode()) == phrases


def test_reference_measures_equal_the_batched_kernels_on_the_same_array():
    """On one float64 array, reference C_F, C_Cheb and C_LZ78 equal the batched kernels (LZ78 exactly)."""
    y = torch.randn(64, 64, dtype=torch.float64, generator=torch.Generator().manual_seed(0)).cumsum(0)
    assert ref.fourier_mean_frequency(y.numpy()) == pytest.approx(fourier_mean_frequency(y).item(), abs=1e-12)
    assert ref.chebyshev_order(y.numpy()) == pytest.approx(chebyshev_order(y).item(), abs=1e-12)
    assert ref.lz78(y.numpy()) == lz_complexity(binarize(y.flatten()), "lz78").item()


def test_sequentials_are_the_population_networks():
    """Each nn.Sequential reproduces its network's outputs (float32 vs float64: to 1e-5)."""
    pop = sample_mlps(MLPConfig(width=8), torch.arange(4), ["tanh", "relu", "sigmoid", "tanh"],
                      torch.full((4,), 2.0), [1, 3, 2, 3])
    x = grid_points(8)
    want = mlp_forward(pop, x).numpy()
    got = np.stack([ref.forward(net, ref.grid(8), 8).ravel() for net in ref.sequentials(pop)])
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-5)


def test_reference_pipeline_matches_the_batched_pipeline():
    """On the benchmark's networks at G = 32, both pipelines give the same three measures (float32 forward: 1e-4)."""
    pop = population(3, 16, 3, "cpu")
    want = measures(mlp_forward(pop, grid_points(32)).reshape(-1, 32, 32)).numpy()
    np.testing.assert_allclose(ref.pipeline(ref.sequentials(pop), 32), want, rtol=0, atol=1e-4)


def test_other_variants_are_rejected():
    """Only plain MLPs have a reference nn.Sequential: a clear error."""
    pop = sample_mlps(MLPConfig(width=8, variant="residual"), torch.arange(2), ["tanh"] * 2, torch.ones(2), [2, 2])
    with pytest.raises(ValueError, match="plain"):
        ref.sequentials(pop)
