"""Neural Redshift figures (figures.py): every experiment's figures function writes PNGs; the gallery redraws
the run's own networks."""
from pathlib import Path

import numpy as np
import pytest
import torch

from redshift import Context, Record
from redshift.runner import frame_of

from suites.neural_redshift import SUITE
from suites.neural_redshift import figures as nr_figures
from suites.neural_redshift import random_nets as rn
from suites.neural_redshift.measures import grid_measures

PNG = b"\x89PNG\r\n\x1a\n"


def _small(cases):
    """A few cases of a smoke grid: random_mlp cut to two activations and two alphas, the others whole."""
    def keep(case):
        return case.get("act") in (None, "relu", "tanh") and case["alpha"] in (0.1, 1.0, 8.0, 10.0)
    return [c for c in cases if c.experiment != "random_mlp" or keep(c)]


@pytest.mark.parametrize("exp", SUITE.experiments, ids=lambda e: e.name)
def test_figures_write_pngs(exp, tmp_path):
    """Each experiment's figures function writes at least one non-empty PNG from a small synthetic frame."""
    rng = np.random.default_rng(0)
    cases = _small(exp.cases_for("smoke"))
    records = [Record(c, r, {m: float(rng.uniform(0.1, 0.9)) for m in exp.metrics}) for c in cases for r in range(2)]
    paths = exp.figures(frame_of(SUITE, exp, records), tmp_path)
    assert paths
    for path in paths:
        assert Path(path).parent == tmp_path and Path(path).read_bytes()[:8] == PNG and Path(path).stat().st_size > 2000


def test_figures_skip_missing_metrics(tmp_path):
    """A frame without the metrics a figure draws gives no file rather than an error."""
    exp = SUITE.experiments[0]
    records = [Record(c, 0, {"degenerate": 0.0}) for c in exp.cases_for("smoke")[:4]]
    assert nr_figures.random_mlp(frame_of(SUITE, exp, records), tmp_path) == []


def test_gallery_redraws_the_runs_networks():
    """The gallery regenerates replicate 0 of each cell: its C_hat equals what the run measured."""
    exp = rn.EXPERIMENTS[0]
    cases = [c for c in exp.cases_for("smoke") if c.get("variant") == "plain" and c["depth"] == 3][:3]
    ctx = Context(SUITE.name, exp, "smoke", torch.device("cpu"), 1, Path("."))
    records = list(exp.measure(cases, ctx))
    frame = frame_of(SUITE, exp, records)
    cells = frame[frame["metric"] == "c_fourier"][["case", "act", "alpha", "depth", "value"]]
    values = nr_figures.regenerate(cells, SUITE.name, rn.GRIDS["smoke"].grid_size)  # (3, 32, 32)
    np.testing.assert_allclose(grid_measures(values, ("fourier",))["c_fourier"].numpy(), cells["value"], atol=1e-12)
