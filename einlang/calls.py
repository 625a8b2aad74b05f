"""The per-call path: a repeated call is one dictionary lookup on a cheap key, then the kernel.

The first call with some names, shapes and dtypes goes the whole way (check, plan, prepare the runner,
compare its memory need with the limit); it leaves a :class:`FastCall` behind. The next call with the
same key, under the same options, finds it and calls its kernel with the tensors as given, in the
caller's order: no mapping merged, no list built, no option read beyond the one that says the entry
still holds (an options object is immutable, so ``is`` is the whole test).

>>> import numpy as np
>>> from einlang.backends import Runner
>>> kernel = positional(Runner(lambda inputs: inputs[0] - inputs[1]), positions=(1, 0), count=2)
>>> kernel(np.float64(1.0), np.float64(10.0))  # the caller gave (y, x); the runner wants (x, y)
np.float64(9.0)
"""

from __future__ import annotations

import operator
import weakref
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import errors as E
from .backends import Runner
from .catalog import on_registration
from .config import Options
from .records import record

# the part of each operand a cached call depends on: its array type (a JAX array of numpy's shape and
# dtype runs on JAX), shape and dtype (C-level: no Python frame per operand)
operand_key = operator.attrgetter("__class__", "shape", "dtype")


def guarded(kernel: Callable[..., Any], *args: Any, who: str = "") -> Any:
    """``kernel(*args)``, with numpy's refusals (``ArithmeticError``, ``TypeError``, ``ValueError``) as
    :class:`~einlang.errors.InputValueError`; einlang's own errors pass through."""
    try:
        return kernel(*args)
    except E.EinlangError:
        raise
    except Exception as exc:
        if holds_objects(args):  # the entries' own arithmetic failed: their exception, with a note
            E.with_note(exc, who)
            raise
        if isinstance(exc, E.COMPUTE_ERRORS):
            raise E.cannot_compute(exc, who) from None
        raise


def holds_objects(args: Sequence[Any]) -> bool:
    """Whether any argument (or any array in a list argument) is an object array."""
    for arg in args:
        if isinstance(arg, (list, tuple)) and holds_objects(arg):
            return True
        if getattr(arg, "dtype", None) == object:
            return True
    return False


@record
class FastCall:
    """What a repeated call reuses: its kernel, valid while ``options`` are the options in force."""

    kernel: Callable[..., Any]  # the operands, in the caller's order -> the result
    options: Options


def positional(runner: Runner, positions: Sequence[int], count: int) -> Callable[..., Any]:
    """The runner as a function of ``count`` operands in the caller's order; ``positions[k]`` is where
    the program's k-th input sits among them. A one-call program in the same order is its kernel.

    >>> import numpy as np
    >>> kernel = positional(Runner(lambda inputs: np.dot(*inputs), direct=np.dot), (0, 1), 2)
    >>> kernel is getattr(np.dot, "_implementation", np.dot), kernel(np.eye(2), np.ones(2))
    (True, array([1., 1.]))
    """
    direct, call, order = runner.direct, runner.call, tuple(positions)
    if direct is not None:
        # numpy.dot without its __array_function__ dispatch: the kernels kept here only ever receive exact
        # numpy arrays (see FastCalls.record), for which the dispatch finds no override and calls this
        # function anyway; skipping the check is a tenth of a 3×3 product's call
        direct = getattr(direct, "_implementation", direct)
    if direct is not None and order == tuple(range(count)):
        return direct
    if direct is not None:
        return lambda *values: direct(*[values[p] for p in order])
    if order == tuple(range(count)):
        return lambda *values: call(values)
    return lambda *values: call([values[p] for p in order])


class FastCalls:
    """A bounded map from call keys to :class:`FastCall` entries (cleared when full: a new working set
    re-records itself in one call each). Every registration of a function or backend empties them all,
    so the keys need not hold the registration count."""

    def __init__(self, maxsize: int) -> None:
        self.maxsize = maxsize
        self.entries: dict[Any, FastCall] = {}
        self.lookup = self.entries.get  # the per-call read, bound once (the dict is cleared, never replaced)
        _ALL.add(self)

    def record(self, key: Any, runner: Runner, positions: Sequence[int], values: Sequence[Any],
               options: Options) -> None:
        """Remember a call made with plain numpy arrays of numbers (object arrays are checked entry
        by entry on every call, so they always take the whole way)."""
        if not all(type(v) is np.ndarray and v.dtype != object for v in values):
            return
        if len(self.entries) >= self.maxsize:
            self.entries.clear()
        self.entries[key] = FastCall(positional(runner, positions, len(values)), options)

    def __len__(self) -> int:
        return len(self.entries)


_ALL: weakref.WeakSet[FastCalls] = weakref.WeakSet()


def _forget_all() -> None:
    for calls in list(_ALL):
        calls.entries.clear()


on_registration(_forget_all)
