"""asv benchmarks of the Neural Redshift kernels: grid metrics and the random-MLP population forward pass.

Parameterised by grid size G (64, 128, 256) and population size N. Inputs are random float64 grids (metrics) or a
population of tanh MLPs, width 64, depth 3 (forward). One CPU thread, the smoke suite's setting (restored after).
The LZ benchmarks parse G^2 symbols sequentially (one vectorised step per symbol), so their time grows with G^2
whatever N is; that is the lockstep design, and the time per network falls as N grows.
"""

import torch

from redshift import bench_reference as reference
from redshift.bench import nr_pipeline_throughput, pipeline, population
from redshift.data.grids import grid_points
from redshift.metrics import binarize, chebyshev_order, fourier_mean_frequency, legendre_order, lz_complexity
from redshift.nets.mlp import MLPConfig, mlp_forward, sample_mlps

GRIDS = [64, 128, 256]


class _Bench:
    """One CPU thread during each benchmark; the previous count is restored."""

    timeout = 300

    def _one_thread(self):
        self._threads = torch.get_num_threads()
        torch.set_num_threads(1)

    def teardown(self, *params):
        torch.set_num_threads(self._threads)

    def _grids(self, size, n):
        g = torch.Generator().manual_seed(size * 1000 + n)
        return torch.randn(n, size, size, dtype=torch.float64, generator=g).cumsum(-1)  # (N, G, G), rough


class FourierMeanFrequency(_Bench):
    """Hann-windowed (spec M3) and code-faithful (M2) mean frequency of N grids."""

    params = [GRIDS, [16, 128]]
    param_names = ["grid", "population"]

    def setup(self, size, n):
        self._one_thread()
        self.values = self._grids(size, n)

    def time_hann(self, size, n):
        fourier_mean_frequency(self.values, "hann")

    def time_raw(self, size, n):
        fourier_mean_frequency(self.values, "none")

    def peakmem_hann(self, size, n):
        fourier_mean_frequency(self.values, "hann")


class PolynomialOrder(_Bench):
    """Chebyshev and Legendre tensor-product fit order (spec M4, D = 20) of N grids."""

    params = [GRIDS, [16, 128]]
    param_names = ["grid", "population"]

    def setup(self, size, n):
        self._one_thread()
        self.values = self._grids(size, n)
        chebyshev_order(self.values[:1])  # the cached pseudo-inverse is not part of the timing

    def time_chebyshev(self, size, n):
        chebyshev_order(self.values)

    def time_legendre(self, size, n):
        legendre_order(self.values)

    def peakmem_chebyshev(self, size, n):
        chebyshev_order(self.values)


class LempelZiv(_Bench):
    """LZ78 and LZW of N median-binarised grids (G^2 symbols each), parsed in lockstep (spec M5-M7)."""

    params = [GRIDS, [1, 64]]
    param_names = ["grid", "population"]
    number, repeat = 1, 2

    def setup(self, size, n):
        self._one_thread()
        self.symbols = binarize(self._grids(size, n).flatten(-2))  # (N, G^2)

    def time_lz78(self, size, n):
        lz_complexity(self.symbols, "lz78")

    def time_lzw(self, size, n):
        lz_complexity(self.symbols, "lzw")

    def peakmem_lz78(self, size, n):
        lz_complexity(self.symbols, "lz78")


class PopulationForward(_Bench):
    """Forward pass of N random MLPs (width 64, depth 3, float64) on the G x G grid: one bmm per layer."""

    params = [GRIDS, [4, 32]]
    param_names = ["grid", "population"]
    number, repeat = 1, 3

    def setup(self, size, n):
        self._one_thread()
        seeds = torch.arange(n, dtype=torch.int64)
        self.pop = sample_mlps(MLPConfig(width=64), seeds, ["tanh"] * n, torch.full((n,), 4.0), [3] * n)
        self.x = grid_points(size)

    def time_forward(self, size, n):
        mlp_forward(self.pop, self.x)

    def peakmem_forward(self, size, n):
        mlp_forward(self.pop, self.x)

    def track_forward_flops(self, size, n):
        return 2.0 * n * size * size * (2 * 64 + 2 * 64 * 64 + 64)

    track_forward_flops.unit = "flop"


class PipelineVsReference(_Bench):
    """The whole grid pipeline (forward, C_F, C_Cheb, C_LZ78), batched vs the per-network reference style.

    Batched: 128 tanh MLPs (width 64, depth 3) in one call, guarded float32 forward (redshift.bench.pipeline).
    Reference: the first 16 of the same networks through redshift.bench_reference (an nn.Sequential each, numpy FFT,
    Python LZ78, numpy least squares). Per network, divide by 128 and 16; track_ratio is the per-network speed ratio
    measured in one process (redshift.bench.nr_pipeline_throughput, one round).
    """

    params = [GRIDS]
    param_names = ["grid"]
    number, repeat, timeout = 1, 2, 600

    def setup(self, size):
        from threadpoolctl import threadpool_limits

        self._one_thread()
        self._blas = threadpool_limits(limits=1, user_api="blas")  # numpy's least squares: one thread too
        self.pop, self.x = population(128, 64, 3, "cpu"), grid_points(size)
        self.nets = reference.sequentials(population(16, 64, 3, "cpu"))
        pipeline(population(2, 64, 3, "cpu"), self.x, size)  # cached windows and projectors

    def time_batched_128_networks(self, size):
        pipeline(self.pop, self.x, size)

    def time_reference_16_networks(self, size):
        reference.pipeline(self.nets, size)

    def teardown(self, size):
        self._blas.restore_original_limits()
        super().teardown(size)

    def track_ratio(self, size):
        rows = nr_pipeline_throughput((size,), n=128, threads=1, rounds=1)
        return next(r["ratio"] for r in rows if r["mode"] == "batched")

    track_ratio.unit = "x"
