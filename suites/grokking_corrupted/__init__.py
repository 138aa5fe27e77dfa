"""To grok or not to grok: disentangling generalization and memorization on corrupted algorithmic datasets
(Doshi, Das, He, Gromov; ICLR 2024). Protocol: shared/specs/grokking_corrupted.md (the spec).

Experiments. ``fullbatch``: the two-layer quadratic MLP on modular addition with corrupted labels; every case of a
budget (common, ladder, dynamics, dropout, alpha, xi) trained as batched populations (config.py, protocol.py);
claims GC-2..GC-14, GC-17, GC-18. ``clean`` (GC-1), ``width`` (standard and paper, GC-19) and ``diagram`` (paper,
GC-20): the same full-batch protocol with their own replicate counts. ``batchnorm``: post-BN networks and their
plain twins, minibatch (GC-15, GC-16).

Outputs in the run folder: phase_diagram.png and ipr_histogram.png (figures.py, from the records; the paper-budget
diagram experiment's as diagram_*.png) and dynamics.csv / dynamics.png (every checkpoint's accuracies, mean IPR and
||theta||^2, written by the measure function; the other experiments' as <experiment>_dynamics.*).
At smoke GC-1, GC-8, GC-10, GC-12, GC-13 and GC-15 are decided (all supported, as the paper predicts); the others
read one-replicate or unrun cases and come out inconclusive.

Deviations from the spec, and why:
- Composite decision rules (several lb/ub conditions per claim) are one statistic per claim, margins.Conditions:
  an intersection-union test of the support conditions (each a bootstrap CI and t-test of a replicate mean, or a
  point condition), a Bonferroni union of the refute conditions. The verdict's effect is the tightest margin; the
  spec's named effects are record metrics.
- Replicates: the engine floors bootstrap and no-spread p-values at the sign test's 2 * 0.5^n and Holm-corrects over
  all 20 claims, so a smoke-decisive claim needs p <= 0.0025. Hence 4 core replicates at smoke (spec: 3) and 10 for
  the clean baseline at every budget (its accuracy is exactly 1 in every replicate: no spread). GC-16 is decisive at
  standard, not smoke: at 3 BN replicates the BN-minus-twin share_high difference (-0.08 to -0.01) is too variable
  for its equivalence test (p = 0.11); the spec itself doubted 1000 steps.
- TOST conditions (GC-10, GC-16) test each side at the engine's 0.05 two-sided scale (0.025 per side), not 0.05.
- GC-9's calibration diagnostic (exact ladder fraction) is not a claim; the phase diagram figure shows the ladder.
  A Confusion end of the ladder counts as a span of 0; Kendall tau_b is over cells that have a rho.
- Paper-budget diagrams cover weight decay and dropout only; the BN and minibatch-without-BN diagrams are not encoded
  (GC-20 reads none of them).
- Seeds: the split stream draws pi with numpy's Generator (not Python's random.seed(420)); the reference seeding
  is not offered (claims never use it).
- The smoke budget runs torch with one intra-op thread inside measure (restored after): with two threads on a shared
  2-core runner, every small op waits on a descheduled thread and a step is several times slower. TF32 matmuls are
  switched off inside measure on every budget (spec section 6, "Precision").
- Dropout masks come from a counter-based integer hash of (network seed, step, element) rather than torch's
  generator, so that a network's masks do not depend on its batch (batched = single-cell training, tested).
- Networks with dropout train in their own population (masks are drawn only for them); all others sharing (p, N)
  train together, chunked only to bound memory.
"""
from redshift import Experiment, Suite

from suites.grokking_corrupted.catalogue import METRICS
from suites.grokking_corrupted.claims import CLAIMS_CLEAN, CLAIMS_FULLBATCH
from suites.grokking_corrupted.claims_regularisers import (CLAIMS_BATCHNORM, CLAIMS_DIAGRAM, CLAIMS_DYNAMICS,
                                                           CLAIMS_WIDTH)
from suites.grokking_corrupted.config import (BATCHNORM, BN_EXPERIMENT, BN_REPLICATES, CLEAN, CLEAN_EXPERIMENT,
                                              CLEAN_REPLICATES, DIAGRAM, DIAGRAM_EXPERIMENT, DIAGRAM_REPLICATES,
                                              EXPERIMENT, FULLBATCH, REPLICATES, WIDTH, WIDTH_EXPERIMENT,
                                              WIDTH_REPLICATES)
from suites.grokking_corrupted.figures import figures
from suites.grokking_corrupted.protocol import measure_batchnorm, measure_fullbatch

def _fullbatch(name: str, configs: dict, replicates: dict, claims: tuple, doc: str, pictures: bool = False):
    return Experiment(name=name, cases={b: tuple(s.case for s in cfg.specs) for b, cfg in configs.items()},
                      config=configs, replicates=replicates, metrics=METRICS, measure=measure_fullbatch,
                      claims=claims, figures=figures if pictures else None, doc=doc)


FULL = _fullbatch(EXPERIMENT, FULLBATCH, REPLICATES, CLAIMS_FULLBATCH + CLAIMS_DYNAMICS,
                  "Full-batch quadratic MLPs on corrupted modular addition, all cases as batched populations.",
                  pictures=True)
CLEAN_EXP = _fullbatch(CLEAN_EXPERIMENT, CLEAN, CLEAN_REPLICATES, CLAIMS_CLEAN,
                       "Clean grokking baseline: xi = 0, lambda = 5 (GC-1), 10 replicates.")
WIDTH_EXP = _fullbatch(WIDTH_EXPERIMENT, WIDTH, WIDTH_REPLICATES, CLAIMS_WIDTH,
                       "Width slice N in {256, 500(, 5000)} at p = 97, alpha = 0.5, xi = 0.35, lambda = 0.")
DIAGRAM_EXP = _fullbatch(DIAGRAM_EXPERIMENT, DIAGRAM, DIAGRAM_REPLICATES, CLAIMS_DIAGRAM,
                         "Paper-budget phase diagrams alpha x xi per weight decay and dropout rate.", pictures=True)

BATCHNORM_EXP = Experiment(
    name=BN_EXPERIMENT,
    cases={b: cfg.cases() for b, cfg in BATCHNORM.items()},
    config=BATCHNORM, replicates=BN_REPLICATES, metrics=METRICS, measure=measure_batchnorm, claims=CLAIMS_BATCHNORM,
    doc="Post-BatchNorm networks and their plain twins, minibatch b = 64, paired by replicate.")

SUITE = Suite(
    name="grokking_corrupted",
    version="1",
    title="To grok or not to grok: generalization and memorization on corrupted algorithmic data (Doshi et al., "
          "ICLR 2024)",
    citation=("@inproceedings{doshi2024grok, title={To Grok or Not to Grok: Disentangling Generalization and "
              "Memorization on Corrupted Algorithmic Datasets}, author={Doshi, Darshil and Das, Aritra and He, Tianyu "
              "and Gromov, Andrey}, booktitle={ICLR}, year={2024}}"),
    spec="shared/specs/grokking_corrupted.md",
    experiments=(CLEAN_EXP, FULL, BATCHNORM_EXP, WIDTH_EXP, DIAGRAM_EXP),
)
