"""``einlang.einsum`` as a drop-in for numpy's and opt_einsum's keywords (issue #12), on every backend.

Each reproduction of the issue is a test here, cross-checked against numpy.einsum or opt_einsum.contract;
none uses those libraries' own test code (tests/peer/run_peer_suites.py runs their suites for maintainers).
"""

from __future__ import annotations

import math

import numpy as np
import opt_einsum
import pytest

import einlang
from einlang import errors as E
from einlang.einsum_compat import einsum_plan
from tests.conftest import assert_same

RNG = np.random.default_rng(12)
CHAIN = "ab,bc,cd,de->ae"


def chain_operands():
    return [RNG.random((3, 4)), RNG.random((4, 5)), RNG.random((5, 2)), RNG.random((2, 3))]


# -- 1. use_blas= and memory_limit= ----------------------------------------------------------------

@pytest.mark.parametrize("use_blas", [True, False])
@pytest.mark.parametrize("memory_limit", [None, "max_input", 10, 1, -1])
def test_use_blas_and_memory_limit_as_opt_einsum(backend, use_blas, memory_limit):
    ops = chain_operands()
    expected = opt_einsum.contract(CHAIN, *ops, use_blas=use_blas, memory_limit=memory_limit)
    got = einlang.einsum(CHAIN, *ops, backend=backend, use_blas=use_blas, memory_limit=memory_limit)
    assert_same(got, expected, strict=True)


@pytest.mark.parametrize("limit", [0, -2])
def test_a_memory_limit_below_one_is_refused_as_opt_einsum_refuses_it(limit):
    ops = chain_operands()
    with pytest.raises(ValueError):
        opt_einsum.contract(CHAIN, *ops, memory_limit=limit)
    with pytest.raises(E.InputValueError, match="at least 1"):
        einlang.einsum(CHAIN, *ops, memory_limit=limit)


def test_memory_limit_reaches_the_plan_and_its_report():
    ops = chain_operands()
    plan = einsum_plan(CHAIN, *ops, memory_limit="max_input")
    assert "memory limit max_input" in str(plan)
    capped = einsum_plan(CHAIN, *ops, optimize="greedy", memory_limit=12)
    path, info = opt_einsum.contract_path(CHAIN, *ops, optimize="greedy", memory_limit=12)
    assert capped.contractions[0].path == tuple(path)
    assert "path search greedy, memory limit 12 elements" in str(capped)


def test_use_blas_false_runs_every_step_as_an_einsum(monkeypatch):
    A, B = RNG.random((3, 4)), RNG.random((4, 5))
    calls = []
    real = np.einsum
    monkeypatch.setattr(np, "einsum", lambda *a, **k: calls.append(a[0]) or real(*a, **k))
    np.testing.assert_allclose(einlang.einsum("ij,jk", A, B, use_blas=False), A @ B)
    assert calls, "use_blas=False must not take the BLAS shortcut"
    assert "use_blas=False" in str(einsum_plan("ij,jk", A, B, use_blas=False))


@pytest.mark.parametrize(("keyword", "value"), [("use_blas", "yes"), ("memory_limit", 2.5), ("memory_limit", "big")])
def test_bad_use_blas_and_memory_limit_are_type_errors(keyword, value):
    with pytest.raises(E.InputTypeError, match=keyword):
        einlang.einsum("i,i", np.ones(2), np.ones(2), **{keyword: value})


# -- 2. non-ASCII subscripts -----------------------------------------------------------------------

def test_non_ascii_subscripts(backend):
    A, B = RNG.random((2, 3)), RNG.random((3, 4))
    assert_same(einlang.einsum("αβ,βγ->αγ", A, B, backend=backend), opt_einsum.contract("αβ,βγ->αγ", A, B),
                strict=True)
    # implicit mode orders them as opt_einsum does (by code point): 'cβa' -> 'acβ'
    x = RNG.random((2, 3, 4))
    assert_same(einlang.einsum("cβa", x, backend=backend), opt_einsum.contract("cβa", x), strict=True)


@pytest.mark.parametrize("bad", ["i1", "i…", "i·", "i\u2003"])
def test_digits_spaces_and_einlangs_own_marks_are_not_subscripts(bad):
    with pytest.raises(E.EinsumError, match="invalid subscript"):
        einlang.einsum(bad, np.ones((2, 2)))


# -- 3. order= -------------------------------------------------------------------------------------

