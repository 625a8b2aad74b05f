"""No silent wrong integers: an integer program whose sums could pass its dtype's range is refused.

numpy's integers wrap around without a word (``[10**11, 10**11]`` dotted with itself is
3729424098846048256 in int64). Before an integer program runs, a cheap bound decides whether that can
happen: the largest ``|entry|`` of each input (one pass over it), carried through the program — a
product's bound is its factors' bounds multiplied, times the number of terms its sum adds; a sum of terms
adds its terms' bounds. Where a bound passes the node's integer range, every backend refuses with
:class:`~einlang.errors.IntegerOverflowError` (E412) before computing anything, and the hint says how to
get floats. The bound is an upper bound, so no sum that fits is ever refused for a reason it does not
have; a sum that could wrap is refused even when its particular entries happen to cancel.

Only integer nodes are checked; a function whose integer result einlang does not bound (``mod``,
``floor`` of an integer, a Python function) stops the bound, and what it feeds is not checked.
``einlang.einsum`` is numpy's drop-in and wraps as numpy does (it does not use this).

>>> import numpy as np, einlang
>>> try:
...     einlang.evaluate("x_i x_i", x=[10**11, 10**11])
... except E.IntegerOverflowError as err:
...     print(err.code, err.message.split(":")[0])
E412 this integer sum can reach 20,000,000,000,000,000,000,000, past int64's largest value 9,223,372,036,854,775,807
>>> einlang.evaluate("x_i x_i / 2", x=np.array([100, 100], np.int8))  # numpy's int8 sum wraps: 16.0
np.float64(10000.0)
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from . import errors as E
from .backends.executor import inner_dtype
from .records import record, replace
from .semantics import ir

# functions whose integer result is no larger than their argument (sign: at most 1)
_SAME_BOUND = frozenset({"abs", "absolute", "negative", "positive", "conj", "conjugate", "real"})
_UNIT_BOUND = frozenset({"sign"})


def _is_int(dtype: np.dtype) -> bool:
    return dtype.kind in "iu"


def _input_bound(value: Any) -> int | None:
    """Largest ``|entry|`` of an integer or boolean input, as a Python int (``None``: not integers)."""
    array = value if type(value) is np.ndarray else np.asarray(value)
    if array.dtype.kind == "b":
        return 1
    if not _is_int(array.dtype):
        return None
    if array.size <= 64:  # small: Python's max and min beat two numpy reductions' call overhead
        entries = array.ravel().tolist()
        return max(max(entries), -min(entries)) if entries else 0
    return max(int(array.max()), -int(array.min()))


def _constant_bound(node: ir.Constant) -> int | None:
    return _input_bound(node.value) if node.dtype != object else None


EXACT_FLOPS = 10_000_000
"""Multiply-adds the exact (Python integer) computation may do when the bound trips; above, E412 at once."""


@record(frozen=False)
class IntegerGuard:
    """The checks of one bound program: its nodes in evaluation order, with how to bound each; ``exact``
    makes the runner that computes with Python integers (the ``opt`` kernels on object arrays)."""

    inputs: tuple[ir.Input, ...]
    nodes: tuple[ir.Node, ...]
    result: ir.Node
    flops: int
    exact: Callable[[], Callable[[Sequence[Any]], Any] | None]
    _exact_call: Callable[[Sequence[Any]], Any] | None = None

    steps: tuple[tuple[ir.Node, Callable[[Any, dict[int, int | None]], int | None], int | None], ...] = ()

    def __post_init__(self) -> None:
        # what each call needs, decided once: the nodes einlang can bound, their rule, their dtype's limit
        steps = []
        for node in self.nodes:
            rule = _BOUNDS.get(type(node))
            if rule is not None and not isinstance(node, ir.Input) and (
                    _is_int(node.dtype) or node.dtype == bool or isinstance(node, ir.Contract)):
                if isinstance(node, ir.Contract):
                    rule = _contract_rule(node)
                steps.append((node, rule, _limit(node.dtype) if _is_int(node.dtype) else None))
        self.steps = tuple(steps)

    def check(self, inputs: Sequence[Any]) -> None:
        """Raise :class:`~einlang.errors.IntegerOverflowError` when an integer node's bound passes its
        dtype's range."""
        bounds: dict[int, int | None] = {id(node): _input_bound(v) for node, v in zip(self.inputs, inputs)}
        for node, rule, limit in self.steps:
            bound = bounds[id(node)] = rule(node, bounds)
            if limit is not None and bound is not None and bound > limit:
                raise _overflow(node, bound, node.dtype)

    def around(self, call: Callable[[Sequence[Any]], Any]) -> Callable[[Sequence[Any]], Any]:
        """``call`` after the check; where the bound trips, the exact computation instead."""
        check = self.check

        def run(inputs: Sequence[Any]) -> Any:
            try:
                check(inputs)
            except E.IntegerOverflowError as err:
                return self.compute_exactly(inputs, err)
            return call(inputs)

        return run

    def compute_exactly(self, inputs: Sequence[Any], err: E.IntegerOverflowError) -> Any:
        """The program computed with Python integers, in the result's dtype when the exact result fits it;
        ``err`` when it does not (or the computation is too big to do this way)."""
        if self.flops > EXACT_FLOPS:
            raise err
        if self._exact_call is None:
            self._exact_call = self.exact()
        if self._exact_call is None:
            raise err
        exact_inputs = [np.asarray(v).astype(object) if _is_int(np.asarray(v).dtype) else v for v in inputs]
        try:
            with np.errstate(all="ignore"):
                value = np.asarray(self._exact_call(exact_inputs), dtype=object)
        except (ArithmeticError, TypeError, ValueError, AttributeError):  # a float function of a huge int
            raise err from None
        dtype = self.result.dtype
        if _is_int(dtype) and value.size:
            info = np.iinfo(dtype)
            if not info.min <= min(value.flat) <= max(value.flat) <= info.max:
                raise err
        try:
            result = value.astype(dtype)
        except (OverflowError, TypeError, ValueError):
            raise err from None
        return result[()] if result.shape == () else result


