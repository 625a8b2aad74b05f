"""Batch dimensions (``...``) in index notation, cross-checked against numpy.einsum on every backend."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E

rng = np.random.default_rng(7)


def _r(*shape):
    return rng.standard_normal(shape)


# (einlang program, numpy equation, shapes by name in the order numpy takes them)
CASES = [
    ("C_{...ik} = A_{...ij} B_{...jk}", "...ij,...jk->...ik", {"A": (4, 2, 3), "B": (4, 3, 5)}),
    ("A_{...ij} B_{...jk}", "...ij,...jk", {"A": (4, 2, 3), "B": (4, 3, 5)}),
    ("C_{...ik} = A_{...ij} B_{...jk}", "...ij,...jk->...ik", {"A": (6, 4, 2, 3), "B": (4, 3, 5)}),  # ranks differ
    ("C_{...ik} = A_{...ij} B_{...jk}", "...ij,...jk->...ik", {"A": (6, 1, 2, 3), "B": (4, 3, 5)}),  # size-1 broadcast
    ("C_{...ik} = A_{...ij} B_{...jk}", "...ij,...jk->...ik", {"A": (1, 2, 3), "B": (4, 3, 5)}),
    ("C_{...ik} = A_{...ij} B_{...jk}", "...ij,...jk->...ik", {"A": (2, 3), "B": (3, 5)}),  # no batch axes
    ("C_{...ik} = A_{...ij} B_{...jk}", "...ij,...jk->...ik", {"A": (2, 1, 2, 3), "B": (1, 4, 3, 5)}),
    ("C_{...ki} = A_{...ij} B_{...jk}", "...ij,...jk->...ki", {"A": (4, 2, 3), "B": (4, 3, 5)}),
    ("C_{k...i} = A_{...ij} B_{...jk}", "...ij,...jk->k...i", {"A": (4, 2, 3), "B": (4, 3, 5)}),
    ("C_{ik...} = A_{...ij} B_{...jk}", "...ij,...jk->ik...", {"A": (4, 2, 3), "B": (4, 3, 5)}),
    ("A_{...ij} B_{...jk} -> {...ki}", "...ij,...jk->...ki", {"A": (4, 2, 3), "B": (4, 3, 5)}),
    ("y_{...i} = W_ij x_{...j}", "ij,...j->...i", {"W": (3, 4), "x": (5, 4)}),
    ("y_{...i} = W_ij x_{...j}", "ij,...j->...i", {"W": (3, 4), "x": (2, 5, 4)}),
    ("y_{...i} = W_ij x_{...j}", "ij,...j->...i", {"W": (3, 4), "x": (4,)}),
    ("W_ij x_{...j}", "ij,...j", {"W": (3, 4), "x": (2, 5, 4)}),
    ("x_{...i} y_{...i}", "...i,...i", {"x": (5, 3), "y": (5, 3)}),  # a dot product per batch entry
    ("s_{...} = x_{...i} y_{...i}", "...i,...i->...", {"x": (5, 3), "y": (2, 1, 3)}),
    ("A_{...ii}", "...ii", {"A": (4, 3, 3)}),  # a trace per batch entry
    ("d_{...i} = A_{...ii}", "...ii->...i", {"A": (4, 3, 3)}),
    ("A_{i...j} v_j", "i...j,j", {"A": (2, 3, 4, 5), "v": (5,)}),  # '...' in the middle
    ("A_{ij...} v_j", "ij...,j", {"A": (2, 3, 4), "v": (3,)}),  # '...' trailing
    ("t_{...} = A_{...}", "...->...", {"A": (2, 3)}),
    ("A_{...} B_{...}", "...,...", {"A": (2, 3), "B": (3,)}),
    ("A_{...} B_{...}", "...,...", {"A": (2, 1), "B": (1, 3)}),
    ("A_{...ij} B_{...jk} C_{...kl}", "...ij,...jk,...kl", {"A": (3, 2, 3), "B": (3, 3, 4), "C": (1, 4, 2)}),
    ("2 A_{...ij} B_{...jk}", "...ij,...jk", {"A": (4, 2, 3), "B": (3, 5)}),
]


def _arrays(shapes):
    return {name: _r(*shape) for name, shape in shapes.items()}


@pytest.mark.parametrize(("program", "equation", "shapes"), CASES, ids=[f"{p}|{s}" for p, _, s in CASES])
def test_batch_matches_numpy(backend, program, equation, shapes):
    arrays = _arrays(shapes)
    expected = np.einsum(equation, *arrays.values())
    if program.startswith("2 "):
        expected = 2 * expected
    got = einlang.evaluate(program, backend=backend, **arrays)
    assert np.shape(got) == expected.shape
    np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


def test_batch_in_sums_elementwise_and_parentheses(backend):
    A, B, x = _r(4, 2, 3), _r(4, 2, 3), _r(4, 3)
    got = einlang.evaluate("C_{...ij} = A_{...ij} + B_{...ij}", A=A, B=B, backend=backend)
    np.testing.assert_allclose(got, A + B)
    got = einlang.evaluate("y_{...i} = (A_{...ij} + B_{...ij}) x_{...j}", A=A, B=B, x=x, backend=backend)
    np.testing.assert_allclose(got, np.einsum("...ij,...j->...i", A + B, x))
    got = einlang.evaluate("y_{...i} = exp(A_{...ij}) x_{...j}", A=A, x=x, backend=backend)
    np.testing.assert_allclose(got, np.einsum("...ij,...j->...i", np.exp(A), x))
    got = einlang.evaluate("n_{...} = sqrt(x_{...i} x_{...i})", x=x, backend=backend)
    np.testing.assert_allclose(got, np.linalg.norm(x, axis=-1))


def test_batch_in_definitions_and_calls(backend):
    A, B = _r(5, 2, 3), _r(5, 3, 4)
    program = "def bmm(X, Y)_{...ik} = X_{...ij} Y_{...jk}\nC_{...ik} = bmm(A, B)_{...ik}"
    np.testing.assert_allclose(einlang.evaluate(program, A=A, B=B, backend=backend), A @ B)
    got = einlang.evaluate("def bmm(X, Y)_{...ik} = X_{...ij} Y_{...jk}\nbmm(A, B)_{...ik} v_k",
                           A=A, B=B, v=np.arange(4.0), backend=backend)
    np.testing.assert_allclose(got, (A @ B) @ np.arange(4.0))


def test_batch_in_a_session(backend):
    s = einlang.Session(backend=backend, A=_r(3, 2, 2), x=_r(3, 2))
    y = s.run("y_{...i} = A_{...ij} x_{...j}")
    np.testing.assert_allclose(y, np.einsum("...ij,...j->...i", s["A"], s["x"]))
    np.testing.assert_allclose(s["y"], y)
    np.testing.assert_allclose(s.run("y_{...i} y_{...i}"), (y * y).sum(-1))


def test_integer_batch_keeps_integers(backend):
    A, B = np.arange(24).reshape(2, 3, 4), np.arange(8).reshape(4, 2)
    got = einlang.evaluate("A_{...ij} B_{jk}", A=A, B=B, backend=backend)
    assert got.dtype == np.int64
    np.testing.assert_array_equal(got, A @ B)


def test_plan_and_explain_show_batch_axes():
    prog = einlang.compile("y_{...i} = W_ij x_{...j}")
    text = prog.explain(W=(3, 4), x=(6, 4))
    assert "for b in range(6)" in text  # the batch loop is named b, not confused with index i
    plan = prog.plan(W=(3, 4), x=(6, 4))
    assert plan.result_shape == (6, 3)
    assert "…0" in str(plan)


# -- errors ---------------------------------------------------------------------------------------

def test_batch_shapes_that_do_not_broadcast_name_both_tensors_and_shapes():
    with pytest.raises(E.SizeMismatchError) as info:
        einlang.evaluate("A_{...ij} B_{...jk}", A=np.ones((7, 3, 2, 4)), B=np.ones((5, 4, 2)))
    message = str(info.value)
    assert "do not broadcast" in message
    assert "A" in message and "7×3×2×4" in message and "batch shape 7×3" in message
    assert "B" in message and "batch shape 5" in message
    assert "3 vs 5" in message
    assert message.count("^^^") == 2  # a caret under each '...'
    assert isinstance(info.value, ValueError)


def test_numpy_refuses_the_same_shapes(backend):
    A, B = np.ones((7, 3, 2, 4)), np.ones((5, 4, 2))
    with pytest.raises(ValueError):
        np.einsum("...ij,...jk", A, B)
    with pytest.raises(E.EinlangError):
        einlang.evaluate("A_{...ij} B_{...jk}", A=A, B=B, backend=backend)


def test_output_without_ellipsis_is_refused():
    with pytest.raises(E.OutputIndexError, match=r"batch dimensions \('...'\)") as info:
        einlang.evaluate("C_ik = A_{...ij} B_{...jk}", A=np.ones((2, 2, 3)), B=np.ones((2, 3, 4)))
    assert "C_{...ik}" in str(info.value)


def test_too_few_axes_for_the_named_indices():
    with pytest.raises(E.RankMismatchError, match=r"A has 2 axes \(shape 2×3\) but A_\{\.\.\.ijk\} names 3"):
        einlang.evaluate("A_{...ijk}", A=np.ones((2, 3)))


def test_two_ellipses_are_refused():
    with pytest.raises(E.IndexRuleError, match="more than one"):
        einlang.evaluate("A_{...i...}", A=np.ones((2, 3)))


def test_special_tensors_have_no_batch_axes():
    with pytest.raises(E.IndexRuleError, match="no batch"):
        einlang.evaluate("delta_{...ij} A_ij", A=np.ones((2, 2)))


def test_sums_need_the_same_batch_axes():
    with pytest.raises(E.EinlangError):
        einlang.evaluate("A_{...i} + b_i", A=np.ones((2, 3)), b=np.ones(3))


def test_repeated_output_ellipsis_is_refused():
    with pytest.raises(E.EinlangError):
        einlang.evaluate("C_{......} = A_{...}", A=np.ones((2, 3)))
