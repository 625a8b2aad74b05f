"""Static checks: each user mistake raises its own EinlangError subclass, names what is wrong and points
at the culprit with ``err.span`` — all before any computation."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E

A34 = np.ones((3, 4))
B56 = np.ones((5, 6))
M33 = np.ones((3, 3))
v3 = np.ones(3)
x4 = np.ones(4)


def culprit(err: E.EinlangError) -> str:
    """The source text under the error's primary span."""
    assert err.span is not None, f"{type(err).__name__} has no span: {err}"
    return err.span.text


def fails(text: str, error: type[E.EinlangError], **tensors) -> E.EinlangError:
    with pytest.raises(error) as info:
        einlang.evaluate(text, **tensors)
    return info.value


# (name, source, tensors, error class, text under err.span, words the message must contain)
CASES = [
    ("undefined", "A_ij C_jk", dict(A=A34), E.UndefinedNameError, "C", ["C", "not defined"]),
    ("undefined bare", "q x_i", dict(x=x4), E.UndefinedNameError, "q", ["q is not defined"]),
    ("undefined quoted", "`my_t`_ij", dict(A=A34), E.UndefinedNameError, "`my_t`_ij", ["my_t"]),
    ("rank too many", "A_ijk", dict(A=A34), E.RankMismatchError, "k", ["A", "3×4", "2 indices", "3"]),
    ("rank too few", "A_i", dict(A=A34), E.RankMismatchError, "A_i", ["A", "3×4", "1"]),
    ("rank on scalar", "s_ij", dict(s=2.0), E.RankMismatchError, "i", ["s", "scalar"]),
    ("size mismatch", "A_ij B_jk", dict(A=A34, B=B56), E.SizeMismatchError, "j", ["index j", "4", "A", "5", "B"]),
    ("size mismatch vector", "A_ij x_j", dict(A=A34, x=np.ones(5)), E.SizeMismatchError, "j",
     ["index j", "4 in A", "5 in x"]),
    ("size mismatch in sum", "A_ij + A_ji", dict(A=A34), E.SizeMismatchError, "i", ["index i", "3", "4"]),
    ("size-1 not broadcast", "A_ij x_j", dict(A=A34, x=np.ones(1)), E.SizeMismatchError, "j", ["4", "1"]),
    ("free index mismatch", "A_ij + v_i", dict(A=A34, v=v3), E.FreeIndexMismatchError, "A_ij", ["{i, j}", "{i}"]),
    ("free index mismatch 2", "v_i - x_j", dict(v=v3, x=x4), E.FreeIndexMismatchError, "v_i", ["{i}", "{j}"]),
    ("output absent arrow", "A_ij -> ik", dict(A=A34), E.OutputIndexError, "k", ["output index k"]),
    ("output absent assign", "C_ki = A_ij", dict(A=A34), E.OutputIndexError, "k", ["output index k"]),
    ("output absent product", "A_ij B_jk -> iz", dict(A=A34, B=np.ones((4, 2))), E.OutputIndexError, "z",
     ["output index z"]),
    ("output repeated arrow", "A_ij -> ii", dict(A=A34), E.RepeatedOutputIndexError, "i", ["output index i", "repeated"]),
    ("output repeated assign", "C_ii = M_ij M_ji", dict(M=M33), E.RepeatedOutputIndexError, "i", ["output index i"]),
    ("convention 3 times", "M_ij v_i v_i", dict(M=M33, v=v3), E.ConventionError, "i", ["index i", "3 times"]),
    ("convention 4 times", "v_i v_i v_i v_i", dict(v=v3), E.ConventionError, "i", ["4 times"]),
    ("unknown function", "mtmul(A, A)", dict(A=A34), E.UnknownFunctionError, "mtmul", ["unknown function mtmul"]),
    ("tensor called", "A(x)", dict(A=A34, x=x4), E.UnknownFunctionError, "A", ["A is a tensor"]),
    ("arg count library", "dot(v)", dict(v=v3), E.ArgumentCountError, "dot(v)", ["dot(u, v)", "2", "1"]),
    ("arg count elementwise", "sqrt(v_i, v_i)", dict(v=v3), E.ArgumentCountError, "sqrt(v_i, v_i)", ["sqrt", "1", "2"]),
    ("arg count def", "def f(a) = a; f(s, s)", dict(s=2.0), E.ArgumentCountError, "f(s, s)", ["f(a)", "1", "2"]),
    ("bare matrix", "2 A", dict(A=A34), E.BareTensorError, "A",
     ["A is a 3×4 matrix: write its indices, e.g. A_ij"]),
    ("bare vector", "x v_i", dict(x=x4, v=v3), E.BareTensorError, "x", ["x is a vector", "x_i"]),
    ("bare in product", "A_ij B", dict(A=A34, B=B56), E.BareTensorError, "B", ["B is a 5×6 matrix", "B_ij"]),
    ("divide by tensor", "v_i / A", dict(v=v3, A=A34), E.BareTensorError, "A", ["divide", "A"]),
    ("delta size", "delta_ij", {}, E.SizeInferenceError, "delta_ij", ["delta_ij", "i", "j"]),
    ("delta size 2", "2 δ_ij", {}, E.SizeInferenceError, "δ_ij", ["δ_ij"]),
    ("delta not square", "A_ij delta_ij", dict(A=A34), E.SizeMismatchError, "i", ["delta_ij", "3", "4"]),
    ("eps size", "eps_ijk v_j x_k", dict(v=v3, x=x4), E.SizeMismatchError, "k", ["index k", "4", "3"]),
    ("ambiguous", "x_i", dict(x=v3, x_i=v3), E.AmbiguousNameError, "x_i", ["x_i", "x with indices i"]),
    ("ragged array", "[[1, 2], [3]]", {}, E.RaggedArrayError, "[1, 2]", ["size 2", "size 1"]),
    ("reserved bind", "delta = 2", {}, E.ReservedNameError, "delta", ["Kronecker"]),
    ("function as tensor", "matmul_ij", {}, E.UndefinedNameError, "matmul_ij", ["function"]),
]


