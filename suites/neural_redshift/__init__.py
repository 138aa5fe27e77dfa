"""Neural Redshift: Random Networks are not Random Functions (Teney, Nicolicioiu, Hartmann, Abbasnejad; CVPR 2024).

Protocol: /work/shared/specs/neural_redshift.md (the spec). Part 1 (random_nets.py, claims in random_claims.py):
complexity of random MLPs and of the unbiased Fourier model, NR-1..NR-12; random-weight fitting (guess_check.py),
NR-13. Figures for the report: figures.py. The experiments of each part are tuples, concatenated below.
"""
from redshift import Suite

from suites.neural_redshift.guess_check import EXPERIMENTS as GUESS_CHECK
from suites.neural_redshift.random_nets import EXPERIMENTS as RANDOM_NETS
from suites.neural_redshift.shortcut import EXPERIMENTS as SHORTCUT
from suites.neural_redshift.trained import EXPERIMENTS as TRAINED
from suites.neural_redshift.transformers import EXPERIMENTS as TRANSFORMERS

EXPERIMENTS = RANDOM_NETS + GUESS_CHECK + TRAINED + SHORTCUT + TRANSFORMERS  # part 2: trained.py, shortcut.py, ...

SUITE = Suite(
    name="neural_redshift",
    version="1",
    title="Neural Redshift: Random Networks are not Random Functions (Teney et al., CVPR 2024)",
    citation=("@inproceedings{teney2024neural, title={Neural Redshift: Random Networks are not Random Functions}, "
              "author={Teney, Damien and Nicolicioiu, Armand Mihai and Hartmann, Valentin and Abbasnejad, Ehsan}, "
              "booktitle={CVPR}, year={2024}}"),
    spec="shared/specs/neural_redshift.md",
    experiments=EXPERIMENTS,
)
