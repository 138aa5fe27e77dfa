"""asv benchmarks of the grokking_corrupted kernels: one batched full-batch training step of B quadratic MLPs.

Sizes: the calibrated configuration p = 59, N = 256 (spec section 3) with B = 1 (one cell at a time, the loop
reference), B = 13 (the smoke budget's batch of networks without dropout) and B = 64 (a standard-budget chunk), and
one BatchNorm minibatch step (p = 97, N = 500, b = 64, 6 networks: the smoke BN batch). Model-steps per second =
B / time_step; batching gains little here because the step is FLOP-bound (spec section 3, "Cost model").
"""

import torch

from redshift.threads import OneThreadBenchmark

from redshift.data.modular import corrupted_split
from redshift.nets import quadratic as qn
from redshift.train import grokking as gk


def _population(p, width, b, bn=False, alpha=0.7, lr=0.01):
    splits = [corrupted_split(p, alpha, 0.35 if not bn else 0.2, seed=i % 3) for i in range(b)]
    wds = [(0.0, 5.0, 15.0)[i % 3] if not bn else 0.0 for i in range(b)]
    pop = gk.population(splits, wds, [0.0] * b, [lr] * b, [bn and i % 2 == 0 for i in range(b)], [10] * b,
                        list(range(b)), list(range(b)))
    state = qn.init_population(p, width, list(range(b)))
    params = [state.U, state.V, state.W, state.gamma, state.beta]
    return state, pop, params, [(torch.zeros_like(t), torch.zeros_like(t)) for t in params]




class FullBatchStep(OneThreadBenchmark):
    """One full-batch AdamW step (hand-written gradient, spec D5/D6) of B networks at p = 59, N = 256."""

    params = [1, 13, 64]
    param_names = ["networks"]

    def setup(self, networks):
        self._one_thread()
        self.state, self.pop, self.params, self.moments = _population(59, 256, networks)
        self.dense = gk.DenseWorkspace(networks, 59, 256, torch.float32, torch.device("cpu"))
        self.cfg, self.t = gk.TrainConfig(), 0
        self.time_step(networks)  # touch the workspace once

    def time_step(self, networks):
        self.t += 1
        gk.train_step(self.params, self.moments, self.state, self.pop, self.cfg, self.t, dense=self.dense)

    def peakmem_step(self, networks):
        self.time_step(networks)


class BatchNormStep(OneThreadBenchmark):
    """One minibatch step (b = 64, autograd) of 6 networks at p = 97, N = 500, three post-BN and three plain."""

    def setup(self):
        self._one_thread()
        self.state, self.pop, self.params, self.moments = _population(97, 500, 6, bn=True, alpha=0.65, lr=0.005)
        self.cfg = gk.TrainConfig(batch_size=64)
        self.batches, self.t = gk.Minibatches(self.pop, 64), 0

    def time_step(self):
        self.t += 1
        gk.train_step(self.params, self.moments, self.state, self.pop, self.cfg, self.t, batches=self.batches)
