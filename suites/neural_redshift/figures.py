"""Figures of the Neural Redshift suite for `redshift report`, drawn on matplotlib's Agg canvas (no pyplot state).

Each experiment's `figures(frame, out_dir) -> list[Path]` reads the long frame the report rebuilds from the
database (columns: suite, experiment, case, one column per case parameter, replicate, metric, value) and writes
PNGs named `<experiment>_<what>.png` into out_dir. Cell values are means over replicates (seeds; spec M13), with
error bars of one standard error where a figure draws lines.

- random_mlp: the Neural Redshift gallery (Teney et al. 2024, Fig. 1 analogue): replicate 0 of every plain cell at
  the deepest depth, regenerated from its seed (redshift.seed_for of the case name, as the run drew it) with the
  suite's own population code, one population forward, drawn as an image over [-1, 1]^2; and complexity heatmaps
  (activation x alpha, one panel per measure and depth, Fig. 4 analogue).
- width, bias, priors, code_protocol: C_hat against the swept factor (spec 3.1).
- guess_check: accepted test accuracy per family and trial (spec 3.2); modular_addition: test accuracy against the
  prefactor (Fig. 7 analogue); colored_digits: accuracies and complexity at initialisation against the prefactor
  (Fig. 9 analogue); random_gpt: C_seq against gamma per activation (Fig. 10 analogue); precision: float32 minus
  float64 C_hat of the same networks per measure (activation x A, one panel per depth; issue 12, item 3).
"""
from __future__ import annotations

from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from redshift import seed_for
from redshift.data.grids import grid_points
from redshift.nets.mlp import ACTIVATIONS, MLPConfig, mlp_forward, sample_mlps

WIDTH = 64  # random_mlp's width at every budget (random_nets.GridConfig)
GALLERY_GRID = 64  # G of the gallery images
GALLERY_ALPHAS = 6  # at most this many weight magnitudes in the gallery (evenly spaced over the grid's)
MEASURES = ("c_fourier", "c_cheb", "c_lz")  # heatmap rows (spec M3, M4, M7 in C_hat units)


def _save(fig: Figure, out_dir: Path, name: str) -> Path:
    """Write fig as out_dir/name.png (Agg canvas) and return the path."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(fig)
    path = out_dir / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    return path


def _fmt(value: object) -> str:
    """A parameter value for a label: integral floats without decimals."""
    return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)


def _levels(values: pd.Series) -> list:
    """Distinct values: numbers sorted; names with activations first in redshift.nets.mlp's order (relu, gelu,
    ..., sigmoid), the others after them in order of appearance."""
    found = list(pd.unique(values.dropna()))
    if all(isinstance(v, (int, float, np.number)) for v in found):
        return sorted(found)
    known = list(ACTIVATIONS)
    return sorted(found, key=lambda v: known.index(v) if v in known else len(known))  # stable for the others


def _select(frame: pd.DataFrame, metric: str, **where: object) -> pd.DataFrame:
    """Rows of one metric whose parameters equal `where` (absent parameter columns select nothing)."""
    rows = frame[frame["metric"] == metric]
    for key, value in where.items():
        rows = rows[rows[key] == value] if key in rows else rows.iloc[:0]
    return rows


def _cells(rows: pd.DataFrame, keys: Sequence[str]) -> pd.DataFrame:
    """Mean, standard error and count over replicates per cell of `keys`."""
    stats = rows.groupby(list(keys))["value"].agg(["mean", "std", "count"])
    stats["se"] = stats["std"].fillna(0.0) / np.sqrt(stats["count"])
    return stats


def _heatmaps(frame: pd.DataFrame, metrics: Sequence[str], panel: str, name: str, out_dir: Path, *,
              rows_key: str = "act", cols_key: str = "alpha", span: tuple[float, float] = (0.0, 1.0),
              cmap: str = "magma", label: str = "C_hat (mean over seeds)", **where: object) -> Path | None:
    """Cell means of each metric (one figure row) as rows_key x cols_key images, one panel per `panel` value."""
    present = [m for m in metrics if not _select(frame, m, **where).empty]
    if not present or panel not in frame:
        return None
    panels = _levels(_select(frame, present[0], **where)[panel])
    fig = Figure(figsize=(3.2 * len(panels) + 0.8, 2.6 * len(present)), layout="constrained")
    axes = np.asarray(fig.subplots(len(present), len(panels), squeeze=False))
    for i, metric in enumerate(present):
        for j, level in enumerate(panels):
            rows = _select(frame, metric, **where, **{panel: level})
            table = rows.groupby([rows_key, cols_key])["value"].mean().unstack(cols_key)
            table = table.reindex(index=_levels(rows[rows_key]), columns=_levels(rows[cols_key]))
            image = axes[i, j].imshow(table.to_numpy(float), vmin=span[0], vmax=span[1], cmap=cmap, aspect="auto")
            axes[i, j].set_xticks(range(table.shape[1]), [_fmt(c) for c in table.columns], fontsize=9,
                                  rotation=45 if table.shape[1] > 6 else 0, ha="right" if table.shape[1] > 6 else "center")
            axes[i, j].set_yticks(range(table.shape[0]), [str(r) for r in table.index], fontsize=9)
            axes[i, j].set_title(f"{metric}, {panel} = {_fmt(level)}", fontsize=10)
            axes[i, j].set_xlabel(cols_key, fontsize=9)
            axes[i, j].set_ylabel(rows_key, fontsize=9)
        fig.colorbar(image, ax=list(axes[i]), shrink=0.8, label=label)
    return _save(fig, out_dir, name)


def _axis(ax, x: str, levels: list, log_x: bool) -> None:
    """x axis of a line panel: log scale if asked, ticks at the grid's levels when there are few."""
    ax.set_xscale("log" if log_x else "linear")
    if 0 < len(levels) <= 9:
        ax.set_xticks(levels, [_fmt(v) for v in levels], fontsize=7)
        ax.minorticks_off()
    ax.set_xlabel(x, fontsize=8)
    ax.grid(alpha=0.3)