@pytest.mark.parametrize("optimize", [False, True])
@pytest.mark.parametrize("order", ["C", "c", "F", "f", "A", "a", "K", "k"])
def test_order_is_honoured_in_either_case(backend, order, optimize):
    a, b = np.ones((2, 3, 5), order="F"), np.ones((4, 3), order="F")
    got = einlang.einsum("...ft,mf->...mt", a, b, order=order, optimize=optimize, backend=backend)
    expected = np.einsum("...ft,mf->...mt", a, b, order=order, optimize=optimize)
    assert_same(got, expected, strict=True)
    if order.upper() in "CF":
        assert got.flags[f"{order.upper()}_CONTIGUOUS"]
    elif order.upper() == "A":
        assert got.flags.f_contiguous  # every operand is F-contiguous
    c = np.ones((4, 3))
    mixed = einlang.einsum("...ft,mf->...mt", a, c, order=order, backend=backend)
    assert mixed.flags.c_contiguous == np.einsum("...ft,mf->...mt", a, c, order=order).flags.c_contiguous or \
        order.upper() == "K"


def test_an_unknown_order_is_refused():
    with pytest.raises(E.EinsumError, match="order must be one of"):
        einlang.einsum("i", np.ones(2), order="x")


# -- 4. object arrays ------------------------------------------------------------------------------

class Mult:
    def __mul__(self, other):
        return 42


class Boom(Exception):
    pass


class Exploding:
    def __mul__(self, other):
        raise Boom("from the entry")

    __rmul__ = __mul__


@pytest.mark.parametrize("backend_name", ["opt", "numpy", "naive"])
def test_object_arrays_of_any_objects(backend_name):
    m = np.array([Mult()])
    got = einlang.einsum("i,j", m, m, backend=backend_name)
    assert got.tolist() == np.einsum("i,j", m, m).tolist() == [[42]]


@pytest.mark.parametrize("backend_name", ["opt", "numpy", "naive"])
def test_an_objects_own_exception_reaches_the_caller(backend_name):
    with pytest.raises(TypeError) as caught:
        einlang.einsum("i,j", [1], np.array([None]), backend=backend_name)
    assert not isinstance(caught.value, E.EinlangError)
    with pytest.raises(TypeError):
        np.einsum("i,j", [1], np.array([None]))
    e = np.array([Exploding(), Exploding()])
    with pytest.raises(Boom) as boom:
        einlang.einsum("i,i", e, e, backend=backend_name)
    if hasattr(boom.value, "__notes__"):  # Python 3.11+: einlang says where it was computing
        assert any("object array" in note for note in boom.value.__notes__)


@pytest.mark.parametrize("backend_name", ["opt", "numpy", "naive"])
def test_object_arrays_in_programs_too(backend_name):
    x = np.array([Mult(), Mult()])
    got = einlang.evaluate("P_ij = x_i x_j", x=x, backend=backend_name)
    assert got.tolist() == np.einsum("i,j->ij", x, x).tolist()
    with pytest.raises(TypeError):
        einlang.evaluate("x_i x_i", x=np.array([None, 1]), backend=backend_name)


def test_dtypes_that_cannot_multiply_are_refused_up_front():
    with pytest.raises(E.InputValueError, match="dtype <U1"):
        einlang.einsum("i,i", np.array(["a"]), np.array(["b"]))


# -- 5. optimize= ----------------------------------------------------------------------------------

@pytest.mark.parametrize("path", [["einsum_path", (2, 3), (0, 1), (0, 1)], [(0, 1), (0, 1), (0, 1)],
                                  ["einsum_path", (1, 2), (0, 2), (0, 1)]])
def test_an_explicit_path_is_followed(backend, path):
    ops = chain_operands()
    got = einlang.einsum(CHAIN, *ops, optimize=path, backend=backend)
    bare = [p for p in path if p != "einsum_path"]
    assert_same(got, opt_einsum.contract(CHAIN, *ops, optimize=bare), strict=True)  # numpy takes only its form
    if path[0] == "einsum_path":
        assert_same(got, np.einsum(CHAIN, *ops, optimize=path), strict=True)
    plan = einsum_plan(CHAIN, *ops, optimize=path)
    assert plan.contractions[0].path == tuple(bare)
    assert plan.contractions[0].optimizer == "explicit path"
    assert "explicit path" in str(plan)


@pytest.mark.parametrize("path", [["einsum_path", (2, 3), (0, 1)], ["einsum_path", (1,), (0, 1)],
                                  ["einsum_path", (0, 4), (0, 1), (0, 1)], ["einsum_path", (0, 0), (0, 1), (0, 1)]])
def test_an_invalid_path_is_refused_as_numpy_refuses_it(backend, path):
    ops = chain_operands() if len(path) != 3 or path[1] != (1,) else [np.ones(2)] * 3
    equation = CHAIN if len(ops) == 4 else "a,a,a->a"
    if path[1] != (0, 0):  # numpy gives a wrong shape for a repeated position; einlang refuses it
        with pytest.raises((RuntimeError, IndexError)):
            np.einsum(equation, *ops, optimize=path)
    with pytest.raises(E.ContractionPathError) as caught:
        einlang.einsum(equation, *ops, optimize=path, backend=backend)
    assert isinstance(caught.value, RuntimeError)