@functools.cache
def _limit(dtype: np.dtype) -> int:
    return int(np.iinfo(dtype).max)


@record
class _ContractFacts:
    terms: int  # how many terms its sum adds
    inner: np.dtype  # the dtype numpy sums in
    inner_limit: int | None
    unsigned_eps: bool  # ε's -1 in an unsigned product
    coefficient: int | None  # None: not a whole number (the result is not an integer)


def _facts(node: ir.Contract) -> _ContractFacts:
    inner = inner_dtype(node)
    eps = inner.kind == "u" and any(isinstance(op.node, ir.LeviCivita) for op in node.operands)
    coefficient = abs(node.coefficient) if isinstance(node.coefficient, int) else None
    return _ContractFacts(math.prod(node.sizes[label] for label in node.summed), inner,
                          _limit(inner) if _is_int(inner) else None, eps, coefficient)


def _contract_rule(node: ir.Contract) -> Callable[[Any, dict[int, int | None]], int | None]:
    """The bound of ``node`` with its facts decided once, kept by its program's guard only (a global
    cache of nodes kept their constants alive past the constant pool's limit: 20 programs with 8 MB
    integer literals held 100 MB more)."""
    facts = _facts(node)
    return lambda node, bounds: _contract_bound(node, bounds, facts)


def _contract_bound(node: ir.Contract, bounds: dict[int, int | None], facts: _ContractFacts | None = None) -> int | None:
    """The product's bound; refused here already when the sum numpy computes before the number factor
    (in the operands' integer dtype: ``x_i x_i / 2`` of int8 sums in int8) could wrap."""
    factors = [bounds.get(id(op.node)) for op in node.operands]
    if None in factors:
        return None
    facts = facts or _facts(node)
    total = math.prod(factors) * facts.terms  # type: ignore[arg-type]
    if facts.inner_limit is not None and total > facts.inner_limit:
        raise _overflow(node, total, facts.inner)
    if facts.unsigned_eps and total:
        raise _overflow(node, -total, facts.inner)  # ε's -1 in an unsigned product wraps to its largest value
    return None if facts.coefficient is None else facts.coefficient * total


def _combine_bound(node: ir.Combine, bounds: dict[int, int | None]) -> int | None:
    parts = [bounds.get(id(term.node)) for term in node.terms]
    if any(b is None for b in parts) or not all(isinstance(t.coefficient, int) for t in node.terms):
        return None
    if node.dtype.kind == "u" and any(t.coefficient < 0 and b for t, b in zip(node.terms, parts)):
        raise _overflow(node, -max(parts), node.dtype)  # type: ignore[type-var]  # unsigned a - b wraps below 0
    return sum(abs(t.coefficient) * b for t, b in zip(node.terms, parts))  # type: ignore[operator]


def _apply_bound(node: ir.Apply, bounds: dict[int, int | None]) -> int | None:
    if node.function in _UNIT_BOUND:
        return 1
    return bounds.get(id(node.arg)) if node.function in _SAME_BOUND else None


def _stack_bound(node: ir.Stack, bounds: dict[int, int | None]) -> int | None:
    items = [bounds.get(id(item)) for item in node.items]
    return None if any(b is None for b in items) else max(items, default=0)  # type: ignore[type-var]


