"""Mistakes made from Python (library functions, plans, options) raise EinlangErrors, never raw ones."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
import einlang.library as lib
from einlang import errors as E

L2 = np.array([[0.0, 1.0], [1.0, 0.0]])
NAN = np.array([[np.nan, 1.0], [1.0, 0.0]])

MISTAKES = [
    ("pagerank d a string", lambda: lib.pagerank(L2, "x"), E.InputTypeError, "d must be a number"),
    ("pagerank d None", lambda: lib.pagerank(L2, d=None), E.InputTypeError, "d must be a number"),
    ("pagerank tol a string", lambda: lib.pagerank(L2, tol="x"), E.InputTypeError, "tol must be a number"),
    ("pagerank d a string of digits", lambda: lib.pagerank(L2, "0.5"), E.InputTypeError, "d must be a number"),
    ("pagerank ragged L", lambda: lib.pagerank([[1, 2], [3]]), E.InputValueError, "L is not a rectangular array"),
    ("pagerank unknown keyword", lambda: lib.pagerank(L2, bogus=1), E.ArgumentCountError, "bogus"),
    ("power_iteration tol a string", lambda: lib.power_iteration(L2, "x"), E.InputTypeError, "tol must be a number"),
    ("power_iteration max_iter infinite", lambda: lib.power_iteration(L2 + 1, 1e-9, float("inf")),
     E.InputValueError, "power_iteration"),
    ("power_iteration max_iter below one", lambda: lib.power_iteration(L2 + 1, 1e-9, -3), E.InputValueError,
     "max_iter must be at least 1, not -3"),
    ("det past int64", lambda: lib.det(np.random.default_rng(0).integers(-9, 10, (30, 30))), E.IntegerOverflowError,
     "determinant is 23,419,973,797,481,867,695,953,266,792,205,230,900, outside int64's range"),
    ("eig of NaN", lambda: lib.eig(NAN), E.InputValueError, "eig: cannot compute"),
    ("rank of NaN", lambda: lib.rank(NAN), E.InputValueError, "rank: cannot compute"),
    ("transform_image strings", lambda: lib.transform_image(np.eye(2), [["a"]]), E.InputValueError, "image has dtype"),
    ("transform_image complex T", lambda: lib.transform_image(np.eye(2) * 1j, np.ones((2, 2))), E.InputValueError,
     "T must be real"),
    ("identity too big", lambda: lib.identity(10**12), E.MemoryLimitError, "memory limit"),
    ("dot by keyword", lambda: lib.dot(u=[1], v=[1]), E.ArgumentCountError, "dot"),
    ("gram_schmidt with a backend", lambda: lib.gram_schmidt(np.eye(2), backend="naive"), E.ArgumentCountError,
     "gram_schmidt"),
    ("plan of an impossible shape", lambda: einlang.compile("A_ij").plan(A=(10**20, 10**20)), E.InputValueError,
     "too large"),
    ("tensor named by a number", lambda: einlang.evaluate("x_i", {3: [1]}), E.InputTypeError, "names are strings"),
    ("a bool as a limit", lambda: einlang.set_options(memory_limit=True), E.InputValueError, "non-negative integer"),
]


@pytest.mark.parametrize(("make", "error", "words"), [m[1:] for m in MISTAKES], ids=[m[0] for m in MISTAKES])
def test_python_mistakes_are_einlang_errors(make, error, words):
    with pytest.raises(error) as info:
        make()
    assert words in str(info.value)


def test_complex_image_is_refused_in_einlang_too():
    with pytest.raises(E.InputValueError, match="T must be real"):
        einlang.Session().run("transform_image([[1j, 0], [0, 1]], [[1, 2], [3, 4]])")


EMPTY = {  # by hand: no columns, so nothing to orthonormalise, nothing dependent, rank 0
    "gram_schmidt": np.zeros((0, 0)), "dimensions": 0, "linearly_independent": True, "rank": 0,
    "row_echelon": np.zeros((0, 0)),
}


@pytest.mark.parametrize("name", list(EMPTY))
def test_empty_matrices_reach_python_functions_with_their_shape(name, backend):
    """The naive backend passes values as nested lists: a 0×0 matrix must still arrive as 0×0."""
    expected = EMPTY[name]
    got = einlang.Session(E0=np.zeros((0, 0))).run(f"{name}(E0)", backend=backend)
    assert np.shape(got) == np.shape(expected)
    assert np.array_equal(got, expected)


def test_guarded_python_functions_keep_their_names_and_results():
    assert lib.pagerank.__name__ == "pagerank" and "ranks sum to 100" in lib.pagerank.__doc__
    ranks, iterations = lib.pagerank(L2, 0.5)
    assert ranks.tolist() == [50.0, 50.0] and iterations == 1
    assert lib.dot([1, 2], [3, 4], backend="naive") == 11