@pytest.mark.parametrize("algorithm", ["greedy", "optimal", "dp", "branch-2", "branch-all", "auto", "auto-hq",
                                       "random-greedy"])
def test_an_algorithm_name_chooses_the_path_search(algorithm):
    ops = [RNG.random(s) for s in [(2, 3), (3, 4), (4, 5), (5, 6), (6, 2)]]
    eq = "ab,bc,cd,de,ea->"
    plan = einsum_plan(eq, *ops, optimize=algorithm)
    assert plan.contractions[0].optimizer == algorithm
    assert f"path search {algorithm}" in str(plan)
    if algorithm != "random-greedy":
        assert plan.contractions[0].path == tuple(opt_einsum.contract_path(eq, *ops, optimize=algorithm)[0])
    assert_same(einlang.einsum(eq, *ops, optimize=algorithm), np.einsum(eq, *ops), strict=True)


def test_numpys_name_and_limit_pair():
    ops = chain_operands()
    plan = einsum_plan(CHAIN, *ops, optimize=("greedy", 0))
    assert "path search greedy, memory limit 1 elements" in str(plan)
    assert plan.contractions[0].path == ((0, 1, 2, 3),)  # no intermediate fits: one step, as numpy's
    assert_same(einlang.einsum(CHAIN, *ops, optimize=("optimal", 100)), np.einsum(CHAIN, *ops), strict=True)


def test_unknown_algorithms_and_paths_are_refused():
    ops = chain_operands()
    with pytest.raises(E.UnknownPathAlgorithmError) as caught:
        einlang.einsum(CHAIN, *ops, optimize="fastest")
    assert isinstance(caught.value, KeyError)
    with pytest.raises(TypeError):
        einlang.einsum(CHAIN, *ops, optimize=3.5)
    with pytest.raises(E.ContractionPathError, match="tuple of operand positions"):
        einlang.einsum(CHAIN, *ops, optimize=["einsum_path", "01"])


def test_an_exhaustive_search_over_many_operands_is_refused_not_hung():
    ops = [np.ones((2, 2))] * 20
    eq = ",".join("ab" for _ in ops)
    with pytest.raises(E.ComplexityLimitError, match="greedy"):
        einlang.einsum(eq, *ops, optimize="optimal")


def test_the_default_plan_report_is_unchanged():
    assert "note:" not in str(einsum_plan(CHAIN, *chain_operands()))


# -- 6. accurate float sums on the naive backend ---------------------------------------------------

def test_a_long_float_sum_is_as_accurate_as_numpys_on_every_backend(backend):
    eps = np.finfo(float).eps
    x = np.broadcast_to(1 + 8196 * eps, 10**6)
    exact = 10**6 * (1 + 8196 * eps)  # 8196·eps·10**6 is exact in binary: the true sum, to one rounding
    numpy_error = abs(np.einsum("i->", x) - exact) / exact
    got = einlang.einsum("i->", x, backend=backend)
    assert abs(got - exact) / exact <= max(numpy_error, eps)


@pytest.mark.parametrize("n", [129, 5000, 9000])
def test_naive_float_sums_are_exact_past_numpys_block(n):
    rng = np.random.default_rng(n)
    x = rng.standard_normal(n) * 10.0 ** rng.integers(-8, 8, n)
    y = rng.standard_normal(n)
    exact = math.fsum(float(a) * float(b) for a, b in zip(x, y))
    assert einlang.evaluate("x_i y_i", x=x, y=y, backend="naive") == exact
    z = x + 1j * y
    got = einlang.einsum("i->", z, backend="naive")
    assert got == complex(math.fsum(z.real), math.fsum(z.imag))


def test_the_naive_explain_still_reads_as_the_convention():
    short = einlang.compile("x_i y_i").explain(x=np.ones(3), y=np.ones(3))
    assert "acc += x[i] * y[i]" in short  # up to numpy's 128-term block: the plain loop
    long = einlang.compile("x_i y_i").explain(x=np.ones(500), y=np.ones(500))
    assert "# T1 = Σ_i x_i y_i" in long and "acc.append(x[i] * y[i])" in long and "T1 = fsum(acc)" in long


def test_inf_and_nan_still_propagate_through_exact_sums():
    x = np.ones(300)
    x[0], x[1] = np.inf, -np.inf
    assert np.isnan(einlang.einsum("i->", x, backend="naive"))
    big = np.full(300, 1e307)
    assert einlang.einsum("i->", big, backend="naive") == np.inf == np.einsum("i->", big)


# -- 7. no silent wrong integers in einlang programs -------------------------------------------------

BIG = [100000000000, 100000000000]


