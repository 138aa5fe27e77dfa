"""asv benchmarks of the SGD-vs-architecture kernels: Guess & Check draws and one batched SGD step.

G&C throughput (draws/s) = track_draws_per_call / time_draw_and_check; the per-network loop is the
reference the population form replaces (spec section 3: a Python loop over networks is a defect).
Measured once on the shared 2-core CPU, one thread, both forms in one process, both drawing with torch's
uniform_ (issue 8 note): MLP-1 h = 8: 150k draws/s batched vs 9.4k draws/s one network at a time (16x);
h = 64: 29k vs 6.5k draws/s (4.4x; batched was bound by drawing the uniforms, about 1.2e8 weights/s).
Since issue 13 the batched form draws from UniformSource (numpy SFC64 bits, about 2.5x torch's uniform_ per
float on one core), as the suite does; the loop reference keeps torch's uniform_.
"""

import torch

from redshift.threads import OneThreadBenchmark

from redshift.data.digits import digits_pool, nested_sets
from redshift.nets.bias_free import MLP, UniformSource, draw_uniform, kaiming_uniform, n_weights
from redshift.train.guess_check import fit_mask
from redshift.train.sgd import SGDConfig, train_sgd




def _training_sets(n: int, sets: int) -> tuple[torch.Tensor, torch.Tensor]:
    pool = digits_pool([(3, 5)])
    return nested_sets(pool, [0] * sets, list(range(sets)), n).train(n)  # (S, n, 64), (S, n)


class GuessCheckDraws(OneThreadBenchmark):
    """One G&C batch as the suite draws it: S = 8 sets x M networks (M from a 2^22-weight budget), forward
    n = 8 samples, check the exact fit. Draws per second = 8 * M / time."""

    params = [8, 64]
    param_names = ["width"]

    def setup(self, width):
        self._one_thread()
        self.arch = MLP(64, (width,))
        self.batch = (1 << 22) // (8 * n_weights(self.arch.shapes))
        self.x, self.y = _training_sets(8, 8)
        self.source = UniformSource(torch.Generator().manual_seed(0))  # as the suite draws (SFC64 bits on CPU)

    def time_draw_and_check(self, width):
        w = self.source.draw(self.arch.shapes, (8, self.batch))
        fit_mask(self.arch.forward(w, self.x.unsqueeze(1)), self.y.unsqueeze(1))

    def peakmem_draw_and_check(self, width):
        w = self.source.draw(self.arch.shapes, (8, self.batch))
        fit_mask(self.arch.forward(w, self.x.unsqueeze(1)), self.y.unsqueeze(1))

    def track_draws_per_call(self, width):
        return 8 * self.batch


class GuessCheckOneAtATime(OneThreadBenchmark):
    """The loop reference: 64 networks for one set, drawn (torch's uniform_) and checked one network at a time."""

    params = [8, 64]
    param_names = ["width"]

    def setup(self, width):
        self._one_thread()
        self.arch = MLP(64, (width,))
        x, y = _training_sets(8, 1)
        self.x, self.y = x[0], y[0]
        self.gen = torch.Generator().manual_seed(0)

    def time_loop_64_networks(self, width):
        for _ in range(64):
            w = draw_uniform(self.arch.shapes, (), self.gen)
            fit_mask(self.arch.forward(w, self.x), self.y)


class BatchedSGDStep(OneThreadBenchmark):
    """One epoch-free SGD step (batch 2) of S x R = 8 x 32 MLP-1 models trained as one batched model."""

    params = [8, 64]
    param_names = ["width"]

    def setup(self, width):
        self._one_thread()
        self.arch = MLP(64, (width,))
        x, y = _training_sets(8, 8)
        owner = torch.arange(8).repeat_interleave(32)
        self.x, self.y = x[owner][:, :2], y[owner][:, :2]  # one batch of 2 per model
        self.init = kaiming_uniform(self.arch.shapes, (256,), torch.Generator().manual_seed(1))
        self.orders = torch.arange(2).expand(1, 256, 2)
        self.cfg = SGDConfig(epochs=1)

    def time_one_step(self, width):
        train_sgd(self.arch, self.init, self.x, self.y, self.cfg, self.orders)
