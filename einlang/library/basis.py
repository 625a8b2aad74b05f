"""Basis checks that need a tolerance: orthogonal columns, orthonormal columns.

The dot products themselves are einlang: ``gram(B)_kl = B_ik B_il`` holds every b_k·b_l.

>>> import einlang
>>> einlang.evaluate("is_orthonormal([[0, 1], [1, 0]])")
np.True_
>>> einlang.evaluate("to_basis_orthogonal([[1, 1], [1, 0]], [1, 1])")  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
einlang.errors.InputValueError: error[E404] at ...: orthogonal: columns 1 and 2 of B are not orthogonal (b1·b2 = 1, not 0)
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


def check_orthogonal(B: np.ndarray) -> None:
    """Raise :class:`InputValueError` naming the first zero column or non-orthogonal pair of columns."""
    G = GRAM(B=C.object_as_float(B))
    lengths = np.sqrt(np.abs(np.diag(G)))
    scale = max(float(lengths.max(initial=0.0)), 1.0)
    for k, length in enumerate(lengths):
        if length <= TOLERANCE * scale:
            raise E.InputValueError(f"orthogonal: column {k + 1} of B is zero, so it is not a basis vector")
    n = G.shape[0]
    for k in range(n):
        for m in range(k + 1, n):
            if abs(G[k, m]) > TOLERANCE * lengths[k] * lengths[m]:
                value = G[k, m].item()
                shown = int(value) if float(value).is_integer() else value
                raise E.InputValueError(
                    f"orthogonal: columns {k + 1} and {m + 1} of B are not orthogonal (b{k + 1}·b{m + 1} = {shown}, not 0)",
                    hint="projections give coordinates only in an orthogonal basis: use to_basis(B, v) for any basis, "
                    "or gram_schmidt(B) to make one orthogonal",
                )


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
    "B itself, after checking that its columns are non-zero and mutually orthogonal (an error names the first "
    "pair that is not)",
    "orthogonal([[1, 1], [1, -1]])  # [[1, 1], [1, -1]]",
))


def orthonormal(B: np.ndarray) -> bool:
    """Columns of unit length, mutually orthogonal: BᵀB = I up to rounding."""
    G = GRAM(B=C.object_as_float(B))
    return bool(np.allclose(G, np.eye(G.shape[0]), rtol=0, atol=TOLERANCE))


register_python(PyFunction(
    "is_orthonormal", ("B",), orthonormal, C.matrix_to_number("is_orthonormal", "B", bool),
    "1 (true) when the columns of B have length 1 and are mutually orthogonal: gram(B) is the identity",
    "is_orthonormal([[0, 1], [1, 0]])  # 1",
))
