"""``einlang.einsum`` against ``numpy.einsum``: a broad table of cases, on every backend.

Every case is run through numpy first. When numpy answers, einlang must give the same values, the
same shape, the same dtype and the same kind of object (an array, or a numpy scalar for a rank-0
result). When numpy refuses, einlang must refuse too, with an :class:`EinlangError` that is also the
exception class numpy raised (``ValueError`` or ``TypeError``), so code written against numpy keeps
catching it.
"""

from __future__ import annotations

import itertools
from fractions import Fraction

import numpy as np
import pytest

import einlang
from einlang.errors import EinlangError
from tests.conftest import assert_same

# -- tables ---------------------------------------------------------------------------------------
# (equation, operand shapes)

BASIC = [
    # matrix and vector products, implicit and explicit
    ("ij,jk", [(3, 4), (4, 5)]),
    ("ij,jk->ik", [(3, 4), (4, 5)]),
    ("ij,jk->ki", [(3, 4), (4, 5)]),
    ("ij,jk->", [(3, 4), (4, 5)]),
    ("ij,jk->ijk", [(3, 4), (4, 5)]),
    ("ij,jk->j", [(3, 4), (4, 5)]),
    ("ij,j", [(3, 4), (4,)]),
    ("ij,j->i", [(3, 4), (4,)]),
    ("ij,i->j", [(3, 4), (3,)]),
    ("i,i", [(5,), (5,)]),
    ("i,i->", [(5,), (5,)]),
    ("i,i->i", [(5,), (5,)]),
    ("i,j", [(3,), (4,)]),
    ("i,j->ji", [(3,), (4,)]),
    ("ij,ij", [(3, 4), (3, 4)]),
    ("ij,ij->ij", [(3, 4), (3, 4)]),
    ("ij,ji", [(3, 4), (4, 3)]),
    ("ij,kl", [(2, 3), (4, 2)]),
    ("ij,kl->ikjl", [(2, 3), (4, 2)]),
    ("ijk,jkl", [(2, 3, 4), (3, 4, 5)]),
    ("ijk,ikl->ijl", [(2, 3, 4), (2, 4, 5)]),
    ("bij,bjk->bik", [(3, 2, 4), (3, 4, 2)]),
    ("ij,jk,kl", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl->il", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl->li", [(2, 3), (3, 4), (4, 5)]),
    ("ij,jk,kl,lm", [(2, 3), (3, 4), (4, 3), (3, 2)]),
    ("i,j,k", [(2,), (3,), (4,)]),
    ("i,j,k->kji", [(2,), (3,), (4,)]),
    ("ijk,ijk->", [(2, 3, 4), (2, 3, 4)]),
    ("ijk,ijk->ijk", [(2, 3, 4), (2, 3, 4)]),
    ("ij,ij,ij->ij", [(3, 3), (3, 3), (3, 3)]),
    ("ij,i,i->j", [(3, 3), (3,), (3,)]),
    ("ea,fb,abcd,gc,hd->efgh", [(2, 3), (2, 3), (3, 3, 3, 3), (2, 3), (2, 3)]),
    ("ab,bc,cd,de,ef,fg", [(2, 3), (3, 2), (2, 3), (3, 2), (2, 3), (3, 2)]),
    # one operand: transposes, sums, copies
    ("ij", [(3, 4)]),
    ("ji", [(3, 4)]),
    ("ij->ji", [(3, 4)]),
    ("ij->", [(3, 4)]),
    ("ij->i", [(3, 4)]),
    ("ij->j", [(3, 4)]),
    ("ijk->kij", [(2, 3, 4)]),
    ("ijk->kji", [(2, 3, 4)]),
    ("ijk->jk", [(2, 3, 4)]),
    ("i", [(5,)]),
    ("i->", [(5,)]),
    # repeated indices: diagonals, traces
    ("ii", [(4, 4)]),
    ("ii->", [(4, 4)]),
    ("ii->i", [(4, 4)]),
    ("iii->i", [(3, 3, 3)]),
    ("iii", [(3, 3, 3)]),
    ("iij->ij", [(3, 3, 4)]),
    ("iij->ji", [(3, 3, 4)]),
    ("iji->ij", [(3, 4, 3)]),
    ("jii->ij", [(4, 3, 3)]),
    ("iij", [(3, 3, 4)]),
    ("iij->j", [(3, 3, 4)]),
    ("ijij->ij", [(2, 3, 2, 3)]),
    ("ijji", [(2, 3, 3, 2)]),
    ("ii,i", [(3, 3), (3,)]),
    ("ii,jj", [(3, 3), (2, 2)]),
    ("ij,ii->j", [(3, 4), (3, 3)]),
    ("ijj,ik", [(3, 4, 4), (3, 2)]),
    ("ij,jj,jk->ik", [(2, 3), (3, 3), (3, 4)]),
    ("i,i,i", [(4,), (4,), (4,)]),
    ("i,i,i->i", [(4,), (4,), (4,)]),
    ("i,i,i->", [(4,), (4,), (4,)]),
    # upper and lower case
    ("aA,Ab", [(2, 3), (3, 4)]),
    ("Ab,bA", [(2, 3), (3, 2)]),
    ("AB,BC->CA", [(2, 3), (3, 4)]),
    ("Za,aZ->", [(3, 2), (2, 3)]),
    ("aA", [(2, 3)]),
    ("Aa", [(2, 3)]),
    # spaces are ignored, as numpy does
    ("ij, jk -> ik", [(3, 4), (4, 5)]),
]

