"""Neural Redshift, part 2: trained MLPs on modulo-addition targets (Teney et al. 2024, §4.1, Figs. 7-8).

Spec §3.3, claims NR-14..NR-16. Every (activation x prefactor x modulus x seed) cell is one member of a single
stacked PrefactorMLP population (2 -> 64 -> 64 -> 1, h = act(alpha z)), trained together by full-batch Adam with
BCE. Replicate r of every cell shares the data split and the initial weights (both drawn at alpha = 1, seeded
by hashing (suite, experiment, stream, r)): common random numbers make every contrast between cells paired, and
the engine resamples replicates jointly across cells.

Deviations from the spec (and why):
- Smoke cells: relu alpha = 1 at M in {10, 4}, and sine alpha in {1, 4} at M = 4 (spec: sine alpha = 1 only, at
  both M). At alpha = 1 sine does not learn M = 4 within the smoke training (test accuracy about 0.6, 8 seeds), so
  NR-15 could not be decided; alpha* is chosen on validation between 1 and 4, as the claim says ("a tuned
  prefactor"). Sine at M = 10 is not needed by any smoke claim and is not run there.
- Smoke seeds: 8 (spec: 4). Holm's correction over the whole suite (about 26 claims) needs every bootstrap
  resample on the support side, which 4 seeds of this noisy task (per-seed ReLU accuracy at M = 4 ranges
  0.35-0.85) cannot give.
- Smoke training: 2500 steps (spec 1 500), lr 1e-2 as specified: at 1 500 steps the ReLU training accuracy at
  M = 4 is about 0.9, right on NR-14's underfitting gate.
- NR-15 picks the best non-ReLU activation by its validation accuracy at alpha* (the spec leaves "best" open;
  choosing it on test accuracy would be selection on test data).
- alpha grids are rounded to 4 significant digits (readable case names).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from redshift import Above, Below, Case, Claim, Context, Custom, Experiment, Metric, Record, Rule, Table, grid
from redshift.data.modular_targets import LabelRule, majority_rate, modular_inputs, modular_labels, random_splits
from redshift.nets.prefactor_mlp import PrefactorMLP, PrefactorMLPConfig
from redshift.train.population import TrainConfig, single_thread, train_population

from suites.neural_redshift import figures as nr_figures
from suites.neural_redshift.parts import PARTS_RULE, Cells, Part, all_parts, describe

NAME = "modular_addition"
NON_RELU = ("tanh", "gaussian", "sine")


@dataclass(frozen=True)
class ModAddConfig:
    """One budget's protocol (spec §3.3, §3.6)."""

    steps: int
    lr: float
    width: int = 64
    rule: LabelRule = "lt"


def logspace(lo: float, hi: float, n: int) -> list[float]:
    """10^lo .. 10^hi, n values rounded to 4 significant digits."""
    return [float(f"{v:.4g}") for v in np.logspace(lo, hi, n)]


CASES = {
    "smoke": grid(NAME, act="relu", alpha=1.0, modulus=[10, 4]) + grid(NAME, act="sine", alpha=[1.0, 4.0], modulus=4),
    "standard": grid(NAME, act=["relu", *NON_RELU], alpha=logspace(-1, 1, 9), modulus=[10, 7, 4]),
    "paper": grid(NAME, act=["relu", *NON_RELU], alpha=logspace(-1, 1, 17), modulus=[10, 7, 4]),
}
CONFIG = {"smoke": ModAddConfig(2500, 1e-2), "standard": ModAddConfig(3000, 1e-2), "paper": ModAddConfig(10000, 3e-3)}
REPLICATES = {"smoke": 8, "standard": 8, "paper": 20}

METRICS = {
    "train_acc": Metric("fraction", "higher", 0.01, "accuracy on the 128 training points (spec §3.3)"),
    "val_acc": Metric("fraction", "higher", 0.01, "accuracy on the 64 validation points (selects alpha*)"),
    "test_acc": Metric("fraction", "higher", 0.01, "accuracy on the 64 test points"),
    "majority": Metric("fraction", "none", 0.0, "majority-class rate of the 256 labels (spec Pitfalls)"),
}


def _stream(ctx: Context, stream: str) -> Case:
    """A pseudo-case naming a seed stream shared by every cell (common random numbers)."""
    return Case(ctx.experiment.name, {"stream": stream})


def measure(cases: list[Case], ctx: Context):
    """Train every (case, replicate) as one population; yield train/val/test accuracy (spec §3.3)."""
    cfg, dev, reps = ctx.config, ctx.device, range(ctx.replicates)
    members = sorted([(c, r) for c in cases for r in reps], key=lambda m: m[0]["act"])  # contiguous act runs
    splits = random_splits([ctx.seed(_stream(ctx, "split"), r) for r in reps], device=dev)
    init = [ctx.seed(_stream(ctx, "init"), r) for r in reps]
    x = modular_inputs(device=dev)  # (256, 2)
    labels = {m: modular_labels(m, rule=cfg.rule, device=dev) for m in {c["modulus"] for c in cases}}
    y = torch.stack([labels[c["modulus"]] for c, _ in members])  # (N, 256)
    rep = torch.tensor([r for _, r in members], device=dev)
    tr, va, te = splits.train[rep], splits.val[rep], splits.test[rep]  # (N, 128), (N, 64), (N, 64)
    model = PrefactorMLP(PrefactorMLPConfig(2, cfg.width), [c["act"] for c, _ in members],
                         [float(c["alpha"]) for c, _ in members], [init[r] for _, r in members], dev)
    ctx.set_total(1)
    with single_thread(dev):
        train_population(model, x[tr], torch.gather(y, 1, tr), TrainConfig(cfg.steps, cfg.lr, "bce"))
    ctx.progress()
    with torch.no_grad():
        hit = ((model(x) > 0).float() == y).float()  # (N, 256) correct predictions, shared inputs
    accs = {k: torch.gather(hit, 1, idx).mean(1).tolist() for k, idx in
            (("train_acc", tr), ("val_acc", va), ("test_acc", te))}
    for i, (case, r) in enumerate(members):
        values = {k: v[i] for k, v in accs.items()}
        yield Record(case, r, {**values, "majority": majority_rate(labels[case["modulus"]])})


