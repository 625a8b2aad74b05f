"""The naive backend's generated Python: valid, one loop per index, no user text beyond identifiers,
and an iteration limit checked before anything runs."""

from __future__ import annotations

import ast as pyast
import io
import re
import tokenize

import numpy as np
import pytest

import einlang
from einlang.backends.naive import generate
from einlang.errors import EinlangSyntaxError, NaiveIterationLimitError
from einlang.semantics import ir
from einlang.semantics.lower import Scope, lower_program
from einlang.syntax import parse
from tests.conftest import assert_same

SAFE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def generated(source: str, **arrays):
    lowered = lower_program(parse(source), Scope.from_arrays(arrays))
    return generate(lowered), lowered


def loops(code: str) -> list[str]:
    return [node.target.id for node in pyast.walk(pyast.parse(code)) if isinstance(node, pyast.For)]


def tokens(code: str) -> list[tokenize.TokenInfo]:
    return list(tokenize.generate_tokens(io.StringIO(code).readline))


_r = np.random.default_rng(5)
A23, B34, C42, M33 = (_r.standard_normal(shape) for shape in [(2, 3), (3, 4), (4, 2), (3, 3)])
a3, b3, T2222 = (_r.standard_normal(shape) for shape in [(3,), (3,), (2, 2, 2, 2)])

# (source, arrays, loops in the generated code, numpy's answer)
PROGRAMS = [
    ("A_ij B_jk", dict(A=A23, B=B34), 3, A23 @ B34),
    ("A_ij B_jk C_kl", dict(A=A23, B=B34, C=C42), 4, A23 @ B34 @ C42),
    ("x_i x_i", dict(x=a3), 1, a3 @ a3),
    ("A_ii", dict(A=M33), 1, np.trace(M33)),
    ("d_i = A_ii", dict(A=M33), 1, np.diag(M33)),
    ("eps_ijk a_j b_k", dict(a=a3, b=b3), 3, np.cross(a3, b3)),
    ("T_ijkl -> lkji", dict(T=T2222), 4, T2222.transpose(3, 2, 1, 0)),
    ("s", dict(s=np.float64(2.0)), 0, 2.0),
]