def test_a_dot_product_past_int64_is_refused_on_every_backend(backend):
    assert np.einsum("i,i", np.array(BIG), np.array(BIG)) == 3729424098846048256  # numpy wraps, silently
    with pytest.raises(E.IntegerOverflowError) as caught:
        einlang.evaluate("x_i x_i", x=BIG, backend=backend)
    assert isinstance(caught.value, ArithmeticError)
    assert "int64 would wrap around" in caught.value.message and "float" in caught.value.hint
    # the hint's way out gives the right answer
    assert einlang.evaluate("x_i x_i", x=np.array(BIG, dtype=float), backend=backend) == 2e22
    assert einlang.evaluate("[1e11, 1e11]_i [1e11, 1e11]_i", backend=backend) == 2e22


@pytest.mark.parametrize(("source", "inputs"), [
    ("3 x_i", {"x": np.array([100], np.int8)}),
    ("x_i + y_i", {"x": np.array([2**62]), "y": np.array([2**62])}),
    ("A_ij B_jk C_kl", {"A": np.full((2, 2), 2**21), "B": np.full((2, 2), 2**21), "C": np.full((2, 2), 2**21)}),
    ("abs(x_i) y_i", {"x": np.array([-(2**40)]), "y": np.array([2**40])}),
    ("[[2, 3], [4, 5]]_ij x_j", {"x": np.array([2**62, 2**62])}),
])
def test_integer_programs_that_could_wrap_are_refused(backend, source, inputs):
    with pytest.raises(E.IntegerOverflowError):
        einlang.evaluate(source, backend=backend, **inputs)


@pytest.mark.parametrize(("source", "inputs"), [
    ("x_i x_i", {"x": np.array([3037000499, 1])}),  # the bound trips, the exact sum (< 2**63) fits
    ("x_i x_i", {"x": np.array([5, 5], np.int8)}),
    ("A_ij B_jk", {"A": np.arange(6).reshape(2, 3), "B": np.arange(12).reshape(3, 4)}),
    ("x_i + y_i", {"x": np.array([2**61]), "y": np.array([2**61])}),
    ("x_i x_i", {"x": np.zeros(0, dtype=np.int64)}),
    ("b_i b_i", {"b": np.array([True, True])}),
])
def test_integer_programs_within_range_run_as_numpy(backend, source, inputs):
    got = einlang.evaluate(source, backend=backend, **inputs)
    exact = {k: v.astype(object) if v.dtype.kind in "iu" else v for k, v in inputs.items()}
    expected = einlang.evaluate(source, backend="opt", **exact)
    assert np.asarray(got).tolist() == np.asarray(expected).tolist()  # exact Python ints agree
    assert np.asarray(got).dtype != object


@pytest.mark.parametrize("backend_name", ["opt", "numpy", "naive"])
def test_where_the_bound_trips_the_exact_result_is_given_when_it_fits(backend_name):
    i8 = np.array([100, 100], np.int8)
    assert np.einsum("i,i", i8, i8) / 2 == 16.0  # numpy sums in int8 (wrapping) before dividing
    assert einlang.evaluate("x_i x_i / 2", x=i8, backend=backend_name) == 10000.0  # the true value
    near = np.array([3037000499, 1])
    got = einlang.evaluate("x_i x_i", x=near, backend=backend_name)
    assert got == 3037000499**2 + 1 and got.dtype == np.int64


def test_an_exact_computation_too_big_to_do_is_refused_at_once(monkeypatch):
    from einlang import int_bounds

    monkeypatch.setattr(int_bounds, "EXACT_FLOPS", 10)
    with pytest.raises(E.IntegerOverflowError):
        einlang.evaluate("x_i x_i", x=np.array([3037000499, 1] * 8))


def test_a_compiled_programs_warm_calls_are_checked_too():
    prog = einlang.compile("x_i x_i")
    small = np.array([3, 4])
    for _ in range(3):
        assert prog(x=small) == 25
    with pytest.raises(E.IntegerOverflowError):
        prog(x=np.array(BIG))
    A = np.ones((3, 3), dtype=np.int64)
    mat = einlang.compile("A_ij B_jk")
    assert (mat(A=A, B=A) == 3).all()
    with pytest.raises(E.IntegerOverflowError):
        mat(A=A * 2**31, B=A * 2**31)


def test_the_repl_does_not_call_a_wrapped_value_agrees():
    from tests.test_repl import make_repl, run

    repl, out = make_repl()
    run(repl, out, f"x = {BIG}")
    shown = run(repl, out, "x_i x_i")
    assert "E412" in shown and "3729424098846048256" not in shown
    compared = run(repl, out, ":compare x_i x_i")
    assert "agrees" not in compared and "3729424098846048256" not in compared


def test_einlang_einsum_keeps_numpys_wrapping_and_says_so(backend):
    x = np.array(BIG)
    assert einlang.einsum("i,i", x, x, backend=backend) == np.einsum("i,i", x, x)
    assert "wrap" in einlang.einsum.__doc__
