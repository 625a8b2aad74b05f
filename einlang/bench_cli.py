"""Timing expressions on every backend: the REPL's ``:time`` and ``:compare`` and ``einlang bench``.

>>> format_seconds(0.00042)
'420 µs'
>>> format_seconds(2.5)
'2.50 s'
>>> tensor_ranks("A_ij B_jk + C_ik")
{'A': 2, 'B': 2, 'C': 2}
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import timeit
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TextIO

import numpy as np

from . import errors as E
from .backends import available_backends
from .program import BoundProgram
from .semantics.lower import SPECIAL_NAMES
from .syntax import ast
from .syntax.parser import parse

PLOT_INSTALL_HINT = "pip install 'einlang[plot]'   (or: pip install matplotlib)"


def format_seconds(seconds: float) -> str:
    """A duration with three significant digits and a unit a person reads at a glance."""
    unit, scale = next(((u, s) for u, s in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)) if seconds >= s), ("ns", 1e-9))
    value = seconds / scale
    number = f"{value:.2f}" if value < 10 else f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return f"{number} {unit}"


def measure(fn: Callable[[], Any], budget: float = 0.25, repeat: int = 5) -> tuple[float, Any]:
    """Median seconds per call of ``fn`` and its value. One timed call first; a call slower than the
    budget is not repeated (naive loops); fast calls run in batches so the timer's resolution does not
    dominate."""
    start = time.perf_counter()
    value = fn()
    first = time.perf_counter() - start
    if first >= budget:
        return first, value
    number = max(1, min(100_000, int(budget / repeat / max(first, 1e-7))))
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number, value


@dataclass(slots=True)
class Timing:
    """One backend's run of an expression: median seconds (``None`` when skipped), value, agreement."""

    backend: str
    seconds: float | None
    value: Any = None
    note: str = ""
    agrees: bool | None = None


def results_agree(value: Any, reference: Any) -> bool:
    """Equal up to floating-point rounding (different summation orders round differently)."""
    a, b = np.asarray(value), np.asarray(reference)
    if a.shape != b.shape:
        return False
    if a.dtype == object or b.dtype == object:
        try:
            a, b = a.astype(complex), b.astype(complex)
        except (TypeError, ValueError):
            return bool(np.all(a == b))
    scale = float(np.max(np.abs(b))) if b.size else 0.0
    return bool(np.allclose(a, b, rtol=1e-9, atol=1e-12 * max(scale, 1.0), equal_nan=True))


def time_backends(
    bound: BoundProgram, inputs: Sequence[Any], backends: Sequence[str] | None = None, budget: float = 0.25
) -> list[Timing]:
    """Run a bound program on each backend; the first backend that runs is the reference for agreement."""
    timings: list[Timing] = []
    reference: Any = None
    for backend in backends or available_backends():
        try:
            # over the naive iteration limit or the memory limit, the runner (or its first call) says so
            # before any work is done: that backend is skipped with the reason
            run = bound.runner(backend)
            seconds, value = measure(lambda run=run: run(list(inputs)), budget=budget)
        except E.EinlangError as err:
            timings.append(Timing(backend, None, note=err.message))
            continue
        if reference is None:
            reference, agrees = value, None
        else:
            agrees = results_agree(value, reference)
        timings.append(Timing(backend, seconds, value, agrees=agrees))
    return timings


def format_comparison(timings: Sequence[Timing]) -> str:
    """The ``:compare`` table: time, speedup over naive, and whether each result agrees."""
    naive = next((t.seconds for t in timings if t.backend == "naive"), None)
    reference = next((t.backend for t in timings if t.seconds is not None), None)
    rows = [("backend", "time", "speedup over naive", "result")]
    for t in timings:
        if t.seconds is None:
            rows.append((t.backend, "skipped", "", t.note))
            continue
        speedup = f"{naive / t.seconds:,.1f}×" if naive and t.seconds > 0 else "n/a"
        if t.backend == reference:
            result = "reference"
        else:
            result = "agrees" if t.agrees else f"DIFFERS from {reference}"
        rows.append((t.backend, format_seconds(t.seconds), speedup, result))
    return format_table(rows)


def format_table(rows: Sequence[Sequence[str]], right: Sequence[int] = ()) -> str:
    """Columns padded to their widest cell, a rule under the header row; ``right`` columns right-aligned."""
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.rjust(w) if k in right else cell.ljust(w) for k, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- einlang bench ------------------------------------------------------------------------------------
def tensor_ranks(text: str) -> dict[str, int]:
    """The tensors an expression reads and how many indices each has (``A_ij`` -> A: 2), from the text
    alone: ``bench`` makes random tensors of these ranks with every index of size n."""
    program = parse(text)
    ranks: dict[str, int] = {}
    targets: set[str] = set()

    def note(name: str, rank: int, node: Any) -> None:
        if name in SPECIAL_NAMES:
            return
        if ranks.setdefault(name, rank) != rank:
            raise E.RankMismatchError(f"{name} is used with {ranks[name]} and with {rank} indices", [node.span])

    for stmt in program.statements:
        if isinstance(stmt, ast.Definition):
            continue
        for node in ast.walk(stmt.expr):
            if isinstance(node, ast.Word):
                node = node.split() or ast.Name(node.text, node.span)  # A_ij: A with 2 indices; alpha: a scalar
            if isinstance(node, (ast.Access, ast.Name)):
                note(node.name, len(node.indices) if isinstance(node, ast.Access) else 0, node)
        if isinstance(stmt, ast.Assignment):  # the name being assigned is not an input
            target = stmt.target
            targets.add((target.split() or ast.Name(target.text)).name if isinstance(target, ast.Word) else target.name)
    return {name: rank for name, rank in ranks.items() if name not in targets}


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
        rows.append(BenchRow(n, time_backends(bound, inputs, backends, budget=budget)))
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


def plot_bench(rows: Sequence[BenchRow], text: str, path: str) -> None:
    """Time against size for each backend, log-log (matplotlib; the caller checked it is installed)."""
    import matplotlib

    matplotlib.use("Agg")  # files only: no display needed
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.4, 4.8), dpi=100)
    backends = [t.backend for t in rows[0].timings] if rows else []
    for k, backend in enumerate(backends):
        points = [(row.size, row.timings[k].seconds) for row in rows if row.timings[k].seconds is not None]
        if points:
            xs, ys = zip(*points)
            ax.plot(xs, ys, marker="o", label=backend)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("n (size of every index)")
    ax.set_ylabel("time per evaluation (s)")
    ax.set_title(f"einlang bench: {text}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
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
