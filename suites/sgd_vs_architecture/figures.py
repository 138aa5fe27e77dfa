"""Pictures of the main experiment: test accuracy against width and depth (G&C and SGD, 95% CI bands over
training sets) and -log2 P(fit) against n beside the coin-flip line -log2 P = n (spec anchor A5)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from suites.sgd_vs_architecture.config import SWEEP

METHODS = {"acc_gc": "G&C", "acc_sgd": "SGD"}


def _band(values: pd.Series) -> tuple[float, float, float]:
    """Mean and a normal-approximation 95% band over training sets (NaN-aware)."""
    v = values.dropna().to_numpy(dtype=float)
    if v.size == 0:
        return (np.nan,) * 3
    half = 1.96 * v.std(ddof=1) / np.sqrt(v.size) if v.size > 1 else 0.0
    return float(v.mean()), float(v.mean() - half), float(v.mean() + half)


def _curve(frame: pd.DataFrame, metric: str, x: str) -> pd.DataFrame:
    """Per x: mean over (pair, n) cells of each training set's value, then mean and band over sets."""
    sub = frame[frame["metric"] == metric]
    per_set = sub.groupby([x, "replicate"])["value"].mean()
    rows = [(k, *_band(g)) for k, g in per_set.groupby(level=0)]
    return pd.DataFrame(rows, columns=[x, "mean", "lo", "hi"])


def _sweep_plot(frame: pd.DataFrame, sweep: str, out_dir: Path) -> list[Path]:
    import matplotlib.pyplot as plt

    paths = []
    for arch in sorted(a for a in frame["arch"].dropna().unique() if SWEEP.get(a) == sweep):
        fam = frame[frame["arch"] == arch]
        fig, ax = plt.subplots(figsize=(5, 3.5))
        for metric, label in METHODS.items():
            c = _curve(fam, metric, "size")
            ax.plot(c["size"], c["mean"], marker="o", label=label)
            ax.fill_between(c["size"], c["lo"], c["hi"], alpha=0.25)
        if sweep == "width":
            ax.set_xscale("log", base=2)
        ax.set_xlabel("width" if sweep == "width" else "hidden layers")
        ax.set_ylabel("test accuracy (%)")
        ax.set_title(f"{arch}: test accuracy vs {sweep}")
        ax.legend()
        path = out_dir / f"accuracy_vs_{sweep}_{arch}.png"
        fig.tight_layout()
        fig.savefig(path, dpi=110)
        plt.close(fig)
        paths.append(path)
    return paths


def _acceptance_plot(frame: pd.DataFrame, out_dir: Path) -> Path:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for (arch, size), sub in frame.groupby(["arch", "size"]):
        c = _curve(sub, "gc_neglog2p", "n")
        what = "width" if SWEEP.get(arch) == "width" else "hidden layers"
        ax.plot(c["n"], c["mean"], marker="o", label=f"{arch}, {what} {size}")
        ax.fill_between(c["n"], c["lo"], c["hi"], alpha=0.2)
    ns = np.sort(frame["n"].dropna().unique())
    ax.plot(ns, ns, "k--", label="coin flip: n")
    ax.set_xlabel("training-set size n")
    ax.set_ylabel("-log2 P(fit)")
    ax.legend(fontsize=8, title="architecture, size", title_fontsize=8)
    path = out_dir / "neglog2p_vs_n.png"
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def figures(frame: pd.DataFrame, out_dir: Path) -> list[Path]:
    """Write the PNG files into out_dir and return their paths (nothing when the frame is empty)."""
    if frame.empty or "arch" not in frame:
        return []
    import matplotlib

    matplotlib.use("Agg")
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = _sweep_plot(frame, "width", out_dir) + _sweep_plot(frame, "depth", out_dir)
    return paths + [_acceptance_plot(frame, out_dir)]
