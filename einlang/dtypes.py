"""The dtype rule every backend follows (docs/guarantees.md, "Values and dtypes").

A product is ``numpy.einsum`` of its tensor operands in one unoptimised call — so every operand is
promoted to their common dtype before anything is multiplied — times its number factors, which are
weak scalars as in numpy ≥ 2 (NEP 50). The Kronecker delta and the Levi-Civita symbol are exact
symbols: they take the dtype of the other operands (int64 when there are none; ε, which holds −1,
makes a product of booleans int64).

>>> import numpy as np
>>> f32, i8, b = np.dtype(np.float32), np.dtype(np.int8), np.dtype(bool)
>>> product_dtypes([f32], coefficient=0.5)              # a weak Python float keeps float32
ProductDtypes(inner=dtype('float32'), result=dtype('float32'))
>>> product_dtypes([i8, i8], coefficient=Fraction(1, 2))  # division is true division
ProductDtypes(inner=dtype('int8'), result=dtype('float64'))
>>> product_dtypes([b], deltas=1).result                # δ never changes a dtype
dtype('bool')
>>> product_dtypes([b], levi_civita=1).result
dtype('int64')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import UnsupportedDtypeError
from .records import record
from .source import Span

INT64 = np.dtype(np.int64)


def weak(coefficient: Any) -> int | float | complex | Fraction:
    """The coefficient as numpy sees a Python number: an int stays int, a Fraction (made by ``/``, true
    division) counts as a float, floats and complex numbers stay what they are.

    >>> weak(3), weak(Fraction(1, 2)), weak(2j)
    (3, 0.5, 2j)
    """
    if isinstance(coefficient, Fraction):
        return float(coefficient)
    if isinstance(coefficient, (bool, np.bool_)):
        return int(coefficient)
    if isinstance(coefficient, np.generic):
        return coefficient.item()
    return coefficient


@record
class ProductDtypes:
    """``inner``: the dtype ``numpy.einsum`` computes the product in; ``result``: after the number factors."""

    inner: np.dtype
    result: np.dtype


def product_dtypes(
    tensors: Sequence[np.dtype],
    *,
    deltas: int = 0,
    levi_civita: int = 0,
    coefficient: Any = None,
    span: Span | None = None,
) -> ProductDtypes:
    """The dtypes of a product of ``tensors`` (δ and ε counted apart) times ``coefficient`` (``None``:
    no number was written). Raises :class:`~einlang.errors.UnsupportedDtypeError` where numpy refuses:
    an integer factor that does not fit the product's integer dtype (``1000 x_i`` with int8 ``x``)."""
    inner = np.result_type(*dict.fromkeys(tensors)) if tensors else INT64  # each dtype once: 64 factors of one dtype
    if levi_civita and inner == bool:
        inner = INT64
    if coefficient is None or inner == object:
        return ProductDtypes(inner, inner)
    value = weak(coefficient)
    if inner.kind in "iu" and isinstance(value, int):
        info = np.iinfo(inner)
        if not info.min <= value <= info.max:
            raise UnsupportedDtypeError(
                f"the number {shown_int(value)} does not fit {inner}, the dtype of the product it multiplies "
                "(numpy refuses it too)",
                span,
                hint="convert the tensors to a wider dtype, or write the number as a float",
            )
    return ProductDtypes(inner, np.result_type(inner, value))


def shown_int(value: int) -> str:
    """A whole number as text, or how many digits it has past Python's 4,300-digit limit for int -> text.

    >>> shown_int(1000), shown_int(10 ** 5000)
    ('1000', 'with 5,001 digits')
    """
    if value.bit_length() < 14_000:  # 4,214 digits at most: within the limit
        return str(value)
    digits = int(value.bit_length() * math.log10(2)) + 1  # at most one too many
    if abs(value) < 10 ** (digits - 1):
        digits -= 1
    return f"with {digits:,} digits"


def sum_dtype(terms: Sequence[np.dtype], signs: Sequence[int] = (), span: Span | None = None) -> np.dtype:
    """numpy's ``+``/``-`` over the terms; ``-`` of booleans is refused, as numpy refuses it.

    >>> sum_dtype([np.dtype(np.float32), np.dtype(np.int8)])
    dtype('float32')
    """
    dtype = np.result_type(*terms)
    if dtype == bool and any(sign < 0 for sign in signs):
        raise UnsupportedDtypeError(
            "subtraction is not defined for bool tensors (numpy refuses it too)",
            span,
            hint="convert to int first, or use + (which is logical or for booleans)",
        )
    return dtype
