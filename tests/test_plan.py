"""Plans: opt_einsum's path in the user's index names, with costs; cached per (program, shapes)."""

from __future__ import annotations

import numpy as np
import opt_einsum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import einlang
import einlang.plan.plan
import einlang.program
from einlang.plan import Plan
from einlang.plan.plan import written_order_cost

CHAIN = "A_ij B_jk C_kl v_l"


def chain_plan(n: int = 40) -> Plan:
    return einlang.compile(CHAIN).plan(A=(n, n), B=(n, n), C=(n, n), v=(n,))


def test_chain_is_planned_as_matrix_vector_products():
    plan = chain_plan()
    assert len(plan.steps) == 3
    # every step multiplies a matrix by a vector: no matrix-matrix product (n³) is ever formed
    for step in plan.steps:
        assert len(step.shape) == 1, step
        assert len(step.contracted) == 1
        ranks = sorted(op.count("_") and len(op.rsplit("_", 1)[1]) for op in step.operands)
        assert ranks == [1, 2], step
    assert [step.contracted for step in plan.steps] == [("l",), ("k",), ("j",)]
    assert plan.steps[-1].shape == (40,)


def test_chain_costs():
    n = 40
    plan = chain_plan(n)
    assert plan.naive_flops == 4 * n**4  # per combination of i, j, k, l: 3 multiplications and 1 addition
    assert plan.opt_flops == 3 * 2 * n * n  # three matrix-vector products
    assert plan.naive_flops > plan.opt_flops
    assert plan.speedup == pytest.approx(plan.naive_flops / plan.opt_flops)
    assert plan.largest_intermediate == n
    assert plan.largest_intermediate_bytes == n * 8
    assert tuple(plan.result_shape) == (n,)


def test_costs_agree_with_opt_einsum():
    n = 40
    _, info = opt_einsum.contract_path("ij,jk,kl,l->i", (n, n), (n, n), (n, n), (n,), shapes=True)
    plan = chain_plan(n)
    assert plan.opt_flops == int(info.opt_cost)
    assert plan.naive_flops == int(info.naive_cost)


def test_str_uses_the_users_index_names():
    text = str(einlang.compile("W_{in,hid} V_{hid,out} x_{out,}").plan(W=(5, 6), V=(6, 7), x=(7,)))
    assert "hid" in text and "out" in text
    assert "naive FLOPs" in text and "largest intermediate" in text
    table = str(chain_plan())
    for needle in ("C_kl v_l", "A_ij", "speedup", "40 elements"):
        assert needle in table


def test_explicit_output_and_trace_plans():
    plan = einlang.compile("C_ki = A_ij B_jk").plan(A=(2, 3), B=(3, 4))
    assert plan.steps[-1].result.endswith("_ki")
    trace = einlang.compile("M_ii").plan(M=(5, 5))
    assert trace.result_shape == ()
    assert trace.steps[0].contracted == ("i",)


def test_shapes_as_tuples_or_arrays_give_the_same_plan():
    prog = einlang.compile("A_ij B_jk")
    by_shape = prog.plan(A=(3, 4), B=(4, 5))
    by_array = prog.plan(A=np.ones((3, 4)), B=np.ones((4, 5)))
    assert by_shape.steps == by_array.steps
    assert by_shape.naive_flops == by_array.naive_flops == 2 * 3 * 4 * 5  # a multiply and an add per (i, j, k)
    assert prog.plan({"A": (3, 4), "B": (4, 5)}).steps == by_shape.steps


def test_shapes_are_checked_when_planning():
    with pytest.raises(einlang.errors.SizeMismatchError):
        einlang.compile("A_ij B_jk").plan(A=(3, 4), B=(5, 6))


@pytest.fixture
def counters(monkeypatch):
    counts = {"search": 0, "parse": 0}
    real_path, real_parse = einlang.plan.plan.search_path, einlang.program.parse

    def counting_path(*args, **kwargs):
        counts["search"] += 1
        return real_path(*args, **kwargs)

    def counting_parse(*args, **kwargs):
        counts["parse"] += 1
        return real_parse(*args, **kwargs)

    monkeypatch.setattr(einlang.plan.plan, "search_path", counting_path)
    monkeypatch.setattr(einlang.program, "parse", counting_parse)
    return counts


