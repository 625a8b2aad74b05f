"""Numbers in the IR: exact coefficients, constant folding and the dtype of a result.

Coefficients are kept exact (``Fraction``) while a product is flattened, so ``A_ij / 3 * 3`` is ``A_ij``;
functions of constants are folded when the program is checked.

>>> constant_value(ast.Neg(ast.Number(2)))
-2
>>> result_dtype([np.dtype("int64")], Fraction(1, 2))
dtype('float64')
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from ..functions import ELEMENTWISE
from ..syntax import ast
from . import ir


def exact(value: int | float | complex) -> int | float | complex | Fraction:
    """An integer as a Fraction (so division stays exact); other numbers as they are."""
    return Fraction(value) if isinstance(value, int) else value


def normalise_coefficient(coef: Any) -> Any:
    """A whole Fraction back to an int (the IR shows ``2``, not ``Fraction(2, 1)``)."""
    if isinstance(coef, Fraction) and coef.denominator == 1:
        return int(coef)
    return coef


def result_dtype(dtypes: Sequence[np.dtype], coef: Any = 1) -> np.dtype:
    """numpy's result type of combining ``dtypes`` and multiplying by ``coef``."""
    if any(d == object for d in dtypes):
        return np.dtype(object)
    extra: list[Any] = []
    if isinstance(coef, Fraction):
        extra.append(float(coef) if coef.denominator != 1 else int(coef))
    elif coef != 1:
        extra.append(coef)
    if not dtypes:
        return np.asarray(extra[0] if extra else 1).dtype
    return np.result_type(*dtypes, *extra)


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
    """A scalar constant node."""
    if isinstance(value, Fraction):
        value = int(value) if value.denominator == 1 else float(value)
    array = np.asarray(value)
    return ir.Constant(array, (), array.dtype)


def apply(function: str, arg: ir.Node) -> ir.Node:
    """An elementwise function of a node, folded when the argument is a constant."""
    fn = ELEMENTWISE[function]
    if isinstance(arg, ir.Constant) and arg.dtype != object:
        with np.errstate(all="ignore"):
            value = np.asarray(fn.on_array(arg.value))
        return ir.Constant(value, value.shape, value.dtype)
    return ir.Apply(fn.name, arg, arg.shape, fn.result_dtype(arg.dtype))


def stack(nodes: Sequence[ir.Node], shape: tuple[int, ...]) -> ir.Node:
    """The rows of an array literal as one node (a constant when every row is)."""
    if all(isinstance(n, ir.Constant) for n in nodes):
        value = np.array([n.value for n in nodes])  # type: ignore[attr-defined]
        if value.dtype == object and not any(n.dtype == object for n in nodes):
            value = value.astype(np.result_type(*[n.dtype for n in nodes]))
        return ir.Constant(value, value.shape, value.dtype)
    return ir.Stack(tuple(nodes), shape, result_dtype([n.dtype for n in nodes]))
