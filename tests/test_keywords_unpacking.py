"""Issue 10, problems 4 and 5: keyword arguments in calls (``pagerank(L, d=0.5)``) and several results
from one call (``vals, vecs = eig(A)``), in Python, the REPL, ``einlang run`` and a Session."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import einlang
from einlang import errors as E
from einlang import library as lib
from einlang.cli import main
from einlang.latex import latex
from einlang.records import replace
from einlang.session import Session
from einlang.syntax import ast
from einlang.syntax.parser import parse
from einlang.syntax.printer import to_text
from tests.test_adversarial import _NAMES, _TARGET, _exprs, _index_refs
from tests.test_repl import make_repl, run

BACKENDS = ("naive", "numpy", "opt")
LINKS = [[0, 1, 0], [0, 0, 1], [1, 0, 0]]
L4 = np.array([[0, 0.5, 0.5, 0], [1 / 3, 0, 0, 0.5], [1 / 3, 0.5, 0, 0.5], [1 / 3, 0, 0.5, 0]])


# -- keyword arguments -------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_problem_5_pagerank_with_a_keyword_is_the_positional_call(backend):
    by_name = einlang.evaluate("pagerank(L, d=0.5)", L=L4, backend=backend)
    assert np.allclose(by_name, einlang.evaluate("pagerank(L, 0.5)", L=L4, backend=backend))
    assert np.allclose(by_name, lib.pagerank(L4, d=0.5)[0])


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_left_out_optional_parameter_takes_its_default(backend):
    # tol by name with d left out: d keeps its default of 1
    left_out = einlang.evaluate("pagerank(L, tol=0.5)", L=L4, backend=backend)
    assert np.allclose(left_out, lib.pagerank(L4, 1.0, 0.5)[0])
    assert not np.allclose(left_out, lib.pagerank(L4)[0])  # tol really reached the function


@given(st.permutations(["a", "b", "c"]), st.integers(0, 3))
@settings(max_examples=30, deadline=None)
def test_a_users_definition_takes_its_arguments_in_any_order_by_name(order, positional):
    s = Session(x=[1.0, 2.0], y=[3.0, -1.0], z=[0.5, 4.0])
    s.run("def f(a, b, c)_i = a_i b_j c_j - c_i")
    values = {"a": "x", "b": "y", "c": "z"}
    fixed = [p for p in "abc"][:positional]
    rest = [p for p in order if p not in fixed]
    call = ", ".join([values[p] for p in fixed] + [f"{p}={values[p]}" for p in rest])
    x, y, z = np.array([1.0, 2.0]), np.array([3.0, -1.0]), np.array([0.5, 4.0])
    assert np.allclose(s.run(f"f({call})"), np.einsum("i,j,j->i", x, y, z) - z)


@pytest.mark.parametrize(
    ("source", "error", "words", "hint"),
    [
        ("pagerank(L, damping=0.5)", E.KeywordArgumentError, "pagerank has no parameter damping", "did you mean d?"),
        ("pagerank(L, tolerance=0.5)", E.KeywordArgumentError, "no parameter tolerance", "did you mean tol?"),
        ("pagerank(L, 0.5, d=0.5)", E.KeywordArgumentError, "is given d twice", "give each parameter once"),
        ("pagerank(d=0.5, L)", E.KeywordArgumentError, "positional argument after the keyword", "positional arguments"),
        ("pagerank(d=0.5)", E.ArgumentCountError, "needs L, which is not given", "pagerank(L)"),
        ("scaling(2, sz=3)", E.KeywordArgumentError, "scaling needs sy", "give sy too"),
        ("exp(x=L)", E.KeywordArgumentError, "exp takes its one argument by position", "exp(x)"),
    ],
)
def test_keyword_mistakes_name_the_parameter(source, error, words, hint):
    with pytest.raises(error) as info:
        einlang.evaluate(source, L=L4)
    assert words in info.value.message and hint in (info.value.hint or "")
    assert info.value.span is not None  # a caret in the user's line


def test_keywords_in_a_users_definition_are_checked_too():
    s = Session()
    s.run("def scale(v, by)_i = by v_i")
    assert s.run("scale(by=3, v=[1, 2])").tolist() == [3, 6]
    with pytest.raises(E.KeywordArgumentError, match="scale has no parameter factor: it takes scale") as info:
        s.run("scale([1, 2], factor=3)")
    assert info.value.span.text == "factor"


def test_keywords_print_and_typeset():
    tree = parse("r = pagerank(L, d=0.5, tol=0.1)")
    assert to_text(tree) == "r = pagerank(L, d=0.5, tol=0.1)"
    assert parse(to_text(tree)) == tree
    assert latex("pagerank(L, d=0.5)") == "\\operatorname{pagerank}\\left(L, d=0.5\\right)"


# -- several results ---------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_vals_vecs_eig_match_numpy(backend):
    A = np.array([[2.0, 1.0], [1.0, 3.0]])
    s = Session(A=A)
    s.execute("vals, vecs = eig(A)", backend=backend)
    vals, vecs = s["vals"], s["vecs"]
    assert np.allclose(np.sort(vals), np.sort(np.linalg.eigvals(A)))
    assert np.allclose(np.einsum("ij,jk->ik", A, vecs), vecs * vals)  # column k goes with eigenvalue k
    assert np.allclose(s.run("eig(A)", backend=backend), vals)  # the single-result form is unchanged
    assert np.allclose(vecs, s.run("eigenvectors(A)"))


def test_r_n_pagerank_and_power_iteration_give_every_result():
    s = Session(L=L4)
    s.run("r, n = pagerank(L, 0.5)")
    ranks, count = lib.pagerank(L4, 0.5)
    assert np.allclose(s["r"], ranks) and int(s["n"]) == count
    s.run("v, l, k = power_iteration([[2, 0], [0, 1]])")
    vector, value, iterations = lib.power_iteration([[2, 0], [0, 1]])
    assert np.allclose(s["v"], vector) and np.isclose(s["l"], value) and int(s["k"]) == iterations
    assert np.allclose(s.run("pagerank(L, 0.5)"), ranks)


@pytest.mark.parametrize(
    ("source", "words", "hint"),
    [
        ("a, b = dot(u, u)", "2 names left of '=' but dot gives one result", "assign it to one name"),
        ("a, b, c = eig(A)", "3 names left of '=' but eig gives 2 results (vals, vecs)", "vals, vecs = eig(...)"),
        ("a, b = u", "2 names left of '=' need a call", "vals, vecs = eig(A)"),
        ("a, b = sqrt(u)", "sqrt gives one result", "y = sqrt(x)"),
        ("def f(x) = x\na, b = f(u)", "f gives one result", "assign it to one name"),
    ],
)
def test_unpacking_mistakes_say_how_many_results_there_are(source, words, hint):
    with pytest.raises(E.UnpackingError) as info:
        einlang.evaluate(source, u=[1.0, 2.0], A=np.eye(2))
    assert words in info.value.message and hint in info.value.hint


def test_unpacking_prints_and_typesets_as_one_statement():
    tree = parse("vals, vecs = eig(A)")
    assert len(tree.statements) == 2
    assert to_text(tree) == "vals, vecs = eig(A)" and parse(to_text(tree)) == tree
    assert latex("vals, vecs = eig(A)") == "\\mathrm{vals}, \\mathrm{vecs} = \\operatorname{eig}\\left(A\\right)"


def test_the_repl_shows_each_result():
    repl, out = make_repl()
    shown = run(repl, out, "vals, vecs = eig([[2, 1], [1, 2]])")
    assert "vals  (2)\n[3 1]\n" in shown and "vecs  (2×2)\n[[ 0.7071  0.7071]\n [ 0.7071 -0.7071]]\n" in shown
    assert "n  (scalar)\n1\n" in run(repl, out, "r, n = pagerank([[0, 1, 0], [0, 0, 1], [1, 0, 0]], d=0.5)")
    assert "did you mean d?" in run(repl, out, "pagerank([[0, 1], [1, 0]], damping=0.5)")


def test_einlang_run_unpacks(tmp_path, capsys):
    script = tmp_path / "eigen.ein"
    script.write_text("A = [[2, 1], [1, 2]]\nvals, vecs = eig(A)\nvals\nr, n = pagerank([[0, 1], [1, 0]], d=0.85)\nr\n")
    assert main(["run", str(script)]) == 0
    printed = capsys.readouterr().out
    assert "[3 1]" in printed and "[50 50]" in printed


def test_every_library_function_with_several_results_computes_each_from_the_same_arguments():
    for name, function in lib.registry().items():
        for label, part in getattr(function, "results", ()):
            assert part.params == function.params, (name, label)
    several = {name for name, f in lib.registry().items() if getattr(f, "results", ())}
    assert several == {"eig", "pagerank", "power_iteration"}
    for name in several:  # its help says how to get them
        assert " = " + name + "(" in lib.help(name)


def test_permutations_of_keywords_give_one_plan():
    # the same call written with its keywords in any order is the same program
    values = [einlang.evaluate(f"pagerank(L, {a}, {b})", L=L4) for a, b in itertools.permutations(["d=0.5", "tol=0.001"])]
    assert np.allclose(values[0], values[1])


# -- random trees with keywords and unpackings print and parse back ------------------------------------

_ARG = _exprs(0)
_KEYWORDS = st.lists(st.builds(ast.Keyword, _NAMES, _ARG), max_size=2, unique_by=lambda k: k.name).map(tuple)
_CALL = st.builds(lambda name, args, keywords, sub: ast.Call(name, args, sub, keywords=keywords),
                  _NAMES, st.lists(_ARG, max_size=2).map(tuple), _KEYWORDS, st.one_of(st.none(), _index_refs()))


@st.composite
def _unpacking(draw):
    call = draw(_CALL.filter(lambda c: c.indices is None))
    targets = draw(st.lists(_TARGET, min_size=2, max_size=3))
    return [ast.Assignment(t, replace(call, part=k, parts=len(targets))) for k, t in enumerate(targets)]


@given(st.lists(st.one_of(_unpacking(), _CALL.map(lambda c: [ast.ExprStatement(c)])), min_size=1, max_size=3))
@settings(max_examples=80, deadline=None)
def test_calls_with_keywords_and_unpackings_round_trip(groups):
    tree = ast.Program(tuple(s for group in groups for s in group))
    text = to_text(tree)
    assert parse(text) == tree, text
    assert text.count("\n") == len(groups) - 1  # an unpacking prints as one line
