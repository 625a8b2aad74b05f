"""No wrong values (issue 13): each reproduction, with the value the rule of docs/guarantees.md gives, on
every backend. The expected values are computed here with numpy as the rule reads — one unoptimised
``numpy.einsum`` per product, numpy's ufuncs, weak Python numbers, exact δ — never through einlang."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest

import einlang
from tests.conftest import assert_values

inf, nan = math.inf, math.nan
i8 = np.array([100, 100], dtype=np.int8)
yes = np.array([True, True])
f32 = np.array([1.5, -2.0], dtype=np.float32)
ints = np.array([1, 2])


def _fractions(*values):
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


def _eye_product_bool():
    y = np.ones((2, 2), dtype=bool)
    return {"Y": y}, np.einsum("kk->", y)


# (item, source, inputs, expected); expected follows the rule, computed with numpy directly
CASES = [
    # 1. a product is one unoptimised numpy.einsum: every operand promoted before anything is multiplied
    (1, "a_i b_i c_j", {"a": i8, "b": i8, "c": np.array([1, 2])},
     np.einsum("i,i,j->j", i8, i8, np.array([1, 2]), optimize=False)),
    (1, "a_i b_i c_j", {"a": yes, "b": yes, "c": np.array([1, 2])},
     np.einsum("i,i,j->j", yes, yes, np.array([1, 2]), optimize=False)),
    (1, "h_i u_j f_k", {"h": np.ones(2, np.int8), "u": np.ones(2, np.uint8), "f": np.ones(2, np.float16)},
     np.einsum("i,j,k->ijk", np.ones(2, np.int8), np.ones(2, np.uint8), np.ones(2, np.float16), optimize=False)),
    # 2. δ is exact: Σ_j δ_ij x_j is x_i, dtype and inf included
    (2, "delta_ij A_jk", {"A": np.arange(4, dtype=np.float32).reshape(2, 2)}, np.arange(4, dtype=np.float32).reshape(2, 2)),
    (2, "delta_ij A_jk", {"A": np.arange(4, dtype=np.int8).reshape(2, 2)}, np.arange(4, dtype=np.int8).reshape(2, 2)),
    (2, "Y_kl delta_kl", *_eye_product_bool()),
    (2, "delta_ij x_j", {"x": np.array([inf, 1.0])}, np.array([inf, 1.0])),
    # 3. booleans: numpy.einsum ORs and ANDs them; the number factor multiplies afterwards
    (3, "2 a_i b_i", {"a": yes, "b": yes}, np.einsum("i,i", yes, yes) * 2),
    (3, "sqrt(a_i b_i)", {"a": yes, "b": yes}, np.sqrt(np.einsum("i,i", yes, yes))),
    # 4. constant folding keeps what the numbers do to the dtype; / is true division
    (4, "x_i / 1", {"x": ints}, ints / 1),
    (4, "x_i / 2 * 2", {"x": ints}, ints / 2 * 2),
    (4, "x_i * 1", {"x": yes}, yes * 1),
    (4, "x_i / 1j * 1j", {"x": ints}, ints / 1j * 1j),
    # 5. numbers and named constants are weak scalars (NEP 50)
    (5, "pi x_i", {"x": f32}, math.pi * f32),
    (5, "x_i / (1 + 1)", {"x": f32}, f32 / (1 + 1)),
    (5, "x_i / 2", {"x": f32}, f32 / 2),
    # 6. functions are numpy's ufuncs, special values included
    (6, "sign(x_i)", {"x": np.array([nan, -0.0, 2.0])}, np.sign(np.array([nan, -0.0, 2.0]))),
    (6, "floor(x_i)", {"x": np.array([inf, -inf, nan])}, np.floor(np.array([inf, -inf, nan]))),
    (6, "ceil(x_i)", {"x": np.array([inf, nan])}, np.ceil(np.array([inf, nan]))),
    (6, "log(z_i)", {"z": np.array([0j])}, np.log(np.array([0j]))),
    (6, "exp(z_i)", {"z": np.array([1000 + 0j])}, np.exp(np.array([1000 + 0j]))),
    (6, "cos(z_i)", {"z": np.array([1000j])}, np.cos(np.array([1000j]))),
    (6, "arctan(z_i)", {"z": np.array([1j, -1j])}, np.arctan(np.array([1j, -1j]))),
    (6, "arctanh(x_i)", {"x": np.array([1.0, -1.0])}, np.arctanh(np.array([1.0, -1.0]))),
    (6, "log1p(x_i)", {"x": np.array([-1.0])}, np.log1p(np.array([-1.0]))),
    (6, "reciprocal(z_i)", {"z": np.array([0j])}, np.true_divide(1, np.array([0j]))),
    # 7. an empty sum is a zero of the product's dtype
    (7, "arccosh(u_v u_v)", {"u": np.zeros(0, complex)},
     np.arccosh(np.einsum("v,v", np.zeros(0, complex), np.zeros(0, complex)))),
    (7, "u_v u_v", {"u": np.zeros(0, np.float32)}, np.einsum("v,v", np.zeros(0, np.float32), np.zeros(0, np.float32))),
    # 9. Fractions stay exact under division
    (9, "x_i / floor(y_i) -> i", {"x": _fractions(Fraction(1, 2)), "y": _fractions(Fraction(7, 2))},
     _fractions(Fraction(1, 2)) / _fractions(3)),
    # 10. integer overflow is refused (E412, tests/test_einsum_parity.py), not wrapped; within range it is numpy's
    (10, "x_i x_i / 2", {"x": i8 // 20}, np.einsum("i,i", i8 // 20, i8 // 20) / 2),
    # 11. x_i / y_i sums over i (i appears twice), as docs/language.md says
    (11, "x_i / y_i", {"x": np.array([1.0, 1.0]), "y": np.array([2.0, 2.0])}, np.float64(1.0)),
    (11, "x_i / y_i -> i", {"x": np.array([1.0, 1.0]), "y": np.array([2.0, 2.0])}, np.array([0.5, 0.5])),
]


@pytest.mark.parametrize(("item", "source", "inputs", "expected"), CASES, ids=[f"{c[0]}:{c[1]}" for c in CASES])
def test_reproduction_gives_the_rules_value(item, source, inputs, expected, backend):
    with np.errstate(all="ignore"):
        got = einlang.evaluate(source, backend=backend, **inputs)
    assert_values(got, expected)


# 8. what numpy refuses for a dtype is an EinlangError naming the function or operator and the dtype
REFUSED = [
    ("floor(z_i)", {"z": np.array([1j])}, "floor", "complex128"),
    ("ceil(z_i)", {"z": np.array([1j])}, "ceil", "complex128"),
    ("sign(x_i)", {"x": yes}, "sign", "bool"),
    ("a_i - b_i", {"a": yes, "b": yes}, "subtraction", "bool"),
    ("1000 x_i", {"x": i8}, "1000", "int8"),
]


@pytest.mark.parametrize(("source", "inputs", "what", "dtype"), REFUSED, ids=[r[0] for r in REFUSED])
def test_what_numpy_refuses_is_an_einlang_error(source, inputs, what, dtype, backend):
    with pytest.raises(einlang.EinlangError) as info:
        einlang.evaluate(source, backend=backend, **inputs)
    assert info.value.code == "E406" and isinstance(info.value, TypeError)
    assert what in info.value.message and dtype in info.value.message
    assert info.value.span is not None  # the caret is under the call or the operator


@pytest.mark.parametrize("source, inputs", [(r[0], r[1]) for r in REFUSED], ids=[r[0] for r in REFUSED])
def test_numpy_refuses_them_too(source, inputs):
    """The refusals are numpy's own: the same operation written in numpy raises."""
    x = next(iter(inputs.values()))
    operations = {
        "floor(z_i)": lambda: np.floor(x),
        "ceil(z_i)": lambda: np.ceil(x),
        "sign(x_i)": lambda: np.sign(x),
        "a_i - b_i": lambda: x - x,
        "1000 x_i": lambda: 1000 * x,
    }
    with pytest.raises((TypeError, OverflowError)):
        operations[source]()