def test_plan_is_cached_per_shapes(counters):
    source = "P_ij Q_jk R_kl  # plan cache test"
    prog = einlang.compile(source)
    assert counters["parse"] == 1
    first = prog.plan(P=(3, 4), Q=(4, 5), R=(5, 6))
    per_plan = counters["search"]  # the path search (the written order is costed without one)
    assert per_plan >= 1
    again = einlang.compile(source).plan(P=(3, 4), Q=(4, 5), R=(5, 6))
    assert again is first
    assert counters == {"search": per_plan, "parse": 1}
    # different shapes: a new path search, still no parsing
    einlang.compile(source).plan(P=(3, 4), Q=(4, 7), R=(7, 6))
    assert counters == {"search": 2 * per_plan, "parse": 1}


def test_written_order_cost_shows_what_the_path_search_saved():
    n = 100
    plan = einlang.compile("A_ij B_jk v_k").plan(A=(n, n), B=(n, n), v=(n,))
    # left to right: (A B) is a matrix product (2 n^3), then times v (2 n^2); the search does two
    # matrix-vector products (2 n^2 each)
    assert plan.written_flops == 2 * n**3 + 2 * n**2
    assert plan.opt_flops == 4 * n**2
    assert "written-order FLOPs:  2,020,000" in str(plan)


@settings(deadline=None)
@given(st.data())
def test_written_order_cost_counts_as_opt_einsum_counts_the_written_path(data):
    letters = "abcdefg"
    inputs = data.draw(st.lists(st.text(letters, min_size=0, max_size=4).map(lambda t: "".join(dict.fromkeys(t))),
                                min_size=2, max_size=7))
    used = sorted(set("".join(inputs)))
    output = "".join(data.draw(st.permutations(used))[: data.draw(st.integers(0, len(used)))])
    sizes = {s: data.draw(st.integers(1, 5)) for s in used}
    shapes = [tuple(sizes[s] for s in term) for term in inputs]
    path = [(0, 1)] + [(0, m - 1) for m in range(len(inputs) - 1, 1, -1)]  # the next operand, the result so far
    _, info = opt_einsum.contract_path(",".join(inputs) + "->" + output, *shapes, shapes=True, optimize=path)
    assert written_order_cost(inputs, output, sizes) == info.opt_cost


def test_evaluating_twice_does_no_parsing_or_path_search(counters):
    source = "P_ij Q_jk R_kl  # evaluate cache test"
    P, Q, R = np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5))
    for backend in einlang.backends():
        einlang.evaluate(source, P=P, Q=Q, R=R, backend=backend)
    searched = counters["search"]
    assert counters["parse"] == 1 and searched >= 1
    for backend in einlang.backends():
        np.testing.assert_allclose(einlang.evaluate(source, P=P, Q=Q, R=R, backend=backend), P @ Q @ R)
    assert counters == {"search": searched, "parse": 1}


def test_explain_shows_loops_and_plan():
    text = einlang.compile("A_ij B_jk").explain(A=(2, 3), B=(3, 4))
    assert "for i in range(2):" in text and "for j in range(3):" in text and "for k in range(4):" in text
    assert "A_ij B_jk" in text
    assert "naive FLOPs" in text
    assert "24 loop iterations" in text


def test_to_einsum():
    assert einlang.compile(CHAIN).to_einsum() == "ij,jk,kl,l->i"
    assert einlang.compile("C_ki = A_ij B_jk").to_einsum() == "ij,jk->ki"
    assert einlang.compile("A_ii").to_einsum() == "ii->"
    with pytest.raises(einlang.errors.NotAnEinsumError):
        einlang.compile("A_ij + B_ij").to_einsum()


def test_plan_counts_one_element_in_the_singular():
    """Issue 10 item 10: a scalar result is "1 element", not "1 elements"."""
    text = str(einlang.compile("x_i x_i").plan(x=(3,)))
    assert "largest intermediate: 1 element (" in text
    assert "largest intermediate: 9 elements" in str(einlang.compile("x_i x_j").plan(x=(3,)))
