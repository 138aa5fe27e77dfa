"""Configurations and case grids of the grokking_corrupted suite per budget (spec section 3, "Budgets").

A full-batch case is a CaseSpec: family, regulariser (weight decay wd, dropout q), data fraction alpha, corruption xi,
horizon T, prime p and width N. Cases that share (p, N, alpha, xi, wd, q) and a replicate are ONE network evaluated
at each case's horizon (e.g. lambda = 0 at T_c and at T_0). ``replicates`` below the experiment's count marks the
spec's asterisked one-replicate cases: the other replicates are recorded as NaN, so their claims are inconclusive.
The width slice and the paper diagrams, which the spec runs with fewer replicates than the core, are experiments of
their own (width, diagram) with their own replicate counts.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from redshift import Case

EXPERIMENT, BN_EXPERIMENT, WIDTH_EXPERIMENT, DIAGRAM_EXPERIMENT = "fullbatch", "batchnorm", "width", "diagram"
CLEAN_EXPERIMENT = "clean"
CAL = dict(p=59, N=256, alpha=0.7, xi=0.35)  # the calibrated small configuration [X]
DEFAULT = dict(p=97, N=500, alpha=0.5, xi=0.35)  # the paper's default [P App. A]


@dataclass(frozen=True)
class CaseSpec:
    """One full-batch case (spec section 3); ``replicates`` None means all of the experiment's replicates."""

    family: str
    wd: float
    q: float
    alpha: float
    xi: float
    T: int
    p: int
    N: int
    replicates: int | None = None
    prune: bool = False
    experiment: str = EXPERIMENT

    @property
    def case(self) -> Case:
        return Case(self.experiment, {"family": self.family, "wd": self.wd, "q": self.q, "alpha": self.alpha,
                                 "xi": self.xi, "T": self.T, "p": self.p, "N": self.N})

    @property
    def model(self) -> tuple:
        """The network identity shared by cases that differ only in family and horizon."""
        return (self.p, self.N, self.alpha, self.xi, self.wd, self.q)


@dataclass(frozen=True)
class FullBatchConfig:
    """Full-batch protocol of one budget: its cases, evaluation schedule, pruning grid, threads and chunking."""

    specs: tuple[CaseSpec, ...]
    lr: float = 0.01
    eval_every: int = 25
    dense_every: int = 5  # for weight decays in dense_wd with xi > 0, up to dense_until (spec s3, needed by D13)
    dense_until: int = 300
    dense_wd: tuple[float, ...] = (5.0, 15.0)
    prune_fractions: tuple[float, ...] = tuple(round(0.05 * k, 2) for k in range(21))
    random_fractions: tuple[float, ...] = (0.3, 0.6)
    random_draws: int = 20
    max_batch: int = 64  # networks per tensor program (memory), not a loop over cells of a batch
    max_elements: int = 1 << 28  # and at most this many floats per (B, p^2, N) buffer (1 GiB)
    threads: int | None = None  # torch intra-op threads inside measure; None leaves the setting alone


@dataclass(frozen=True)
class BatchNormConfig:
    """The BN setting and its twin (spec section 3, "BN setting"): post-BN vs plain, minibatch b,
    lr = 0.01 sqrt(b/256) (spec D6)."""

    p: int = 97
    N: int = 500
    alpha: float = 0.65
    xi: float = 0.2
    batch_size: int = 64
    steps: int = 1000
    threads: int | None = None
    bn: tuple[bool, ...] = field(default=(True, False))

    @property
    def lr(self) -> float:
        return 0.01 * (self.batch_size / 256) ** 0.5

    def cases(self) -> tuple[Case, ...]:
        return tuple(Case(BN_EXPERIMENT, {"bn": b, "p": self.p, "N": self.N, "alpha": self.alpha, "xi": self.xi,
                                          "b": self.batch_size, "T": self.steps}) for b in self.bn)


def _core(base: dict, t_c: int, ladder: dict[float, int], qs: tuple[float, ...],
          one_rep: tuple[str, ...] = ()) -> list[CaseSpec]:
    """common, ladder and dropout families at one configuration; one_rep names the 1-replicate items."""
    reps = lambda key: 1 if key in one_rep else None  # noqa: E731
    out = [CaseSpec("common", wd, 0.0, **base, T=t_c) for wd in (0.0, 5.0, 15.0)]
    out += [CaseSpec("ladder", wd, 0.0, **base, T=t, replicates=reps(f"ladder{wd:g}"), prune=wd == 0.0)
            for wd, t in ladder.items()]
    out += [CaseSpec("dropout", 0.0, q, **base, T=t_c, replicates=reps("dropout")) for q in qs]
    return out


def _slices(base: dict, t: int, alphas, xis, alpha_xi: float) -> list[CaseSpec]:
    out = [CaseSpec("alpha", 0.0, 0.0, a, base["xi"], t, base["p"], base["N"]) for a in alphas]
    return out + [CaseSpec("xi", 0.0, 0.0, alpha_xi, x, t, base["p"], base["N"]) for x in xis]


