"""Neural Redshift part 1 (random_nets.py, random_claims.py, parts.py, measures.py): statistics and measurement."""
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy import stats

from redshift import Context, Table
from redshift.data.grids import grid_points

from suites.neural_redshift import random_claims as rc
from suites.neural_redshift import random_nets as rn
from suites.neural_redshift.measures import grid_measures, normalised
from suites.neural_redshift.parts import Cells, Part, ranks, spearman


def _table(cases, fill, metrics, reps=4):
    """A table whose metric values are fill(case, metric, replicate)."""
    return Table(cases, {m: np.array([[fill(c, m, r) for r in range(reps)] for c in cases]) for m in metrics})


def test_ranks_and_spearman_match_scipy():
    """Average ranks and Spearman rho equal scipy's, ties included."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        x, y = rng.integers(0, 4, 10).astype(float), rng.normal(size=10)
        np.testing.assert_allclose(ranks(x), stats.rankdata(x))
        assert spearman(x, y) == pytest.approx(stats.spearmanr(x, y).statistic, abs=1e-12)


@pytest.mark.parametrize(("part", "x", "slack"), [
    (Part("a", None, "<", 0.4, 0.6), 0.4, 0.0), (Part("a", None, "<", 0.4, 0.6), 0.6, -1.0),
    (Part("a", None, ">", 0.5, 0.25), 0.75, 1.0), (Part("a", None, ">", 0.5, 0.25), 0.25, -1.0),
    (Part("a", None, ">", 0.6), -1.0, -0.5), (Part("a", None, "<", 0.15), 0.05, 0.1),
    (Part("a", None, "<", None, 0.0), -0.5, float("inf")), (Part("a", None, "<", None, 0.0), 0.25, -1.25)])
def test_normalised_slack(part, x, slack):
    """Slack is 0 at the support threshold, -1 at the refute one; support-only parts floor at -0.5."""
    assert Part(part.name, lambda t: x, part.side, part.support, part.refute).slack(None) == pytest.approx(slack)


def test_normalisation_anchors():
    """C_hat is exactly 0 for the ramp f = x1 and about 1 for white noise, for every measure (spec M8)."""
    ramp = grid_points(32)[:, 0].reshape(1, 32, 32)
    noise = torch.randn(64, 32, 32, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    for name, value in grid_measures(ramp, ("fourier", "fourier_raw", "cheb", "leg", "lz")).items():
        if name.startswith("c_"):
            assert value.item() == pytest.approx(0.0, abs=1e-12), name
    for name, value in grid_measures(noise, ("fourier", "fourier_raw", "cheb", "leg", "lz")).items():
        if name.startswith("c_"):
            assert value.mean().item() == pytest.approx(1.0, abs=0.05), name
    assert normalised("fourier", torch.tensor([0.0]), 32).item() < 0  # a degenerate grid sits below the ramp


def test_gating_claim_on_a_synthetic_table():
    """NR-8's slack: gated relu gains 0.5 with alpha, plain relu nothing -> (0.5 - 0.1) / 0.1 = 4."""
    cases = rn._random_mlp_cases("smoke")
    gain = {"gating": 0.5}
    fill = lambda c, m, r: gain.get(c.get("variant"), 0.0) * (c["alpha"] == 8.0) + 0.01 * r  # noqa: E731
    stat = rc.RANDOM_MLP_CLAIMS[5].statistic
    assert stat.fn(_table(cases, fill, ["c_fourier"])) == pytest.approx(4.0)


def test_unbiased_claim_reads_its_cells():
    """NR-9's first part is the smallest unbiased C_hat over alpha in (0.1, 1, 10)."""
    cases = rn._random_mlp_cases("smoke")
    t = Cells(_table(cases, lambda c, m, r: c["alpha"] / 10 if c["variant"] == "unbiased" else 0.0, ["c_fourier"]))
    assert rc.NR9[0].value(t) == pytest.approx(0.01)


def test_measure_yields_one_record_per_replicate():
    """The batched measure yields every (case, replicate) once, with every declared metric, and is seeded."""
    exp = rn.EXPERIMENTS[0]
    cases = [c for c in exp.cases_for("smoke") if c["alpha"] in (1.0, 10.0) and c.get("depth", 1) == 1][:6]
    ctx = Context("neural_redshift", exp, "smoke", torch.device("cpu"), 2, Path("."))
    records = list(exp.measure(cases, ctx))
    assert sorted((r.case.name, r.replicate) for r in records) == sorted((c.name, i) for c in cases for i in (0, 1))
    assert all(set(r.values) <= set(exp.metrics) and np.isfinite(r.values["c_fourier"]) for r in records)
    again = list(exp.measure(cases, ctx))
    assert [r.values for r in again] == [r.values for r in records]
