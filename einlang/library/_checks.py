"""Shape and value checks shared by the library functions written in Python.

Each check runs in a function's ``infer`` (before anything is computed) and raises an
:class:`~einlang.errors.EinlangError` that names the function, the argument and its sizes.

>>> square("det", "A", (2, 3))
Traceback (most recent call last):
...
einlang.errors.SizeMismatchError: error[E401]: det(A) needs a square matrix, but A is a 2×3 matrix
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from numbers import Number
from typing import Any

import numpy as np

from .. import errors as E
from ..semantics.describe import shape_words

FLOAT = np.dtype(np.float64)


def rank_is(function: str, param: str, shape: Sequence[int], rank: int) -> None:
    """``param`` must have ``rank`` indices (0: a number, 1: a vector, 2: a matrix)."""
    if len(shape) != rank:
        wanted = {0: "a number", 1: "a vector", 2: "a matrix"}.get(rank, f"a rank-{rank} tensor")
        raise E.RankMismatchError(f"{function}: {param} must be {wanted}, but it is {shape_words(shape)}")


def square(function: str, param: str, shape: Sequence[int]) -> int:
    """``param`` must be an n×n matrix; returns n."""
    rank_is(function, param, shape, 2)
    if shape[0] != shape[1]:
        raise E.SizeMismatchError(f"{function}({param}) needs a square matrix, but {param} is {shape_words(shape)}")
    if shape[0] == 0:
        raise E.InputValueError(f"{function}({param}) needs a non-empty matrix, but {param} is {shape_words(shape)}")
    return int(shape[0])


def matrix_to_number(function: str, param: str, dtype: type, square_only: bool = False) -> Callable[..., Any]:
    """The ``infer`` of a function that takes one matrix (square when ``square_only``) and returns a number.

    >>> matrix_to_number("rank", "A", np.int64)(((2, 3),), (np.dtype(float),), (None,))
    ((), dtype('int64'))
    """

    def infer(shapes: Sequence[Sequence[int]], dtypes: Sequence[np.dtype], constants: Sequence[Any]) -> tuple[tuple, np.dtype]:
        if square_only:
            square(function, param, shapes[0])
        else:
            rank_is(function, param, shapes[0], 2)
        return (), np.dtype(dtype)

    return infer


def same_size(function: str, first: tuple[str, int, str], second: tuple[str, int, str]) -> None:
    """Two sizes that must agree: ``(param, size, what)`` each, e.g. ``("A", 3, "rows")``."""
    (p1, n1, w1), (p2, n2, w2) = first, second
    if n1 != n2:
        raise E.SizeMismatchError(f"{function}: {p1} has {n1} {w1} but {p2} has {n2} {w2}; they must agree")


def scalars(function: str, params: Sequence[str], shapes: Sequence[Sequence[int]]) -> None:
    """Every one of these arguments must be a number."""
    for param, shape in zip(params, shapes):
        rank_is(function, param, shape, 0)


def real_float(dtypes: Sequence[np.dtype]) -> np.dtype:
    """float64, or complex128 when any input is complex (what numpy's linear algebra returns)."""
    return np.dtype(np.complex128) if any(d.kind == "c" for d in dtypes) else FLOAT


def object_as_float(array: np.ndarray) -> np.ndarray:
    """An object array (of Fractions) as float64, for numpy's linear algebra; any other array unchanged."""
    return array.astype(np.float64) if array.dtype == object else array


def constant_matrix(constant: Any) -> np.ndarray | None:
    """A literal argument as a numeric array (object arrays of Fractions become float), else None."""
    if constant is None:
        return None
    array = np.asarray(constant)
    if array.dtype == object:
        try:
            array = array.astype(np.float64)
        except (TypeError, ValueError):
            return None
    return array


def number(constant: Any, default: float) -> float:
    """A scalar argument's value (``default`` when it was not given)."""
    if constant is None:
        return default
    return float(np.asarray(constant).real)


def python_number(function: str, param: str, value: Any) -> float:
    """A number a Python caller passed (``pagerank(L, d=0.85)``), or an error naming the argument.

    >>> python_number("pagerank", "d", "x")
    Traceback (most recent call last):
    ...
    einlang.errors.InputTypeError: error[E405]: pagerank: d must be a number, not str 'x'
    """
    if isinstance(value, Number) and not isinstance(value, (bool, np.bool_, complex, np.complexfloating)):
        return float(value)
    raise E.InputTypeError(f"{function}: {param} must be a number, not {type(value).__name__} {value!r:.40}")
