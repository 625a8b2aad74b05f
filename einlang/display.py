"""Numbers as a learner reads them: the one formatting of results shared by the REPL, ``einlang run``,
notebooks and the tutorial.

``precision`` decimals (default 4, the ``precision`` option); an entry below 1e-12 of the array's
largest is rounding noise and shows as 0; an array whose entries are all whole numbers prints as
integers; exact fractions print as fractions.

>>> import numpy as np
>>> print(format_value(np.array([[6.123234e-17, -1.0], [1.0, 6.123234e-17]])))
[[ 0 -1]
 [ 1  0]]
>>> print(format_value(np.array([-1.06221185e-11, 1.0])))
[0 1]
>>> print(format_value(np.array([1 / 3, 2.0])))
[0.3333 2.    ]
>>> print(format_value(np.float64(2 ** 0.5), precision=2))
1.41
>>> from fractions import Fraction
>>> print(format_value(np.array([[Fraction(-2), Fraction(1)], [Fraction(3, 2), Fraction(-1, 2)]], dtype=object)))
[[  -2    1]
 [ 3/2 -1/2]]
"""

from __future__ import annotations

from collections.abc import Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .dtypes import shown_int
from .latex import typeset_name
from .symbolic import latex_entry, rounded

NOISE = 1e-12  # relative to the largest entry: below this an entry is rounding noise
SHOWN_ENTRIES = 64  # larger arrays show their corners only
EXACT_WHOLE = 2**53  # floats beyond this are not exact integers any more


def _precision(precision: int | None) -> int:
    if precision is not None:
        return precision
    from .config import get_options

    return get_options().precision


def cleaned(value: Any, precision: int | None = None) -> np.ndarray:
    """A float or complex array with its rounding noise removed: entries below 1e-12 of the largest
    become 0, every entry is rounded to ``precision`` decimals, and -0 is 0. Other arrays unchanged.

    >>> cleaned(np.array([1e-17, -1e-9, 0.123456]), 4).tolist()
    [0.0, 0.0, 0.1235]
    """
    array = np.asarray(value)
    if array.dtype.kind not in "fc":
        return array
    digits = _precision(precision)
    finite = np.isfinite(array)
    scale = float(np.max(np.abs(array[finite]), initial=0.0))
    if array.dtype.kind == "c":
        real = _cleaned_part(array.real, finite, scale, digits)
        imag = _cleaned_part(array.imag, finite, scale, digits)
        return real + 1j * imag
    return _cleaned_part(array, finite, scale, digits)


def _cleaned_part(part: np.ndarray, finite: np.ndarray, scale: float, digits: int) -> np.ndarray:
    part = np.where(finite & (np.abs(part) < NOISE * scale), 0.0, part)
    return np.round(part, digits) + 0.0  # + 0.0 turns -0.0 into 0.0


def _whole(array: np.ndarray) -> bool:
    """Every entry a whole float small enough to be exact (so it can print as an integer)."""
    if array.dtype.kind != "f" or array.size == 0:
        return False
    return bool(np.all(np.isfinite(array)) and np.all(array == np.round(array)) and np.all(np.abs(array) < EXACT_WHOLE))


def format_value(value: Any, precision: int | None = None) -> str:
    """The text of a result: ``precision`` decimals (the option's, default 4), noise as 0, whole
    numbers as integers, fractions as fractions; arrays of more than 64 entries show their corners."""
    digits = _precision(precision)
    array = cleaned(value, digits)
    if _whole(array):
        array = array.astype(np.int64)
    options = dict(precision=digits, suppress=True, threshold=SHOWN_ENTRIES, edgeitems=3, floatmode="maxprec")
    if array.dtype == object and array.size:
        width = max(len(_object_text(entry, digits)) for entry in array.flat)  # right-aligned columns, as numpy's
        options["formatter"] = {"object": lambda entry: _object_text(entry, digits).rjust(width)}
    with np.printoptions(**options):
        if array.shape == ():
            return _object_text(array[()], digits) if array.dtype == object else np.array2string(array)
        return np.array2string(array)


def _object_text(entry: Any, digits: int) -> str:
    """An entry of an object array: a Fraction as ``3/2``, a float with the precision, a formula with its
    decimals rounded to the precision, else ``str``."""
    if isinstance(entry, float):
        return format_value(np.float64(entry), digits)
    whole = entry.numerator if isinstance(entry, Fraction) and entry.denominator == 1 else entry
    if isinstance(whole, int) and whole.bit_length() >= 14_000:  # past Python's 4,300 digits for int -> text
        return f"(a whole number {shown_int(whole)})"
    try:
        return str(rounded(entry, digits))
    except ValueError:  # a fraction whose numerator or denominator is past that limit
        return "(a fraction too long to print: over 4,300 digits)"


def _entry_latex(entry: Any, digits: int) -> str:
    """One entry of a LaTeX matrix: a formula by SymPy, a fraction as \\frac, a number as the text shows it."""
    formula = latex_entry(entry, digits)
    if formula is not None:
        return formula
    if isinstance(entry, Fraction) and entry.denominator != 1:
        sign = "-" if entry < 0 else ""
        return f"{sign}\\frac{{{abs(entry.numerator)}}}{{{entry.denominator}}}"
    return format_value(np.asarray(entry), digits).replace("j", "i")


def latex_value(value: Any, labels: Sequence[str] | None = None, precision: int | None = None) -> str | None:
    """A small result as a LaTeX matrix with its indices and shape (a vector is a column, as the course
    writes it); ``None`` for a number, more than two axes or more than 64 entries (text shows those).

    >>> print(latex_value(np.array([[1.0, 0.5], [6e-17, 2.0]]), ("k", "i")))
    $$\\begin{bmatrix}1 & 0.5 \\\\ 0 & 2\\end{bmatrix}_{ki} \\qquad 2\\times 2$$
    >>> print(latex_value(np.array([3, 7]), ("i",)))
    $$\\begin{bmatrix}3 \\\\ 7\\end{bmatrix}_{i} \\qquad 2$$
    >>> latex_value(np.ones((9, 9))) is None, latex_value(np.float64(2.0)) is None
    (True, True)
    """
    array = np.asarray(value)
    if array.ndim not in (1, 2) or array.size == 0 or array.size > SHOWN_ENTRIES:
        return None
    digits = _precision(precision)
    shown = cleaned(array, digits)
    if _whole(shown):
        shown = shown.astype(np.int64)
    rows = shown.reshape(-1, 1) if shown.ndim == 1 else shown
    body = " \\\\ ".join(" & ".join(_entry_latex(entry, digits) for entry in row) for row in rows)
    indices = "".join(typeset_name(label) for label in labels or ())
    subscript = f"_{{{indices}}}" if indices else ""
    shape = "\\times ".join(str(n) for n in array.shape)
    return f"$$\\begin{{bmatrix}}{body}\\end{{bmatrix}}{subscript} \\qquad {shape}$$"
