"""Every elementwise function on special values (±0, ±1, ±inf, nan, huge, tiny) and every kind of dtype,
on every backend, against the numpy ufunc: the same dtype, the same values (nan where nan, inf where
inf, the sign of zero), and E406 where numpy has no loop for the dtype."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang.functions import ALIASES, ELEMENTWISE

FUNCTIONS = sorted(name for name in ELEMENTWISE if name not in ALIASES)
UFUNC = {name: ELEMENTWISE[name].ufunc for name in FUNCTIONS}  # reciprocal is numpy's 1 / x

REAL = [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e300, -1e300, 1e-300, 0.5, 2.0, 710.0, -745.0]
SPECIAL = {
    "float32": np.array(REAL, dtype=np.float32),
    "float64": np.array(REAL, dtype=np.float64),
    "complex128": np.array([complex(re, im) for re in [0.0, -0.0, 1.0, -1.0, np.inf, -np.inf, np.nan, 1e300]
                            for im in [0.0, -0.0, 1.0, -np.inf, np.nan, 1000.0]], dtype=np.complex128),
    "int8": np.array([0, 1, -1, 127, -128, 2], dtype=np.int8),
    "uint8": np.array([0, 1, 255, 2], dtype=np.uint8),
    "int64": np.array([0, 1, -1, 2**62, -(2**63), 3], dtype=np.int64),
    "bool": np.array([False, True]),
}


def _numpy(function: str, values: np.ndarray):
    try:
        with np.errstate(all="ignore"):
            return UFUNC[function](values)
    except TypeError:
        return None  # numpy has no loop for this dtype


@pytest.mark.parametrize("dtype", sorted(SPECIAL))
@pytest.mark.parametrize("function", FUNCTIONS)
def test_function_on_special_values_matches_the_numpy_ufunc(function, dtype, backend):
    x = SPECIAL[dtype]
    expected = _numpy(function, x)
    if expected is None:
        with pytest.raises(einlang.EinlangError) as info:
            einlang.evaluate(f"{function}(x_i)", x=x, backend=backend)
        assert info.value.code == "E406" and function in info.value.message and dtype in info.value.message
        return
    with np.errstate(all="ignore"):
        got = einlang.evaluate(f"{function}(x_i)", x=x, backend=backend)
    assert got.dtype == expected.dtype, (got.dtype, expected.dtype)
    if expected.dtype.kind in "fc":
        rtol = 1e-6 if expected.dtype in (np.float32, np.complex64) else 2e-3 if expected.dtype == np.float16 else 1e-14
        for part in ("real", "imag") if expected.dtype.kind == "c" else ("real",):
            g, e = getattr(got, part), getattr(expected, part)
            np.testing.assert_allclose(g, e, rtol=rtol, atol=0, equal_nan=True, err_msg=f"{part} of {function}({x})")
            zero = e == 0
            np.testing.assert_array_equal(np.signbit(g[zero]), np.signbit(e[zero]), err_msg=f"signed zeros of {part}")
    else:
        np.testing.assert_array_equal(got, expected)


def test_the_table_covers_every_function_and_every_kind_of_dtype():
    assert set(FUNCTIONS) >= {"sqrt", "exp", "log", "sign", "floor", "ceil", "reciprocal", "arctanh", "conj"}
    assert {np.dtype(k).kind for k in SPECIAL} == {"b", "i", "u", "f", "c"}
