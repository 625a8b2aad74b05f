"""The benchmarks' own reports (in process): ``einlang bench``'s chart and ``python -m einlang.bench``'s rows."""

from __future__ import annotations

import pytest

from einlang import bench, bench_cli
from einlang.timing import Timing


def _rows(sizes):
    return [bench_cli.BenchRow(n, [Timing("naive", 1e-6 * n**3), Timing("opt", 1e-7 * n)]) for n in sizes]


@pytest.mark.slow  # draws a matplotlib chart (imports matplotlib: seconds)
def test_the_chart_labels_every_size_measured():
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    fig = bench_cli.bench_figure(_rows([10, 20, 50, 100, 200]), "A_ij B_jk")
    try:
        fig.canvas.draw()
        ax = fig.axes[0]
        assert [label.get_text() for label in ax.get_xticklabels()] == ["10", "20", "50", "100", "200"]
        assert ax.get_xscale() == "log" and ax.xaxis.get_minor_locator()() == []
    finally:
        plt.close(fig)


def test_the_large_matmul_row_shows_the_throughput_its_target_is_about():
    throughput, memory = bench.big_matmul(repeat=1, n=64)
    assert throughput.target.startswith("throughput")
    assert throughput.ratio == pytest.approx(throughput.reference_s / throughput.einlang_s)  # higher is better
    assert throughput.ok == (throughput.ratio >= 0.95)
    assert memory.ratio == pytest.approx(memory.einlang_s / memory.reference_s)
