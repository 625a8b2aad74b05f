"""Issue 10's problems, re-tried as a learner wrote them: each gives the right answer or a message that
leads to it."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang import library as lib
from einlang.session import Session

# -- problem 2: basis vectors written as rows --------------------------------------------------------


def test_columns_builds_the_basis_the_course_means():
    s = Session()
    s.run("b1 = [2, 1]; b2 = [-2, 4]")
    assert np.allclose(s.run("to_basis(columns(b1, b2), [5, -1])"), [1.8, -0.7])
    assert s.run("columns(b1, b2)").tolist() == [[2, -2], [1, 4]]
    assert lib.columns([1, 2, 3], [4, 5, 6], [7, 8, 9]).tolist() == [[1, 4, 7], [2, 5, 8], [3, 6, 9]]


def test_basis_vectors_in_rows_are_refused_with_the_fix():
    s = Session()
    s.run("b1 = [2, 1]; b2 = [-2, 4]; B = [b1, b2]")
    for call in ("to_basis(B, [5, -1])", "to_basis([b1, b2], [5, -1])", "from_basis(B, [1, 1])"):
        with pytest.raises(E.InputValueError) as info:
            s.run(call)
        assert "puts b1, b2 in its rows" in info.value.message
        assert "columns(b1, b2)" in info.value.hint
    s.run("B = columns(b1, b2)")  # rebinding forgets the rows
    assert np.allclose(s.run("to_basis(B, [5, -1])"), [1.8, -0.7])


def test_rows_that_are_also_the_columns_are_not_refused():
    s = Session()
    s.run("b1 = [1, 2]; b2 = [2, 1]; B = [b1, b2]")  # symmetric: the same basis either way
    assert np.allclose(s.run("to_basis(B, [3, 3])"), [1, 1])


def test_a_session_definition_of_the_same_name_is_not_checked():
    s = Session()
    s.run("b1 = [2, 1]; b2 = [-2, 4]; def to_basis(B, v)_i = B_ij v_j")
    assert s.run("to_basis([b1, b2], [1, 0])").tolist() == [2, -2]


def test_orthogonal_check_notices_orthogonal_rows():
    with pytest.raises(E.InputValueError) as info:
        einlang.evaluate("to_basis_orthogonal([[2, 1], [-2, 4]], [5, -1])")
    assert "columns 1 and 2 of B are not orthogonal" in info.value.message
    assert "the rows of B are orthogonal" in info.value.message
    assert "columns(b1, b2" in info.value.hint
    with pytest.raises(E.InputValueError) as info:  # neither rows nor columns: the usual advice
        einlang.evaluate("to_basis_orthogonal([[1, 1], [1, 0]], [1, 1])")
    assert "rows" not in info.value.message and "gram_schmidt" in info.value.hint


@pytest.mark.parametrize("name", ["from_basis", "to_basis", "to_basis_orthogonal", "transform_in_basis", "gram",
                                  "orthogonal", "is_orthonormal", "gram_schmidt", "linearly_independent", "columns"])
def test_functions_reading_basis_vectors_from_columns_say_so(name):
    assert "column" in lib.help(name)


# -- problem 4: eigenvectors from the language -------------------------------------------------------


def test_eigenvalues_and_eigenvectors_match():
    s = Session()
    s.run("A = [[4, 1], [2, 3]]; V = eigenvectors(A); l = eigenvalues(A)")
    assert np.allclose(s["l"], [5, 2])
    assert np.allclose(s.run("R_ik = A_ij V_jk - l_k V_ik"), 0)
    assert np.allclose(np.linalg.norm(s["V"], axis=0), 1)
    values, vectors = np.linalg.eig(s["A"])
    for k, value in enumerate(s["l"]):  # each column is numpy's eigenvector for that eigenvalue, up to sign
        expected = vectors[:, np.argmin(abs(values - value))]
        assert np.isclose(abs(expected @ s["V"][:, k]), 1)
    assert np.allclose(lib.eigenvectors([[4, 1], [2, 3]]), s["V"])
    assert np.allclose(lib.eigenvalues([[4, 1], [2, 3]]), [5, 2])


def test_eigenvectors_of_a_rotation_are_refused_in_the_language():
    with pytest.raises(E.InputValueError, match="complex eigenvalues"):
        einlang.evaluate("eigenvectors(rotation(1))")
