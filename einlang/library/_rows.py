"""Basis vectors written as rows: the one mix-up of rows and columns that can be detected honestly.

The library reads a basis from the *columns* of a matrix. ``B = [b1, b2]`` stacks the vectors ``b1`` and
``b2`` as *rows*, so ``to_basis(B, v)`` would quietly use other basis vectors (the columns of that
matrix). When the matrix handed to such a function was written as a list of named vectors (here, or in
an earlier assignment that a session remembers), and it is not symmetric (for a symmetric one rows and
columns agree, so the answer is right anyway), the call is refused with the fix: ``columns(b1, b2)``.
A matrix of numbers written out in full cannot be told apart from a deliberate one, so it is not refused.

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> tensors = {"b1": np.array([2, 1]), "b2": np.array([-2, 4]), "v": np.array([5, -1])}
>>> stmt = parse("to_basis([b1, b2], v)").statements[0]
>>> try:
...     check_statement(stmt, tensors, {})
... except Exception as err:
...     print(err.message)
to_basis reads the basis vectors from the columns of B, but [b1, b2] puts b1, b2 in its rows
>>> check_statement(parse("B = [b1, b2]").statements[0], tensors, {})
('b1', 'b2')
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import numpy as np

from .. import errors as E
from ..syntax import ast

# library function -> (position, name) of the argument whose columns are basis vectors (or points)
COLUMN_BASES: dict[str, tuple[int, str]] = {
    "from_basis": (0, "B"),
    "to_basis": (0, "B"),
    "to_basis_orthogonal": (0, "B"),
    "column_norms_squared": (0, "B"),
    "transform_in_basis": (1, "B"),
    "gram": (0, "B"),
    "orthogonal": (0, "B"),
    "is_orthonormal": (0, "B"),
    "gram_schmidt": (0, "A"),
    "dimensions": (0, "A"),
    "reflection_matrix": (0, "basis"),
    "linearly_independent": (0, "V"),
}

Stacked = Mapping[str, tuple[str, ...]]  # a bound matrix's name -> the vectors its rows were written as


def stacked_vectors(expr: ast.Expr, tensors: Mapping[str, np.ndarray]) -> tuple[str, ...] | None:
    """The names in ``[b1, b2, ...]`` when every item is a bound vector (two or more), else None."""
    if not isinstance(expr, ast.Array) or expr.indices is not None or len(expr.items) < 2:
        return None
    names = tuple(_bare_name(item) for item in expr.items)
    if any(name is None or name not in tensors or np.ndim(tensors[name]) != 1 for name in names):
        return None
    return names  # type: ignore[return-value]


def check_statement(
    stmt: ast.Statement,
    tensors: Mapping[str, np.ndarray],
    stacked: Stacked,
    library_calls: frozenset[str] | None = None,
) -> tuple[str, ...] | None:
    """Refuse a column-reading library call given basis vectors as rows; return the vectors an
    assignment ``B = [b1, b2]`` stacked (for the caller to remember under B), else None.

    ``library_calls``: the names in :data:`COLUMN_BASES` that still mean the library's function
    (a session's own ``def to_basis`` is not checked); all of them when None.
    """
    if isinstance(stmt, ast.Definition):
        return None
    for call in _calls(stmt.expr):
        _check_call(call, tensors, stacked, library_calls)
    if isinstance(stmt, ast.Assignment):
        return stacked_vectors(stmt.expr, tensors)
    return None


def _check_call(call: ast.Call, tensors: Mapping[str, np.ndarray], stacked: Stacked, library: frozenset[str] | None) -> None:
    where = COLUMN_BASES.get(call.function)
    if where is None or (library is not None and call.function not in library):
        return
    position, param = where
    given = call.args[position : position + 1] or tuple(k.value for k in call.keywords if k.name == param)
    if not given:
        return
    arg = given[0]
    vectors = stacked_vectors(arg, tensors)
    written = f"[{', '.join(vectors)}]" if vectors else None
    name = _bare_name(arg)
    if vectors is None and name is not None and name in stacked:
        vectors = stacked[name]
        written = f"{name} = [{', '.join(vectors)}]"
        if any(v not in tensors for v in vectors) or not _same_as_rows(tensors[name], vectors, tensors):
            return  # rebound since: what B holds now is not known to be those rows
    if vectors is None:
        return
    matrix = np.stack([np.asarray(tensors[v]) for v in vectors])
    if matrix.shape[0] == matrix.shape[1] and np.array_equal(matrix, matrix.T):
        return  # symmetric: its rows are its columns, the answer is the same
    listed = ", ".join(vectors)
    raise E.InputValueError(
        f"{call.function} reads the basis vectors from the columns of {param}, but {written} puts {listed} in its rows",
        arg.span,
        hint=f"write columns({listed}) to make them the columns (the literal [{listed}] stacks rows)",
    )


def _same_as_rows(matrix: np.ndarray, vectors: tuple[str, ...], tensors: Mapping[str, np.ndarray]) -> bool:
    rows = [np.asarray(tensors[v]) for v in vectors]
    return np.shape(matrix) == (len(rows), *np.shape(rows[0])) and all(np.array_equal(matrix[k], r) for k, r in enumerate(rows))


def _bare_name(expr: ast.Expr) -> str | None:
    if isinstance(expr, ast.Name):
        return expr.name
    if isinstance(expr, ast.Word) and expr.text.isidentifier():
        return expr.text
    return None


def _calls(expr: ast.Expr) -> Iterator[ast.Call]:
    """Every call in an expression, outermost first."""
    if isinstance(expr, ast.Call):
        yield expr
        children: tuple[ast.Expr, ...] = expr.args
    elif isinstance(expr, ast.Array):
        children = expr.items
    elif isinstance(expr, (ast.Paren,)):
        children = (expr.expr,)
    elif isinstance(expr, ast.Neg):
        children = (expr.operand,)
    elif isinstance(expr, ast.Product):
        children = expr.factors
    elif isinstance(expr, ast.Div):
        children = (expr.numerator, expr.denominator)
    elif isinstance(expr, ast.Sum):
        children = tuple(term for _, term in expr.terms)
    else:
        children = ()
    for child in children:
        yield from _calls(child)
