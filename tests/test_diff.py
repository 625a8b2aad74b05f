"""diff(expr, x_k): the issue's examples as printed text, their values on every backend against numpy
formulas, the chain rule through every elementwise function, misuse and the REPL's :diff."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.semantics.diff import DERIVATIVES, NOT_DIFFERENTIABLE
from tests.test_repl import make_repl, run

BACKENDS = ("naive", "numpy", "opt")
rng = np.random.default_rng(11)
x = rng.normal(size=4)
A = rng.normal(size=(4, 4))
b = rng.normal(size=4)
M = rng.normal(size=(3, 4))

# the examples: (expression, variable, printed derivative, tensors, numpy value)
EXAMPLES = [
    ("x_i A_ij x_j", "x_k", "A_kj x_j + x_i A_ik", dict(x=x, A=A), A @ x + x @ A),
    ("A_ij x_j", "x_k", "A_ik", dict(x=x, A=M), M),
    ("diff(x_i A_ij x_j, x_k)", "x_l", "A_kl + A_lk", dict(x=x, A=A), A + A.T),
    ("(A_ij x_j - b_i)(A_il x_l - b_i)", "x_k", "2 A_ik (A_il x_l - b_i)", dict(x=x, A=A, b=b), 2 * A.T @ (A @ x - b)),
    ("sqrt(x_i x_i)", "x_k", "x_k / sqrt(x_i x_i)", dict(x=x), x / np.linalg.norm(x)),
    ("norm(x)", "x_k", "x_k / sqrt(x_i x_i)", dict(x=x), x / np.linalg.norm(x)),
]
IDS = [e[0] for e in EXAMPLES]


@pytest.mark.parametrize("expr, variable, text, tensors, expected", EXAMPLES, ids=IDS)
def test_examples_print_simplified(expr, variable, text, tensors, expected):
    assert einlang.diff(expr, variable) == text
    assert einlang.diff(expr, variable, **tensors) == text
    assert "delta" not in text


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, variable, text, tensors, expected", EXAMPLES, ids=IDS)
def test_examples_evaluate(expr, variable, text, tensors, expected, backend):
    got = einlang.evaluate(f"diff({expr}, {variable})", backend=backend, **tensors)
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)
    # the printed text means the same thing: evaluated as an ordinary program it gives the same values
    np.testing.assert_allclose(einlang.evaluate(text, backend=backend, **tensors), expected, rtol=1e-12, atol=1e-12)


def _domain(name: str) -> np.ndarray:
    """Points where ``name`` is differentiable (arccosh needs > 1, arcsin and arctanh |x| < 1)."""
    if name == "arccosh":
        return np.array([1.5, 2.0, 3.0])
    if name in ("arcsin", "arccos", "arctanh"):
        return np.array([-0.5, 0.2, 0.6])
    if name in ("sqrt", "log", "log2", "log10"):
        return np.array([0.5, 1.5, 2.5])
    return np.array([-0.7, 0.4, 1.3])


FUNCTIONS = sorted(DERIVATIVES)


@pytest.mark.parametrize("name", FUNCTIONS)
def test_chain_rule_through_every_elementwise_function(name):
    """diff(f(x_i) y_i, x_k) = f'(x_k) y_k, compared with central differences of numpy's f."""
    u, y = _domain(name), np.array([0.3, -1.1, 2.0])
    expr = f"{name}(x_i) y_i"
    got = einlang.evaluate(f"diff({expr}, x_k)", x=u, y=y)
    f = einlang.evaluate(f"{name}(x_i) -> i", x=u)  # noqa: F841 - the function exists and runs
    h = 1e-6
    numeric = (einlang.evaluate(f"{name}(x_i) -> i", x=u + h) - einlang.evaluate(f"{name}(x_i) -> i", x=u - h)) / (2 * h)
    np.testing.assert_allclose(got, numeric * y, rtol=1e-6, atol=1e-8)
    text = einlang.diff(expr, "x_k")
    np.testing.assert_allclose(einlang.evaluate(text, x=u, y=y), got, rtol=1e-12)


def test_chain_rule_nests():
    t = "exp(sin(x_i x_i))"
    got = einlang.evaluate(f"diff({t}, x_k)", x=x)
    r = x @ x
    np.testing.assert_allclose(got, np.exp(np.sin(r)) * np.cos(r) * 2 * x, rtol=1e-12)
    assert einlang.diff(t, "x_k") == "2 exp(sin(x_i x_i)) cos(x_i x_i) x_k"


def test_quotient_and_scalar_variable():
    got = einlang.evaluate("diff(x_i x_i / (c x_j x_j + 1), c)", x=x, c=2.0)
    r = x @ x
    np.testing.assert_allclose(got, -r * r / (2 * r + 1) ** 2, rtol=1e-12)


def test_matrix_variable():
    W = rng.normal(size=(3, 4))
    got = einlang.evaluate("diff(tanh(W_ij x_j) tanh(W_il x_l), W_kl)", W=W, x=x)
    h = np.tanh(W @ x)
    np.testing.assert_allclose(got, 2 * np.outer(h * (1 - h ** 2), x), rtol=1e-12)


def test_jacobian_of_an_elementwise_function_keeps_its_delta():
    assert einlang.diff("sin(x_i)", "x_k") == "cos(x_i) delta_ik -> ik"
    np.testing.assert_allclose(einlang.evaluate("diff(sin(x_i), x_k)", x=x), np.diag(np.cos(x)), rtol=1e-12)


def test_hadamard_terms_print_an_explicit_output():
    text = einlang.diff("exp(x_i) y_i", "x_k")
    assert text == "exp(x_k) y_k -> k"
    np.testing.assert_allclose(einlang.evaluate(text, x=x, y=b), np.exp(x) * b)


def test_like_terms_collected_and_constants_folded():
    assert einlang.diff("x_i x_i x_j x_j", "x_k") == "4 x_k x_j x_j"
    assert einlang.diff("2 x_i x_i / 3", "x_k") == "4 x_k / 3"
    assert einlang.diff("sqrt(x_i x_i) sqrt(x_j x_j)", "x_k") == "2 x_k"


def test_a_variable_the_expression_does_not_use_gives_zero():
    assert einlang.diff("A_ij y_j", "x_k") == "0"
    got = einlang.evaluate("diff(A_ij y_j, x_k)", A=A, y=b, x=np.ones(5))
    assert got.shape == (4, 5) and not got.any()


def test_computed_variable_is_a_leaf_and_intermediates_are_chained():
    program = "y_i = A_ij x_j\ndiff(y_i y_i, y_k)"
    np.testing.assert_allclose(einlang.evaluate(program, A=A, x=x), 2 * A @ x)
    program = "y_i = A_ij x_j\ndiff(y_i y_i, x_k)"
    np.testing.assert_allclose(einlang.evaluate(program, A=A, x=x), 2 * A.T @ A @ x, rtol=1e-12)


def test_plan_and_explain_show_the_derivative_as_contractions():
    program = einlang.compile("diff(x_i A_ij x_j, x_k)")
    plan = str(program.plan(x=x, A=A))
    assert "A_kj" in plan or "A" in plan
    assert "for" in program.explain(x=x, A=A)


def test_a_definition_named_diff_wins():
    assert einlang.evaluate("def diff(a, b) = a b\ndiff(2, 3)") == 6


# -- misuse ------------------------------------------------------------------------------------------------
MISUSE = [
    ("diff(x_i x_i, 2)", E.DiffTargetError, "E220"),
    ("diff(x_i x_i, x)", E.DiffTargetError, "E220"),
    ("diff(x_i x_i, delta_kl)", E.DiffTargetError, "E220"),
    ("diff(x_i x_i, pi)", E.DiffTargetError, "E220"),
    ("diff(x_i A_ij, x_j)", E.DiffIndexClashError, "E221"),
    ("diff(x_i x_i, A_kk)", E.DiffIndexClashError, "E221"),
    ("diff(floor(x_i) x_i, x_k)", E.NotDifferentiableError, "E222"),
    ("diff(det(A), A_kl)", E.DiffThroughError, "E223"),
    ("diff([x_1, 2]_i, x_k)", None, None),
    ("diff(x_i x_i)", E.ArgumentCountError, "E205"),
    ("diff(x_i x_i, x_k)_k", E.IndexRuleError, "E300"),
]


@pytest.mark.parametrize("program, error, code", MISUSE, ids=[m[0] for m in MISUSE])
def test_misuse_is_a_coded_error(program, error, code):
    if error is None:
        with pytest.raises(E.EinlangError):
            einlang.evaluate(program, x=x, A=A)
        return
    with pytest.raises(error) as info:
        einlang.evaluate(program, x=x, A=A)
    assert info.value.code == code
    assert info.value.span is not None and "^" in str(info.value)


@pytest.mark.parametrize("name", sorted(NOT_DIFFERENTIABLE))
def test_not_differentiable_functions_are_named(name):
    with pytest.raises(E.NotDifferentiableError, match=name):
        einlang.evaluate(f"diff({name}(x_i) x_i, x_k)", x=x)


def test_not_differentiable_function_of_a_constant_is_fine():
    np.testing.assert_allclose(einlang.evaluate("diff(floor(y_i) x_i, x_k)", x=x, y=b), np.floor(b))


def test_api_refuses_a_statement_that_is_not_an_expression():
    with pytest.raises(E.DiffTargetError):
        einlang.diff("y_i = x_i", "x_k")
    with pytest.raises(E.DiffTargetError):
        einlang.diff("x_i x_i", "x_k + 1")


def test_api_runs_earlier_statements_first():
    assert einlang.diff("def f(v) = v_i v_i\nf(x)", "x_k") == "2 x_k"


# -- REPL ----------------------------------------------------------------------------------------------------
def test_repl_diff_prints_the_derivative():
    repl, out = make_repl()
    assert run(repl, out, ":diff x_i A_ij x_j, x_k").strip() == "A_kj x_j + x_i A_ik"
    run(repl, out, "W = [[1, 2], [3, 4]]")
    run(repl, out, "x = [1, 2]")
    assert run(repl, out, ":diff tanh(W_{ij} x_j), W_{kl}").strip() == "delta_ik x_l / square(cosh(W_ij x_j)) -> ikl"
    assert "usage" in run(repl, out, ":diff")
    assert ":diff" in run(repl, out, ":help")


# -- reductions ------------------------------------------------------------------------------------------------
z = np.array([0.3, -1.2, 2.0, 0.5])


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return e / e.sum()


REDUCTIONS = [
    ("logsumexp_j(z_j)", "softmax_k(z_k)", _softmax(z)),
    ("prod_j(z_j)", "prod_j(z_j) / z_k", np.prod(z) / z),
    ("sum_j(z_j)", "[1, 1, 1, 1]_k", np.ones(4)),
    ("mean_j(z_j)", "[1, 1, 1, 1]_k / 4", np.ones(4) / 4),
    ("max_j(z_j)", "floor(1.000000001 softmax_k(z_k) / max_i(softmax_i(z_i))) / "
                   "sum_l(floor(1.000000001 softmax_l(z_l) / max_i(softmax_i(z_i))))", np.eye(4)[2]),
    ("min_j(z_j)", "floor(1.000000001 softmax_k(-z_k) / max_i(softmax_i(-z_i))) / "
                   "sum_l(floor(1.000000001 softmax_l(-z_l) / max_i(softmax_i(-z_i))))", np.eye(4)[1]),
]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("expr, text, expected", REDUCTIONS, ids=[r[0] for r in REDUCTIONS])
def test_reductions_differentiate(expr, text, expected, backend):
    assert einlang.diff(expr, "z_k", z=z) == text
    np.testing.assert_allclose(einlang.evaluate(f"diff({expr}, z_k)", z=z, backend=backend), expected, rtol=1e-12)
    np.testing.assert_allclose(einlang.evaluate(text, z=z, backend=backend), expected, rtol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_softmax_jacobian(backend):
    s = _softmax(z)
    text = einlang.diff("softmax_j(z_j)", "z_k")
    assert text == "softmax_j(z_j) delta_jk - softmax_j(z_j) softmax_k(z_k) -> jk"
    got = einlang.evaluate("diff(softmax_j(z_j), z_k)", z=z, backend=backend)
    np.testing.assert_allclose(got, np.diag(s) - np.outer(s, s), atol=1e-15)


def test_max_subgradient_shares_ties_equally():
    """At a tie the indicator is split evenly (the average of the tied entries' gradients, a subgradient;
    jax.grad of jnp.max does the same)."""
    np.testing.assert_allclose(einlang.evaluate("diff(max_j(z_j), z_k)", z=np.array([2.0, 2.0, 1.0])), [0.5, 0.5, 0])


def test_row_wise_logsumexp_and_attention_scores():
    Z = rng.normal(size=(3, 4))
    got = einlang.evaluate("diff(logsumexp_j(Z_ij), Z_kl)", Z=Z)
    expected = np.einsum("ik,kl->ikl", np.eye(3), np.apply_along_axis(_softmax, 1, Z))
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_the_repl_highlights_diff_as_a_builtin_like_size():
    from pygments.token import Name

    from einlang.highlight import EinlangLexer

    tokens = list(EinlangLexer().get_tokens("diff(x_i x_i, x_k) / size(k) + mydiff(x) diffs_k"))
    assert (Name.Builtin, "diff") in tokens and (Name.Builtin, "size") in tokens
    assert (Name.Function, "mydiff") in tokens  # only the name itself, called
    assert (Name.Builtin, "diffs") not in tokens
