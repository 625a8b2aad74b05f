"""Exact float sums for the naive backend: past numpy's pairwise block its loops collect a product's
terms and add them with ``math.fsum`` (one rounding of the true sum), so its floats are as accurate as
numpy's pairwise sums or more, while the generated code still reads as the convention
(``acc.append(...)``, then ``fsum(acc)``).

>>> csum([1e100 + 1j, 1.0, -1e100])
(1+1j)
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

FOLD_TERMS = 4096
"""A float sum keeps at most this many terms before folding them into two (memory stays bounded)."""


def fold(terms: list[Any], total: Callable[[list[Any]], Any]) -> list[Any]:
    """``terms`` as two numbers with (to within a rounding of the remainder) the same sum: the correctly
    rounded sum and what it missed. Folding every few thousand terms keeps a sum exact in bounded memory.

    >>> fold([1e16, 1.0, 1.0, 1.0], fsum)
    [1.0000000000000004e+16, -1.0]
    """
    high = total(terms)
    terms.append(-high)
    return [high, total(terms)]


def fsum(terms: list[Any]) -> Any:
    """``math.fsum``, except where it refuses: ``inf - inf`` and sums past the float range give nan and
    inf as numpy's own sums do.

    >>> fsum([1e308, 1e308, -1e308]), fsum([float("inf"), -float("inf")])
    (inf, nan)
    """
    try:
        return math.fsum(terms)
    except (ValueError, OverflowError):
        return sum(terms)


def csum(terms: list[Any]) -> complex:
    """math.fsum of complex terms: real and imaginary parts each added exactly."""
    return complex(fsum([z.real for z in terms]), fsum([z.imag for z in terms]))


SEQUENTIAL_UP_TO = 128
"""Float sums of at most this many terms keep ``acc += term``: numpy itself adds up to 128 terms (its
pairwise block) one after another, so they are already at numpy's accuracy, and short loops stay plain."""


def exact_total(namespace: dict[str, Any], inner: np.dtype, terms: int) -> str | None:
    """The name of the function (entered in the generated code's ``namespace``) that adds the ``terms``
    terms of a float product exactly; ``None`` for short sums and for integers, booleans and objects,
    whose ``+=`` is exact or theirs.

    >>> exact_total({}, np.dtype(np.float32), 1000), exact_total({}, np.dtype(float), 100)
    ('fsum', None)
    """
    if terms <= SEQUENTIAL_UP_TO or inner.kind not in "fc":
        return None
    if inner.kind == "f":
        namespace["fsum"] = fsum
        return "fsum"
    if inner.kind == "c":
        namespace["csum"] = csum
        return "csum"
    return None


def sum_buffer_bytes(terms: int, inner: np.dtype) -> int:
    """The most the list of one exact sum's terms holds (one sum's list is alive at a time): at most
    FOLD_TERMS + 2 numbers, and for complex terms the two lists of parts ``csum`` makes.

    >>> sum_buffer_bytes(100, np.dtype(float)), sum_buffer_bytes(10**6, np.dtype(float))
    (0, 131200)
    """
    if terms <= SEQUENTIAL_UP_TO or inner.kind not in "fc":
        return 0
    kept = min(terms, FOLD_TERMS) + 2
    number = 32 if inner.kind == "c" else 24
    parts = 2 * (64 + kept * (8 + 24)) if inner.kind == "c" else 0
    return 64 + kept * (8 + number) + parts
