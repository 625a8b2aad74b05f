"""Sums and products of many terms: checked once per distinct term, scalars multiplied in one step,
with the values, errors and positions of the term-by-term way."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.semantics import ir


def _lowered(text, **arrays):
    return einlang.compile(text).bind(arrays).lowered


def test_a_repeated_term_is_the_same_input_node_and_the_sum_is_exact():
    x = np.array([0.1, 0.2, 0.3])
    node = _lowered(" + ".join(["x_i"] * 50) + " - x_i", x=x).result
    assert isinstance(node, ir.Combine) and len(node.terms) == 51
    assert {id(term.node) for term in node.terms} == {id(node.terms[0].node)}
    assert [term.coefficient for term in node.terms] == [1] * 50 + [-1]
    expected = x.copy()
    for _ in range(49):
        expected = expected + x  # numpy adds the terms one by one, in order
    np.testing.assert_array_equal(einlang.evaluate(" + ".join(["x_i"] * 50) + " - x_i", x=x), expected - x)


def test_a_mismatch_among_repeated_terms_is_reported_at_the_first_term_that_has_it():
    with pytest.raises(E.FreeIndexMismatchError) as info:
        einlang.evaluate("x_i + x_i + y_j + x_i + y_j", x=np.ones(2), y=np.ones(2))
    assert info.value.spans[1].start == len("x_i + x_i + ")


def test_repeated_terms_that_make_nodes_are_lowered_each_time():
    """A_ji (a transposition) and A_ii (a trace) make a node: each copy keeps its own, as before."""
    A = np.arange(4.0).reshape(2, 2)
    node = _lowered("A_ji + A_ji", A=A).result
    assert node.terms[0].node is not node.terms[1].node
    np.testing.assert_array_equal(einlang.evaluate("A_ji + A_ji -> ij", A=A), 2 * A.T)


def test_a_scalar_named_again_keeps_each_position():
    node = _lowered("s t s s", s=2.0, t=3.0).result
    assert [op.display for op in node.operands] == ["s", "t", "s", "s"]
    assert [op.span.start for op in node.operands] == [0, 2, 4, 6]


@pytest.mark.parametrize("n", [5, 12, 13, 40, 64, 200])
def test_many_scalars_multiply_left_to_right_as_the_pairwise_steps_did(n):
    rng = np.random.default_rng(n)
    values = {f"s{k}": rng.uniform(0.5, 1.5) for k in range(n)}
    text = " ".join(values)
    expected = np.float64(values["s0"])  # the greedy pairwise order: ((s0 s1) s2) s3 …
    for name in list(values)[1:]:
        expected = expected * np.float64(values[name])
    value = einlang.evaluate(text, **values)
    if 12 < n <= 64:  # one step, greedy's order; up to 12 the search pairs them otherwise, past 64 in groups
        assert value == expected
    np.testing.assert_allclose(value, expected, rtol=1e-13)
    np.testing.assert_allclose(einlang.evaluate(text, backend="naive", **values), expected, rtol=1e-13)


def test_the_plan_of_many_scalars_is_one_step_per_group():
    plan = einlang.compile(" ".join(["s"] * 20)).plan(s=())
    (only,) = plan.steps
    assert only.operands == ("s",) * 20 and only.flops == 19 and only.kernel == "einsum"
    assert plan.opt_flops == plan.naive_flops == 19
    pairwise = einlang.compile("a b c d").plan(a=(), b=(), c=(), d=())
    assert len(pairwise.steps) == 3  # up to 12: the pairs the search returns


def test_many_scalars_of_other_dtypes_keep_the_products_rules():
    ones = {f"i{k}": np.int64(1) for k in range(20)}
    assert repr(einlang.evaluate(" ".join(ones), **ones)) == "np.int64(1)"
    twos = {f"i{k}": np.int8(2) for k in range(20)}
    with pytest.raises(E.IntegerOverflowError):  # int8 would wrap: refused before running, as before
        einlang.evaluate(" ".join(twos), **twos)
    assert einlang.evaluate(" ".join(["q"] * 30), q=np.array(2, dtype=object)) == 2**30  # exact objects
    assert einlang.evaluate(" ".join(["b"] * 20), b=np.True_) == np.True_


def test_the_numpy_backend_refuses_a_product_numpy_einsum_cannot_take():
    """numpy.einsum takes 63 operands: a group of 64 is refused by name (it said only "too many operands")."""
    text = " ".join(["s"] * 64)
    with pytest.raises(E.UnsupportedByBackendError, match="at most 63 operands"):
        einlang.evaluate(text, s=1.5, backend="numpy")
    assert einlang.evaluate(" ".join(["s"] * 63), s=1.0, backend="numpy") == 1.0
    assert einlang.evaluate(text, s=1.0) == 1.0
