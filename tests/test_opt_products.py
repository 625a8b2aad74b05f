"""Products the ``opt`` backend runs step by step or folds: exact on object arrays, silent about floating
overflow as numpy.einsum is, and the same on every backend (cross-checked against numpy.einsum)."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import einlang
from einlang import errors as E

BACKENDS = ["opt", "numpy", "naive"]


@pytest.mark.parametrize("backend", BACKENDS)
def test_object_scalars_multiply_exactly_step_by_step(backend):
    """numpy.einsum of two 0-d object arrays is a bare int; two of those made int64 and wrapped (2**100 was 0)."""
    arrays = {m: np.array(2**20, dtype=object) for m in "abcde"}
    assert einlang.evaluate("a b c d e", backend=backend, **arrays) == 2**100
    assert np.einsum(",,,,->", *arrays.values()) == 2**100  # numpy's own answer


@pytest.mark.parametrize("backend", BACKENDS)
def test_object_vector_products_multiply_exactly_step_by_step(backend):
    arrays = {m: np.array([2**20], dtype=object) for m in "xyzw"}
    value = einlang.evaluate("x_i x_i y_j y_j z_k z_k w_l w_l", backend=backend, **arrays)
    assert value == 2**160 == np.einsum("i,i,j,j,k,k,l,l->", *[arrays[m] for m in "xxyyzzww"])


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("count", [4, 5, 8, 12])
def test_int64_scalars_whose_product_overflows_are_refused_not_wrapped(backend, count):
    """The guard's exact recomputation runs the opt runner on Python ints: it gave the wrapped 0 back."""
    arrays = {f"s{k}": np.int64(2**20) for k in range(count)}
    with pytest.raises(E.IntegerOverflowError, match="E412|int64"):
        einlang.evaluate(" ".join(arrays), backend=backend, **arrays)
    exact = {name: np.array(int(value), dtype=object) for name, value in arrays.items()}
    assert einlang.evaluate(" ".join(arrays), backend=backend, **exact) == 2 ** (20 * count)


@pytest.mark.parametrize("count", [12, 13, 14, 40])
@pytest.mark.parametrize("backend", BACKENDS)
def test_a_float_overflow_in_a_long_product_is_as_silent_as_numpy_einsum(backend, count):
    """Above 12 scalars opt multiplies with ``*``, which warned and, under errstate(all="raise"), raised E404."""
    arrays = {f"s{k}": np.float32(1e10) for k in range(count)}
    text = " ".join(arrays)
    reference = np.einsum(",".join([""] * count) + "->", *arrays.values())
    assert reference == np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert einlang.evaluate(text, backend=backend, **arrays) == reference
        with np.errstate(all="raise"):
            assert einlang.evaluate(text, backend=backend, **arrays) == reference


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("text", ["a b c d e / 2", "0.5 a b c d e", "a b c d e * 1.0"])
def test_an_int64_product_past_its_range_with_a_float_factor_is_computed_exactly(backend, text):
    """The product sums in int64 before its number factor: the guard recomputes it with Python ints, whose
    opt steps ran on BLAS with einsum's bare ints turned back to int64 (the product's own dtype is float64),
    so ``a b c d e / 2`` of 2**20 each was 0.0; numpy.einsum, promoting to floats, gives 2**99."""
    arrays = {m: np.int64(2**20) for m in "abcde"}
    factor = 0.5 if "/" in text or "0.5" in text else 1.0
    expected = np.einsum(",,,,,->", *arrays.values(), factor)
    assert expected == factor * 2.0**100
    assert einlang.evaluate(text, backend=backend, **arrays) == expected
