"""Limits and defaults, set globally or for a block of code.

>>> import einlang
>>> with einlang.options(naive_iteration_limit=1000):
...     einlang.get_options().naive_iteration_limit
1000
"""

from __future__ import annotations

import contextlib
import contextvars
import math
import os
from collections.abc import Callable, Iterator

from .records import fields, record, replace


def _physical_memory() -> int:
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (ValueError, OSError, AttributeError):  # pragma: no cover - non-POSIX
        return 8 * 2**30


@record
class Options:
    """``backend``: the default backend. ``naive_iteration_limit``: the naive backend refuses programs
    whose loops would run more iterations than this. ``memory_limit``: bytes; any backend refuses a plan
    whose result or largest intermediate needs more (default: half the physical memory).
    ``numpy_flop_limit``: the numpy backend (no path optimisation) refuses a product whose index
    combinations times operands exceed this (10**10 is about ten seconds of numpy.einsum).
    ``inline_limit``: syntax nodes that calls of einlang definitions may copy into one evaluation (each
    call inlines its body). ``library_iteration_limit``: iterations an iterative library function
    (power_iteration, pagerank) may run (one that converges sooner returns). ``exact_elimination_limit``:
    operations on fractions (each entry converted, divided or cleared) that exact row reduction of an
    integer matrix (det, inv, solve, rank) may do, counted as they are done.
    ``time_limit``: seconds one evaluation may run where no other limit bounds the work (exact fractions
    that grow, library iterations, the naive backend's loops), checked between iterations; ``math.inf``
    (the default) is none, a sandbox allows 5.

    ``precision``: decimals shown when a result is printed (:func:`einlang.display.format_value`).
    ``exact``: number literals are exact fractions, evaluated on the naive backend, so
    ``inv([[1, 2], [3, 4]])`` is ``[[-2, 1], [3/2, -1/2]]``."""

    backend: str = "opt"
    naive_iteration_limit: int = 10_000_000
    memory_limit: int = _physical_memory() // 2
    numpy_flop_limit: int = 10_000_000_000
    inline_limit: int = 20_000
    library_iteration_limit: int = 10_000
    exact_elimination_limit: int = 125_000
    time_limit: float = math.inf
    precision: int = 4
    exact: bool = False


LIMITS = ("naive_iteration_limit", "memory_limit", "numpy_flop_limit", "inline_limit", "library_iteration_limit",
          "exact_elimination_limit")
"""The options that are whole-number limits."""


_AUDIENCE: contextvars.ContextVar[str] = contextvars.ContextVar("einlang_audience", default="python")


@contextlib.contextmanager
def speaking_to(audience: str) -> Iterator[None]:
    """Errors raised inside the block give advice for ``audience``: ``"repl"`` (the REPL and ``einlang
    run``: ``:set``, ``:backend``) or ``"python"`` (``einlang.set_options``, keyword arguments)."""
    token = _AUDIENCE.set(audience)
    try:
        yield
    finally:
        _AUDIENCE.reset(token)


_SANDBOXED: contextvars.ContextVar[bool] = contextvars.ContextVar("einlang_sandboxed", default=False)


@contextlib.contextmanager
def sandboxed() -> Iterator[None]:
    """Limits refused inside the block say they cannot be raised (a sandbox's limits are its most).

    >>> with sandboxed():
    ...     raise_hint("memory_limit")
    "raise the limit outside a sandbox (a sandbox's memory_limit cannot be raised)"
    """
    token = _SANDBOXED.set(True)
    try:
        yield
    finally:
        _SANDBOXED.reset(token)


def advice(python: str, repl: str) -> str:
    """The hint for where the user is.

    >>> advice("einlang.set_options(precision=2)", ":set precision 2")
    'einlang.set_options(precision=2)'
    >>> with speaking_to("repl"):
    ...     advice("einlang.set_options(precision=2)", ":set precision 2")
    ':set precision 2'
    """
    return repl if _AUDIENCE.get() == "repl" else python


