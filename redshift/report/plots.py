"""Plots of the across-versions layer, drawn with matplotlib's Agg canvas (no display, no pyplot state).

- ``history_plot``: a claim's effect (or a metric) with its 95% CI over commits in git-graph order;
- ``verdict_plot``: every claim of a suite as its effect and 95% CI over its rule's support (green)
  and refute (red) regions.
"""
from __future__ import annotations

import math
from pathlib import Path
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

COLORS = {"supported": "#2e7d32", "refuted": "#c62828", "inconclusive": "#ef8f00"}


def _save(fig: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _finite(x: object) -> bool:
    return isinstance(x, (int, float)) and math.isfinite(x)


def _errorbars(ax, xs: list[float], rows: list[dict], horizontal: bool = False) -> None:
    """One point per row at its value and its CI as a bar (which need not contain it), coloured by verdict."""
    for x, row in zip(xs, rows):
        value, lo, hi = row.get("value", row.get("effect")), row.get("ci_low"), row.get("ci_high")
        color = COLORS.get(str(row.get("verdict", row.get("status"))), "#1565c0")
        if _finite(lo) and _finite(hi):
            (ax.hlines if horizontal else ax.vlines)(x, lo, hi, color=color, lw=2, alpha=0.7)
        if _finite(value):
            ax.plot([value] if horizontal else [x], [x] if horizontal else [value], "o", color=color)


def history_plot(hist, path: Path) -> Path:
    """``hist`` (a history.History) as a PNG at ``path``: x = commits in graph order, y = value, 95% CI."""
    from redshift.report.history import point_label

    rows = hist.points.to_dict("records")
    fig = Figure(figsize=(max(4.0, 0.6 * len(rows) + 2), 3.2))
    ax = fig.add_subplot()
    xs = list(range(len(rows)))
    ax.plot(xs, [r["value"] for r in rows], color="#90a4ae", lw=1, zorder=0)
    _errorbars(ax, xs, rows)
    ax.set_xticks(xs, [point_label(r) for r in rows], rotation=45, ha="right", fontsize=8)
    what = hist.metric + (f" ({hist.case})" if hist.case else "") if hist.metric else "effect"
    ax.set_ylabel(what)
    ax.set_title(f"{hist.claim}: {what} over commits ({hist.budget})", fontsize=10)
    ax.grid(alpha=0.3)
    return _save(fig, path)


def _bounds(rule) -> list[float]:
    """The bounds of a claim's rule regions (Above/Below: one; Inside/Outside: two)."""
    regions = [r for r in (rule.support, rule.refute) if r is not None] if rule is not None else []
    return [getattr(r, k) for r in regions for k in ("bound", "low", "high") if hasattr(r, k)]


def _spans(region, lo: float, hi: float) -> list[tuple[float, float]]:
    """The intervals of ``region`` within the axis range [lo, hi]."""
    kind = type(region).__name__
    if kind == "Above":
        return [(region.bound, hi)]
    if kind == "Below":
        return [(lo, region.bound)]
    if kind == "Inside":
        return [(region.low, region.high)]
    return [(lo, region.low), (region.high, hi)] if kind == "Outside" else []


def _regions(ax, row: dict, rule) -> None:
    """Shade the support (green) and refute (red) regions of ``rule`` around the row's CI."""
    xs = [x for x in (row.get("effect"), row.get("ci_low"), row.get("ci_high"), *_bounds(rule)) if _finite(x)]
    if not xs or rule is None:
        return
    pad = 0.1 * (max(xs) - min(xs) or 1.0)
    lo, hi = min(xs) - pad, max(xs) + pad
    for region, color in ((rule.support, COLORS["supported"]), (rule.refute, COLORS["refuted"])):
        for a, b in (_spans(region, lo, hi) if region is not None else []):
            ax.axvspan(max(a, lo), min(b, hi), color=color, alpha=0.12, lw=0)
    ax.set_xlim(lo, hi)


def verdict_plot(suite: str, rows: list[dict], rules: dict, path: Path) -> Path:
    """Every claim of ``suite``: one panel per claim (their scales differ) with effect, CI, rule regions."""
    fig = Figure(figsize=(6.5, 0.55 * len(rows) + 0.8))
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, row in zip(axes, rows):
        _errorbars(ax, [0.0], [row], horizontal=True)
        _regions(ax, row, rules.get(row["claim"]))
        ax.set_yticks([0.0], [row["claim"]], fontsize=8)
        ax.tick_params(axis="x", labelsize=7)
    axes[0].set_title(f"{suite}: effect and 95% CI per claim (shaded: support green, refute red)", fontsize=9)
    fig.subplots_adjust(hspace=0.9)
    return _save(fig, path)
