"""diff(expr, x_k) on random expressions (Hypothesis): the evaluated derivative against central finite
differences, and against jax.grad / jax.jacobian of the same expression written with jax.numpy.

Each drawn expression comes in two spellings built side by side: einlang source and a jax.numpy
expression (for JAX's automatic differentiation). Expressions are products, sums, differences,
quotients, elementwise functions (each wrapped so its argument stays in its domain) and reductions
(max, min, prod, logsumexp, sum, mean, softmax), nested.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import einlang

N = 3
rng = np.random.default_rng(7)
TENSORS = dict(x=rng.normal(scale=0.6, size=N), y=rng.normal(scale=0.6, size=N),
               A=rng.normal(scale=0.6, size=(N, N)), c=0.7)

# elementwise functions, each as (einlang template, jax.numpy template) keeping the argument in the domain
FUNCTIONS = [
    ("sin({})", "jnp.sin({})"), ("cos({})", "jnp.cos({})"), ("tan(tanh({}))", "jnp.tan(jnp.tanh({}))"),
    ("exp(tanh({}))", "jnp.exp(jnp.tanh({}))"), ("expm1({})", "jnp.expm1({})"), ("tanh({})", "jnp.tanh({})"),
    ("sinh({})", "jnp.sinh({})"), ("cosh({})", "jnp.cosh({})"), ("arctan({})", "jnp.arctan({})"),
    ("arcsinh({})", "jnp.arcsinh({})"), ("square({})", "jnp.square({})"),
    ("sqrt(cosh({}))", "jnp.sqrt(jnp.cosh({}))"), ("log(cosh({}))", "jnp.log(jnp.cosh({}))"),
    ("log2(cosh({}))", "jnp.log2(jnp.cosh({}))"), ("log10(cosh({}))", "jnp.log10(jnp.cosh({}))"),
    ("log1p(square({}))", "jnp.log1p(jnp.square({}))"), ("reciprocal(cosh({}))", "1 / jnp.cosh({})"),
    ("arcsin(tanh({}) / 2)", "jnp.arcsin(jnp.tanh({}) / 2)"), ("arccos(tanh({}) / 2)", "jnp.arccos(jnp.tanh({}) / 2)"),
    ("arctanh(tanh({}) / 2)", "jnp.arctanh(jnp.tanh({}) / 2)"), ("arccosh(2 cosh({}))", "jnp.arccosh(2 * jnp.cosh({}))"),
]

REDUCTIONS = {"max": "jnp.max", "min": "jnp.min", "prod": "jnp.prod", "logsumexp": "jax.nn.logsumexp",
              "sum": "jnp.sum", "mean": "jnp.mean"}


@dataclass(frozen=True)
class Drawn:
    ein: str  # einlang source
    jax: str  # the same expression with jax.numpy (x, y, A, c bound)


class Fresh:
    """New summed-index names for one drawn expression: parentheses around a product do not close it,
    so every summed index of the whole expression gets its own name (s1, s2, ...)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> str:
        self.count += 1
        return f"s{self.count}"


def _sub(*names: str) -> str:
    return "_{" + ",".join(names) + ",}"


