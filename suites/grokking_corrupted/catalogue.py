"""The metrics a grokking_corrupted record may carry (spec D7-D15), with units, directions and the range each value
can take (accuracies, shares and ratios to a maximum lie in [0, 1]; step counts and norms are unbounded above)."""
from __future__ import annotations

import math

from redshift import UNBOUNDED, Metric
from suites.grokking_corrupted.config import SMOKE
from suites.grokking_corrupted.records import PRUNE_KEYS, prune_metric

_ACC = {
    "a_train": "training accuracy vs the noisy labels (D7)", "a_test": "test accuracy vs y (D7)",
    "a_clean": "accuracy on the clean training examples K (D7)", "a_mem": "memorisation: accuracy on C vs y~ (D7)",
    "a_inv": "inversion: accuracy on C vs the true labels (D7)",
    "a_fi": "full-inversion ceiling (|K| + |S|) / n_train (D8)", "peak_test": "max A_test over the history (D11)",
}
_SHARES = {
    "ipr_mean": "mean per-neuron IPR over live neurons (D10)", "ipr_share_low": "fraction of neurons with IPR < 0.2",
    "ipr_share_high": "fraction of neurons with IPR > 0.5", "ipr_share_mid": "fraction with 0.3 <= IPR <= 0.7",
    "ipr_dead": "fraction of dead neurons (D10)",
    "ipr_full_mean": "mean IPR, full-DFT variant (D9), at the network's horizon",
    "fi_gap": "A_train - A_FI (GC-10)",
    "inv_region": "1 in Partial or Full Inversion, else 0", "forgetting": "1 in Forgetting, else 0",
}
_STEPS = {
    "t_g50": "first checkpoint with A_test >= 0.5 (D13)", "t_peak": "first checkpoint at the A_mem peak (D13)",
    "t_unlearn": "first checkpoint after the peak with A_mem at half way to its final value (D13)",
    "lag": "Lambda = t_unl - t_g50 (D13)", "delay": "steps from A_train >= 0.99 to A_test >= 0.99 (GC-1)",
}
UNIT, POSITIVE = (0.0, 1.0), (0.0, math.inf)
_OTHER = {
    "mse_train": Metric("", "lower", 1e-4, "MSE vs the noisy labels over the training set (D5)", POSITIVE),
    "mse_test": Metric("", "lower", 1e-4, "MSE vs y over the test set (D5)", POSITIVE),
    "phase": Metric("code", "none", 0.0, "D11 phase: 0 Mem, 1 Coex, 2 Partial, 3 Full, 4 Forgetting, 5 Confusion",
                    (0.0, 5.0)),
    "phase_inv": Metric("code", "none", 0.0, "D11 variant phase_inv (by A_inv)", (0.0, 5.0)),
    "rho": Metric("rank", "none", 0.0, "D11 ladder index (NaN for Confusion)", (0.0, 4.0)),
    "norm_sq": Metric("", "none", 0.0, "||theta||^2 = ||U||^2 + ||V||^2 + ||W||^2 at the horizon (D14)", POSITIVE),
    "norm": Metric("", "none", 0.0, "||theta|| at the horizon (D14)", POSITIVE),
    "collapse": Metric("ratio", "none", 0.0, "||theta_T|| / max_t ||theta_t|| (D14)", UNIT),
    "mem_peak": Metric("fraction", "none", 0.01, "A_mem^pk = max_t A_mem(t) (D13)", UNIT),
    "unlearn": Metric("fraction", "none", 0.01, "Delta_unl = A_mem^pk - A_mem(T) (D13)", UNIT),
    "n_train": Metric("examples", "none", 0.0, "training-set size (D2)", POSITIVE),
    "n_noise": Metric("examples", "none", 0.0, "corrupted examples (D3)", POSITIVE),
    "r_gamma": Metric("", "higher", 0.02, "Pearson r of |gamma_k| with IPR_k (D15)", (-1.0, 1.0)),
    "log_r_gamma": Metric("log ratio", "higher", 0.02, "log R_gamma, mean |gamma| high- over low-IPR (D15)",
                          UNBOUNDED),
}


def _pruning() -> dict[str, Metric]:
    grid = [("low", f) for f in SMOKE.prune_fractions] + [("high", f) for f in SMOKE.prune_fractions]
    grid += [("random", f) for f in SMOKE.random_fractions]
    return {prune_metric(o, k, f): Metric("" if k.startswith("mse") else "fraction", "none", 0.01,
                                          f"{k} after pruning {o}-IPR-first a fraction {f:g} of neurons (D12)",
                                          POSITIVE if k.startswith("mse") else UNIT)
            for o, f in grid for k in PRUNE_KEYS}


METRICS: dict[str, Metric] = (
    {k: Metric("fraction", "higher" if k in ("a_test", "a_clean") else "none", 0.01, d, UNIT) for k, d in _ACC.items()}
    | {k: Metric("fraction", "none", 0.01, d, (-1.0, 1.0) if k == "fi_gap" else UNIT) for k, d in _SHARES.items()}
    | {f"ipr_hist{j}": Metric("fraction", "none", 0.01, f"share of live neurons with IPR in [{j / 10:g}, "
                              f"{(j + 1) / 10:g})", UNIT) for j in range(10)}
    | {k: Metric("steps", "none", 5.0, d, UNBOUNDED if k in ("lag", "delay") else POSITIVE)
       for k, d in _STEPS.items()}
    | _OTHER | _pruning()
)
