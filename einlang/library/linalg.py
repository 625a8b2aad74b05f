"""Matrices that index notation cannot express: determinant, inverse, solving, rank, row echelon form.

Integer matrices are handled exactly (with fractions), so the answers a learner computes by hand come
out exactly: ``det([[1, 2], [3, 4]])`` is ``-2``, not ``-2.0000000000000004``.

>>> import einlang
>>> einlang.evaluate("det([[1, 2], [3, 4]])")
np.int64(-2)
>>> einlang.evaluate("row_echelon([[1, 1, 3], [1, 2, 4], [1, 1, 2]])")
array([[1., 1., 3.],
       [0., 1., 1.],
       [0., 0., 1.]])
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np

from .. import errors as E
from .. import symbolic
from ..clock import check_time, evaluation
from ..config import get_options, raise_hint
from ..semantics.callables import PyFunction
from . import _checks as C
from . import register_python

TOLERANCE = 1e-12  # below this (relative to the largest entry) a float pivot counts as zero


def _exact(A: np.ndarray) -> bool:
    """Integers, booleans and object arrays (fractions) are eliminated exactly."""
    return A.dtype.kind in "biuO"


def _rows(A: np.ndarray) -> list[list[Any]]:
    if symbolic.has_symbols(A):
        raise E.InputValueError(
            "row reduction compares entries with 0, which a formula with symbols cannot be",
            hint="det, inv and solve work with symbols; give the symbols numbers for the rest",
        )
    if _exact(A):
        return [[Fraction(x) for x in row] for row in A.tolist()]
    return [list(row) for row in A.astype(np.result_type(A.dtype, np.float64)).tolist()]


class ExactWork:
    """The entry operations on fractions one exact row reduction has done, refused the moment they would pass
    ``exact_elimination_limit``: converting each entry, then each entry of each row a pivot divides or
    clears (a row with 0 below the pivot costs nothing). Counting the work as it is done, rather than the
    rows × columns × pivots it could take, refuses only a matrix whose reduction really needs more: a
    60×60 integer matrix of full rank (about 110,000 operations) runs, a 300×300 one is refused within
    its first pivots. A float matrix is not counted (numbers that do not grow; the time limit still holds).

    >>> import einlang
    >>> with einlang.options(exact_elimination_limit=10):
    ...     work = ExactWork(np.zeros((3, 3), dtype=int))
    ...     work.spend(9, pivots=0)
    ...     try:
    ...         work.spend(3, pivots=1)
    ...     except einlang.EinlangError as err:
    ...         print(err.code, err.message.split(" the ")[0])
    E504 exact row reduction of this 3×3 integer matrix needs more than
    """

    __slots__ = ("shape", "limit", "done")

    def __init__(self, A: np.ndarray) -> None:
        self.shape = A.shape
        self.limit = get_options().exact_elimination_limit if _exact(A) else None
        self.done = 0

    def spend(self, entries: int, pivots: int) -> None:
        """Count ``entries`` operations about to be done (``pivots`` found so far), refusing past the limit."""
        self.done += entries
        if self.limit is not None and self.done > self.limit:
            n_rows, n_cols = self.shape
            where = "before its first pivot" if pivots == 0 else f"after {pivots} of its pivots"
            raise E.LibraryWorkLimitError(
                f"exact row reduction of this {n_rows}×{n_cols} integer matrix needs more than the "
                f"exact_elimination_limit of {self.limit:,} operations on fractions (refused {where})",
                hint="pass a float matrix (1.0 A_ij) for a floating-point answer, or " + raise_hint("exact_elimination_limit"),
            )


def echelon(A: np.ndarray, work: ExactWork | None = None) -> tuple[list[list[Any]], list[int], Any]:
    """Row reduce as by hand: for each column, take the first row with a non-zero entry as the pivot,
    swap it up, divide it by the pivot (a leading 1), subtract multiples of it from the rows below.

    Returns the rows, the pivot columns and the product of the pivots, its sign flipped per row swap:
    the determinant when A is square and every column has a pivot. ``work`` counts the operations (a
    caller that goes on reducing passes its own).

    >>> rows, pivots, product = echelon(np.array([[0, 2], [3, 4]]))
    >>> pivots, product
    ([0, 1], Fraction(-6, 1))
    """
    work = work or ExactWork(A)
    work.spend(A.size, pivots=0)  # before converting: a matrix too big to convert is refused unconverted
    with evaluation():  # a call from Python starts the clock; inside an evaluation, its clock runs on
        return _reduce(A, work)


def _reduce(A: np.ndarray, work: ExactWork) -> tuple[list[list[Any]], list[int], Any]:
    n_rows, n_cols = A.shape
    rows = _rows(A)
    exact = _exact(A)
    scale = max((abs(x) for row in rows for x in row), default=0)
    tiny = 0 if exact else TOLERANCE * (scale or 1)
    pivots: list[int] = []
    product: Any = Fraction(1)
    r = 0
    for c in range(n_cols):
        p = next((q for q in range(r, n_rows) if abs(rows[q][c]) > tiny), None)
        if p is None:
            for q in range(r, n_rows):
                rows[q][c] = 0 * rows[q][c]  # an entry below the tolerance is a rounding error: show 0
            continue
        if p != r:
            rows[r], rows[p] = rows[p], rows[r]
            product = -product
        pivot = rows[r][c]
        product *= pivot
        if pivot != 1:
            work.spend(n_cols, len(pivots))
            rows[r] = [x / pivot for x in rows[r]]
        for q in range(r + 1, n_rows):
            check_time("exact row reduction")  # fractions grow: the row count alone does not bound the time
            factor = rows[q][c]
            if exact and factor == 0:  # nothing to clear (a float row still is: 0 * inf is nan)
                continue
            work.spend(n_cols, len(pivots))
            rows[q] = [x - factor * y for x, y in zip(rows[q], rows[r])]
            rows[q][c] = 0 * rows[q][c]
        pivots.append(c)
        r += 1
        if r == n_rows:
            break
    return rows, pivots, product


def _as_result(rows: list[list[Any]], A: np.ndarray) -> np.ndarray:
    if A.dtype == object:
        return np.array(rows, dtype=object).reshape(A.shape)
    return np.array([[complex(x) if isinstance(x, complex) else float(x) for x in row] for row in rows]).reshape(A.shape)


# -- identity, scaling ------------------------------------------------------------------------------


def _identity_infer(shapes, dtypes, constants):
    C.scalars("identity", ("n",), shapes)
    n = constants[0]
    if n is None:
        raise E.InputValueError(
            "identity(n) needs n written as a number, e.g. identity(3): the result's size must be known before it runs"
        )
    value = float(np.real(n))
    if not (value.is_integer() and value >= 1):  # inf and nan are not integers either
        raise E.InputValueError(f"identity(n) needs a positive whole number n, not {n}")
    return (int(value), int(value)), np.dtype(np.int64)


def _identity(n: np.ndarray) -> np.ndarray:
    return np.eye(int(np.real(n)), dtype=np.int64)


register_python(PyFunction(
    "identity", ("n",), _identity, _identity_infer,
    "the n×n identity matrix (δ_ij as a matrix): 1 on the diagonal, 0 elsewhere",
    "identity(2)  # [[1, 0], [0, 1]]",
))


def _ones_like_infer(shapes, dtypes, constants):
    return tuple(shapes[0]), np.dtype(np.int64)


def _ones_like(t: np.ndarray) -> np.ndarray:
    return np.ones(np.shape(t), dtype=np.int64)


register_python(PyFunction(
    "ones_like", ("t",), _ones_like, _ones_like_infer,
    "a tensor of 1s with the shape of t: how a number is spread along an index, r_i - 1 ones_like(r)_i",
    "ones_like([5, 7, 9])  # [1, 1, 1]",
))


def _scaling_infer(shapes, dtypes, constants):
    if len(shapes) == 1 and len(shapes[0]) == 1:
        n = shapes[0][0]
    else:
        C.scalars("scaling", ("sx", "sy", "sz"), shapes)
        n = len(shapes)
    return (n, n), np.result_type(*dtypes)


def _scaling(*factors: np.ndarray) -> np.ndarray:
    values = factors[0] if len(factors) == 1 and np.ndim(factors[0]) == 1 else np.array([np.asarray(f) for f in factors])
    return np.diag(values)


register_python(PyFunction(
    "scaling", ("sx", "sy", "sz"), _scaling, _scaling_infer,
    "stretch axis k by the k-th factor: diag(sx, sy, …); give numbers, or one vector of factors",
    "scaling(2, 3)  # [[2, 0], [0, 3]]", min_args=1,
))


# -- determinant, inverse, solve --------------------------------------------------------------------


def determinant(A: np.ndarray) -> Any:
    """Exact for integer and fraction matrices (the product of the pivots, sign flipped per row swap)."""
    if symbolic.has_symbols(A):
        return symbolic.matrix_function("det", A)
    if not _exact(A):
        return np.linalg.det(A)
    _, pivots, value = echelon(A)
    if len(pivots) < A.shape[0]:
        return 0
    if value.denominator != 1 or A.dtype == object:
        return value
    return _as_int64(int(value))


def _as_int64(value: int) -> int:
    """An exact integer determinant that the int64 result holds, or E412: converting it would fail (or wrap)."""
    info = np.iinfo(np.int64)
    if info.min <= value <= info.max:
        return value
    from ..int_bounds import overflow_hint  # loaded with the checker, not with the library

    raise E.IntegerOverflowError(
        f"det: this integer matrix's determinant is {value:,}, outside int64's range (largest {info.max:,})",
        hint=overflow_hint(np.dtype(np.int64)),
    )


def _det_dtype(dtype: np.dtype) -> np.dtype:
    if dtype.kind in "biu":
        return np.dtype(np.int64)
    if dtype == object:
        return dtype
    return C.real_float([dtype])


def _det_infer(shapes, dtypes, constants):
    C.square("det", "A", shapes[0])
    return (), _det_dtype(dtypes[0])


register_python(PyFunction(
    "det", ("A",), determinant, _det_infer,
    "the determinant: how much A scales areas (2-D) or volumes (3-D); 0 when A squashes space flat",
    "det([[1, 2], [3, 4]])  # -2",
))


def singular(A: np.ndarray) -> bool:
    """No inverse: exactly for integer matrices, up to rounding (rank below n) for float ones."""
    if symbolic.has_symbols(A):
        return symbolic.singular(A)
    if _exact(A):
        return determinant(A) == 0
    return bool(np.linalg.matrix_rank(A) < A.shape[0])


def _refuse_singular(function: str, param: str, A: np.ndarray) -> None:
    if singular(A):
        raise E.InputValueError(
            f"{function}: {param} is singular (its determinant is 0), so it has no inverse",
            hint="its columns are linearly dependent: row_echelon(" + param + ") shows a row of zeros",
        )


def _inv_infer(shapes, dtypes, constants):
    C.square("inv", "A", shapes[0])
    A = C.constant_matrix(constants[0])
    if A is not None and A.ndim == 2:
        _refuse_singular("inv", "A", A)
    return shapes[0], dtypes[0] if dtypes[0] == object else C.real_float(dtypes)


def _inv(A: np.ndarray) -> np.ndarray:
    _refuse_singular("inv", "A", A)
    if symbolic.has_symbols(A):
        return symbolic.matrix_function("inv", A)
    if A.dtype == object:  # exact entries (fractions): an exact inverse
        return exact_inverse(A)
    return np.linalg.inv(C.object_as_float(A))


def exact_inverse(A: np.ndarray) -> np.ndarray:
    """The inverse by hand's row reduction on [A | I], in fractions (A must be invertible).

    >>> exact_inverse(np.array([[1, 2], [3, 4]], dtype=object)).tolist()
    [[Fraction(-2, 1), Fraction(1, 1)], [Fraction(3, 2), Fraction(-1, 2)]]
    """
    n = A.shape[0]
    augmented = np.concatenate([A, np.eye(n, dtype=np.int64).astype(object)], axis=1)
    work = ExactWork(augmented)
    rows, _, _ = echelon(augmented, work)  # upper triangular with leading 1s: n pivots, as A is invertible
    with evaluation():
        for r in range(n - 1, -1, -1):  # clear the entries above each pivot
            for q in range(r):
                check_time("exact row reduction")
                factor = rows[q][r]
                if factor != 0:
                    work.spend(2 * n, n)
                    rows[q] = [x - factor * y for x, y in zip(rows[q], rows[r])]
    return np.array([row[n:] for row in rows], dtype=object)


register_python(PyFunction(
    "inv", ("A",), _inv, _inv_infer,
    "the inverse matrix A⁻¹, with A⁻¹ A = I (an error when A is singular)",
    "inv([[2, 0], [0, 4]])  # [[1/2, 0], [0, 1/4]]",
))


def _solve_infer(shapes, dtypes, constants):
    n = C.square("solve", "A", shapes[0])
    if len(shapes[1]) not in (1, 2):
        C.rank_is("solve", "b", shapes[1], 1)
    C.same_size("solve", ("A", n, "rows"), ("b", shapes[1][0], "rows" if len(shapes[1]) == 2 else "entries"))
    A = C.constant_matrix(constants[0])
    if A is not None and A.ndim == 2:
        _refuse_singular("solve", "A", A)
    return shapes[1], np.dtype(object) if object in dtypes else C.real_float(dtypes)


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    _refuse_singular("solve", "A", A)
    if symbolic.has_symbols(A) or symbolic.has_symbols(b):
        return symbolic.matrix_function("solve", A, b)
    return np.linalg.solve(C.object_as_float(A), C.object_as_float(b))


register_python(PyFunction(
    "solve", ("A", "b"), _solve, _solve_infer,
    "the x with A x = b (b a vector, or a matrix of right-hand sides as columns)",
    "solve([[1, 1], [1, -1]], [3, 1])  # [2, 1]",
))


# -- rank, echelon form, independence ---------------------------------------------------------------


def matrix_rank(A: np.ndarray) -> int:
    """The number of independent columns (= independent rows)."""
    if A.size == 0:
        return 0
    if _exact(A):
        return len(echelon(A)[1])
    return int(np.linalg.matrix_rank(A))


register_python(PyFunction(
    "rank", ("A",), matrix_rank, C.matrix_to_number("rank", "A", np.int64),
    "the number of linearly independent columns of A (the dimension of the space it maps onto)",
    "rank([[1, 2], [2, 4]])  # 1",
))


register_python(PyFunction(
    "is_singular", ("A",), singular, C.matrix_to_number("is_singular", "A", bool, square_only=True),
    "1 (true) when A has no inverse: its determinant is 0 and it squashes space into fewer dimensions",
    "is_singular([[1, 2], [2, 4]])  # 1",
))


def _row_echelon_infer(shapes, dtypes, constants):
    C.rank_is("row_echelon", "A", shapes[0], 2)
    dtype = dtypes[0]
    return shapes[0], dtype if dtype == object else C.real_float(dtypes)


def _row_echelon(A: np.ndarray) -> np.ndarray:
    if A.size == 0:
        return A.astype(np.float64)
    return _as_result(echelon(A)[0], A)


register_python(PyFunction(
    "row_echelon", ("A",), _row_echelon, _row_echelon_infer,
    "the echelon form by hand's row operations: swap a non-zero pivot up, divide its row to a leading 1, "
    "clear the entries below",
    "row_echelon([[2, 4], [1, 3]])  # [[1, 2], [0, 1]]",
))


def _independent(V: np.ndarray) -> bool:
    return matrix_rank(V) == V.shape[1]


register_python(PyFunction(
    "linearly_independent", ("V",), _independent, C.matrix_to_number("linearly_independent", "V", bool),
    "1 (true) when no column of V is a combination of the others (rank = number of columns; columns(b1, b2) "
    "puts vectors in columns)",
    "linearly_independent([[1, 2], [2, 4]])  # 0",
))
