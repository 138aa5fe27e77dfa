"""Neural Redshift: Random Networks are not Random Functions (Teney, Nicolicioiu, Hartmann, Abbasnejad; CVPR 2024).

Protocol: /work/shared/specs/neural_redshift.md (the spec). Part 1 (random_nets.py, claims in random_claims.py):
complexity of random MLPs and of the unbiased Fourier model, NR-1..NR-12; the same networks in float32 and float64
(precision.py, NR-25, exploratory); random-weight fitting (guess_check.py), NR-13. Part 2: modulo addition
(trained.py, NR-14..16), coloured digits (shortcut.py, NR-17..19), random transformers (transformers.py,
NR-20..24). Figures for the report: figures.py. Every claim is a conjunction of engine parts (redshift.parts), each
a per-seed paper quantity in its unit; each module's docstring lists its own deviations in detail.

Deviations from the spec (choices made after seeing data are marked "data"; each was kept only where the fresh
seed stream confirm-1 confirms the verdict, else withdrawn):

| claim | deviation | why | status |
| --- | --- | --- | --- |
| NR-1..12 | 12 seeds per cell at smoke/standard (spec 4 / 8; code protocol 3) | Hall-sign ratios need >= 10 seeds under Holm over 27 claims | engine |
| NR-10 | 16 seeds for random_mlp (data: NR-10's CI) | - | withdrawn (12, as every grid) |
| NR-1..12 | alpha_hi = 8, L_hi = 6 at every budget (paper: 16, 7) | one declaration for every budget | structural |
| NR-3, NR-17 | rho >= 0.6 (a point threshold) is "most seeds have rho >= 0.6" (share) | per-seed parts | engine |
| NR-17 | cell means rounded to 0.02 before ranking (data) | - | withdrawn |
| NR-14 | 2500 smoke training steps (spec 1500) (data) | ReLU training accuracy at M = 4 sits on the 0.9 gate at 1500 | kept: gate holds on both streams |
| NR-15 | smoke sine alpha in {1, 4} (spec {1}) (data) | a tuned prefactor needs two values; sine at 1 does not learn M = 4 | kept: see the verdicts below |
| NR-22 | decisive at standard (data) | - | withdrawn (smoke, as the spec) |
| NR-14, 18, 19a | training-accuracy conditions are gates stated as shares (most seeds >= 0.9) | undecided both ways (spec Pitfalls) | engine |
| NR-14..16, 19 | alpha*, alpha-hat per seed (validation; digit test-set halves) | per-seed parts | engine |
| NR-13, 17..19a | pooled over the n_tr runs / activations run, not each | a part on an absent cell is undefined | structural |
| NR-13..18 | seeds 48 trials / 24 / 32 (spec 4 / 4 / 3) | betting on accuracy ranges | engine |
| NR-19b | refute rule added | issue 12 | spec gap |
| NR-25 | new exploratory claim, decisive at paper | issue 12, item 3 | new |

Verdicts on two seed streams (smoke, CPU, suite v2; `redshift run neural_redshift --device cpu` with and without
`--seed-stream confirm-1`): NR-4, NR-5 and NR-6 are supported on both streams (ratios, Hall-sign, 12 seeds). NR-18
(colour shortcut) differs: supported on the default stream (colour minus digit accuracy 0.906 [0.677, 0.987], p =
0.0018, Holm 0.043) and inconclusive on confirm-1 (0.881 [0.654, 0.961], p = 0.0027, Holm 0.065): the effect is
the same, and at 32 seeds its betting p sits at the suite's Holm threshold (27 claims), so the verdict is decided
by the draw; more seeds (about 40) would settle it. Every other claim is inconclusive on both streams: the
per-seed parts on bounded C_hat and accuracy ranges need about 50-130 seeds for the betting inference (see the
module docstrings), more than the smoke budget affords, and they are reported UNDECIDED rather than given looser
rules. NR-14's gate (most seeds fit M = 4) holds on both streams, confirming the 2500-step deviation; NR-15's
verdict is the same (inconclusive) on both streams.

Execution (issue 13, not a claim change): modular_addition and colored_digits train one population per activation
(they were one population of all activations), so a run may compute each activation as its own chunk with the same
numbers bit for bit; and their training flushes subnormal floats to zero (redshift.threads.flush_denormals: Gaussian
networks far in their tails ran 3x slower per step in the CPU's subnormal path). Both can change the last bits of
a trajectory, amplified by training. At smoke every value is bit-identical to the previous commit's (31128
values compared on the default stream); the standard numbers differ from those of commit 7c979c7, and
the standard run was redone (docs/results/).
"""
from redshift import Suite