# --- claims (spec §4, NR-14..NR-16); v is a Cells view of one (resampled) table ----------------------------------

def alpha_star(v: Cells, act: str, modulus: int) -> float:
    """The grid alpha with the highest mean validation accuracy (spec §3.3)."""
    a = v.params("alpha", act=act, modulus=modulus)
    return float(a[int(np.argmax(v.means("val_acc", act=act, modulus=modulus)))])


def _at_star(v: Cells, metric: str, act: str, modulus: int) -> float:
    return v.one(metric, act=act, modulus=modulus, alpha=alpha_star(v, act, modulus))


def _relu_drop(v: Cells) -> float:
    """ReLU test accuracy at M = 10 minus at M = 4, each at its alpha* (NR-14)."""
    return _at_star(v, "test_acc", "relu", 10) - _at_star(v, "test_acc", "relu", 4)


def _relu_excess(v: Cells) -> float:
    """ReLU test accuracy at M = 4 minus the majority rate (NR-14 gate: < 0.15)."""
    return _at_star(v, "test_acc", "relu", 4) - _at_star(v, "majority", "relu", 4)


def _relu_fit(v: Cells) -> float:
    """ReLU training accuracy at M = 4 (NR-14 underfitting gate: >= 0.9)."""
    return _at_star(v, "train_acc", "relu", 4)


def _prefactor_gain(t: Table) -> float:
    """M = 4: test accuracy at alpha* of the best non-ReLU activation (by validation) minus ReLU's (NR-15)."""
    v = Cells(t)
    run = [a for a in NON_RELU if v.rows(act=a, modulus=4).size]
    best = max(run, key=lambda a: _at_star(v, "val_acc", a, 4))
    return _at_star(v, "test_acc", best, 4) - _at_star(v, "test_acc", "relu", 4)


def peak_log_alpha(v: Cells, act: str, modulus: int) -> float:
    """log alpha_peak: vertex of a quadratic fit of per-seed val accuracy on log alpha if concave and inside the
    grid, else the grid argmax (spec §3.3); NaN with fewer than 3 alpha values."""
    a = np.log(v.params("alpha", act=act, modulus=modulus))  # (C,)
    if a.size < 3:
        return float("nan")
    vals = v.table.values("val_acc")[v.rows(act=act, modulus=modulus)]  # (C, R) per-seed points
    keep = np.isfinite(vals)
    c2, c1, _ = np.polyfit(np.repeat(a, vals.shape[1])[keep.ravel()], vals[keep], 2)
    vertex = -c1 / (2 * c2) if c2 < 0 else np.nan
    return float(vertex) if a.min() <= vertex <= a.max() else float(a[int(np.nanargmax(np.nanmean(vals, 1)))])


def _peak_shift(t: Table) -> float:
    """log alpha_peak(M = 4) - log alpha_peak(M = 10) for gaussian (NR-16)."""
    v = Cells(t)
    return peak_log_alpha(v, "gaussian", 4) - peak_log_alpha(v, "gaussian", 10)


NR14_PARTS = (
    Part("relu test accuracy M=10 minus M=4", _relu_drop, ">", 0.2, 0.05),
    Part("relu test accuracy at M=4 minus majority rate", _relu_excess, "<", 0.15, span=0.15),
    Part("relu training accuracy at M=4", _relu_fit, ">", 0.9, span=0.1),
)

CLAIMS = (
    Claim("NR-14", "A ReLU MLP generalises on modulo addition with M = 10 but not on the higher-frequency M = 4, "
          "while fitting its training set", "Teney et al. 2024, §4.1, Fig. 7",
          Custom(all_parts(*NR14_PARTS), ("test_acc", "train_acc", "val_acc", "majority"), describe(NR14_PARTS)),
          PARTS_RULE),
    Claim("NR-15", "With a validation-tuned prefactor, a non-ReLU MLP beats ReLU on M = 4",
          "Teney et al. 2024, §4.1, Fig. 7",
          Custom(_prefactor_gain, ("test_acc", "val_acc"), "M=4 test accuracy at alpha*: best non-ReLU minus ReLU"),
          Rule(Above(0.1), refute=Below(0.0))),
    Claim("NR-16", "The accuracy-maximising prefactor is larger for M = 4 than for M = 10 (Gaussian)",
          "Teney et al. 2024, Fig. 8",
          Custom(_peak_shift, ("val_acc",), "gaussian log alpha_peak(M=4) - log alpha_peak(M=10)"),
          Rule(Above(0.0), refute=Below(0.0)), decisive_at="standard"),
)

EXPERIMENTS = (
    Experiment(name=NAME, cases=CASES, measure=measure, metrics=METRICS, claims=CLAIMS, config=CONFIG,
               replicates=REPLICATES, figures=nr_figures.modular_addition,
               doc="Prefactor MLPs trained on modulo-addition targets (spec §3.3)"),
)
