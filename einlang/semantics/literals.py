"""Numbers in the IR: exact coefficients, constant folding and the dtype of a result.

Numbers are weak scalars, as in numpy ≥ 2 (docs/guarantees.md, "Values and dtypes"): the number factors
of a product, literals, named constants and expressions made only of them, fold into one coefficient
that keeps its *kind* — an int, a ``Fraction`` once ``/`` divided (true division: a float's kind, kept
exact), a float, a complex number — so ``x_i / 2 * 2`` of an int ``x`` is float64 and ``pi x_i`` of a
float32 ``x`` stays float32.

>>> constant_value(ast.Neg(ast.Number(2)))
-2
>>> divide(divide(NO_NUMBER, 2), Fraction(1, 2))      # x_i / 2 / (1/2): exact, and a division happened
Fraction(1, 1)
>>> coefficient(Fraction(2, 1)), coefficient(NO_NUMBER)
(Coefficient(value=2, weak=Fraction(2, 1)), Coefficient(value=1, weak=None))
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .. import dtypes
from ..config import get_options
from ..dtypes import product_dtypes
from ..functions import ELEMENTWISE
from ..records import record
from ..source import Span
from ..syntax import ast
from . import ir
from .sizes import Factor

NO_NUMBER: Any = True
"""Where a product's coefficient starts: Python's arithmetic turns ``True`` into an int at the first
number (``True * 2 == 2``, ``-True == -1``), so a coefficient that is still ``True`` means no number
was written — and ``A_ij B_jk`` of booleans stays bool while ``A_ij * 1`` is int64, as in numpy."""


def divide(coef: Any, denominator: int | float | complex | Fraction) -> Any:
    """``coef / denominator``, exact (a ``Fraction``) when both are rational."""
    if isinstance(coef, (int, Fraction)) and isinstance(denominator, (int, Fraction)):
        return Fraction(coef) / denominator
    return coef / denominator


@record
class Coefficient:
    """``value``: what the IR multiplies by (a whole Fraction shown as an int); ``weak``: the number
    as numpy's promotion sees it, ``None`` when no number was written."""

    value: Any
    weak: Any


def coefficient(raw: Any) -> Coefficient:
    """The collected coefficient of a product, split into its value and its dtype effect."""
    if raw is NO_NUMBER:
        return Coefficient(1, None)
    value = int(raw) if isinstance(raw, Fraction) and raw.denominator == 1 else raw
    return Coefficient(value, raw)


def fold_scalars(factors: list[Factor], coef: Any) -> tuple[list[int], Any]:
    """Move number-valued factors (named constants, folded functions and sums of numbers) into the
    coefficient as Python numbers, so they are weak scalars like a literal: the positions of the factors
    that stay, and the coefficient."""
    kept = []
    stays: dict[int, bool] = {}  # a factor object repeated (a scalar named again) is decided once
    for k, factor in enumerate(factors):
        if stays.get(id(factor)) is True or factor.labels:
            kept.append(k)
            continue
        value = node_constant(factor.node) if factor.node.shape == () and factor.node.dtype != object else None
        if value is None or isinstance(value, bool):
            stays[id(factor)] = True
            kept.append(k)
        else:
            coef = coef * value
    return kept, coef


def product_dtype(nodes: Sequence[ir.Node], weak: Any, span: Span | None = None) -> np.dtype:
    """The dtype of a product of ``nodes`` times the number ``weak`` (δ and ε take the others' dtype)."""
    symbols = (ir.Delta, ir.LeviCivita)
    nodes = list({id(node): node for node in nodes}.values())  # a node twice does not change the dtype
    return product_dtypes(
        [n.dtype for n in nodes if not isinstance(n, symbols)],
        deltas=sum(isinstance(n, ir.Delta) for n in nodes),
        levi_civita=sum(isinstance(n, ir.LeviCivita) for n in nodes),
        coefficient=weak,
        span=span,
    ).result