def _diagram(base: dict, t: int) -> list[CaseSpec]:
    """The paper-budget phase diagrams: alpha 0.10..0.90 x xi 0.00..0.90 (step 0.05) per regulariser (spec s3)."""
    regs = [(wd, 0.0) for wd in (0.0, 5.0, 15.0, 20.0)] + [(0.0, q) for q in (0.3, 0.6, 0.9)]
    alphas = [round(0.1 + 0.05 * k, 2) for k in range(17)]
    xis = [round(0.05 * k, 2) for k in range(19)]
    return [CaseSpec("diagram", wd, q, a, x, t, base["p"], base["N"], experiment=DIAGRAM_EXPERIMENT)
            for wd, q in regs for a in alphas for x in xis]


def _width(t: int, widths: tuple[int, ...]) -> list[CaseSpec]:
    """The width slice at p = 97, alpha = 0.5, xi = 0.35, lambda = 0 (spec section 3)."""
    return [CaseSpec("width", 0.0, 0.0, 0.5, 0.35, t, 97, n, experiment=WIDTH_EXPERIMENT) for n in widths]


SMOKE = FullBatchConfig(
    specs=tuple(_core(CAL, 300, {0.0: 600, 5.0: 300, 15.0: 300, 20.0: 500}, (0.3, 0.6),
                      one_rep=("ladder0", "ladder20", "dropout"))
                + [CaseSpec("dynamics", 15.0, 0.0, **CAL, T=300)]),
    threads=1)
STANDARD = FullBatchConfig(
    specs=tuple(_core(CAL, 1000, {0.0: 1500, 5.0: 1000, 15.0: 1000, 20.0: 3000}, (0.3, 0.6))
                + [CaseSpec("dynamics", wd, 0.0, **CAL, T=1000) for wd in (5.0, 15.0)]
                + _slices(CAL, 1500, (0.4, 0.5, 0.6, 0.7, 0.8, 0.9), (0.1, 0.2, 0.35, 0.5, 0.7), 0.7)))
PAPER = FullBatchConfig(
    specs=tuple(_core(DEFAULT, 2000, {0.0: 2000, 5.0: 2000, 15.0: 2000, 20.0: 3000}, (0.3, 0.6, 0.9))
                + [CaseSpec("dynamics", wd, 0.0, **DEFAULT, T=2000) for wd in (5.0, 15.0)]
                + _slices(DEFAULT, 2000, (0.4, 0.5, 0.6, 0.7, 0.8, 0.9), (0.1, 0.2, 0.35, 0.5, 0.7), 0.7)),
    max_batch=32)
FULLBATCH = {"smoke": SMOKE, "standard": STANDARD, "paper": PAPER}
# The clean baseline (GC-1) has 12 replicates at every budget, as every experiment (see REPLICATES below).
def _clean(base: dict, t: int, threads: int | None = None) -> FullBatchConfig:
    return FullBatchConfig(specs=(CaseSpec("clean", 5.0, 0.0, base["alpha"], 0.0, t, base["p"], base["N"],
                                           experiment=CLEAN_EXPERIMENT),), threads=threads)


CLEAN = {"smoke": _clean(CAL, 150, threads=1), "standard": _clean(CAL, 300), "paper": _clean(DEFAULT, 300)}
CLEAN_REPLICATES = {"smoke": 12, "standard": 12, "paper": 12}
# Width slice and diagrams are their own experiments: they have their own replicate counts (spec section 3).
WIDTH = {"smoke": FullBatchConfig(specs=()), "standard": FullBatchConfig(specs=tuple(_width(1000, (256, 500)))),
         "paper": FullBatchConfig(specs=tuple(_width(2000, (256, 500, 5000))), max_batch=32)}
WIDTH_REPLICATES = {"smoke": 12, "standard": 12, "paper": 12}
DIAGRAM = {"smoke": FullBatchConfig(specs=()), "standard": FullBatchConfig(specs=()),
           "paper": FullBatchConfig(specs=tuple(_diagram(DEFAULT, 2000)), max_batch=32)}
DIAGRAM_REPLICATES = {"smoke": 12, "standard": 12, "paper": 12}
BATCHNORM = {"smoke": BatchNormConfig(steps=1000, threads=1), "standard": BatchNormConfig(steps=2000),
             "paper": BatchNormConfig(steps=8000)}
# Replicates: 12 for every experiment at every budget (spec: core 3/5/10, BN 3/5/10, width 3/5, diagrams 3). Every
# part is a share of seeds tested by the exact binomial (claims.py): n seeds that all hold give p = 2 * 0.5^n, which
# must clear the Holm correction over the suite's 20 claims (0.05 / 20 = 0.0025; n = 5 gives only 0.06), and a
# refutation pays a Bonferroni factor k for its k refuting parts (up to 3 here): k * 2 * 0.5^n <= 0.0025 needs n = 12
# (n = 10 would support but could never refute a claim with two refuting parts).
REPLICATES = {"smoke": 12, "standard": 12, "paper": 12}
BN_REPLICATES = {"smoke": 12, "standard": 12, "paper": 12}