from suites.neural_redshift.guess_check import EXPERIMENTS as GUESS_CHECK
from suites.neural_redshift.precision import EXPERIMENTS as PRECISION
from suites.neural_redshift.random_nets import EXPERIMENTS as RANDOM_NETS
from suites.neural_redshift.shortcut import EXPERIMENTS as SHORTCUT
from suites.neural_redshift.trained import EXPERIMENTS as TRAINED
from suites.neural_redshift.transformers import EXPERIMENTS as TRANSFORMERS

EXPERIMENTS = RANDOM_NETS + PRECISION + GUESS_CHECK + TRAINED + SHORTCUT + TRANSFORMERS  # part 2: trained.py, ...

CHANGELOG = (
    "NR-1, NR-2, NR-3, NR-4, NR-5, NR-6, NR-7, NR-8, NR-9, NR-10, NR-11, NR-12, NR-13, NR-14, NR-15, NR-16, NR-17, "
    "NR-18, NR-19a, NR-19b, NR-20, NR-21a, NR-21b, NR-22, NR-23, NR-24: re-declared as engine parts (issue 12): each "
    "spec part is a per-seed quantity in its unit (C_hat, ratio, rho, fraction, share, phrases/token) with its own "
    "support and refute regions, decided by the calibrated inference on the declared metric ranges, instead of the "
    "normalised-slack bootstrap over cell means of the deleted parts.py and Custom statistics; spreads, ratios and "
    "rank correlations are each seed's own (one network per cell and seed).",
    "NR-1, NR-2, NR-3, NR-4, NR-5, NR-6, NR-7, NR-8, NR-9, NR-10, NR-11, NR-12: 12 seeds for every grid experiment "
    "(random_mlp had 16, chosen after seeing NR-10's data: withdrawn); n is set by the engine's inference (ratios "
    "need >= 10 seeds); alpha_hi = 8 and L_hi = 6 at every budget (one declaration for all budgets).",
    "NR-3, NR-17: the spec's point thresholds on rank correlations (rho >= 0.6, no interval) are shares: most seeds "
    "have rho >= 0.6; NR-3 is refuted when a mean rho(alpha, C_hat) is below 0; NR-17's rounding of cell means to "
    "0.02 (chosen after seeing data) is withdrawn.",
    "NR-14, NR-18, NR-19a: the training-accuracy conditions are gates (undecided in both directions, spec "
    "Pitfalls), stated as 'most seeds reach 0.9' (exact binomial).",
    "NR-14, NR-15, NR-16, NR-19a, NR-19b: alpha* is each seed's validation-best alpha; alpha-hat is cross-fitted over "
    "the digit test set's halves per seed; NR-16's peak is the per-seed validation argmax (the spec's fallback).",
    "NR-13, NR-14, NR-15, NR-17, NR-18, NR-19a: seeds raised for the betting inference on accuracy ranges (trials 48, "
    "modular addition 24, coloured digits 32); NR-13 and NR-17/18/19a pool the n_tr runs and the activations run.",
    "NR-19b: gains a refute rule (tanh minus sine at alpha_max below 0, or alpha-hat(sine) above alpha-hat(tanh) by "
    "more than 0.5 in log alpha).",
    "NR-22: decisive_at returns to smoke (spec; 'standard' was chosen after seeing data); one part per smoke "
    "activation on each model's rho(gamma, C_seq). NR-24 reads the smallest gamma as 0.1.",
    "NR-11: Q1 under each prior over tanh and sine (run at every budget); 'relu above both tanh and sine' is a part "
    "supported below 0, refuted above 0.",
    "NR-25: new exploratory claim (issue 12, item 3): float32 inflates the code-faithful Fourier complexity of deep "
    "sigmoid networks at A = 0.1 and of under a quarter of the grid's cells (precision.py), decisive at paper.",
)

SUITE = Suite(
    name="neural_redshift",
    version="2",
    title="Neural Redshift: Random Networks are not Random Functions (Teney et al., CVPR 2024)",
    citation=("@inproceedings{teney2024neural, title={Neural Redshift: Random Networks are not Random Functions}, "
              "author={Teney, Damien and Nicolicioiu, Armand Mihai and Hartmann, Valentin and Abbasnejad, Ehsan}, "
              "booktitle={CVPR}, year={2024}}"),
    spec="shared/specs/neural_redshift.md",
    experiments=EXPERIMENTS,
    changelog=CHANGELOG,
)
