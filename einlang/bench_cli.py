"""``einlang bench``: time an expression on every backend across sizes, as a table or a chart.

>>> tensor_ranks("A_ij B_jk + C_ik")
{'A': 2, 'B': 2, 'C': 2}
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from .backends import available_backends
from .semantics.inputs import input_ranks
from .syntax.parser import parse
from .timing import Timing, format_seconds, format_table, time_backends

PLOT_INSTALL_HINT = "pip install 'einlang[plot]'   (or: pip install matplotlib)"


# -- einlang bench ------------------------------------------------------------------------------------
def tensor_ranks(text: str) -> dict[str, int]:
    """The tensors an expression reads and how many indices each has (``A_ij`` -> A: 2), from the text
    alone: ``bench`` makes random tensors of these ranks with every index of size n."""
    return input_ranks(parse(text))


@dataclass(slots=True)
class BenchRow:
    size: int
    timings: list[Timing]


def bench(
    text: str,
    sizes: Sequence[int],
    backends: Sequence[str] | None = None,
    seed: int = 0,
    budget: float = 0.1,
    progress: Callable[[str], None] | None = None,
) -> list[BenchRow]:
    """Time ``text`` on each backend for each size n (every index of every tensor has size n)."""
    from .session import Session

    ranks = tensor_ranks(text)
    rng = np.random.default_rng(seed)
    rows = []
    for n in sizes:
        session = Session(**{name: rng.random((n,) * rank) for name, rank in ranks.items()})
        bound = session.bound(text)
        inputs = [session[name] for name in bound.input_names]
        if progress:
            progress(f"n = {n} ...")
        rows.append(BenchRow(n, time_backends(bound, inputs, backends or available_backends(), budget=budget)))
    return rows


def format_bench(rows: Sequence[BenchRow]) -> str:
    backends = [t.backend for t in rows[0].timings] if rows else []
    table = [("n", *backends)]
    skipped = False
    for row in rows:
        cells = []
        for t in row.timings:
            if t.seconds is None:
                cells.append("—")
                skipped = True
            else:
                cells.append(format_seconds(t.seconds) + ("" if t.agrees in (None, True) else " (differs!)"))
        table.append((str(row.size), *cells))
    text = format_table(table, right=range(len(table[0])))
    if skipped:
        text += "\n— skipped: over the naive iteration limit or the memory limit"
    return text


def bench_figure(rows: Sequence[BenchRow], text: str) -> Any:
    """Time against size for each backend, log-log, as a matplotlib figure (the caller checked that
    matplotlib is installed). The x axis is labelled at every size measured: a log axis would otherwise
    label only the powers of ten, often just 10 and 100."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FixedLocator, NullLocator, StrMethodFormatter

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    backends = [t.backend for t in rows[0].timings] if rows else []
    for k, backend in enumerate(backends):
        points = [(row.size, row.timings[k].seconds) for row in rows if row.timings[k].seconds is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o", label=backend)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.xaxis.set_major_locator(FixedLocator([row.size for row in rows]))
    ax.xaxis.set_major_formatter(StrMethodFormatter("{x:g}"))
    ax.xaxis.set_minor_locator(NullLocator())
    ax.set_xlabel("n (size of every index)")
    ax.set_ylabel("time per evaluation (s)")
    ax.set_title(f"einlang bench: {text}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    return fig


def plot_bench(rows: Sequence[BenchRow], text: str, path: str) -> None:
    """Draw :func:`bench_figure` into a PNG file."""
    import matplotlib.pyplot as plt

    fig = bench_figure(rows, text)
    fig.savefig(path)
    plt.close(fig)


def have_matplotlib() -> bool:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return False
    return True


def _sizes(text: str) -> list[int]:
    try:
        sizes = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"sizes are positive integers separated by commas, not {text!r}") from None
    if not sizes or any(n <= 0 for n in sizes):
        raise argparse.ArgumentTypeError(f"sizes are positive integers separated by commas, not {text!r}")
    return sizes


def _backend_list(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [n for n in names if n not in available_backends()]
    if unknown or not names:
        raise argparse.ArgumentTypeError(
            f"unknown backend {', '.join(unknown) or text!r}; available: {', '.join(available_backends())}"
        )
    return names


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "bench",
        help="time an expression on every backend across sizes",
        description="Time EXPR on every backend for each size n: every index of every tensor has size n, "
        "tensors are random floats. Prints a table; --plot draws time against n (needs matplotlib).",
    )
    parser.add_argument("expr", metavar="EXPR", help='an einlang expression, e.g. "A_ij B_jk"')
    parser.add_argument("--sizes", type=_sizes, default=[10, 20, 50, 100], help="comma-separated sizes (default 10,20,50,100)")
    parser.add_argument("--backends", type=_backend_list, default=None, help="comma-separated backends (default: all)")
    parser.add_argument("--plot", metavar="OUT.png", help="draw time against size (log scale) into this PNG file")
    parser.add_argument("--seed", type=int, default=0, help="seed of the random tensors")
    return parser


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """``einlang bench``: 0 on success, 1 on an einlang error, 2 when --plot cannot be honoured."""
    if args.plot and not have_matplotlib():
        # checked before timing anything: the user asked for a chart we cannot draw
        print(f"einlang bench: --plot needs matplotlib, which is not installed.\n  install it with: {PLOT_INSTALL_HINT}",
              file=err)
        return 2
    print(f"bench: {args.expr}   (every index has size n; random float64 tensors)", file=out)
    rows = bench(args.expr, args.sizes, args.backends, seed=args.seed)
    print(format_bench(rows), file=out)
    if args.plot:
        plot_bench(rows, args.expr, args.plot)
        print(f"plot written to {args.plot}", file=out)
    return 0