@st.composite
def vector(draw, index: str, depth: int, fresh: Fresh) -> Drawn:
    """A vector expression whose one free index is ``index``."""
    leaf = draw(st.sampled_from(["x", "y"]))
    if depth <= 0:
        return Drawn(f"{leaf}{_sub(index)}", leaf)
    kind = draw(st.sampled_from(["leaf", "matvec", "fn", "add", "sub", "scale", "quotient", "softmax"]))
    if kind == "softmax":
        inner = draw(vector(index, depth - 1, fresh))
        return Drawn(f"softmax_{{{index},}}({inner.ein})", f"jax.nn.softmax({inner.jax})")
    if kind == "leaf":
        return Drawn(f"{leaf}{_sub(index)}", leaf)
    if kind == "matvec":
        j = fresh()
        inner = draw(vector(j, depth - 1, fresh))
        return Drawn(f"A{_sub(index, j)} ({inner.ein})", f"(A @ ({inner.jax}))")
    if kind == "fn":
        ein, jx = draw(st.sampled_from(FUNCTIONS))
        inner = draw(vector(index, depth - 1, fresh))
        return Drawn(ein.format(inner.ein), jx.format(inner.jax))
    if kind in ("add", "sub"):
        a, b = draw(vector(index, depth - 1, fresh)), draw(vector(index, depth - 1, fresh))
        op = "+" if kind == "add" else "-"
        return Drawn(f"({a.ein}) {op} ({b.ein})", f"(({a.jax}) {op} ({b.jax}))")
    s, v = draw(scalar(depth - 1, fresh)), draw(vector(index, depth - 1, fresh))
    if kind == "scale":
        return Drawn(f"({s.ein}) ({v.ein})", f"(({s.jax}) * ({v.jax}))")
    return Drawn(f"({v.ein}) / (2 + square({s.ein}))", f"(({v.jax}) / (2 + jnp.square({s.jax})))")


@st.composite
def scalar(draw, depth: int, fresh: Fresh) -> Drawn:
    """A scalar expression (no free index)."""
    if depth <= 0:
        v, index = draw(st.sampled_from(["x", "y"])), fresh()
        return Drawn(f"x{_sub(index)} {v}{_sub(index)}", f"jnp.dot(x, {v})")
    kind = draw(st.sampled_from(["dot", "fn", "add", "product", "quotient", "constant", "reduce"]))
    if kind == "reduce":
        reduction, index = draw(st.sampled_from(sorted(REDUCTIONS))), fresh()
        inner = draw(vector(index, depth - 1, fresh))
        return Drawn(f"{reduction}_{{{index},}}({inner.ein})", f"{REDUCTIONS[reduction]}({inner.jax})")
    if kind == "dot":
        index = fresh()
        a, b = draw(vector(index, depth - 1, fresh)), draw(vector(index, depth - 1, fresh))
        return Drawn(f"({a.ein}) ({b.ein})", f"jnp.dot({a.jax}, {b.jax})")
    if kind == "fn":
        ein, jx = draw(st.sampled_from(FUNCTIONS))
        inner = draw(scalar(depth - 1, fresh))
        return Drawn(ein.format(inner.ein), jx.format(inner.jax))
    if kind == "constant":
        inner = draw(scalar(depth - 1, fresh))
        return Drawn(f"c ({inner.ein}) + 3", f"(c * ({inner.jax}) + 3)")
    a, b = draw(scalar(depth - 1, fresh)), draw(scalar(depth - 1, fresh))
    if kind == "add":
        return Drawn(f"({a.ein}) - 2 ({b.ein})", f"(({a.jax}) - 2 * ({b.jax}))")
    if kind == "product":
        return Drawn(f"({a.ein}) ({b.ein})", f"(({a.jax}) * ({b.jax}))")
    return Drawn(f"({a.ein}) / (1 + square({b.ein}))", f"(({a.jax}) / (1 + jnp.square({b.jax})))")


@st.composite
def scalars(draw, depth: int = 3) -> Drawn:
    return draw(scalar(depth, Fresh()))


@st.composite
def vectors(draw, depth: int = 3) -> Drawn:
    return draw(vector("i", depth, Fresh()))


def _finite_differences(source: str, h: float = 1e-6) -> np.ndarray:
    """d source / d x_k by central differences (the shape of the value, then k)."""
    program = einlang.compile(source)
    columns = []
    for k in range(N):
        step = np.zeros(N)
        step[k] = h
        plus = program(**{**TENSORS, "x": TENSORS["x"] + step})
        minus = program(**{**TENSORS, "x": TENSORS["x"] - step})
        columns.append((np.asarray(plus) - np.asarray(minus)) / (2 * h))
    return np.stack(columns, axis=-1)