ELLIPSIS = [
    ("...ij,...jk->...ik", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk", [(2, 3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(3, 4), (2, 4, 5)]),
    ("...ij,...jk->...ik", [(6, 1, 3, 4), (5, 4, 2)]),
    ("...ij,jk->...ik", [(2, 2, 3, 4), (4, 5)]),
    ("...ij,jk", [(2, 3, 4), (4, 5)]),
    ("ij,...jk->...ik", [(3, 4), (2, 4, 5)]),
    ("...i,...i->...", [(2, 3, 4), (3, 4)]),
    ("...i,...i", [(2, 3, 4), (3, 4)]),
    ("i...,i...->...", [(2, 3, 4), (2, 3, 4)]),
    ("i...,i...", [(2, 3, 4), (2, 1, 4)]),
    ("i...->...", [(2, 3, 4)]),
    ("i...j", [(2, 3, 4)]),
    ("i...j->...", [(2, 3, 4)]),
    ("i...j->j...i", [(2, 3, 4, 5)]),
    ("i...j->...ij", [(2, 3, 4)]),
    ("...", [(2, 3)]),
    ("...->", [(2, 3)]),
    ("...", [()]),
    ("...,...", [(2, 3), (3,)]),
    ("...,...->...", [(2, 1), (1, 3)]),
    ("...ii->...i", [(2, 3, 3)]),
    ("...ii", [(2, 3, 3)]),
    ("ii...->i...", [(3, 3, 2)]),
    ("i...i", [(3, 2, 3)]),
    ("...ij->...ji", [(2, 3)]),
    ("...ij->...ji", [(5, 2, 3)]),
    ("...ij,...j->...i", [(4, 2, 3), (3,)]),
    ("ij...,jk...->ik...", [(2, 3, 4), (3, 2, 4)]),
    ("ij...,jk...->ik...", [(2, 3, 4), (3, 2, 1)]),
    ("...a,...a->...", [(1, 5), (4, 5)]),
    ("...j,j", [(3, 4), (4,)]),
    ("j,...j", [(4,), (3, 4)]),
    ("...,i", [(2,), (3,)]),
    ("...ij,...jk->ik", [(2, 3, 4), (4, 5)]),  # numpy refuses: '...' dims missing from the output
    ("a...b,b...c->ac", [(2, 1, 3), (3, 1, 2)]),  # numpy refuses too
    ("a...b,b...c->a...c", [(2, 1, 3), (3, 1, 2)]),
    ("a...b,b...c->a...c", [(2, 3, 1, 3), (3, 1, 4, 2)]),
]

SIZES = [
    # size-0 and size-1 dimensions
    ("ij,jk", [(0, 3), (3, 2)]),
    ("ij,jk", [(2, 0), (0, 2)]),
    ("ij,jk->", [(2, 0), (0, 2)]),
    ("ij->", [(0, 3)]),
    ("ij->j", [(0, 3)]),
    ("i,i", [(0,), (0,)]),
    ("i,j", [(0,), (3,)]),
    ("ii", [(0, 0)]),
    ("ii->i", [(0, 0)]),
    ("...i,...i", [(0, 3), (0, 3)]),
    ("...i,...i", [(1, 3), (0, 3)]),
    ("ij,jk", [(1, 1), (1, 1)]),
    ("ij,jk", [(1, 4), (4, 1)]),
    ("ij,jk->ik", [(3, 1), (1, 5)]),
    ("ii", [(1, 1)]),
    ("i,i", [(1,), (1,)]),
    # numpy broadcasts a size-1 axis against a bigger one with the same label
    ("ij,ij->ij", [(3, 1), (3, 4)]),
    ("ij,ij->ij", [(1, 4), (3, 4)]),
    ("ij,ij", [(3, 1), (1, 4)]),
    ("ij,ij->", [(3, 1), (3, 4)]),
    ("ij,jk", [(3, 1), (4, 5)]),
    ("i,i->i", [(1,), (5,)]),
    ("i,i", [(1,), (5,)]),
    ("i,i->", [(1,), (3,)]),
    ("ij,jk->ik", [(2, 3), (1, 4)]),
    # scalars and 0-d arrays
    ("", [()]),
    ("->", [()]),
    (",", [(), ()]),
    (",->", [(), ()]),
    ("i,", [(3,), ()]),
    (",i", [(), (3,)]),
    (",ij->ji", [(), (2, 3)]),
    ("ij,,jk", [(2, 3), (), (3, 2)]),
]

EQUATIONS_FOR_DTYPES = [
    ("ij,jk", [(3, 4), (4, 2)]),
    ("ij,jk->", [(3, 4), (4, 2)]),
    ("i,i", [(5,), (5,)]),
    ("i,j->ij", [(3,), (2,)]),
    ("ii->i", [(3, 3)]),
    ("ii", [(3, 3)]),
    ("ij->ji", [(2, 3)]),
    ("ij->", [(2, 3)]),
    ("...i,...i->...", [(2, 3), (3,)]),
    ("ij,ij->ij", [(3, 1), (3, 4)]),
    ("ijk,jk", [(2, 3, 4), (3, 4)]),
    ("ab,bc,cd", [(2, 3), (3, 2), (2, 2)]),
    ("", [()]),
]

DTYPES = [np.bool_, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint64, np.float32, np.float64,
          np.complex64, np.complex128, object]

# Bad input: numpy refuses every one of these (checked in the test) and so must einlang.
BAD = [
    ("ij,jk", [(3, 4), (5, 6)]),  # sizes disagree
    ("ij,jk", [(3, 4), (3, 4), (4, 5)]),  # more operands than terms
    ("ij,jk,kl", [(3, 4), (4, 5)]),  # fewer operands than terms
    ("ijk", [(3, 4)]),  # too many subscripts
    ("i", [(3, 4)]),  # too few subscripts
    ("ij->k", [(3, 4)]),  # output index not in the input
    ("ij->ii", [(3, 4)]),  # repeated output index
    ("ij->i->j", [(3, 4)]),  # two arrows
    ("ij-k", [(3, 4)]),  # stray '-'
    ("ij>k", [(3, 4)]),  # stray '>'
    ("i1", [(3, 4)]),  # digits are not subscripts (non-ASCII letters are, as in opt_einsum)
    ("i_", [(3, 4)]),
    ("...i...", [(3, 4)]),  # two ellipses
    ("..i", [(3, 4)]),  # a broken ellipsis
    ("ii", [(3, 4)]),  # a diagonal of a non-square matrix
    ("ij,ij->ij", [(3, 2), (3, 4)]),  # not broadcastable
    ("...i,...i", [(2, 3), (4, 3)]),  # batch shapes do not broadcast
    ("...ij,...jk->ik", [(2, 3, 4), (4, 5)]),  # '...' dims not in the output
    ("i,i->", [(3,), (4,)]),
]


# -- helpers --------------------------------------------------------------------------------------

def _values(shape, dtype, seed):
    """Test data of a dtype: small integers for the exact types, so nothing overflows by accident."""
    rng = np.random.default_rng(seed)
    if dtype is object:
        numerators = rng.integers(-5, 6, size=shape)
        out = np.empty(shape, dtype=object)
        for index in np.ndindex(*shape):
            out[index] = Fraction(int(numerators[index]), int(rng.integers(1, 7)))
        return out
    dtype = np.dtype(dtype)
    if dtype == bool:
        return rng.random(shape) < 0.5
    if dtype.kind == "u":
        return rng.integers(0, 4, size=shape).astype(dtype)
    if dtype.kind == "i":
        return rng.integers(-3, 4, size=shape).astype(dtype)
    if dtype.kind == "c":
        return (rng.standard_normal(shape) + 1j * rng.standard_normal(shape)).astype(dtype)
    return rng.standard_normal(shape).astype(dtype)


def _operands(shapes, dtype=np.float64, seed=0):
    return [_values(shape, dtype, seed + k) for k, shape in enumerate(shapes)]


def _numpy(*args, **kwargs):
    try:
        return np.einsum(*args, **kwargs), None
    except Exception as exc:  # noqa: BLE001 - numpy's verdict, whatever its type
        return None, exc


def _check(backend, *args, **kwargs):
    """Run numpy then einlang with the same arguments; both answer the same, or both refuse."""
    expected, refusal = _numpy(*args, **kwargs)
    if refusal is None:
        got = einlang.einsum(*args, backend=backend, **kwargs)
        assert_same(got, expected, strict=True)
        return got
    kind = TypeError if isinstance(refusal, TypeError) else ValueError
    with pytest.raises(EinlangError) as info:
        einlang.einsum(*args, backend=backend, **kwargs)
    assert isinstance(info.value, kind), f"numpy raised {type(refusal).__name__}, einlang {type(info.value).__name__}"
    assert str(info.value).startswith("error[E"), "einlang's own message, rendered"
    return None


def _ids(table):
    return [f"{eq or '<empty>'}:{'/'.join('x'.join(map(str, s)) or 'scalar' for s in shapes)}" for eq, shapes in table]


# -- the tables, on every backend -----------------------------------------------------------------

@pytest.mark.parametrize(("equation", "shapes"), BASIC + ELLIPSIS + SIZES, ids=_ids(BASIC + ELLIPSIS + SIZES))
def test_equation_table(backend, equation, shapes):
    _check(backend, equation, *_operands(shapes))


@pytest.mark.parametrize("dtype", DTYPES, ids=lambda d: "object" if d is object else np.dtype(d).name)
@pytest.mark.parametrize(("equation", "shapes"), EQUATIONS_FOR_DTYPES, ids=_ids(EQUATIONS_FOR_DTYPES))
def test_dtypes(backend, dtype, equation, shapes):
    _check(backend, equation, *_operands(shapes, dtype))


@pytest.mark.parametrize(("left", "right"), list(itertools.combinations(
    [np.bool_, np.int8, np.uint8, np.int32, np.int64, np.float32, np.float64, np.complex64], 2)))
def test_mixed_dtypes_follow_numpy_promotion(backend, left, right):
    a, b = _values((3, 4), left, 1), _values((4, 2), right, 2)
    _check(backend, "ij,jk", a, b)
    _check(backend, "ij,ij->", a, b.T)


@pytest.mark.parametrize(("equation", "shapes"), BAD, ids=_ids(BAD))
def test_bad_input_is_refused_like_numpy(backend, equation, shapes):
    operands = _operands(shapes)
    assert _numpy(equation, *operands)[1] is not None, "the table lists only what numpy refuses"
    _check(backend, equation, *operands)


# -- integer overflow, exactness ------------------------------------------------------------------

@pytest.mark.parametrize("dtype", [np.int8, np.uint8, np.int16, np.int32])
def test_integer_overflow_wraps_as_numpy(backend, dtype):
    big = np.full((3, 3), np.iinfo(dtype).max // 2 + 3, dtype=dtype)
    _check(backend, "ij,jk", big, big)
    _check(backend, "ij->", big)
    _check(backend, "i,i", big[0], big[1])


def test_fractions_stay_exact(backend):
    a = np.array([[Fraction(1, 3), Fraction(1, 2)], [Fraction(2, 7), Fraction(-5, 11)]], dtype=object)
    got = einlang.einsum("ij,jk", a, a, backend=backend)
    assert got.dtype == object
    assert got[0, 0] == Fraction(1, 9) + Fraction(1, 7)
    assert all(isinstance(x, Fraction) for x in got.ravel())
    _check(backend, "ij,jk->", a, a)
    _check(backend, "ii", a)


def test_python_ints_in_object_arrays_do_not_overflow(backend):
    a = np.array([2**70, 3], dtype=object)
    assert einlang.einsum("i,i", a, a, backend=backend) == 2**140 + 9


# -- memory layouts -------------------------------------------------------------------------------

def _views():
    base = np.arange(60.0).reshape(5, 12) / 7
    return {
        "transposed": base.T,
        "every-other-column": base[:, ::2],
        "negative-strides": base[::-1, ::-1],
        "negative-step-2": base[::-2, ::-3],
        "fortran": np.asfortranarray(base),
        "broadcast-zero-stride": np.broadcast_to(np.arange(12.0), (5, 12)),
        "read-only": np.lib.stride_tricks.as_strided(base, (5, 12), base.strides, writeable=False),
    }


@pytest.mark.parametrize("view", list(_views()))
def test_non_contiguous_views(backend, view):
    a = _views()[view]
    _check(backend, "ij,kj->ik", a, a)
    _check(backend, "ij->j", a)
    _check(backend, "ij->ji", a)
    _check(backend, "ij,ij->", a, a)
    square = a[: min(a.shape), : min(a.shape)]
    _check(backend, "ii->i", square)
    _check(backend, "ij,jk", square, square)


def test_inputs_are_not_modified(backend):
    a, b = _operands([(3, 4), (4, 5)])
    a0, b0 = a.copy(), b.copy()
    einlang.einsum("ij,jk", a, b, backend=backend)
    einlang.einsum("ij->ji", a, backend=backend)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


# -- the interleaved form -------------------------------------------------------------------------

INTERLEAVED = [
    ([(3, 4), (4, 5)], [[0, 1], [1, 2]], None),
    ([(3, 4), (4, 5)], [[0, 1], [1, 2]], [0, 2]),
    ([(3, 4), (4, 5)], [[0, 1], [1, 2]], [2, 0]),
    ([(3, 4), (4, 5)], [[0, 1], [1, 2]], []),
    ([(4, 4)], [[0, 0]], None),
    ([(4, 4)], [[0, 0]], [0]),
    ([(2, 3, 4)], [[Ellipsis, 1]], [Ellipsis]),
    ([(2, 3, 4), (2, 4, 5)], [[Ellipsis, 0, 1], [Ellipsis, 1, 2]], [Ellipsis, 0, 2]),
    ([(2, 3, 4), (4, 5)], [[Ellipsis, 1, 2], [2, 3]], [Ellipsis, 1, 3]),
    ([(3,), (3,)], [[51], [51]], None),
    ([(3,), (3,)], [[np.int64(7)], [np.int8(7)]], []),
    ([(2, 3)], [(0, 1)], (1, 0)),
]


@pytest.mark.parametrize(("shapes", "subs", "out"), INTERLEAVED)
def test_interleaved_form(backend, shapes, subs, out):
    args = []
    for operand, sub in zip(_operands(shapes), subs):
        args += [operand, sub]
    if out is not None:
        args.append(out)
    _check(backend, *args)


@pytest.mark.parametrize("bad_sub", [[0, 1.5], [0, "a"], [0, -1], [0, 52], [0, None], 3])
def test_interleaved_bad_subscripts(backend, bad_sub):
    a = np.ones((2, 2))
    assert _numpy(a, bad_sub)[1] is not None, "the table lists only what numpy refuses"
    _check(backend, a, bad_sub)


# -- keywords -------------------------------------------------------------------------------------

@pytest.mark.parametrize("optimize", [False, True, "greedy", "optimal", ["einsum_path", (0, 1), (0, 1)]])
def test_optimize_is_accepted(backend, optimize):
    _check(backend, "ij,jk,kl", *_operands([(2, 3), (3, 4), (4, 2)]), optimize=optimize)


@pytest.mark.parametrize(("dtype", "casting"), [
    (np.float32, "safe"), (np.float32, "same_kind"), (np.complex128, "safe"), (np.int64, "safe"),
    (np.int64, "unsafe"), (np.float64, "safe"), (object, "safe"), ("float32", "unsafe"), (np.int8, "no"),
])
def test_dtype_and_casting(backend, dtype, casting):
    a, b = _operands([(3, 4), (4, 2)])
    _check(backend, "ij,jk", a, b, dtype=dtype, casting=casting)
    ints = _operands([(3, 4), (4, 2)], np.int32)
    _check(backend, "ij,jk", *ints, dtype=dtype, casting=casting)


def test_out_receives_the_result(backend):
    a, b = _operands([(3, 4), (4, 5)])
    out = np.zeros((3, 5))
    assert einlang.einsum("ij,jk", a, b, out=out, backend=backend) is out
    np.testing.assert_allclose(out, a @ b)
    view = np.zeros((5, 3)).T
    assert einlang.einsum("ij,jk", a, b, out=view, backend=backend) is view
    np.testing.assert_allclose(view, a @ b)
    scalar_out = np.zeros(())
    assert einlang.einsum("ij,ij", a, a, out=scalar_out, backend=backend) is scalar_out
    np.testing.assert_allclose(scalar_out, (a * a).sum())


@pytest.mark.parametrize("out", [np.zeros((3, 4)), np.zeros((5, 3)), np.zeros((3, 5), dtype=np.int64), [[0.0] * 5] * 3])
def test_bad_out_is_refused_like_numpy(backend, out):
    a, b = _operands([(3, 4), (4, 5)])
    assert _numpy("ij,jk", a, b, out=out)[1] is not None, "the table lists only what numpy refuses"
    _check(backend, "ij,jk", a, b, out=out)


def test_numpy_scalars_and_python_numbers(backend):
    _check(backend, "", 3)
    _check(backend, "", 2.5)
    _check(backend, ",", 2, 3.5)
    _check(backend, "i,", np.arange(3), 2)
    _check(backend, "i,i", [1, 2, 3], [4, 5, 6])
    _check(backend, "ij->ji", [[1, 2], [3, 4]])
    _check(backend, ",", np.float32(2), np.int8(3))
    _check(backend, "", True)
    _check(backend, "", 1 + 2j)
    _check(backend, "", np.float64(3.0))  # numpy scalars, not 0-d arrays
    _check(backend, ",->", np.float64(2.0), np.float64(3.0))
    _check(backend, "ij,->ij", np.ones((2, 3)), np.float64(3.0))


@pytest.mark.parametrize("args", [
    (),
    ("ij",),
    ("ij", "abc"),
    ("ij", [[1, 2], [3]]),
    ("ij", None),
    (3, np.ones((2, 2))),
    (np.ones((2, 2)),),
    ("ij", {"a": 1}),
    (b"ij", np.ones((2, 2))),
])
def test_bad_calls_are_refused_like_numpy(backend, args):
    _check(backend, *args)  # numpy accepts a bytes equation: then einlang must answer the same


def test_all_52_letters(backend):
    """numpy's whole alphabet in one term, on every backend (naive shares one loop among its innermost indices)."""
    equation = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    a = np.full((1,) * 52, 3.0)
    for eq in (equation, equation + "->", equation + "->" + equation[::-1]):
        _check(backend, eq, a)


def test_nan_and_inf_propagate(backend):
    x = np.array([np.nan, np.inf, -np.inf, 1.0, 0.0])
    _check(backend, "i,i", x, x)
    _check(backend, "i,j->ij", x, x)
    _check(backend, "i->", x[1:])
    _check(backend, "i,i->i", x, x)


def test_table_size():
    """The acceptance asks for several hundred expressions: count the distinct cases above."""
    count = len(BASIC + ELLIPSIS + SIZES + BAD + INTERLEAVED) + len(EQUATIONS_FOR_DTYPES) * len(DTYPES)
    assert count >= 300, count
