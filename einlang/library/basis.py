"""Bases as matrices: ``columns(b1, b2, ...)`` builds one; the checks that need a tolerance (orthogonal
columns, orthonormal columns).

The library reads basis vectors from the *columns* of B (B_ik is component i of b_k), as the course
writes them. The row-wise literal ``[b1, b2]`` puts them in rows instead, so a check that fails on the
columns looks at the rows too and says so when they would have passed.

The dot products themselves are einlang: ``gram(B)_kl = B_ik B_il`` holds every b_k·b_l.

>>> import einlang
>>> einlang.evaluate("columns([2, 1], [-2, 4])")
array([[ 2, -2],
       [ 1,  4]])
>>> einlang.evaluate("is_orthonormal([[0, 1], [1, 0]])")
np.True_
>>> einlang.evaluate("to_basis_orthogonal([[1, 1], [1, 0]], [1, 1])")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
einlang.errors.InputValueError: error[E404] at ...: to_basis_orthogonal: columns 1 and 2 of B are not orthogonal (b1·b2 = 1, ...)
...
"""

from __future__ import annotations

import numpy as np

from .. import errors as E
from ..program import compile_cached
from ..semantics.callables import PyFunction
from . import _checks as C
from . import register_python

TOLERANCE = 1e-10

# the einlang expression behind both checks: every dot product between columns of B
GRAM = compile_cached("G_kl = B_ik B_il")


ROWS_HINT = "did you put the basis vectors in rows? columns(b1, b2, ...) makes them the columns (or use transpose(B))"


def check_orthogonal(B: np.ndarray) -> None:
    """Raise :class:`InputValueError` naming the first zero column or non-orthogonal pair of columns
    (and saying so when the rows of B would have passed: the basis vectors were written as rows)."""
    B = C.object_as_float(B)
    problem = _orthogonality_problem(GRAM(B=B), "column")
    if problem is None:
        return
    message, hint = problem
    if B.shape[0] == B.shape[1] and _orthogonality_problem(GRAM(B=B.T), "row") is None:
        message += "; the rows of B are orthogonal"
        hint = ROWS_HINT
    raise E.InputValueError(f"orthogonal: {message}", hint=hint)


def _orthogonality_problem(G: np.ndarray, what: str) -> tuple[str, str] | None:
    """The first zero vector or non-orthogonal pair among the vectors whose dot products are G, as a
    message and a hint; None when they are orthogonal."""
    lengths = np.sqrt(np.abs(np.diag(G)))
    scale = max(float(lengths.max(initial=0.0)), 1.0)
    for k, length in enumerate(lengths):
        if length <= TOLERANCE * scale:
            return f"{what} {k + 1} of B is zero, so it is not a basis vector", ""
    n = G.shape[0]
    for k in range(n):
        for m in range(k + 1, n):
            if abs(G[k, m]) > TOLERANCE * lengths[k] * lengths[m]:
                value = G[k, m].item()
                shown = int(value) if float(value).is_integer() else value
                return (
                    f"{what}s {k + 1} and {m + 1} of B are not orthogonal (b{k + 1}·b{m + 1} = {shown}, not 0)",
                    "projections give coordinates only in an orthogonal basis: use to_basis(B, v) for any basis, "
                    "or gram_schmidt(B) to make one orthogonal",
                )
    return None


def _orthogonal_infer(shapes, dtypes, constants):
    C.rank_is("orthogonal", "B", shapes[0], 2)
    B = C.constant_matrix(constants[0])
    if B is not None:
        check_orthogonal(B)
    return shapes[0], dtypes[0]


def _orthogonal(B: np.ndarray) -> np.ndarray:
    check_orthogonal(B)
    return B


register_python(PyFunction(
    "orthogonal", ("B",), _orthogonal, _orthogonal_infer,
    "B itself, after checking that its columns (the basis vectors) are non-zero and mutually orthogonal (an error "
    "names the first pair that is not)",
    "orthogonal([[1, 1], [1, -1]])  # [[1, 1], [1, -1]]",
))


def orthonormal(B: np.ndarray) -> bool:
    """Columns of unit length, mutually orthogonal: BᵀB = I up to rounding."""
    G = GRAM(B=C.object_as_float(B))
    return bool(np.allclose(G, np.eye(G.shape[0]), rtol=0, atol=TOLERANCE))


register_python(PyFunction(
    "is_orthonormal", ("B",), orthonormal, C.matrix_to_number("is_orthonormal", "B", bool),
    "1 (true) when the columns of B (the basis vectors) have length 1 and are mutually orthogonal: gram(B) is the identity",
    "is_orthonormal([[0, 1], [1, 0]])  # 1",
))


# -- building a matrix from column vectors ------------------------------------------------------------

MAX_COLUMNS = 26  # the parameters b1 … b26: more columns than a learner types by hand


def _columns_infer(shapes, dtypes, constants):
    for k, shape in enumerate(shapes):
        C.rank_is("columns", f"b{k + 1}", shape, 1)
    for k, shape in enumerate(shapes[1:], start=2):
        C.same_size("columns", ("b1", shapes[0][0], "entries"), (f"b{k}", shape[0], "entries"))
    return (shapes[0][0], len(shapes)), np.result_type(*dtypes)


def _columns(*vectors: np.ndarray) -> np.ndarray:
    return np.stack(vectors, axis=1)


register_python(PyFunction(
    "columns", tuple(f"b{k}" for k in range(1, MAX_COLUMNS + 1)), _columns, _columns_infer,
    "the matrix whose columns are the vectors b1, b2, …: how the library reads a basis (the literal [b1, b2] "
    "puts them in rows instead)",
    "columns([2, 1], [-2, 4])  # [[2, -2], [1, 4]]", min_args=1,
))