def sum_dtype(terms: Sequence[ir.Term], span: Span | None = None) -> np.dtype:
    """numpy's ``+``/``-`` over the terms, numbers among them weak."""
    kinds = [t.node.value.item() if _is_number(t.node) else t.node.dtype for t in terms]  # type: ignore[attr-defined]
    return dtypes.sum_dtype(kinds, [t.coefficient for t in terms], span)


def fold_sum(terms: Sequence[ir.Term]) -> ir.Constant | None:
    """A sum of numbers as one number (``1 + 1`` is the weak scalar 2); ``None`` otherwise."""
    if not all(_is_number(t.node) for t in terms):
        return None
    return constant(sum(t.coefficient * t.node.value.item() for t in terms))  # type: ignore[attr-defined]


def _is_number(node: ir.Node) -> bool:
    return isinstance(node, ir.Constant) and node.shape == () and node.dtype != object and node.dtype != bool


def result_dtype(dtypes: Sequence[np.dtype]) -> np.dtype:
    """numpy's result type of combining ``dtypes`` (array literals)."""
    if any(d == object for d in dtypes):
        return np.dtype(object)
    return np.result_type(*dtypes)


def constant_value(e: ast.Expr) -> int | float | complex | None:
    """The value of a literal number, possibly negated or in parentheses; ``None`` for anything else."""
    if isinstance(e, ast.Number):
        return e.value
    if isinstance(e, ast.Neg):
        inner = constant_value(e.operand)
        return None if inner is None else -inner
    if isinstance(e, ast.Paren):
        return constant_value(e.expr)
    return None


def node_constant(node: ir.Node) -> Any:
    """A constant node's value (a Python scalar for rank 0), or ``None`` when the node is not constant."""
    if isinstance(node, ir.Constant):
        return node.value.item() if node.shape == () else node.value
    return None


def constant(value: Any) -> ir.Constant:
    """A scalar constant node (a Fraction is the result of a division: a float; under the ``exact``
    option every number is an exact Fraction, so ``1/3`` stays 1/3).

    >>> from einlang.config import options
    >>> with options(exact=True):
    ...     constant(0.1).value
    array(Fraction(1, 10), dtype=object)
    """
    finite = not isinstance(value, float) or math.isfinite(value)  # (float() of a long whole number overflows)
    if get_options().exact and isinstance(value, (int, float, Fraction)) and finite:
        # a float literal as the decimal it was written as: 0.1 is 1/10, not the binary float nearest it
        value = Fraction(repr(value)) if isinstance(value, float) else Fraction(value)
        return ir.Constant(np.asarray(value, dtype=object), (), np.dtype(object))
    if isinstance(value, Fraction):
        value = float(value)
    array = np.asarray(int(value) if isinstance(value, bool) else value)
    return ir.Constant(array, (), array.dtype)


def apply(function: str, arg: ir.Node, span: Span | None = None) -> ir.Node:
    """An elementwise function of a node, folded when the argument is a constant (E406 where numpy
    has no loop for the argument's dtype)."""
    fn = ELEMENTWISE[function]
    dtype = fn.result_dtype(arg.dtype, span)
    if isinstance(arg, ir.Constant) and arg.dtype != object:
        with np.errstate(all="ignore"):
            value = np.asarray(fn.on_array(arg.value))
        return ir.Constant(value, value.shape, value.dtype)
    return ir.Apply(fn.name, arg, arg.shape, dtype)


def stack(nodes: Sequence[ir.Node], shape: tuple[int, ...]) -> ir.Node:
    """The rows of an array literal as one node (a constant when every row is)."""
    if all(isinstance(n, ir.Constant) for n in nodes):
        value = np.array([n.value[()] if n.shape == () else n.value for n in nodes])  # type: ignore[attr-defined]
        if value.dtype == object and not any(n.dtype == object for n in nodes):
            value = value.astype(np.result_type(*[n.dtype for n in nodes]))
        return ir.Constant(value, value.shape, value.dtype)
    return ir.Stack(tuple(nodes), shape, result_dtype([n.dtype for n in nodes]))
