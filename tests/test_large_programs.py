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


@pytest.mark.parametrize("count", [63, 64, 65, 200, 1000])
def test_the_numpy_backend_runs_a_product_of_more_factors_than_numpy_einsum_takes(count):
    """numpy.einsum takes 63 operands (31 on numpy 1): a group of 64 (a product of thousands) was refused
    with E602; it now runs as several calls, each result the next one's first operand."""
    text = " ".join(["s"] * count)
    s = np.float64(1.0 + 2.0**-12)
    for backend in ("numpy", "opt"):
        np.testing.assert_allclose(einlang.evaluate(text, s=s, backend=backend), s**count, rtol=1e-12)
    if count <= 64:  # one group, whose first 63 factors are numpy.einsum's own call
        expected = np.einsum(",".join([""] * 63) + "->", *[s] * 63) * s ** (count - 63)
        assert einlang.evaluate(text, s=s, backend="numpy") == expected
    assert einlang.evaluate(text, s=np.array(3, dtype=object), backend="numpy") == 3**count  # exact, no int64


def test_the_numpy_backend_runs_long_products_with_indices_against_numpy_einsum():
    """Indices kept between calls: ``i`` summed only at the end, ``j`` free, ``k`` summed within the first call."""
    rng = np.random.default_rng(7)
    x, y = rng.uniform(0.9, 1.1, 3), rng.uniform(0.9, 1.1, 4)
    A = rng.uniform(0.9, 1.1, (2, 5))
    factors = ["A_mk"] + ["x_i", "y_j"] * 40
    text = " ".join(factors) + " -> {j,m}"
    got = einlang.evaluate(text, x=x, y=y, A=A, backend="numpy")
    reference = np.einsum("mk,i,j->jm", A, x**40, y**40)
    np.testing.assert_allclose(got, reference, rtol=1e-12)
    np.testing.assert_allclose(einlang.evaluate(text, x=x, y=y, A=A, backend="opt"), reference, rtol=1e-12)
    np.testing.assert_allclose(einlang.evaluate(text, x=x, y=y, A=A, backend="naive"), reference, rtol=1e-12)


def test_the_operand_limit_is_the_installed_numpy_einsums():
    from einlang.backends.numpy_backend import MAX_OPERANDS

    scalars = [np.float64(1.0)] * (MAX_OPERANDS + 1)
    assert np.einsum(",".join([""] * MAX_OPERANDS) + "->", *scalars[:MAX_OPERANDS]) == 1.0
    with pytest.raises(ValueError, match="too many operands"):
        np.einsum(",".join([""] * (MAX_OPERANDS + 1)) + "->", *scalars)


@pytest.mark.parametrize("limit", [2, 3, 5])
def test_a_product_in_calls_of_few_operands_is_numpy_einsums_product(limit):
    """The chunking a smaller numpy (31 operands) or a longer group needs, with a tiny limit."""
    from einlang.backends.numpy_backend import _in_calls, einsum_equations

    rng = np.random.default_rng(limit)
    arrays = {"A": rng.normal(size=(2, 3)), "x": rng.normal(size=3), "y": rng.normal(size=4), "B": rng.normal(size=(4, 2))}
    text = "A_ij x_j y_k B_kl x_j A_lj y_k -> {i,k}"
    node = einlang.compile(text).bind(arrays).lowered.result
    equations = einsum_equations(node, limit=limit)
    assert len(equations) > 1 and all(equation.count(",") < limit for equation in equations)
    operands = [arrays[op.node.name] for op in node.operands]
    np.testing.assert_allclose(_in_calls(equations[0], equations[1:], operands), einlang.evaluate(text, **arrays))
    np.testing.assert_allclose(
        _in_calls(equations[0], equations[1:], operands), np.einsum("ij,j,k,kl,j,lj,k->ik", *operands)
    )