@pytest.mark.parametrize("name, text, tensors, error, where, words", CASES, ids=[c[0] for c in CASES])
def test_check(name, text, tensors, error, where, words):
    err = fails(text, error, **tensors)
    assert culprit(err) == where
    for word in words:
        assert word in err.message, f"{word!r} not in {err.message!r}"
    rendered = str(err)
    assert f"{err.span.line}:{err.span.column}" in rendered.splitlines()[0]
    assert "^" in rendered


def test_did_you_mean():
    err = fails("Alpha x_i", E.UndefinedNameError, alpha=2.0, x=x4)
    assert "did you mean alpha" in err.hint
    err = fails("mtmul(A, A)", E.UnknownFunctionError, A=M33)
    assert "matmul" in err.hint


def test_undefined_name_lists_known_names_when_nothing_is_close():
    err = fails("Q_ij", E.UndefinedNameError, A=A34, B=B56)
    assert "A" in err.hint and "B" in err.hint


def test_ambiguous_suggests_both_readings():
    err = fails("x_i", E.AmbiguousNameError, x=v3, x_i=v3)
    assert "`x_i`" in err.hint and "x_{i}" in err.hint


def test_convention_error_marks_every_occurrence_and_suggests_explicit_output():
    err = fails("M_ij v_i v_i", E.ConventionError, M=M33, v=v3)
    assert [s.column for s in err.spans] == [3, 8, 12]
    assert "explicit" in err.hint
    # the same product with an explicit output is a generalised einsum, not an error
    np.testing.assert_allclose(einlang.evaluate("y_j = M_ij v_i v_i", M=M33, v=v3), np.einsum("ij,i,i->j", M33, v3, v3))


def test_size_mismatch_marks_both_uses():
    err = fails("A_ij B_jk", E.SizeMismatchError, A=A34, B=B56)
    assert [s.text for s in err.spans] == ["j", "j"]
    assert [s.column for s in err.spans] == [4, 8]


def test_unknown_backend_lists_the_available_ones():
    with pytest.raises(E.UnknownBackendError) as info:
        einlang.evaluate("A_ij", A=A34, backend="nope")
    for name in einlang.backends():
        assert name in info.value.message
    assert "nope" in info.value.message


def test_errors_are_value_errors_and_no_computation_happens(monkeypatch):
    calls = []
    monkeypatch.setattr(np, "einsum", lambda *a, **k: calls.append(a))
    with pytest.raises(ValueError):
        einlang.evaluate("A_ij B_jk", A=A34, B=B56, backend="numpy")
    assert calls == []


def test_error_inside_a_library_call_names_the_call_site():
    err = fails("matmul(A, B)", E.SizeMismatchError, A=A34, B=B56)
    assert "4" in err.message and "5" in err.message
    assert any("matmul" in note for note, _ in err.context)
    assert err.span.source.name == "<input>" and "matmul(A, B)" in str(err)  # the caret is under the user's call


# -- name resolution ---------------------------------------------------------------------------------

def test_underscore_name_split_at_last_underscore():
    basis, v = np.array([[1.0, 2.0], [3.0, 4.0]]), np.array([1.0, -1.0])
    np.testing.assert_allclose(einlang.evaluate("bear_basis_ij v_j", bear_basis=basis, v=v), basis @ v)
    np.testing.assert_allclose(einlang.evaluate("`bear_basis`_ij v_j", bear_basis=basis, v=v), basis @ v)
    np.testing.assert_allclose(einlang.evaluate("bear_basis_{ji} v_j", bear_basis=basis, v=v), basis.T @ v)


def test_whole_name_binding_in_session():
    s = einlang.Session()
    s.run("bear_basis = [[1, 0], [0, 1]]")
    np.testing.assert_array_equal(s["bear_basis"], np.eye(2, dtype=int))
    s.run("v = [2, 3]")
    np.testing.assert_array_equal(s.run("bear_basis_ij v_j"), [2, 3])


def test_indexed_assignment_target():
    s = einlang.Session(A=np.array([[1, 2], [3, 4]]), B=np.array([[0, 1], [1, 0]]))
    out = s.run("C_ki = A_ij B_jk")
    np.testing.assert_array_equal(out, (s["A"] @ s["B"]).T)
    np.testing.assert_array_equal(s["C"], out)
    with pytest.raises(E.UndefinedNameError):
        s["C_ki"]


def test_rank0_name_is_a_scalar_factor():
    np.testing.assert_allclose(einlang.evaluate("alpha x_i", alpha=2.5, x=x4), 2.5 * x4)


def test_quoted_name_always_means_the_whole_name():
    # both `x` and `x_i` are bound: backquotes pick the whole name without ambiguity
    np.testing.assert_allclose(einlang.evaluate("`x_i`_j", x=v3, x_i=2 * x4), 2 * x4)


def test_error_on_a_later_line_points_there():
    err = fails("y_i = A_ij u_j\nz = y_i w_i", E.SizeMismatchError, A=A34, u=x4, w=x4)
    assert (err.span.line, err.span.column) == (2, 7)
    assert "  2 | z = y_i w_i" in str(err)
