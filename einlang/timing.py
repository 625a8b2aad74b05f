"""Timing and the tables that show timings: the REPL's ``:time`` and ``:compare``, ``einlang bench``,
``python -m einlang.bench`` and the plan's step table share these.

A foundation module (standard library, numpy and einlang's errors only), so every layer may use it.

>>> format_seconds(0.00042), format_seconds(2.5)
('420 µs', '2.50 s')
>>> print(format_table([("backend", "time"), ("naive", "1.20 ms"), ("opt", "8.00 µs")], right=[1]))
backend     time
-------  -------
naive    1.20 ms
opt      8.00 µs
"""

from __future__ import annotations

import time
from collections.abc import Callable, Collection, Sequence
from functools import partial
from typing import Any, Protocol

import numpy as np

from . import errors as E
from .records import record


def format_seconds(seconds: float) -> str:
    """A duration with three significant digits and a unit a person reads at a glance."""
    unit, scale = next(((u, s) for u, s in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)) if seconds >= s), ("ns", 1e-9))
    value = seconds / scale
    number = f"{value:.2f}" if value < 10 else f"{value:.3g}" if value < 100 else f"{value:.0f}"
    return f"{number} {unit}"


def format_duration(seconds: float) -> str:
    """Like :func:`format_seconds`, but minutes past two of them (an estimate of a long run).

    >>> format_duration(1.5), format_duration(600)
    ('1.50 s', '10 min')
    """
    return format_seconds(seconds) if seconds < 120 else f"{seconds / 60:.0f} min"


def format_table(rows: Sequence[Sequence[str]], right: Collection[int] = ()) -> str:
    """Columns padded to their widest cell, a rule under the header row; ``right`` columns right-aligned."""
    widths = [max(len(row[k]) for row in rows) for k in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        cells = [cell.rjust(w) if k in right else cell.ljust(w) for k, (cell, w) in enumerate(zip(row, widths))]
        lines.append("  ".join(cells).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


# -- measuring ----------------------------------------------------------------------------------------
def measure(fn: Callable[[], Any], budget: float = 0.25, repeat: int = 5) -> tuple[float, Any]:
    """Median seconds per call of ``fn`` and its value. One timed call first; a call slower than the
    budget is not repeated (naive loops); fast calls run in batches so the timer's resolution does not
    dominate."""
    start = time.perf_counter()
    value = fn()
    first = time.perf_counter() - start
    if first >= budget:
        return first, value
    import statistics  # here, not at the top: the REPL imports this module on every start
    import timeit

    number = max(1, min(100_000, int(budget / repeat / max(first, 1e-7))))
    return statistics.median(timeit.repeat(fn, number=number, repeat=repeat)) / number, value


def best_time(fn: Callable[[], object], number: int, repeat: int) -> float:
    """CPU seconds per call: the best of ``repeat`` runs of ``number`` calls (what a benchmark compares;
    process time, so other programs on a shared machine do not count against either side)."""
    import timeit

    return min(timeit.repeat(fn, number=number, repeat=repeat, timer=time.process_time)) / number


def paired(fn_a: Callable[[], object], fn_b: Callable[[], object], number: int, repeat: int) -> tuple[float, float]:
    """Time two functions alternately so a noisy machine's slow moments land on both."""
    a, b = [], []
    for _ in range(repeat):
        a.append(best_time(fn_a, number, 1))
        b.append(best_time(fn_b, number, 1))
    return min(a), min(b)


# -- every backend on one expression --------------------------------------------------------------------
@record(frozen=False)
class Timing:
    """One backend's run of an expression: median seconds (``None`` when skipped), value, agreement."""

    backend: str
    seconds: float | None
    value: Any = None
    note: str = ""
    agrees: bool | None = None


def results_agree(value: Any, reference: Any) -> bool:
    """Equal up to floating-point rounding (different summation orders round differently).

    >>> results_agree([1.0, 2.0], [1.0, 2.0 + 1e-15]), results_agree([1.0], [1.1])
    (True, False)
    """
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


class Bound(Protocol):
    """A program bound to shapes (:class:`einlang.program.BoundProgram`): it has a runner per backend."""

    def runner(self, backend: str) -> Callable[[Sequence[Any]], Any]: ...


def time_backends(bound: Bound, inputs: Sequence[Any], backends: Sequence[str], budget: float = 0.25) -> list[Timing]:
    """Run a bound program on each backend; the first backend that runs is the reference for agreement.

    Over the naive iteration limit or the memory limit, the runner (or its first call) says so before
    any work is done: that backend is skipped with the reason.
    """
    timings: list[Timing] = []
    reference: Any = None
    for backend in backends:
        try:
            seconds, value = measure(partial(bound.runner(backend), list(inputs)), budget=budget)
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