def raise_hint(option: str) -> str:
    """How to raise a limit, said for where the user is.

    >>> raise_hint("memory_limit")
    'raise the limit: einlang.set_options(memory_limit=...)'
    >>> with speaking_to("repl"):
    ...     raise_hint("naive_iteration_limit")
    'raise the limit: :set naive_iteration_limit 1e8'
    """
    if _SANDBOXED.get():  # the sandbox's limits are the most it allows
        return f"raise the limit outside a sandbox (a sandbox's {option} cannot be raised)"
    current = getattr(get_options(), option, None)
    example = "N"
    if isinstance(current, int) and current > 0:  # ten times the limit in force (memory: twice), as 1e8
        mantissa, _, exponent = f"{current * (2 if option == 'memory_limit' else 10):.2g}".partition("e")
        example = f"{mantissa}e{int(exponent)}" if exponent else mantissa
    elif isinstance(current, float) and math.isfinite(current):  # seconds: time_limit
        example = f"{current * 10:g}"
    return advice(f"raise the limit: einlang.set_options({option}=...)", f"raise the limit: :set {option} {example}")


def backend_hint(reason: str = "") -> str:
    """``use backend='opt' (the default)`` from Python, ``:backend opt`` in the REPL.

    >>> backend_hint(", which contracts pairwise")
    "use backend='opt' (the default), which contracts pairwise"
    """
    return advice(f"use backend='opt' (the default){reason}", f"switch with :backend opt (the default){reason}")


_global = [Options()]
_local: contextvars.ContextVar[Options | None] = contextvars.ContextVar("einlang_options", default=None)
# for the per-call path, which reads ``OPTIONS_IN_BLOCK.get() or GLOBAL_OPTIONS[0]`` without get_options' frame
GLOBAL_OPTIONS, OPTIONS_IN_BLOCK = _global, _local


def get_options() -> Options:
    """The options in force here (a ``with options(...)`` block, else the global ones)."""
    return _local.get() or _global[0]


def set_options(**changes) -> Options:
    """Change the global options: ``einlang.set_options(naive_iteration_limit=10**8)``."""
    _validate(changes)
    _global[0] = replace(_global[0], **changes)
    return _global[0]


@contextlib.contextmanager
def options(**changes) -> Iterator[Options]:
    """Options for the code inside a ``with`` block only (thread- and task-local)."""
    _validate(changes)
    token = _local.set(replace(get_options(), **changes))
    try:
        yield get_options()
    finally:
        _local.reset(token)


def _validate(changes: dict) -> None:
    from .errors import InputTypeError, InputValueError

    known = {f.name for f in fields(Options)}
    for key, value in changes.items():
        if key not in known:
            raise InputTypeError(f"unknown option {key!r}; the options are {', '.join(sorted(known))}")
        if key in LIMITS and (
            not isinstance(value, int) or isinstance(value, bool) or value < 0
        ):
            raise InputValueError(f"{key} must be a non-negative integer, not {value!r}")
        if key == "time_limit" and (not isinstance(value, (int, float)) or isinstance(value, bool) or not value > 0):
            raise InputValueError(f"time_limit must be a positive number of seconds (math.inf for none), not {value!r}")
        if key == "precision" and (not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 17):
            raise InputValueError(f"precision must be a whole number of decimals from 0 to 17, not {value!r}")
        if key == "exact" and not isinstance(value, bool):
            raise InputValueError(f"exact must be True or False, not {value!r}")
        if key == "backend":
            _backend_check[0](value)


def _any_backend(name: str) -> None:
    """Until the backends are imported there is nothing to check a name against."""


# config sits below the backends, so it does not import them: the backends package installs its
# lookup here (an unknown name raises UnknownBackendError listing the available ones)
_backend_check: list[Callable[[str], object]] = [_any_backend]


def set_backend_check(check: Callable[[str], object]) -> None:
    """Install the check ``set_options(backend=...)`` runs on a backend name."""
    _backend_check[0] = check
