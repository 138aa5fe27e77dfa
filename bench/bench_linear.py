"""asv benchmarks of the batched GD sweep of diagonal linear networks (redshift.train.linear), the
gradient-flow oracle (redshift.metrics.implicit_bias) and deep matrix factorisation (redshift.train.linear_deep):
each one population of (scale x depth x seed) members."""

import torch

from redshift.data.linear_systems import Family, make_completion, make_systems, solve
from redshift.metrics.implicit_bias import gradient_flow_limit
from redshift.threads import OneThreadBenchmark
from redshift.train.linear import DiagSpec, train_diagonal
from redshift.train.linear_deep import MFInit, train_mf

F64 = torch.float64
STEPS = 500


def _population(replicates: int):
    """F-shape instances x the smoke alpha grid of D = 2, 3, 4 (14 cells)."""
    cells = [(2, a) for a in (1e-2, 0.1, 0.3, 1, 3, 10)] + [(D, a) for D in (3, 4) for a in (0.5, 1, 2, 4)]
    s = solve(make_systems(Family("F-shape", 100, 20, "sparse", 5), range(replicates)))
    C = len(cells)
    D = torch.tensor([c[0] for c in cells]).repeat_interleave(replicates)
    alpha = torch.tensor([c[1] for c in cells], dtype=F64).repeat_interleave(replicates)
    s_sol = torch.maximum(s.x_l1.abs().amax(-1), s.x_l2.abs().amax(-1)).repeat(C)
    P = C * replicates
    spec = DiagSpec(alpha, D, torch.full((P,), 0.2, dtype=F64), torch.zeros(P, dtype=F64), s_sol)
    return s.systems.A.repeat(C, 1, 1), s.systems.b.repeat(C, 1), spec


class DiagonalSweep(OneThreadBenchmark):
    """STEPS GD steps of the whole population (tolerance 0: nobody stops early), per replicate count."""

    params = [1, 8]
    param_names = ["replicates"]

    def setup(self, replicates):
        self._one_thread()
        self.A, self.b, self.spec = _population(replicates)

    def time_gd_sweep(self, replicates):
        train_diagonal(self.A, self.b, self.spec, cap=STEPS)

    def peakmem_gd_sweep(self, replicates):
        train_diagonal(self.A, self.b, self.spec, cap=STEPS)


class Oracle(OneThreadBenchmark):
    """The batched damped-Newton gradient-flow limit for the same population."""

    params = [8]
    param_names = ["replicates"]

    def setup(self, replicates):
        self._one_thread()
        self.A, self.b, self.spec = _population(replicates)

    def time_oracle(self, replicates):
        gradient_flow_limit(self.A, self.b, self.spec.alpha, self.spec.D)


class MatrixFactorisation(OneThreadBenchmark):
    """STEPS GD steps of the smoke matrix-completion population (N = 2, sigma in {0.01, 0.1, 1}), tolerance 0."""

    params = [6]
    param_names = ["replicates"]

    def setup(self, replicates):
        self._one_thread()
        inst = make_completion(range(replicates))
        sigma = torch.tensor([0.01, 0.1, 1.0], dtype=F64).repeat_interleave(replicates)
        x = torch.randn(3 * replicates, 2, 20, 20, dtype=F64, generator=torch.Generator().manual_seed(0))
        self.M, self.mask = inst.M.repeat(3, 1, 1), inst.mask.repeat(3, 1, 1)
        self.init = MFInit(x * (sigma / 20**0.5)[:, None, None, None], torch.full((3 * replicates,), 2))

    def time_mf_sweep(self, replicates):
        train_mf(self.M, self.mask, self.init, cap=STEPS, tol=0.0)
