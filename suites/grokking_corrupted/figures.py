"""Pictures of a full-batch run: the phase diagram (regulariser strength x corruption, coloured by modal phase) and
the per-neuron IPR histograms (spec D10, D11; paper Figs. 1 and 4)."""
from __future__ import annotations

from pathlib import Path

import numpy as np

PHASES = ("Memorization", "Coexistence", "Partial Inv.", "Full Inv.", "Forgetting", "Confusion")
COLOURS = ("#d62728", "#2ca02c", "#bcbd22", "#1f77b4", "#7f7f7f", "#000000")
SKIP = ("clean", "dynamics", "width")


def _cells(frame, reg: str):
    """{(strength, xi): (modal phase, agreement)} at the most common alpha (ties: nearest 0.5, the paper's
    default); largest horizon per cell."""
    rows = frame[(frame.metric == "phase") & ~frame.family.isin(SKIP)]
    other = "q" if reg == "wd" else "wd"
    rows = rows[rows[other] == 0.0]
    if rows.empty:
        return {}
    modes = rows.alpha.mode().to_numpy()
    rows = rows[rows.alpha == modes[np.argmin(np.abs(modes - 0.5))]].dropna(subset=["value"])
    rows = rows[rows["T"] == rows.groupby([reg, "xi"])["T"].transform("max")]
    out = {}
    for (s, xi), grp in rows.groupby([reg, "xi"]):  # one cell per group (plotting, not a hot path)
        codes = grp.value.astype(int).to_numpy()
        mode = np.bincount(codes, minlength=6).argmax()
        out[(float(s), float(xi))] = (int(mode), float(np.mean(codes == mode)))
    return out


def _draw(ax, cells: dict, label: str) -> None:
    xs, ys = sorted({k[0] for k in cells}), sorted({k[1] for k in cells})
    for (s, xi), (mode, agree) in cells.items():
        i, j = xs.index(s), ys.index(xi)
        ax.add_patch(_rect(i, j, COLOURS[mode]))
        ax.text(i, j, f"{PHASES[mode]}\n{agree:.0%}", ha="center", va="center", fontsize=7,
                color="white" if mode in (0, 3, 5) else "black")
    ax.set_xlim(-0.5, len(xs) - 0.5)
    ax.set_ylim(-0.5, len(ys) - 0.5)
    ax.set_xticks(range(len(xs)), [f"{x:g}" for x in xs])
    ax.set_yticks(range(len(ys)), [f"{y:g}" for y in ys])
    ax.set_xlabel(label)
    ax.set_ylabel("corruption fraction xi")


def _rect(i: int, j: int, colour: str):
    from matplotlib.patches import Rectangle

    return Rectangle((i - 0.5, j - 0.5), 1, 1, color=colour)


def phase_diagram(frame, out_dir: Path) -> Path | None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [(reg, label, _cells(frame, reg)) for reg, label in
              (("wd", "weight decay lambda"), ("q", "dropout rate q"))]
    panels = [p for p in panels if p[2]]
    if not panels:
        return None
    fig, axes = plt.subplots(1, len(panels), figsize=(4.5 * len(panels), 4), squeeze=False)
    for ax, (_, label, cells) in zip(axes[0], panels):
        _draw(ax, cells, label)
    fig.suptitle("Phase at each case's horizon (modal over replicates, agreement in %)")
    fig.tight_layout()
    path = Path(out_dir) / f"{_prefix(frame)}phase_diagram.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def ipr_histogram(frame, out_dir: Path) -> Path | None:
    """Per-neuron IPR histograms of the ladder networks (mean over replicates), one bar group per lambda."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = frame[frame.metric.str.startswith("ipr_hist") & (frame.family == "ladder")].dropna(subset=["value"])
    if rows.empty:
        return None
    fig, ax = plt.subplots(figsize=(6, 3.5))
    decays = sorted(rows.wd.unique())
    width = 0.8 / len(decays)
    for k, wd in enumerate(decays):
        sub = rows[rows.wd == wd]
        heights = sub.groupby("metric").value.mean().reindex([f"ipr_hist{j}" for j in range(10)]).to_numpy()
        ax.bar(np.arange(10) * 0.1 + 0.05 + (k - len(decays) / 2 + 0.5) * width * 0.1, heights,
               width=width * 0.1, label=f"lambda = {wd:g} (T = {int(sub['T'].iloc[0])})")
    ax.set_xlabel("per-neuron IPR (D10)")
    ax.set_ylabel("share of live neurons")
    ax.legend(fontsize=7)
    fig.tight_layout()
    path = Path(out_dir) / f"{_prefix(frame)}ipr_histogram.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return path


def _prefix(frame) -> str:
    """File-name prefix: none for the fullbatch experiment, '<experiment>_' for others (one folder per suite)."""
    return _prefix_of(_experiment(frame))


def _experiment(frame) -> str:
    return str(frame.experiment.iloc[0]) if "experiment" in frame and len(frame) else "fullbatch"


def _prefix_of(experiment: str) -> str:
    return "" if experiment == "fullbatch" else f"{experiment}_"


def figures(frame, out_dir: Path) -> list[Path]:
    """The experiment's figures function: the files it wrote (phase diagram, IPR histogram, dynamics)."""
    if frame.empty:
        return []
    drawn = [p for p in (phase_diagram(frame, out_dir), ipr_histogram(frame, out_dir)) if p is not None]
    return drawn + merge_dynamics(out_dir, _experiment(frame))


