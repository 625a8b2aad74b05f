"""Reductions beyond the sum (issue 11): max_j, min_j, prod_j, mean_j, logsumexp_j, softmax_j, sum_j / Σ_j,
several indices in braces, size(d), attention; every backend against numpy references."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import einlang
from einlang import errors as E
from einlang.syntax import ast
from einlang.syntax.parser import parse

BACKENDS = ("naive", "numpy", "opt")
rng = np.random.default_rng(11)
A = rng.normal(size=(3, 4))
B = rng.normal(size=(4, 5))


def _logsumexp(x, axis):
    m = np.max(x, axis=axis, keepdims=True) if x.size else 0
    m = np.where(np.isfinite(m), m, 0)
    with np.errstate(divide="ignore"):
        return np.squeeze(np.log(np.sum(np.exp(x - m), axis=axis, keepdims=True)) + m, axis=axis)


def _softmax(x, axis):
    e = np.exp(x - np.max(x, axis=axis, keepdims=True)) if x.size else x
    return e / np.sum(e, axis=axis, keepdims=True)


REFERENCE = {
    "sum": np.sum, "max": np.max, "min": np.min, "prod": np.prod, "mean": np.mean,
    "logsumexp": _logsumexp, "softmax": _softmax,
}


# -- syntax ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("source, kind, indices", [
    ("max_j(A_ij)", "max", ("j",)),
    ("Σ_j(x_j)", "sum", ("j",)),
    ("logsumexp_jk(A_ijk)", "logsumexp", ("j", "k")),
    ("max_{jk}(A_ijk)", "max", ("j", "k")),
    ("min_{in,out}(W_{in,out})", "min", ("in", "out")),
    ("Σ_{in,}(x_{in,})", "sum", ("in",)),
    ("softmax_{j}(z_ij)", "softmax", ("j",)),
])
def test_reduction_forms_parse(source, kind, indices):
    node = parse(source).statements[0].expr
    assert isinstance(node, ast.Reduce)
    assert (node.kind, tuple(r.name for r in node.indices)) == (kind, indices)


def test_braces_with_a_space_before_the_paren_stay_a_product():
    node = parse("max_{jk} (x)").statements[0].expr
    assert isinstance(node, ast.Product)


def test_a_definition_named_like_a_reduction_is_called():
    assert einlang.evaluate("def sum_sq(x) = x_i x_i\nsum_sq(v)", v=np.array([1.0, 2.0])) == 5.0


def test_printer_round_trips_reductions():
    from einlang.syntax.printer import expr_text

    for source in ("max_j(A_ij)", "Σ_{in,out}(W_{in,out})", "softmax_j(Q_id K_jd / sqrt(size(d))) V_jk"):
        expr = parse(source).statements[0].expr
        assert parse(expr_text(expr)).statements[0].expr == expr


# -- meaning --------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", BACKENDS)
def test_row_wise_max_of_a_product(backend):
    got = einlang.evaluate("max_k(A_ij B_jk)", A=A, B=B, backend=backend)
    np.testing.assert_allclose(got, (A @ B).max(axis=1), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_reduced_indices_are_bound(backend):
    # the j of x_j outside is another index: max_j(A_ij) has only i free
    x = rng.normal(size=5)
    got = einlang.evaluate("max_j(A_ij) x_j", A=A, x=x, backend=backend)
    np.testing.assert_allclose(got, np.multiply.outer(A.max(axis=1), x), rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_is_stable(backend):
    z = np.array([[1000.0, 1000.0, -1000.0], [-1000.0, -1000.0, -999.0]])
    got = einlang.evaluate("softmax_j(z_ij)", z=z, backend=backend)
    np.testing.assert_allclose(got, _softmax(z, 1), rtol=1e-12, atol=1e-300)
    assert np.isfinite(got).all()
    lse = einlang.evaluate("logsumexp_j(z_ij)", z=z, backend=backend)
    np.testing.assert_allclose(lse, [1000 + np.log(2), -999 + np.log(1 + 2 * np.exp(-1))], rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_reductions(backend):
    empty = np.ones((2, 0))
    assert einlang.evaluate("sum_j(E_ij)", E=empty, backend=backend).tolist() == [0.0, 0.0]
    assert einlang.evaluate("prod_j(E_ij)", E=empty, backend=backend).tolist() == [1.0, 1.0]
    assert einlang.evaluate("logsumexp_j(E_ij)", E=empty, backend=backend).tolist() == [-np.inf, -np.inf]
    assert einlang.evaluate("softmax_j(E_ij)", E=empty, backend=backend).shape == (2, 0)
    for kind in ("max", "min", "mean"):
        with pytest.raises(E.EmptyReductionError):
            einlang.evaluate(f"{kind}_j(E_ij)", E=empty, backend=backend)


def test_size_of_an_index():
    x = np.arange(6.0)
    np.testing.assert_allclose(einlang.evaluate("x_i / size(i)", x=x), x / 6, rtol=1e-15)
    assert einlang.evaluate("sum_i(x_i) / size(j) y_j", x=x, y=np.ones(3)).tolist() == [5.0] * 3
    with pytest.raises(E.IndexSizeError):
        einlang.evaluate("size(3) x_i", x=x)


@pytest.mark.parametrize(("text", "reduction"), [
    ("sum_i(x_i) / size(i)", "sum_i(x_i)"),
    ("x_j x_j - Σ_{i}(x_i) size(i)", "Σ_{i}(x_i)"),
    ("max_i(x_i sum_j(x_j)) / size(i)", "max_i(x_i sum_j(x_j))"),
])
def test_size_of_an_index_bound_by_a_reduction_names_the_reduction(text, reduction):
    """E213 points at the reduction that binds the index, with a caret under it and under size(i)."""
    with pytest.raises(E.IndexSizeError) as info:
        einlang.evaluate(text, x=np.arange(3.0))
    err = info.value
    assert f"i is bound by the reduction {reduction}, so it is not an index outside it" in err.message
    assert [span.text for span in err.spans] == ["size(i)", reduction]
    assert "put size(i) inside the reduction" in err.hint and "mean_i" in err.hint


def test_size_of_an_index_no_reduction_binds_is_not_blamed_on_one():
    for text in ("sum_i(size(i))", "size(i)", "sum_j(x_j) / size(i)"):  # inside it, or bound by none
        with pytest.raises(E.IndexSizeError, match="i is not an index of a tensor in this product"):
            einlang.evaluate(text, x=np.arange(3.0))
    session = einlang.Session()
    session.run("def f(x) = max_i(x_i) - size(i)")
    with pytest.raises(E.IndexSizeError, match="bound by the reduction max_i"):  # in a definition's body too
        session.run("f([1, 2])")
    with pytest.raises(E.IndexSizeError, match="i is not an index of a tensor"):  # an earlier statement's is not
        einlang.diff("a = sum_i(x_i)\nx_k / size(i)", "x_j")


def test_dtypes_follow_numpy():
    ints = np.arange(1, 7, dtype=np.int32).reshape(2, 3)
    for kind, expected in (("max", np.max(ints, 1)), ("prod", np.prod(ints, 1)), ("mean", np.mean(ints, 1))):
        for backend in BACKENDS:
            got = einlang.evaluate(f"{kind}_j(M_ij)", M=ints, backend=backend)
            assert got.dtype == expected.dtype and got.tolist() == expected.tolist(), (kind, backend)
    with pytest.raises(E.UnsupportedDtypeError):
        einlang.evaluate("max_j(z_j)", z=np.array([1j, 2]))


def test_mistakes_have_their_codes():
    cases = [
        ("max_j(A_ij B_jk)", E.ReductionIndexError),
        ("max_k(A_ij)", E.ReductionIndexError),
        ("max_{jj}(A_ij)", E.RepeatedReductionIndexError),
        ("max_j(A_ij, A_ij)", E.ReductionFormError),
        ("max_j(A_ij)_i", E.ReductionFormError),
        ("max_{...}(A_ij)", E.ReductionFormError),
        ("max_j(A)", E.BareTensorError),
        ("max_j(A_ij) -> ij", E.OutputIndexError),
    ]
    for source, error in cases:
        with pytest.raises(error):
            einlang.evaluate(source, A=A, B=B)


# -- plans, explain, generated code ---------------------------------------------------------------


def test_plan_and_explain_show_the_reduction_steps():
    program = einlang.compile("softmax_j(Q_id K_jd / sqrt(size(d))) V_jk -> ik")
    shapes = dict(Q=(4, 8), K=(6, 8), V=(6, 5))
    plan = program.plan(**shapes)
    table = str(plan)
    assert "T2_ij = softmax_j T1_ij" in table and "reduce" in table
    assert [step.contracted for step in plan.steps] == [("d",), ("j",)]  # products still planned by opt_einsum
    explained = program.explain(**shapes)
    assert "m = max(m, T1[i][j])" in explained and "acc += T2[i][j]" in explained
    assert "acc = max(acc, A[i][j])" in einlang.compile("max_j(A_ij)").explain(A=(2, 2))


def test_generated_code_uses_only_validated_identifiers():
    import tokenize

    from test_naive_codegen import SAFE_NAME, generated, tokens

    arrays = {"α": rng.normal(size=(2, 3)), "Bé": rng.normal(size=(3, 2)), "m": rng.normal(size=(2, 2))}
    source = "softmax_{out,}(α_{in,k} Bé_{k,out}) prod_{in,}(m_{in,m}) max_{k,}(α_{in,k}) logsumexp_m(m_{in,m}) -> {in,out}"
    program, _ = generated(source, **arrays)
    for tok in tokens(program.source):
        if tok.type == tokenize.NAME:
            assert tok.string.isascii() and SAFE_NAME.match(tok.string), tok.string
        assert tok.type != tokenize.STRING
    a, b, m = arrays["α"], arrays["Bé"], arrays["m"]
    expected = np.einsum("io,m,i,i->io", _softmax(a @ b, 1), m.prod(0), a.max(1), _logsumexp(m, 1))
    for backend in BACKENDS:
        np.testing.assert_allclose(einlang.evaluate(source, backend=backend, **arrays), expected, rtol=1e-12)


# -- attention ------------------------------------------------------------------------------------


def _attention(Q, K, V):
    scores = np.einsum("...id,...jd->...ij", Q, K) / np.sqrt(Q.shape[-1])
    return np.einsum("...ij,...jk->...ik", _softmax(scores, -1), V)


@pytest.mark.parametrize("backend", BACKENDS)
def test_attention_one_liner_matches_numpy(backend):
    Q, K, V = rng.normal(size=(2, 3, 5, 8)), rng.normal(size=(2, 3, 7, 8)), rng.normal(size=(2, 3, 7, 4))
    expected = _attention(Q, K, V)
    line = "softmax_j(Q_{...id} K_{...jd} / sqrt(size(d))) V_{...jk} -> {...ik}"
    np.testing.assert_allclose(einlang.evaluate(line, Q=Q, K=K, V=V, backend=backend), expected, rtol=0, atol=1e-12)
    np.testing.assert_allclose(einlang.evaluate("attention(Q, K, V)", Q=Q, K=K, V=V, backend=backend), expected,
                               rtol=0, atol=1e-12)
    np.testing.assert_allclose(einlang.evaluate("attention(Q, K, V)", Q=Q[0, 0], K=K[0, 0], V=V[0, 0], backend=backend),
                               expected[0, 0], rtol=0, atol=1e-12)


# -- every backend against numpy on random inputs ---------------------------------------------------


@st.composite
def reductions(draw):
    rank = draw(st.integers(1, 3))
    shape = tuple(draw(st.lists(st.integers(0, 4), min_size=rank, max_size=rank)))
    kind = draw(st.sampled_from(sorted(REFERENCE)))
    axes = tuple(sorted(draw(st.sets(st.integers(0, rank - 1), min_size=1))))
    seed = draw(st.integers(0, 2**32 - 1))
    return kind, shape, axes, seed


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reductions())
def test_every_backend_agrees_with_numpy(case):
    kind, shape, axes, seed = case
    x = np.random.default_rng(seed).normal(scale=3, size=shape)
    letters = "ijk"[: len(shape)]
    reduced = "".join(letters[a] for a in axes)
    source = f"{kind}_{{{reduced}}}(X_{letters})"
    empty = any(shape[a] == 0 for a in axes)
    if kind in ("max", "min", "mean") and empty:
        for backend in BACKENDS:
            with pytest.raises(E.EmptyReductionError):
                einlang.evaluate(source, X=x, backend=backend)
        return
    expected = REFERENCE[kind](x, axis=axes if kind != "softmax" else axes)
    for backend in BACKENDS:
        got = einlang.evaluate(source, X=x, backend=backend)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=f"{source} {backend} {shape}")


# -- the REPL and messages --------------------------------------------------------------------------


def test_repl_highlights_and_completes_reductions():
    from pygments.token import Name

    from einlang.highlight import EinlangLexer
    from einlang.repl.help import help_text
    from einlang.repl.helpers import ReplSession
    from einlang.repl.words import completion_words

    tokens = list(EinlangLexer().get_tokens("softmax_j(S_ij) + Σ_{jk}(T_ijk) / size(j)"))
    assert (Name.Builtin, "softmax") in tokens and (Name.Attribute, "_j") in tokens
    assert (Name.Builtin, "Σ") in tokens and (Name.Attribute, "_{jk}") in tokens and (Name.Builtin, "size") in tokens
    words = completion_words(ReplSession())
    assert {"max_", "softmax_", "logsumexp_", "Σ_", "size"} <= set(words)
    assert "softmax_j(" in help_text("softmax") and "max_j(A_ij)" in help_text("syntax")


@pytest.mark.parametrize("name, reduction", [("sum", "sum_i(v_i)"), ("max", "max_i(v_i)"), ("mean", "mean_i(v_i)"),
                                             ("softmax", "softmax_j(z_ij)")])
def test_unknown_sum_and_max_point_at_the_reductions(name, reduction):
    with pytest.raises(E.UnknownFunctionError) as info:
        einlang.evaluate(f"{name}(v)", v=np.ones(3))
    assert reduction in info.value.hint


@st.composite
def reduced_products(draw):
    """``kind_{r}(X_.. Y_..)``: a product (its repeated index summed inside) reduced over some of its free indices."""
    sizes = {label: draw(st.integers(0, 3)) for label in "ijkl"}
    x = "".join(draw(st.lists(st.sampled_from("ijk"), min_size=1, max_size=3, unique=True)))
    y = "".join(draw(st.lists(st.sampled_from("jkl"), min_size=1, max_size=3, unique=True)))
    free = sorted(set(x) ^ set(y))
    if not free:
        free = sorted(set(x))
        y = ""  # X alone
    reduced = sorted(draw(st.sets(st.sampled_from(free), min_size=1)))
    kind = draw(st.sampled_from(sorted(REFERENCE)))
    return kind, x, y, reduced, sizes, draw(st.integers(0, 2**32 - 1))


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reduced_products())
def test_reductions_of_products_agree_with_numpy(case):
    kind, x, y, reduced, sizes, seed = case
    rng_ = np.random.default_rng(seed)
    X = rng_.normal(size=[sizes[c] for c in x])
    Y = rng_.normal(size=[sizes[c] for c in y])
    free = sorted(set(x) ^ set(y)) if y else sorted(set(x))
    product = np.einsum(f"{x},{y}->{''.join(free)}", X, Y) if y else X
    axes = tuple(free.index(label) for label in reduced)
    source = f"{kind}_{{{''.join(reduced)}}}(X_{x}" + (f" Y_{y})" if y else ")")
    if kind in ("max", "min", "mean") and any(sizes[label] == 0 for label in reduced):
        with pytest.raises(E.EmptyReductionError):
            einlang.evaluate(source, X=X, Y=Y)
        return
    expected = REFERENCE[kind](product, axis=axes)
    for backend in BACKENDS:
        got = einlang.evaluate(source, X=X, Y=Y, backend=backend)
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12, err_msg=f"{source} {backend}")


def test_object_entries_max_as_numpy_and_formulas_stay_formulas():
    from fractions import Fraction

    y = np.array([Fraction(1, 2), Fraction(1, 3)], dtype=object)
    for backend in BACKENDS:
        assert einlang.evaluate("max_j(y_j)", y=y, backend=backend) == Fraction(1, 2)
        with pytest.raises(E.InputValueError):
            einlang.evaluate("max_j(z_j)", z=np.array([1j, 2], dtype=object), backend=backend)
    pytest.importorskip("sympy")
    a, b, c = einlang.symbols("a b c")
    for backend in BACKENDS:
        got = einlang.evaluate("max_j(M_ij)", M=[[a, b], [c, 1]], backend=backend)
        assert [str(entry) for entry in got] == ["Max(a, b)", "Max(1, c)"]
