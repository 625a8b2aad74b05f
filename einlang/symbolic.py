"""Symbolic entries: tensors holding SymPy expressions (the ``symbolic`` extra, ``pip install 'einlang[symbolic]'``).

An object array whose entries are SymPy expressions evaluates like any object array (on the naive and
numpy backends; products and sums are SymPy's own), and elementwise functions apply SymPy's versions, so
``rotation(θ)`` for a symbol θ gives the matrix a teacher writes on the board.

SymPy is imported only when a program meets a symbol: ``import einlang`` never pays for it, and with no
SymPy installed nothing here can be symbolic.

>>> import pytest; sympy = pytest.importorskip("sympy")  # the examples need the extra
>>> import numpy as np, einlang
>>> theta, = symbols("θ")
>>> print(einlang.evaluate("rotation(θ)", θ=theta))
[[cos(θ) -sin(θ)]
 [sin(θ)  cos(θ)]]
>>> a, b, x, y = symbols("a b x y")
>>> print(einlang.evaluate("A_ij v_j", A=[[a, b], [b, a]], v=[x, y]))
[a*x + b*y a*y + b*x]

Elementwise functions are SymPy's on formulas, and ``det``, ``inv`` and ``solve`` are SymPy's (simplified):

>>> apply("sqrt", x**2), apply("arctan", x), apply("square", x + 1)
(Abs(x), atan(x), (x + 1)**2)
>>> A = np.array([[a, b], [b, a]], dtype=object)
>>> matrix_function("det", A), has_symbols(A), has_symbols(np.ones(2))
(a**2 - b**2, True, False)
>>> matrix_function("inv", np.array([[a, 0], [0, b]], dtype=object)).tolist()
[[1/a, 0], [0, 1/b]]
>>> rounded(0.866025403784439 * a - 0.5 * b + 2.0 * x, 4)
0.866*a - 0.5*b + 2*x
>>> symbols("a, b θ"), is_symbolic(a), is_symbolic(2)
((a, b, θ), True, False)
>>> symbols("2x")
Traceback (most recent call last):
...
einlang.errors.InputValueError: error[E404]: '2x' is not a name: a symbol's name is a letter, then letters, digits or _
"""

from __future__ import annotations

import re
import sys
from typing import Any

import numpy as np

from .errors import InputValueError

#: einlang's elementwise functions by SymPy's name for them (the rest have the same name in SymPy)
_SYMPY_NAMES = {
    "abs": "Abs", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arcsinh": "asinh", "arccosh": "acosh",
    "arctanh": "atanh", "ceil": "ceiling", "conj": "conjugate", "real": "re", "imag": "im",
}
_FORMULAS = {
    "square": lambda sympy, x: x**2,
    "reciprocal": lambda sympy, x: 1 / x,
    "log2": lambda sympy, x: sympy.log(x, 2),
    "log10": lambda sympy, x: sympy.log(x, 10),
    "log1p": lambda sympy, x: sympy.log(1 + x),
    "expm1": lambda sympy, x: sympy.exp(x) - 1,
}
_NAME = re.compile(r"^[^\W\d]\w*$")


def is_symbolic(entry: Any) -> bool:
    """A SymPy object (SymPy need not be installed: without it nothing is symbolic)."""
    sympy = sys.modules.get("sympy")
    return sympy is not None and isinstance(entry, sympy.Basic)


def _sympy() -> Any:
    try:
        import sympy
    except ImportError:
        raise InputValueError(
            "symbols need SymPy, which is not installed",
            hint="pip install 'einlang[symbolic]' (or pip install sympy)",
        ) from None
    return sympy


def symbols(names: str) -> tuple[Any, ...]:
    """SymPy symbols for the names in ``names`` (separated by spaces or commas), real-valued so that
    formulas simplify as a learner expects (``conj(x)`` is ``x``)."""
    sympy = _sympy()
    words = [w for w in re.split(r"[\s,]+", names.strip()) if w]
    if not words:
        raise InputValueError("give the names of the symbols: symbols a b θ")
    for word in words:
        if not _NAME.match(word):
            raise InputValueError(f"{word!r} is not a name: a symbol's name is a letter, then letters, digits or _")
    return tuple(sympy.Symbol(w, real=True) for w in words)


def apply(name: str, entry: Any) -> Any:
    """SymPy's version of the elementwise function ``name`` applied to a symbolic ``entry``."""
    sympy = _sympy()
    formula = _FORMULAS.get(name)
    if formula is not None:
        return formula(sympy, entry)
    return getattr(sympy, _SYMPY_NAMES.get(name, name))(entry)


def extreme(kind: str, a: Any, b: Any) -> Any:
    """SymPy's ``Max`` or ``Min`` of two entries: formulas have no order, so ``max_j`` of symbols is a formula.

    >>> import pytest; _ = pytest.importorskip("sympy")
    >>> a, b = symbols("a b")
    >>> extreme("max", a, b), extreme("min", float("-inf"), a)
    (Max(a, b), -oo)
    """
    sympy = _sympy()
    return (sympy.Max if kind == "max" else sympy.Min)(a, b)


def has_symbols(array: Any) -> bool:
    """An object array with at least one SymPy entry."""
    return getattr(array, "dtype", None) == object and any(is_symbolic(e) for e in array.reshape(-1))


def matrix_function(name: str, *arrays: Any) -> Any:
    """``det``, ``inv`` or ``solve`` of matrices with symbolic entries, by SymPy (simplified), as einlang
    values: a formula, or an object array of formulas."""
    sympy = _sympy()
    matrices = [sympy.Matrix(np.asarray(a, dtype=object).tolist()) for a in arrays]
    if name == "det":
        return sympy.simplify(matrices[0].det())
    if name == "inv":
        result = matrices[0].inv()
    else:  # solve: A x = b
        result = matrices[0].LUsolve(matrices[1])
    simplified = result.applyfunc(sympy.simplify)
    shape = np.shape(arrays[1]) if name == "solve" else np.shape(arrays[0])
    out = np.empty(shape, dtype=object)
    out.reshape(-1)[:] = [simplified[k] for k in range(len(simplified))]
    return out


def singular(A: Any) -> bool:
    """A symbolic matrix whose determinant simplifies to 0."""
    return bool(matrix_function("det", A) == 0)


def rounded(entry: Any, digits: int) -> Any:
    """A formula with its decimal numbers rounded to ``digits`` decimals, as results print
    (``0.866025403784439*a`` -> ``0.866*a``; a whole number becomes an integer, noise 0)."""
    if not is_symbolic(entry):
        return entry
    sympy = sys.modules["sympy"]
    replacements = {}
    for number in entry.atoms(sympy.Float):
        value = round(float(number), digits)
        if value == int(value):
            replacements[number] = sympy.Integer(int(value))
        else:  # as many significant digits as the rounded decimal has, so it prints as written
            significant = repr(value).lstrip("-").replace(".", "").lstrip("0")
            replacements[number] = sympy.Float(value, max(1, len(significant)))
    return entry.xreplace(replacements)


def latex_entry(entry: Any, digits: int | None = None) -> str | None:
    """SymPy's LaTeX for a symbolic entry (its decimals rounded to ``digits``), else ``None``."""
    if not is_symbolic(entry):
        return None
    return sys.modules["sympy"].latex(rounded(entry, digits) if digits is not None else entry)
