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


def _scale_of(row: dict, rule) -> list[float]:
    """The finite numbers a claim's row puts on the axis: effect, CI ends and its rule's bounds."""
    return [x for x in (row.get("effect"), row.get("ci_low"), row.get("ci_high"), *_bounds(rule)) if _finite(x)]


def unit_groups(rows: list[dict], rules: dict) -> dict[str, list[dict]]:
    """Claims that share an axis: by unit where the row records one, else by order of magnitude
    (so that an effect of 0.03 is not drawn as a dot beside one of 30)."""
    groups: dict[str, list[dict]] = {}
    for row in rows:
        if row.get("unit"):
            label = f"effect ({row['unit']})"
        else:
            measured = [row.get(k) for k in ("effect", "ci_low", "ci_high") if _finite(row.get(k))]
            xs = [abs(x) for x in (measured or _scale_of(row, rules.get(row["claim"]))) if x != 0]
            label = f"effect (unit not recorded; |values| ~ 1e{math.floor(math.log10(max(xs)))})" if xs \
                else "effect (unit not recorded)"
        groups.setdefault(label, []).append(row)
    from redshift.views import natural_key

    return {k: sorted(v, key=lambda r: natural_key(r["claim"])) for k, v in sorted(groups.items())}


def _axis_range(group: list[dict], rules: dict) -> tuple[float, float]:
    xs = [x for row in group for x in _scale_of(row, rules.get(row["claim"]))] or [0.0, 1.0]
    pad = 0.08 * (max(xs) - min(xs) or abs(max(xs)) or 1.0)
    return min(xs) - pad, max(xs) + pad


def _row_regions(ax, y: float, rule, lo: float, hi: float) -> None:
    """The claim's support (green) and refute (red) regions as a band around its row y."""
    if rule is None:
        return
    for region, color in ((rule.support, COLORS["supported"]), (rule.refute, COLORS["refuted"])):
        for a, b in (_spans(region, lo, hi) if region is not None else []):
            ax.fill_betweenx([y - 0.42, y + 0.42], max(a, lo), min(b, hi), color=color, alpha=0.16, lw=0)


def _panel(ax, label: str, group: list[dict], rules: dict) -> None:
    """One shared x axis for ``group``: each claim a row with its regions, CI bar and effect point."""
    lo, hi = _axis_range(group, rules)
    ys = list(range(len(group)))[::-1]  # the first claim at the top
    for y, row in zip(ys, group):
        _row_regions(ax, y, rules.get(row["claim"]), lo, hi)
    _errorbars(ax, ys, group, horizontal=True)
    if lo < 0 < hi:
        ax.axvline(0.0, color="#616161", lw=0.8)
    ax.set_xlim(lo, hi)
    ax.set_ylim(-0.6, len(group) - 0.4)
    ax.set_yticks(ys, [row["claim"] for row in group], fontsize=10)
    ax.set_xlabel(label, fontsize=10)
    ax.tick_params(axis="x", labelsize=9)
    ax.grid(axis="x", alpha=0.3)


def _legend(fig: Figure) -> None:
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    handles = [Patch(color=COLORS["supported"], alpha=0.3, label="support region"),
               Patch(color=COLORS["refuted"], alpha=0.3, label="refute region"),
               *(Line2D([], [], color=c, marker="o", lw=2, label=f"{s}: effect and 95% CI") for s, c in COLORS.items())]
    fig.legend(handles=handles, loc="outside lower center", ncol=3, fontsize=9, frameon=False)


def verdict_plot(suite: str, rows: list[dict], rules: dict, path: Path) -> Path:
    """Every claim of ``suite`` as effect and 95% CI over its support and refute regions, claims of one
    unit on one shared axis (a panel per unit), so that rows can be compared."""
    groups = unit_groups(rows, rules)
    heights = [len(g) + 1.2 for g in groups.values()]
    fig = Figure(figsize=(8.0, 0.42 * sum(heights) + 1.4), layout="constrained")
    axes = fig.subplots(len(groups), 1, squeeze=False, height_ratios=heights)[:, 0]
    for ax, (label, group) in zip(axes, groups.items()):
        _panel(ax, label, group, rules)
    fig.suptitle(f"{suite}: effect and 95% CI of each claim", fontsize=12)
    _legend(fig)
    return _save(fig, path)
