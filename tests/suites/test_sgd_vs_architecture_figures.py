"""The acceptance picture's legend says what each number is (width or hidden layers)."""
import pandas as pd


def test_acceptance_legend_names_width_and_layers(tmp_path, monkeypatch):
    """depth16 size 1 reads 'hidden layers 1', mlp1 size 8 reads 'width 8' (not 'depth16 1')."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from suites.sgd_vs_architecture.figures import _acceptance_plot

    rows = [{"arch": arch, "size": size, "n": n, "replicate": r, "metric": "gc_neglog2p", "value": n + 0.1 * r}
            for arch, size in (("depth16", 1), ("mlp1", 8)) for n in (4, 8) for r in range(3)]
    closed = []
    monkeypatch.setattr(plt, "close", lambda fig: closed.append(fig))
    _acceptance_plot(pd.DataFrame(rows), tmp_path)
    labels = [t.get_text() for t in closed[0].axes[0].get_legend().get_texts()]
    assert "depth16, hidden layers 1" in labels and "mlp1, width 8" in labels
    assert closed[0].axes[0].get_legend().get_title().get_text() == "architecture, size"
