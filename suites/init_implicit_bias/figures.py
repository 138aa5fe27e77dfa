"""Pictures of the init_implicit_bias suite: distance to x_l1 and x_l2 against alpha, one line per depth."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def regime_picture(frame, out_dir: Path) -> list[Path]:
    """d_l1 and d_l2 (replicate means) of the F-shape fixed-rule diagonal networks against alpha, per depth D."""
    sel = frame[(frame["experiment"] == "diag") & (frame["case"].str.startswith("diag[")) &
                (frame.get("family") == "shape") & (frame.get("rule") == "fixed") & (frame.get("c") == 0.2)]
    if sel.empty:
        return []
    fig, axes = plt.subplots(1, 2, figsize=(9, 3.6), sharex=True)
    labels = ("distance to min-l1 solution", "distance to min-l2 solution")
    for ax, metric, label in zip(axes, ("d_l1", "d_l2"), labels):
        rows = sel[sel["metric"] == metric]
        for D, part in rows.groupby("D"):
            mean = part.groupby("alpha")["value"].mean()
            ax.loglog(mean.index, mean.values, marker="o", label=f"D = {int(D)}")
        ax.set_xlabel("initialisation scale alpha")
        ax.set_ylabel(label)
        ax.legend()
    fig.suptitle("Diagonal linear networks: rich (small alpha) to kernel (large alpha) regime")
    fig.tight_layout()
    path = Path(out_dir) / "init_implicit_bias_regimes.png"
    fig.savefig(path, dpi=120)
    plt.close(fig)
    return [path]
