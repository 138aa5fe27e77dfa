"""The report's verdict chart: claims of one unit share an axis; support and refute regions are drawn."""
from redshift.claims import Above, Below, Rule
from redshift.report.plots import unit_groups, verdict_plot


def _row(claim, effect, unit=None):
    return {"claim": claim, "effect": effect, "ci_low": effect - 0.1, "ci_high": effect + 0.1,
            "status": "supported", "unit": unit}


def test_rows_of_one_unit_share_an_axis():
    """Two claims in points share a panel; a claim in bits gets its own."""
    groups = unit_groups([_row("A-1", 2.0, "points"), _row("A-2", 5.0, "points"), _row("A-3", 0.4, "bits")], {})
    assert {k: [r["claim"] for r in v] for k, v in groups.items()} == \
        {"effect (bits)": ["A-3"], "effect (points)": ["A-1", "A-2"]}


def test_rows_without_a_unit_are_grouped_by_magnitude():
    """Without a recorded unit, 0.03 and 30 are not drawn on one axis; 0.03 and 0.05 are."""
    groups = unit_groups([_row("B-1", 0.03), _row("B-2", 0.05), _row("B-3", 30.0)], {})
    assert sorted(len(g) for g in groups.values()) == [1, 2]


def test_the_chart_draws_support_and_refute_bands(tmp_path):
    """Each claim row gets its regions as filled bands: one support and one refute band per claim here."""
    from matplotlib.collections import PolyCollection

    rules = {c: Rule(Above(1.0), refute=Below(0.0)) for c in ("C-1", "C-2")}
    path = verdict_plot("s", [_row("C-1", 2.0, "u"), _row("C-2", 1.5, "u")], rules, tmp_path / "v.png")
    assert path.is_file()
    from matplotlib.figure import Figure  # draw one panel into a figure we can inspect

    import redshift.report.plots as plots

    fig = Figure()
    ax = fig.add_subplot()
    plots._panel(ax, "effect (u)", [_row("C-1", 2.0, "u"), _row("C-2", 1.5, "u")], rules)
    assert sum(isinstance(c, PolyCollection) for c in ax.collections) == 4
    top = max(ax.get_yticklabels(), key=lambda t: t.get_position()[1])
    assert top.get_text() == "C-1"  # the first claim is drawn at the top