def _lines(frame: pd.DataFrame, metrics: Sequence[str], x: str, hue: str, name: str, out_dir: Path, *,
           panel: str | None = None, log_x: bool = False, **where: object) -> Path | None:
    """Cell means +- 1 SE of each metric against x, one line per hue value; panels: metrics x `panel` values."""
    present = [m for m in metrics if not _select(frame, m, **where).empty and x in frame and hue in frame]
    if not present:
        return None
    levels = _levels(frame[panel]) if panel is not None and panel in frame else [None]
    colour = {h: f"C{k % 10}" for k, h in enumerate(_levels(frame[hue]))}  # one colour per hue in every panel
    fig = Figure(figsize=(3.4 * len(levels), 2.6 * len(present)), layout="constrained")
    axes = np.asarray(fig.subplots(len(present), len(levels), squeeze=False))
    for i, metric in enumerate(present):
        for j, level in enumerate(levels):
            ax, at = axes[i, j], dict(where, **({panel: level} if level is not None else {}))
            rows = _select(frame, metric, **at)
            for h in _levels(rows[hue]):
                cells = _cells(rows[rows[hue] == h], [x])
                ax.errorbar(cells.index, cells["mean"], yerr=cells["se"], marker="o", ms=3, capsize=2,
                            color=colour[h], label=str(h))
            _axis(ax, x, _levels(rows[x]), log_x)
            ax.set_title(metric + (f", {panel} = {_fmt(level)}" if level is not None else ""), fontsize=10)
            if not rows.empty:
                ax.legend(fontsize=8, title=hue, title_fontsize=8)
    return _save(fig, out_dir, name)


