"""Initialisation and implicit bias on underdetermined linear systems (prefix IB).

Gruber & Avron, "On the Role of Initialization on the Implicit Bias in Deep Linear Networks",
arXiv:2402.02454 (2024), with the established theory it builds on. Protocol: /work/shared/specs/
init_implicit_bias.md (the spec). Only the paper's abstract was available to the spec's author: every claim
tests established theory (Gunasekar et al. 2018; Woodworth et al. 2020; ...) in the abstract's framing.

Experiments: proj (depth 1, IB-1), diag (diagonal networks, kernel runs and zero inits: IB-3, 4, 5, 7, 8, 11,
12), oracle (gradient-flow limit, IB-6) and factorised (FC deep linear nets and the ReLU generator: IB-2, 9, 10).
All cells and replicates of an experiment run as one batched population (redshift.train.linear,
redshift.train.linear_deep); the oracle is one batched damped-Newton solve (redshift.metrics.implicit_bias).

Deviations from the spec, and why:
- Multi-condition claims are one scored Custom statistic (suites/init_implicit_bias/scores.py): effect > 0 iff
  every condition's CI passes its support bound; < -1 iff one passes its refute bound. "rho-bar >= 0.9 with CI
  lower bound > 0.5" is decided as "CI lower bound > 0.9" (stricter; the engine decides on a CI). IB-8's and
  IB-11's contrasts have coinciding support and refute bounds (0): IB-8 uses the minimum contrast directly with
  Rule(Above(0), Below(0)); IB-11 scales its contrast by 1e-3 (refuted below -1e-3 in err).
- Trends are the spec's within-replicate Spearman averaged over replicates; CIs and p-values come from the
  engine's bootstrap over replicates (no sign-flip permutation test).
- FC grid at smoke: sigma in {0.03, 0.1, 0.3, 0.5} instead of {0.03, 0.1, 0.3, 1}: at sigma = 1, L = 4 the M12
  step bound needs more than the smoke cap of 2e4 steps (the run would be excluded and the cell inconclusive);
  0.5 is the standard grid's next value. sigma = 1 runs at standard.
- kernel cases carry tol=1e-12 in their name (kernel[D, alpha, tol]) so that claims can select them; kernel runs
  with D = 3, 4 coincide with the diag GD cells at alpha in {1, 2, 4} and are trained once.
- IB-11 is decisive at standard (its effect is of order 1e-2 in err, spec: "smoke may be inconclusive").
- IB-12 compares GF time T across alpha <= 1 although alpha = 1 runs use tol 1e-12 and alpha < 1 runs 1e-6
  (M12); the stricter tolerance at alpha = 1 biases against the claim, not for it.
- IB-13 (optional matrix completion) and the reported-only quantities (IB-6's D = 2 slope and standard GD
  contrast, IB-9's lazy-regime N(y(0)), the k-sweep LP success rate) are not implemented; null_y0 (N(y(0)))
  is recorded for the lazy-regime report.
- Oracle padding: members with fewer rows are padded with zero rows (inert in GD and in the oracle's Newton
  system), so F-shape, F-rec and F-dense cells train in one population.
"""
from redshift import Experiment, Metric, Suite

from suites.init_implicit_bias.claims import DIAG_CLAIMS, FACTORISED_CLAIMS, ORACLE_CLAIMS, PROJ_CLAIMS
from suites.init_implicit_bias.config import CONFIG, REPLICATES, diag_cases, factorised_cases, oracle_cases
from suites.init_implicit_bias.config import DEPTH1_S
from suites.init_implicit_bias.deep import measure_factorised
from suites.init_implicit_bias.figures import regime_picture
from suites.init_implicit_bias.linear import measure_diag, measure_oracle, measure_proj
from redshift import grid

BUDGETS = ("smoke", "standard", "paper")


def _m(unit: str, direction: str, doc: str, margin: float = 0.0) -> Metric:
    return Metric(unit=unit, direction=direction, margin=margin, doc=doc)


DIST = "1"
METRICS = {
    "e_proj": _m(DIST, "lower", "projection-law error E_proj (M14)"),
    "d_l2": _m(DIST, "none", "relative distance to the min-l2 solution (M6)"),
    "d_l1": _m(DIST, "none", "relative distance to the min-l1 solution (M6)"),
    "d_gf": _m(DIST, "lower", "relative distance to the gradient-flow limit w_GF (M6, M11)"),
    "pi": _m(DIST, "none", "l1 position: 0 at x_l1, 1 at x_l2 (M7)"),
    "gap": _m(DIST, "none", "l1 gap ||w||_1/||x_l1||_1 - 1 (M7)"),
    "err": _m(DIST, "lower", "recovery error ||w - x*||/||x*|| = root relative test MSE (M8)"),
    "err_l1": _m(DIST, "none", "recovery error of x_l1 (M8)"),
    "err_l2": _m(DIST, "none", "recovery error of x_l2 (M8)"),
    "rho": _m(DIST, "lower", "relative residual ||A y - b||/||b|| (M5)"),
    "steps": _m("steps", "lower", "GD steps to the stopping tolerance (M12)"),
    "T": _m("time", "lower", "gradient-flow time sum_t eta_t to the stopping tolerance (M12)"),
    "converged": _m("flag", "higher", "1 if the run reached its tolerance before the step cap (M12)"),
    "recoverable": _m("flag", "none", "1 if the LP recovered the planted truth (M3)"),
    "moved": _m("flag", "lower", "1 if any parameter moved from the all-zero initialisation (IB-12)"),
    "null_w0": _m(DIST, "none", "||P_null w0||/||x_l2|| (M13)"),
    "null_res": _m(DIST, "none", "null-space residue N(y) of the trained output (M13)"),
    "null_y0": _m(DIST, "none", "null-space residue N(y(0)) at initialisation (M13)"),
    "eid": _m(DIST, "lower", "output-layer identity error E_id, max over checkpoints (M13)"),
}


def _experiment(name: str, cases, measure, claims, figures=None) -> Experiment:
    return Experiment(name=name, cases={b: cases(b) for b in BUDGETS}, measure=measure, metrics=METRICS,
                      claims=claims, config=CONFIG, replicates=REPLICATES, figures=figures)


EXPERIMENTS = (
    _experiment("proj", lambda b: grid("proj", s=list(DEPTH1_S)), measure_proj, PROJ_CLAIMS),
    _experiment("diag", diag_cases, measure_diag, DIAG_CLAIMS, figures=regime_picture),
    _experiment("oracle", oracle_cases, measure_oracle, ORACLE_CLAIMS),
    _experiment("factorised", factorised_cases, measure_factorised, FACTORISED_CLAIMS),
)

SUITE = Suite(
    name="init_implicit_bias",
    version="1",
    title="On the Role of Initialization on the Implicit Bias in Deep Linear Networks (Gruber & Avron, 2024)",
    citation=("@article{gruber2024role, title={On the Role of Initialization on the Implicit Bias in Deep Linear "
              "Networks}, author={Gruber, Oria and Avron, Haim}, journal={arXiv preprint arXiv:2402.02454}, "
              "year={2024}}"),
    spec="shared/specs/init_implicit_bias.md",
    experiments=EXPERIMENTS,
)