def _close(got: np.ndarray, expected: np.ndarray, rtol: float) -> None:
    scale = max(1.0, float(np.max(np.abs(expected))))
    np.testing.assert_allclose(got, expected, rtol=rtol, atol=rtol * scale)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(scalars())
def test_gradient_matches_finite_differences(drawn):
    got = einlang.evaluate(f"diff({drawn.ein}, x_k)", **TENSORS)
    _close(got, _finite_differences(drawn.ein), 1e-5)


@settings(max_examples=60, deadline=None)
@given(vectors())
def test_jacobian_matches_finite_differences(drawn):
    got = einlang.evaluate(f"diff({drawn.ein}, x_k)", **TENSORS)
    _close(got, _finite_differences(drawn.ein), 1e-5)


def _x64(jax):
    """float64 inside JAX for the comparison only (the process-wide default stays float32)."""
    if hasattr(jax, "enable_x64"):
        return jax.enable_x64(True)
    from jax.experimental import enable_x64  # older JAX

    return enable_x64()


def _jax_function(text: str):
    jax = pytest.importorskip("jax")
    names = {"jnp": jax.numpy, "jax": jax}
    return lambda x: eval(text, names, {"x": x, "y": TENSORS["y"], "A": TENSORS["A"], "c": TENSORS["c"]})  # noqa: S307 - text built by this test


def _check_against_jax(drawn, transform: str) -> None:
    """einlang's diff(…, x_k) against ``jax.<transform>`` (grad or jacobian) of the same expression."""
    jax = pytest.importorskip("jax")
    with _x64(jax):
        expected = np.asarray(getattr(jax, transform)(_jax_function(drawn.jax))(np.asarray(TENSORS["x"])))
    got = einlang.evaluate(f"diff({drawn.ein}, x_k)", **TENSORS)
    _close(got, expected, 1e-9)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(scalars())
def test_gradient_matches_jax_grad(drawn):
    _check_against_jax(drawn, "grad")


@pytest.mark.slow
@settings(max_examples=60, deadline=None)
@given(vectors())
def test_jacobian_matches_jax_jacobian(drawn):
    _check_against_jax(drawn, "jacobian")


def _printed_matches(source: str, variable: str, tensors: dict) -> None:
    """The text einlang.diff prints, run as a program, gives the value of diff(...) in a program."""
    text = einlang.diff(source, variable, **tensors)
    got = einlang.evaluate(f"diff({source}, {variable})", **tensors)
    printed = einlang.evaluate(text, **tensors)
    _close(np.broadcast_to(printed, got.shape), got, 1e-9)


@settings(max_examples=60, deadline=None)
@given(scalars(2))
def test_printed_derivative_evaluates_to_the_same_value(drawn):
    """Always, also where a nested sum holds a term that keeps an index twice (assigned first, with an
    explicit output)."""
    _printed_matches(drawn.ein, "x_k", TENSORS)


@settings(max_examples=30, deadline=None)
@given(vectors(2))
def test_printed_jacobian_evaluates_to_the_same_value(drawn):
    _printed_matches(drawn.ein, "x_k", TENSORS)


@pytest.mark.parametrize("source", ["max_j(Z_ij)", "min_j(Z_ij)", "softmax_j(Z_ij)", "logsumexp_j(Z_ij)",
                                    "prod_j(Z_ij)", "max_j(tanh(Z_ij))"])
def test_printed_derivatives_of_row_reductions_evaluate_to_the_same_value(source):
    """diff(max_j(Z_ij), Z_kl) printed floor(…) with i kept in two factors of its argument: the
    convention summed i there. The argument is now assigned first, as t1_il = …"""
    Z = np.array([[0.3, 0.9, -0.2, 0.9], [1.5, -0.4, 0.1, 0.0], [0.2, 0.2, 0.7, -1.1]])  # a tie in row 1
    _printed_matches(source, "Z_kl", {"Z": Z})
    if source == "max_j(Z_ij)":
        assert einlang.diff(source, "Z_kl", Z=Z).splitlines()[0].startswith("t1_il = ")