_BOUNDS: dict[type, Callable[[Any, dict[int, int | None]], int | None]] = {
    ir.Contract: _contract_bound,
    ir.Combine: _combine_bound,
    ir.Apply: _apply_bound,
    ir.Stack: _stack_bound,
    ir.Constant: lambda node, bounds: _constant_bound(node),
    ir.Delta: lambda node, bounds: 1,
    ir.LeviCivita: lambda node, bounds: 1,
}


def _overflow(node: ir.Node, bound: int, dtype: np.dtype) -> E.IntegerOverflowError:
    """The refusal of a node whose values can reach ``bound`` (negative: below an unsigned dtype's 0)."""
    info = np.iinfo(dtype)
    summed = isinstance(node, ir.Combine) or isinstance(node, ir.Contract) and node.summed
    what = "sum" if summed else "product" if isinstance(node, ir.Contract) else "value"
    past = f"below {dtype}'s smallest value 0" if bound < 0 else f"past {dtype}'s largest value {info.max:,}"
    return E.IntegerOverflowError(
        f"this integer {what} can reach {bound:,}, {past}: {dtype} would wrap around",
        getattr(node, "span", None),
        hint=overflow_hint(dtype),
    )


def overflow_hint(dtype: np.dtype) -> str:
    """How to compute it: floats always; a wider dtype only where there is one (int64 has none)."""
    exact = ("a wider integer dtype (from Python x.astype(np.int64))" if dtype.itemsize < 8
             else "exact Python integers (from Python x.astype(object))")
    return f"compute in floats: give the tensors float entries (write 2.0, not 2; from Python x.astype(float)), or {exact}"


_OBJECT = np.dtype(object)


def _exact_node(node: ir.Node, new: dict[int, ir.Node]) -> ir.Node | None:
    """``node`` with integers as Python integers (object dtype), reading the rewritten nodes in ``new``."""
    dtype = _OBJECT if _is_int(node.dtype) else node.dtype
    if isinstance(node, ir.Input):
        return replace(node, dtype=dtype)
    if isinstance(node, ir.Constant):
        value = node.value.astype(object) if _is_int(node.dtype) else node.value
        return replace(node, value=value, dtype=dtype)
    if isinstance(node, (ir.Delta, ir.LeviCivita)):
        return node
    if isinstance(node, ir.Stack):
        return replace(node, items=tuple(new[id(item)] for item in node.items), dtype=dtype)
    if isinstance(node, ir.Contract):
        operands = tuple(replace(op, node=new[id(op.node)]) for op in node.operands)
        return replace(node, operands=operands, dtype=dtype)
    if isinstance(node, ir.Combine):
        terms = tuple(replace(term, node=new[id(term.node)]) for term in node.terms)
        return replace(node, terms=terms, dtype=dtype)
    if isinstance(node, ir.Apply):
        return replace(node, arg=new[id(node.arg)], dtype=dtype)
    return None  # a Python function, or a node kind this does not know: no exact computation


def exact_program(program: ir.LoweredProgram) -> ir.LoweredProgram | None:
    """The program with every integer node an object array of Python integers (exact, never wrapping);
    ``None`` when it has a node that cannot be computed that way."""
    new: dict[int, ir.Node] = {}
    for node in (*program.inputs, *program.nodes):
        if id(node) not in new:
            rewritten = _exact_node(node, new)
            if rewritten is None:
                return None
            new[id(node)] = rewritten
    return replace(
        program, inputs=tuple(new[id(node)] for node in program.inputs),  # type: ignore[misc]
        nodes=tuple(new[id(node)] for node in program.nodes), result=new[id(program.result)],
        bindings=tuple((name, new[id(node)]) for name, node in program.bindings),
    )


def integer_guard(program: ir.LoweredProgram, flops: int,
                  exact: Callable[[], Callable[[Sequence[Any]], Any] | None]) -> IntegerGuard | None:
    """The guard of a program with integer sums that could wrap (``None`` when it has none: floats,
    objects, or integer nodes that add nothing up). ``flops``: the plan's; ``exact()`` makes the runner
    that computes with Python integers."""
    risky = any(
        isinstance(node, ir.Combine) and _is_int(node.dtype) and len(node.terms) > 1
        or isinstance(node, ir.Contract) and _is_int(inner_dtype(node))
        and (len(node.operands) > 1 or node.summed or node.coefficient != 1)
        for node in program.nodes
    )
    if not risky:
        return None
    return IntegerGuard(program.inputs, tuple(program.nodes), program.result, flops, exact)
