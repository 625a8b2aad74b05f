"""The path search and step description of einlang.plan.steps report what opt_einsum.contract_path reports."""

from __future__ import annotations

import opt_einsum
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import einlang
from einlang.plan.steps import describe_path, name_steps, scalar_path, scalar_steps, search_path

ALGORITHMS = ("auto", "greedy", "optimal", "dp", "branch-2")


@st.composite
def products(draw):
    """Random index strings over a few letters (no repeats inside one operand), an output, sizes."""
    letters = "abcdefgh"
    inputs = draw(st.lists(st.text(letters, max_size=4).map(lambda t: "".join(dict.fromkeys(t))),
                           min_size=1, max_size=9))
    used = sorted(set("".join(inputs)))
    output = "".join(draw(st.permutations(used))[: draw(st.integers(0, len(used)))])
    sizes = {s: draw(st.integers(1, 6)) for s in used}
    return inputs, output, sizes


def _reference(inputs, output, sizes, optimize, memory_limit):
    shapes = [tuple(sizes[s] for s in term) for term in inputs]
    return opt_einsum.contract_path(",".join(inputs) + "->" + output, *shapes, shapes=True, optimize=optimize,
                                    memory_limit=memory_limit)


@settings(deadline=None, max_examples=150)
@given(products(), st.sampled_from(ALGORITHMS), st.sampled_from([None, "max_input", 30]))
def test_steps_are_what_contract_path_reports(product, algorithm, memory_limit):
    inputs, output, sizes = product
    if algorithm == "optimal" and len(inputs) > 7:
        algorithm = "greedy"  # factorial
    try:
        path, info = _reference(inputs, output, sizes, algorithm, memory_limit)
    except RuntimeError:  # dp finds no path within the memory limit: the same search says so
        with pytest.raises(RuntimeError):
            search_path(inputs, output, sizes, algorithm, memory_limit)
        return
    ours = search_path(inputs, output, sizes, algorithm, memory_limit)
    assert [tuple(p) for p in path] == ours
    steps = describe_path(ours, inputs, output, sizes)
    expected = [(tuple(c[0]), frozenset(c[1]), c[2], c[4]) for c in info.contraction_list]
    assert [(s.positions, s.removed, s.einsum, s.blas) for s in steps] == expected
    assert sum(s.flops for s in steps) == int(info.opt_cost)
    assert max(s.size for s in steps) == int(info.largest_intermediate)


@settings(deadline=None)
@given(products(), st.data())
def test_explicit_paths_are_described_as_contract_path_describes_them(product, data):
    inputs, output, sizes = product
    path, remaining = [], len(inputs)
    while remaining > 1:
        pair = tuple(data.draw(st.permutations(range(remaining)))[:2])
        path.append(pair)
        remaining -= 1
    path = path or [(0,)]
    _, info = _reference(inputs, output, sizes, path, None)
    steps = describe_path(search_path(inputs, output, sizes, path, None), inputs, output, sizes)
    assert [(s.positions, s.einsum, s.blas) for s in steps] == [(tuple(c[0]), c[2], c[4]) for c in info.contraction_list]


@pytest.mark.parametrize("algorithm", ["auto", "greedy"])
def test_a_product_of_scalars_takes_the_path_the_search_takes(algorithm):
    """Scalars skip the search (every order costs the same): the path is the one opt_einsum returns."""
    for n in (1, 2, 3, 4, 5, 8, 12, 13, 14, 15, 20, 40, 64):  # around each change of opt_einsum's choice
        path, _ = _reference([""] * n, "", {}, algorithm, None)
        if algorithm == "greedy" or n <= 12:
            assert scalar_path(n, algorithm) == [tuple(p) for p in path], n
        assert search_path([""] * n, "", {}, algorithm, None) == [tuple(p) for p in path], n
    for n in (3, 13, 20):  # a memory limit changes the greedy order: then it searches
        path, _ = _reference([""] * n, "", {}, algorithm, "max_input")
        assert search_path([""] * n, "", {}, algorithm, "max_input") == [tuple(p) for p in path], n


def test_plan_table_of_a_chain_is_unchanged_by_skipping_contract_path():
    """The chain's steps, costs and largest intermediate, against contract_path on its equation."""
    n = 20
    text = " ".join(f"M_{{i{k},i{k + 1}}}" for k in range(n))
    plan = einlang.compile(text).plan(M=(3, 3))
    (contraction,) = plan.contractions
    path, info = opt_einsum.contract_path(contraction.einsum, *[(3, 3)] * n, shapes=True, optimize="greedy")
    assert contraction.path == tuple(tuple(p) for p in path)
    assert [s.einsum for s in contraction.steps] == [c[2] for c in info.contraction_list]
    assert plan.opt_flops == int(info.opt_cost) and contraction.largest_intermediate == int(info.largest_intermediate)


@settings(deadline=None, max_examples=50)
@given(st.integers(1, 16), st.data())
def test_scalar_steps_are_the_general_description(n, data):
    """The shortcut for products of scalars gives the rows the general description gives, for any path."""
    path, remaining = [], n
    if n == 1 or data.draw(st.booleans()):
        path.append((data.draw(st.integers(0, n - 1)),))  # a single-operand step
    while remaining > 1:
        take = data.draw(st.integers(2, min(3, remaining)))
        path.append(tuple(data.draw(st.lists(st.integers(0, remaining - 1), min_size=take, max_size=take, unique=True))))
        remaining -= take - 1
    names = [f"s{k}" for k in range(n)]
    general = name_steps("T3", (), {}, names, describe_path(path, [""] * n, "", {}))
    assert scalar_steps("T3", names, path) == general