@pytest.mark.parametrize("source, arrays, n_loops, expected", PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_one_loop_per_index_and_valid_python(source, arrays, n_loops, expected):
    program, lowered = generated(source, **arrays)
    compile(program.source, "<test>", "exec")  # valid Python
    found = loops(program.source)
    contracts = [n for n in lowered.nodes if isinstance(n, ir.Contract)]
    assert len(found) == n_loops == sum(len(c.labels) for c in contracts)
    assert_same(einlang.evaluate(source, backend="naive", **arrays), expected)


def test_loop_bounds_are_the_sizes():
    program, _ = generated("A_ij B_jk", A=np.ones((2, 3)), B=np.ones((3, 5)))
    bounds = sorted(re.findall(r"^\s*for \w+ in range\((\d+)\):", program.source, flags=re.M))
    assert bounds == ["2", "3", "5"]
    assert program.iterations == 2 * 3 * 5


def test_generated_source_contains_only_identifiers_and_integers():
    arrays = {"α": np.ones((2, 3)), "Bé": np.ones((3, 2)), "x": np.ones(2), "if_": np.ones(2)}
    source = "C_{in,out} = α_{in,k} Bé_{k,out}\nC_{in,out} x_{out,} + 2.5 if__{in,} / 3 + sqrt(x_i x_i) x_{in,}"
    program, _ = generated(source, **arrays)
    for tok in tokens(program.source):
        if tok.type == tokenize.NAME:
            assert tok.string.isascii() and SAFE_NAME.match(tok.string), tok.string
        assert tok.type != tokenize.STRING, f"string literal in generated code: {tok.string}"
        if tok.type == tokenize.NUMBER:
            float(tok.string)  # a plain number literal
    # the parameters are generated names for the non-ASCII tensor names
    header = program.source.splitlines()[0]
    assert "α" not in header and "Bé" not in header
    # index names that are Python keywords ('in') or not ASCII get generated loop variables
    assert all(SAFE_NAME.match(var) and var.isascii() for var in loops(program.source))
    result = einlang.evaluate("C_{in,out} = α_{in,k} Bé_{k,out}\nC_{in,out} x_{out,}", backend="naive", **arrays)
    np.testing.assert_allclose(result, arrays["α"] @ arrays["Bé"] @ arrays["x"])


def test_constants_go_through_the_namespace_not_the_source():
    program, _ = generated("x_i / 3j + [[1, 2], [3, 4]]_ij y_j", x=np.ones(2) + 0j, y=np.ones(2))
    assert "3j" not in program.source and "[[1, 2]" not in program.source
    assert not any(t.type == tokenize.STRING for t in tokens(program.source))


@pytest.mark.parametrize("text", ["`a'b`", '`a"b`', "`a b`", "`1a`", "`a;b`", "`__import__('os')`"])
def test_quoted_names_must_be_identifiers(text):
    with pytest.raises(EinlangSyntaxError):
        parse(text)


def test_explain_shows_the_generated_source():
    prog = einlang.compile("A_ij x_j")
    text = prog.explain(A=(2, 3), x=(3,))
    program, _ = generated("A_ij x_j", A=np.ones((2, 3)), x=np.ones(3))
    assert program.source in text


# -- iteration limit ---------------------------------------------------------------------------------

def test_iteration_limit_is_refused_before_running():
    big = np.broadcast_to(np.float64(1.0), (300, 300))  # no memory: the loops must never start
    with pytest.raises(NaiveIterationLimitError) as info:
        einlang.evaluate("A_ij B_jk C_kl", A=big, B=big, C=big, backend="naive")
    err = info.value
    assert f"{300**4:,}" in err.message
    assert f"{10_000_000:,}" in err.message
    assert "backend='opt'" in err.hint


def test_iteration_limit_is_configurable():
    A = np.ones((5, 5))
    with einlang.options(naive_iteration_limit=100):
        with pytest.raises(NaiveIterationLimitError) as info:
            einlang.evaluate("A_ij A_jk", A=A, backend="naive")
        assert "125" in info.value.message and "100" in info.value.message
        # other backends ignore the naive limit
        np.testing.assert_allclose(einlang.evaluate("A_ij A_jk", A=A, backend="opt"), A @ A)
    with einlang.options(naive_iteration_limit=125):
        np.testing.assert_allclose(einlang.evaluate("A_ij A_jk", A=A, backend="naive"), A @ A)
    # outside the block the default applies again
    np.testing.assert_allclose(einlang.evaluate("A_ij A_jk", A=A, backend="naive"), A @ A)


def test_iteration_count_sums_every_node():
    program, _ = generated("A_ij B_jk + C_ik", A=np.ones((2, 3)), B=np.ones((3, 4)), C=np.ones((2, 4)))
    assert program.iterations == 2 * 3 * 4 + 2 * 4


def test_invalid_limit_is_an_einlang_error():
    with pytest.raises(einlang.EinlangError):
        with einlang.options(naive_iteration_limit=-1):
            pass


@pytest.mark.slow  # 4 million generated-loop iterations: seconds of CPU
def test_more_indices_than_python_can_nest_share_one_product_loop():
    """CPython allows 20 nested blocks: past 16 loops the innermost indices share one itertools.product loop."""
    rng = np.random.default_rng(7)
    n = 22
    letters = "abcdefghijklmnopqrstuvwxyz"
    program = " ".join(f"M{k}_{{{letters[k]},{letters[(k + 1) % n]}}}" for k in range(n))  # trace of a ring
    arrays = {f"M{k}": rng.integers(-2, 3, size=(2, 2)) for k in range(n)}
    expected = np.trace(np.linalg.multi_dot([arrays[f"M{k}"] for k in range(n)]))
    assert einlang.evaluate(program, backend="naive", **arrays) == expected
    source = einlang.compile(program).explain(**{k: v.shape for k, v in arrays.items()})
    assert "in _product(range(2)" in source
    deepest = max(len(line) - len(line.lstrip()) for line in source.splitlines() if line.lstrip().startswith("for "))
    assert deepest // 4 <= 17


def test_a_product_loop_never_mixes_output_and_summed_indices():
    from einlang.backends.naive import MAX_LOOP_NEST, _loop_groups

    out = [f"o{k}" for k in range(12)]
    summed = [f"s{k}" for k in range(12)]
    groups = _loop_groups(out, summed)
    assert len(groups) <= MAX_LOOP_NEST
    assert [x for g in groups for x in g] == out + summed
    assert all(set(g) <= set(out) or set(g) <= set(summed) for g in groups)
