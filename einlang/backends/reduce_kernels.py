"""Kernels of the reductions other than a sum (``max``, ``min``, ``prod``, ``logsumexp``, ``softmax``), for
numpy and for the array libraries that take its API (JAX, CuPy, dask) or their own (torch).

logsumexp and softmax subtract the maximum first, so entries of 1000 or -1000 neither overflow nor
vanish; a maximum that is not finite is replaced by 0 (an all -inf row gives -inf and zeros' 0/0 as
numpy's own formula would).

>>> import numpy as np
>>> from einlang.semantics import ir
>>> x = ir.Input("x", (2, 2), np.dtype(float))
>>> kernel = reduce_kernel(ir.Reduce("softmax", x, ("i", "j"), ("j",), (2, 2), np.dtype(float)))
>>> kernel(np.array([[1000.0, 1000.0], [-1000.0, 0.0]])).round(3).tolist()
[[0.5, 0.5], [0.0, 1.0]]
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import errors as E
from .. import symbolic
from ..records import record
from ..semantics import ir
from .ops import Kernel

Axes = tuple[int, ...]
Reducer = Callable[[Any, Axes, bool], Any]


@record
class Reductions:
    """One library's reductions over several axes (``keep``: keep them as size-1 axes) and the
    elementwise pieces logsumexp and softmax need; ``cast(x, dtype)`` converts to the result's dtype."""

    max: Reducer
    min: Reducer
    prod: Reducer
    sum: Reducer
    exp: Callable[[Any], Any]
    log: Callable[[Any], Any]
    finite: Callable[[Any], Any]  # the array with its non-finite entries replaced by 0
    cast: Callable[[Any, np.dtype], Any]


def numpy_like(xp: Any) -> Reductions:
    """The reductions of a library with numpy's API (numpy, jax.numpy, cupy, dask.array)."""

    def reducer(fn: Callable[..., Any]) -> Reducer:
        return lambda x, axes, keep: fn(x, axis=axes, keepdims=keep)

    return Reductions(
        max=reducer(xp.max), min=reducer(xp.min), prod=reducer(xp.prod), sum=reducer(xp.sum),
        exp=xp.exp, log=xp.log, finite=lambda m: xp.where(xp.isfinite(m), m, 0), cast=lambda x, d: x.astype(d),
    )


def torch_like(torch: Any) -> Reductions:
    """torch's reductions: amax/amin take several dims, prod one at a time."""

    def prod(x, axes, keep):
        for axis in sorted(axes, reverse=True):
            x = torch.prod(x, dim=axis, keepdim=keep)
        return x

    def cast(x, dtype):
        return x.to(getattr(torch, "bool" if dtype.kind == "b" else dtype.name))

    return Reductions(
        max=lambda x, axes, keep: torch.amax(x, dim=axes, keepdim=keep),
        min=lambda x, axes, keep: torch.amin(x, dim=axes, keepdim=keep),
        prod=prod,
        sum=lambda x, axes, keep: torch.sum(x, dim=axes, keepdim=keep),
        exp=torch.exp, log=torch.log, finite=lambda m: torch.where(torch.isfinite(m), m, torch.zeros_like(m)),
        cast=cast,
    )


NUMPY_REDUCTIONS = numpy_like(np)


def extreme(kind: str, acc: Any, value: Any) -> Any:
    """``max`` or ``min`` of two entries as numpy's (a nan wins, where Python's ``max`` would skip it);
    SymPy formulas, which have no order, give ``Max(a, b)``; other entries that cannot be compared, E404.

    >>> extreme("max", 1, float("nan")), extreme("min", 3, 2)
    (nan, 2)
    """
    try:
        if kind == "max":
            return acc if acc != acc or acc >= value else value
        return acc if acc != acc or acc <= value else value
    except TypeError as exc:
        if symbolic.is_symbolic(acc) or symbolic.is_symbolic(value):
            return symbolic.extreme(kind, acc, value)
        raise E.InputValueError(
            f"{kind} needs entries that can be compared: {exc}",
            hint="max and min compare real numbers (or SymPy formulas); reduce abs(z) or real(z) of others",
        ) from None


def _object_fold(node: ir.Reduce) -> Kernel:
    """max or min of an object array's entries, one axis at a time, with :func:`extreme`; an error
    points at the reduction."""
    fold = np.frompyfunc(functools.partial(extreme, node.kind), 2, 1)

    def reduce(x):
        try:
            for axis in sorted(node.axes, reverse=True):
                x = fold.reduce(x, axis=axis)
        except E.EinlangError as err:
            err.spans = err.spans or tuple(s for s in (node.span,) if s is not None)
            raise
        return x

    return reduce


def reduce_kernel(node: ir.Reduce, ops: Reductions = NUMPY_REDUCTIONS) -> Kernel:
    """The kernel computing ``node`` from its argument's array."""
    axes, dtype = node.axes, node.dtype
    empty = math.prod(node.arg.shape[a] for a in axes) == 0
    if node.kind in ("max", "min", "prod"):
        reducer = getattr(ops, node.kind)
        if node.kind == "prod":
            return lambda x: _as(ops, reducer(x, axes, False), dtype)
        if dtype == object:
            return _object_fold(node)
        return lambda x: reducer(x, axes, False)

    def shifted(x: Any) -> tuple[Any, Any]:
        """exp(x - m) and m, m the maximum along the axes (kept as size-1 axes; 0 where not finite)."""
        x = _as(ops, x, dtype)
        m = 0 if empty else ops.finite(ops.max(x, axes, True))
        return ops.exp(x - m), m

    if node.kind == "logsumexp":

        def logsumexp(x):
            e, m = shifted(x)
            with np.errstate(divide="ignore"):  # over no entries: log 0 = -inf, the empty sum's logarithm
                total = ops.log(ops.sum(e, axes, True)) + m
            return total.reshape(node.shape)

        return logsumexp

    def softmax(x):
        e, _ = shifted(x)
        with np.errstate(invalid="ignore"):  # a row of -inf: 0/0 is nan, as numpy's formula gives
            return e / ops.sum(e, axes, True)

    return softmax


def _as(ops: Reductions, x: Any, dtype: np.dtype) -> Any:
    """``x`` in ``dtype`` (a numpy scalar or an array of the library)."""
    current = getattr(x, "dtype", None)
    if current is None or current == dtype:
        return x
    try:
        if np.dtype(current) == dtype:
            return x
    except TypeError:  # a torch dtype: compare by the library's cast
        pass
    return ops.cast(x, dtype)