def _dynamics_folder(out_dir: Path, experiment: str) -> Path:
    return Path(out_dir) / "dynamics" / experiment


def write_dynamics_part(frames: list, out_dir: Path, experiment: str, kind: tuple) -> Path:
    """One population kind's checkpoint histories (every network it trained) as
    dynamics/<experiment>/p<p>_N<N>_alpha<alpha>_xi<xi>[_dropout].csv; the name depends on the kind alone, so
    a chunk rerun (or computed elsewhere) writes the same file."""
    import pandas as pd

    p, n, alpha, xi, dropout = kind
    folder = _dynamics_folder(out_dir, experiment)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"p{p}_N{n}_alpha{alpha:g}_xi{xi:g}{'_dropout' if dropout else ''}.csv"
    pd.concat(frames, ignore_index=True).to_csv(path, index=False)
    return path


def merge_dynamics(out_dir: Path, experiment: str) -> list[Path]:
    """The per-kind histories of ``experiment`` merged (in file-name order) into <prefix>dynamics.csv and drawn as
    <prefix>dynamics.png; nothing when no part was written here (e.g. chunks computed on another machine's disk)."""
    import pandas as pd

    parts = sorted(_dynamics_folder(out_dir, experiment).glob("*.csv"))
    if not parts:
        return []
    return write_dynamics([pd.read_csv(p) for p in parts], out_dir, _prefix_of(experiment))


def write_dynamics(frames: list, out_dir: Path, prefix: str = "") -> list[Path]:
    """dynamics.csv (all checkpoint histories) and dynamics.png (replicate 0 of the ladder networks at the most
    common alpha and xi, q = 0): A_test, A_mem and A_inv along training (spec D13, GC-12)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import pandas as pd

    frame = pd.concat(frames, ignore_index=True)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out / f"{prefix}dynamics.csv", index=False)
    sel = frame[(frame.replicate == 0) & (frame.q == 0.0) & (frame.xi == frame.xi.mode().iloc[0])
                & (frame.alpha == frame.alpha.mode().iloc[0])]
    decays = sorted(sel.wd.unique())
    fig, axes = plt.subplots(1, len(decays), figsize=(3.2 * len(decays), 3), squeeze=False, sharey=True)
    for ax, wd in zip(axes[0], decays):
        sub = sel[sel.wd == wd].sort_values("step")
        for key, colour in (("a_test", "C0"), ("a_mem", "C3"), ("a_inv", "C2")):
            ax.plot(sub.step, sub[key], color=colour, label=key)
        ax.set_title(f"lambda = {wd:g}", fontsize=9)
        ax.set_xlabel("step")
    axes[0][0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out / f"{prefix}dynamics.png", dpi=110)
    plt.close(fig)
    return [out / f"{prefix}dynamics.csv", out / f"{prefix}dynamics.png"]
