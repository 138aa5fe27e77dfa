"""asv benchmarks of the Neural Redshift part-2 kernels (spec §3.3-3.5): one batched training step of a prefactor-MLP
population, and batched greedy decoding of random GPT-2 populations with a KV cache.

Sizes: the modulo-addition smoke population (32 members, 2 -> 64 -> 64 -> 1, 128 points) and a standard-budget
chunk (256 members); the coloured-digits smoke population (9 members, 72 -> 32 -> 32 -> 1, 600 images). Decoding:
the smoke transformer (V = 1024, d = 64, 4 heads) with 3 models x 12 variants x 32 prompts, 16 new tokens.
Everything runs on one CPU thread (the suite's setting); the previous thread count is restored.
"""

import torch

from redshift.threads import OneThreadBenchmark

from redshift.nets.prefactor_mlp import PrefactorMLP, PrefactorMLPConfig
from redshift.nets.transformer import GPTConfig, Variant, generate, init_gpt2
from redshift.train.population import member_loss

SMALL_GPT = GPTConfig(vocab_size=1024, n_positions=64, d_model=64, n_head=4)
NEW_TOKENS = 16




class PopulationStep(OneThreadBenchmark):
    """One full-batch Adam step (forward, backward, update) of a stacked prefactor-MLP population."""

    params = [["modadd-32", "modadd-256", "digits-9"]]
    param_names = ["population"]

    def setup(self, population):
        self._one_thread()
        kind, n = population.split("-")
        n, d_in, width, points = (int(n), 2, 64, 128) if kind == "modadd" else (int(n), 72, 32, 600)
        acts = ["relu"] * (n // 2) + ["sine"] * (n - n // 2)
        self.model = PrefactorMLP(PrefactorMLPConfig(d_in, width), acts, [1.0] * n, list(range(n)))
        g = torch.Generator().manual_seed(0)
        self.x, self.y = torch.randn(n, points, d_in, generator=g), torch.rand(n, points, generator=g)
        self.loss = "bce" if kind == "modadd" else "mse"
        self.opt = torch.optim.Adam(self.model.parameters(), lr=1e-2, fused=True)
        self.time_step(population)

    def time_step(self, population):
        self.opt.zero_grad(set_to_none=True)
        member_loss(self.model(self.x), (self.y > 0.5).float(), self.loss).sum().backward()
        self.opt.step()

    def peakmem_step(self, population):
        self.time_step(population)


class Generation(OneThreadBenchmark):
    """Greedy decoding of NEW_TOKENS tokens for 3 models x 12 variants (6 activations x depth {1, 12}) x 32 prompts."""

    params = [[1024, 4096]]
    param_names = ["max_sequences"]
    timeout = 120

    def setup(self, max_sequences):
        self._one_thread()
        self.weights = init_gpt2(SMALL_GPT, [1, 2, 3])
        acts = ["gelu", "relu", "selu", "tanh", "sine", "gaussian"]
        self.variants = [Variant(a, 1.0, depth) for a in acts for depth in (1, 12)]
        self.prompts = torch.stack([torch.randperm(1024, generator=torch.Generator().manual_seed(s))[:32]
                                    for s in range(3)])

    def time_generate(self, max_sequences):
        generate(self.weights, self.variants, self.prompts, NEW_TOKENS, max_sequences)

    def track_tokens_per_second(self, max_sequences):
        import time

        t0 = time.perf_counter()
        generate(self.weights, self.variants, self.prompts, NEW_TOKENS, max_sequences)
        return 3 * len(self.variants) * 32 * NEW_TOKENS / (time.perf_counter() - t0)

    track_tokens_per_second.unit = "tokens/s"

    def peakmem_generate(self, max_sequences):
        generate(self.weights, self.variants, self.prompts, NEW_TOKENS, max_sequences)
