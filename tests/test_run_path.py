"""The one run path and its per-call cache: a warm call gives what the first call gave, under the
options and registrations in force at that call (speed itself is measured by ``python -m einlang.bench``)."""

from fractions import Fraction

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.backends.opt import direct_product

RNG = np.random.default_rng(8)


def warm(call, times=3):
    """Call ``times`` times (the first binds, the others take the per-call path); all results agree."""
    results = [call() for _ in range(times)]
    for r in results[1:]:
        np.testing.assert_array_equal(r, results[0])
        assert type(r) is type(results[0]) and np.asarray(r).dtype == np.asarray(results[0]).dtype
    return results[-1]


@pytest.mark.parametrize("dtype", ["float64", "float32", "complex128", "int64"])
@pytest.mark.parametrize(("text", "equation", "shapes"), [
    ("A_ij B_jk", "ij,jk->ik", {"A": (3, 4), "B": (4, 2)}),
    ("A_ij x_j", "ij,j->i", {"A": (3, 4), "x": (4,)}),
    ("x_i A_ij", "i,ij->j", {"x": (3,), "A": (3, 4)}),
    ("x_i y_i", "i,i->", {"x": (5,), "y": (5,)}),
])
def test_one_product_runs_as_numpy_dot(dtype, text, equation, shapes):
    tensors = {name: (RNG.standard_normal(shape) * 100).astype(dtype) for name, shape in shapes.items()}
    prog = einlang.compile(text)
    assert direct_product(prog.bind(tensors).lowered) is not None
    result = warm(lambda: prog(**tensors))
    expected = np.einsum(equation, *tensors.values())
    assert np.asarray(result).dtype == expected.dtype and np.shape(result) == np.shape(expected)
    assert type(result) is type(expected)  # a number for x_i y_i, as numpy.einsum gives
    if dtype == "int64":
        np.testing.assert_array_equal(result, expected)  # integer products are exact
    else:
        np.testing.assert_allclose(result, expected, rtol=1e-5 if dtype == "float32" else 1e-12)
        np.testing.assert_array_equal(result, np.dot(*tensors.values()))


def test_3x3_float64_dot_products_are_numpy_einsums_bits():
    x = RNG.standard_normal(3)
    assert warm(lambda: einlang.evaluate("x_i x_i", x=x)) == np.einsum("i,i->", x, x)


@pytest.mark.parametrize(("text", "tensors"), [
    ("C_ki = A_ij B_jk", {"A": np.ones((2, 3)), "B": np.ones((3, 4))}),  # an output numpy.dot does not give
    ("A_ij B_jk", {"A": np.ones((2, 3), dtype=np.int8), "B": np.ones((3, 4))}),  # mixed dtypes
    ("2 A_ij B_jk", {"A": np.ones((2, 3)), "B": np.ones((3, 4))}),  # a coefficient
    ("A_ii B_k", {"A": np.ones((3, 3)), "B": np.ones(4)}),  # a repeated index
])
def test_other_products_take_the_general_path(text, tensors):
    prog = einlang.compile(text)
    assert direct_product(prog.bind(tensors).lowered) is None
    warm(lambda: prog(**tensors))


def test_a_warm_call_reads_the_tensors_by_name_in_any_order():
    A, B = RNG.random((2, 3)), RNG.random((3, 4))
    prog = einlang.compile("A_ij B_jk")
    expected = warm(lambda: prog(A=A, B=B))
    np.testing.assert_array_equal(warm(lambda: prog(B=B, A=A)), expected)
    np.testing.assert_array_equal(warm(lambda: prog(C=np.ones(5), B=B, A=A)), expected)  # an unused tensor
    np.testing.assert_array_equal(warm(lambda: prog({"A": A}, B=B)), expected)


def test_a_warm_call_honours_options_set_after_it():
    x = np.ones(1000)
    prog = einlang.compile("x_i x_j")
    warm(lambda: prog(x=x))
    with einlang.options(memory_limit=1000), pytest.raises(E.MemoryLimitError):
        prog(x=x)
    with einlang.options(backend="naive", naive_iteration_limit=10), pytest.raises(E.NaiveIterationLimitError):
        prog(x=x)
    einsum = lambda: einlang.einsum("i,j", x, x)  # noqa: E731
    warm(einsum)
    with einlang.options(memory_limit=1000), pytest.raises(E.MemoryLimitError):
        einsum()
    assert prog(x=x).shape == (1000, 1000)


def test_object_arrays_stay_exact_on_warm_calls():
    prog = einlang.compile("x_i x_i")
    assert warm(lambda: prog(x=np.array([Fraction(1, 2), Fraction(1, 3)], dtype=object))) == Fraction(13, 36)
    with pytest.raises(TypeError, match="unsupported operand") as caught:  # the entries' own error (#12)
        prog(x=np.array([None, 1], dtype=object))
    assert not isinstance(caught.value, E.EinlangError)


def test_a_warm_einsum_still_honours_out_and_dtype():
    A, B = RNG.random((3, 3)), RNG.random((3, 3))
    expected = warm(lambda: einlang.einsum("ij,jk->ik", A, B))
    out = np.empty((3, 3))
    assert einlang.einsum("ij,jk->ik", A, B, out=out) is out
    np.testing.assert_array_equal(out, expected)
    assert einlang.einsum("ij,jk->ik", A, B, dtype=np.float32, casting="unsafe").dtype == np.float32
    with pytest.raises(E.EinsumError, match="order must be"):
        einlang.einsum("ij,jk->ik", A, B, order="X")


def test_numpy_refusals_on_a_warm_call_are_einlang_errors():
    prog = einlang.compile("A_ij B_jk")
    A = np.ones((2, 2))
    warm(lambda: prog(A=A, B=A))
    with pytest.raises(E.EinlangError):
        prog(A=A, B=np.ones((3, 3)))  # new shapes: checked, a size mismatch named


def test_a_warm_call_with_lists_or_an_array_subclass_goes_the_whole_way():
    """The kept kernel (numpy.dot without its __array_function__ dispatch) only ever sees exact arrays."""
    A = RNG.random((3, 3))
    prog = einlang.compile("A_ij B_jk")
    expected = warm(lambda: prog(A=A, B=A))
    kept = len(prog._calls)
    np.testing.assert_array_equal(prog(A=A.tolist(), B=A), expected)
    sub = A.view(type("Sub", (np.ndarray,), {}))
    np.testing.assert_array_equal(prog(A=sub, B=A), np.dot(sub, A))
    assert len(prog._calls) == kept  # neither was kept for the next call