def _gallery_cells(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per plain cell at the deepest depth (act, alpha, depth, case, c_fourier mean), at most
    GALLERY_ALPHAS alphas."""
    rows = _select(frame, "c_fourier", variant="plain")
    if rows.empty:
        return rows
    rows = rows[rows["depth"] == rows["depth"].max()]
    alphas = _levels(rows["alpha"])
    keep = [alphas[int(k)] for k in np.unique(np.linspace(0, len(alphas) - 1, min(GALLERY_ALPHAS, len(alphas))))]
    rows = rows[rows["alpha"].isin(keep)]
    return rows.groupby(["act", "alpha", "depth", "case"], as_index=False)["value"].mean()


def regenerate(cells: pd.DataFrame, suite: str, size: int) -> torch.Tensor:
    """Replicate 0 of each plain random_mlp cell (columns case, act, alpha, depth), drawn from the seed the run
    used (redshift.seed_for(suite, case name, 0)) and evaluated in one population forward: -> (n, G, G) float64."""
    seeds = torch.tensor([seed_for(suite, c, 0) for c in cells["case"]], dtype=torch.int64)  # (n,)
    alpha = torch.tensor(cells["alpha"].to_numpy(float))  # (n,)
    pop = sample_mlps(MLPConfig(width=WIDTH), seeds, list(cells["act"]), alpha, [int(d) for d in cells["depth"]])
    return mlp_forward(pop, grid_points(size)).reshape(-1, size, size)


def gallery(frame: pd.DataFrame, out_dir: Path) -> Path | None:
    """Replicate 0 of each plain (activation, alpha) cell at the deepest depth, regenerated from its seed and
    evaluated in one population forward on a G x G grid, as images with their cell's mean C_hat (M3)."""
    cells = _gallery_cells(frame)
    if cells.empty:
        return None
    acts, alphas = _levels(cells["act"]), _levels(cells["alpha"])
    values = regenerate(cells, str(frame["suite"].iloc[0]), GALLERY_GRID)  # (n, G, G)
    fig = Figure(figsize=(2.0 * len(alphas) + 0.6, 2.1 * len(acts)), layout="constrained")
    axes = np.asarray(fig.subplots(len(acts), len(alphas), squeeze=False))
    for ax in axes.flat:
        ax.set_axis_off()
    for k, cell in enumerate(cells.itertuples()):
        ax = axes[acts.index(cell.act), alphas.index(cell.alpha)]
        ax.imshow(values[k].T.numpy(), origin="lower", extent=(-1, 1, -1, 1), cmap="viridis")  # x1 right, x2 up
        ax.set_title(f"{cell.act}, alpha={_fmt(cell.alpha)}\nC={cell.value:.2f}", fontsize=9)
    fig.suptitle(f"random MLPs, L = {int(cells['depth'].iloc[0])}, width {WIDTH} (seed 0 of each cell)", fontsize=11)
    return _save(fig, out_dir, "random_mlp_gallery")


def _done(*paths: Path | None) -> list[Path]:
    return [p for p in paths if p is not None]


def random_mlp(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """The gallery and the plain-sweep heatmaps (activation x alpha per measure and depth)."""
    return _done(gallery(frame, out_dir),
                 _heatmaps(frame, MEASURES, "depth", "random_mlp_heatmaps", out_dir, variant="plain"))


def width(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """C_hat against width per activation, one panel per alpha (fixed-first convention)."""
    return _done(_lines(frame, ["c_fourier"], "width", "act", "width_c_fourier", out_dir, panel="alpha",
                        log_x=True, convention="fixed"))


def bias(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """C_hat against the bias bound beta per activation (alpha = 8)."""
    return _done(_lines(frame, ["c_fourier"], "beta", "act", "bias_c_fourier", out_dir, log_x=True,
                        alpha=float(frame["alpha"].max()) if "alpha" in frame else 0.0))


def priors(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Activation x alpha heatmaps per prior at the deepest depth."""
    deepest = frame["depth"].max() if "depth" in frame else None
    return _done(_heatmaps(frame, ["c_fourier"], "prior", "priors_heatmaps", out_dir, depth=deepest))


def code_protocol(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Activation x A heatmaps of C_hat under the code-faithful M2, one panel per depth (spec NR-12)."""
    return _done(_heatmaps(frame, ["c_fourier_raw"], "depth", "code_protocol_heatmaps", out_dir))


def guess_check(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Accepted test accuracy per family: one point per trial, the mean as a bar, the majority rate dashed."""
    rows = _select(frame, "test_acc")
    if rows.empty:
        return []
    runs, families = _levels(rows["n_tr"]), _levels(rows["family"])
    fig = Figure(figsize=(2.8 * len(runs), 2.6), layout="constrained")
    axes = np.asarray(fig.subplots(1, len(runs), squeeze=False))[0]
    for ax, n in zip(axes, runs):
        for k, fam in enumerate(families):
            acc = rows[(rows["n_tr"] == n) & (rows["family"] == fam)]["value"].dropna().to_numpy()
            jitter = np.linspace(-0.15, 0.15, acc.size) if acc.size > 1 else np.zeros(acc.size)
            ax.bar(k, acc.mean() if acc.size else np.nan, width=0.6, alpha=0.3)
            ax.plot(k + jitter, acc, "o", ms=3)
        ax.axhline(_select(frame, "majority", n_tr=n)["value"].mean(), ls="--", color="grey", lw=1)
        ax.set_xticks(range(len(families)), families)
        ax.set_ylim(0.0, 1.0)
        ax.set_title(f"accepted test accuracy, n_tr = {_fmt(n)}", fontsize=8)
    return [_save(fig, out_dir, "guess_check_accuracy")]


def modular_addition(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Test and training accuracy against the prefactor, one line per activation and panel per modulus."""
    return _done(_lines(frame, ["test_acc", "train_acc"], "alpha", "act", "modular_addition_accuracy", out_dir,
                        panel="modulus", log_x=True))


def colored_digits(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Colour and digit accuracy and C_hat at initialisation against the prefactor, per activation."""
    return _done(_lines(frame, ["colour_acc", "digit_acc", "c_fourier_init"], "alpha", "act",
                        "colored_digits_prefactor", out_dir, log_x=True))


def random_gpt(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """C_seq against the LayerNorm gain gamma, one line per activation and panel per depth."""
    return _done(_lines(frame, ["c_seq"], "gamma", "act", "random_gpt_c_seq", out_dir, panel="depth", log_x=True))


def precision(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """float32 minus float64 C_hat of the same networks: activation x A heatmaps per measure and depth."""
    return _done(_heatmaps(frame, ["d_fourier_raw", "d_fourier", "d_cheb", "d_lz"], "depth", "precision_heatmaps",
                           out_dir, span=(-1.0, 1.0), cmap="RdBu_r", label="float32 - float64 (C_hat, mean)"))
