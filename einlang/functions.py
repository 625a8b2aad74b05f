"""Elementwise functions: one table shared by the checker, every backend and the docs.

Each entry has the numpy ufunc (numpy and opt backends, and dtype rules) and a scalar version for the
naive backend and for object arrays (``fractions.Fraction`` stays exact where the maths allows: ``abs``,
``square``, ``reciprocal``, ``sign``, ``floor``, ``ceil``).

>>> ELEMENTWISE["sqrt"].scalar(16)
4.0
>>> from fractions import Fraction
>>> ELEMENTWISE["reciprocal"].scalar(Fraction(2, 3))
Fraction(3, 2)
"""

from __future__ import annotations

import cmath
import math
from collections.abc import Callable
from fractions import Fraction
from typing import Any

import numpy as np

from . import symbolic
from .errors import UnsupportedDtypeError
from .records import record
from .source import Span


@record
class Elementwise:
    name: str
    ufunc: Callable[..., Any]
    scalar: Callable[[Any], Any]
    description: str

    def result_dtype(self, dtype: np.dtype, span: Span | None = None) -> np.dtype:
        """The dtype numpy gives for this function on ``dtype`` (object stays object); where numpy has
        no loop for the dtype (``floor`` of complex numbers) an :class:`UnsupportedDtypeError`."""
        if dtype == object:
            return np.dtype(object)
        try:
            with np.errstate(all="ignore"):
                return self.ufunc(np.ones((), dtype=dtype)).dtype
        except TypeError:
            raise UnsupportedDtypeError(
                f"{self.name} is not defined for {dtype} values (numpy refuses it too)",
                span,
                hint="apply it to real(z) or abs(z)" if dtype.kind == "c" else "pass an int or float tensor instead",
            ) from None

    def scalar_for(self, dtype: np.dtype) -> Callable[[Any], Any]:
        """The Python-number version the naive backend calls on values of ``dtype``: numpy's scalar
        ufunc (so special values, rounding and dtypes are numpy's), or the exact version for objects.

        >>> import numpy as np
        >>> ELEMENTWISE["sign"].scalar_for(np.dtype(float))(float("nan"))
        nan
        """
        if dtype == object:
            return self.object_scalar
        ufunc, asarray = self.ufunc, np.asarray

        def scalar(x: Any) -> Any:
            # a 0-d array, not a numpy scalar: numpy's scalar path differs from its array loops on some
            # special values (the square of 1e300 - inf·j), and the other backends run the array loops
            return ufunc(asarray(x, dtype)).item()

        return scalar

    def object_scalar(self, x: Any) -> Any:
        """An entry of an object array: SymPy's version for a symbolic one (``sin(θ)``), else the exact one.

        >>> ELEMENTWISE["cos"].object_scalar(0)
        1.0
        """
        return symbolic.apply(self.name, x) if symbolic.is_symbolic(x) else self.scalar(x)

    def on_array(self, value: np.ndarray) -> np.ndarray:
        """Apply to a whole array; object arrays go element by element through the scalar version."""
        if value.dtype == object:
            out = np.empty(value.shape, dtype=object)
            flat_in, flat_out = value.reshape(-1), out.reshape(-1)
            for k in range(flat_in.size):
                flat_out[k] = self.object_scalar(flat_in[k])
            return out
        return self.ufunc(value)


def _real_or_complex(real_fn: Callable[[float], float], complex_fn: Callable[[complex], complex], np_fn):
    """Python-number version that follows numpy: complex in, complex out; a domain error gives nan/inf."""

    def scalar(x):
        if isinstance(x, complex):
            return complex_fn(x)
        try:
            return real_fn(x)
        except (ValueError, OverflowError):
            with np.errstate(all="ignore"):
                return float(np_fn(float(x)))

    return scalar


def _reciprocal(x):
    if type(x) is int and x:
        return Fraction(1, x)  # exact, as numpy's object division of Fractions by integers is
    try:
        return 1 / x
    except ZeroDivisionError:
        return math.copysign(math.inf, x) if x == 0 and isinstance(x, float) else math.inf


def _sign(x):
    if isinstance(x, complex):
        return x / abs(x) if x else 0j
    return (x > 0) - (x < 0)


def _square(x):
    return x * x


_MATH = {
    "sqrt": (math.sqrt, cmath.sqrt, np.sqrt, "square root"),
    "exp": (math.exp, cmath.exp, np.exp, "e to the power x"),
    "log": (math.log, cmath.log, np.log, "natural logarithm"),
    "log2": (math.log2, lambda z: cmath.log(z) / math.log(2), np.log2, "base-2 logarithm"),
    "log10": (math.log10, cmath.log10, np.log10, "base-10 logarithm"),
    "log1p": (math.log1p, lambda z: cmath.log(1 + z), np.log1p, "log(1 + x), accurate near 0"),
    "expm1": (math.expm1, lambda z: cmath.exp(z) - 1, np.expm1, "exp(x) - 1, accurate near 0"),
    "sin": (math.sin, cmath.sin, np.sin, "sine (radians)"),
    "cos": (math.cos, cmath.cos, np.cos, "cosine (radians)"),
    "tan": (math.tan, cmath.tan, np.tan, "tangent (radians)"),
    "arcsin": (math.asin, cmath.asin, np.arcsin, "inverse sine"),
    "arccos": (math.acos, cmath.acos, np.arccos, "inverse cosine"),
    "arctan": (math.atan, cmath.atan, np.arctan, "inverse tangent"),
    "sinh": (math.sinh, cmath.sinh, np.sinh, "hyperbolic sine"),
    "cosh": (math.cosh, cmath.cosh, np.cosh, "hyperbolic cosine"),
    "tanh": (math.tanh, cmath.tanh, np.tanh, "hyperbolic tangent"),
    "arcsinh": (math.asinh, cmath.asinh, np.arcsinh, "inverse hyperbolic sine"),
    "arccosh": (math.acosh, cmath.acosh, np.arccosh, "inverse hyperbolic cosine"),
    "arctanh": (math.atanh, cmath.atanh, np.arctanh, "inverse hyperbolic tangent"),
}

ELEMENTWISE: dict[str, Elementwise] = {
    name: Elementwise(name, np_fn, _real_or_complex(real_fn, complex_fn, np_fn), text)
    for name, (real_fn, complex_fn, np_fn, text) in _MATH.items()
}
ELEMENTWISE.update(
    {
        "abs": Elementwise("abs", np.abs, abs, "absolute value (modulus of a complex number)"),
        "square": Elementwise("square", np.square, _square, "x times x"),
        "reciprocal": Elementwise("reciprocal", lambda a: np.true_divide(1, a), _reciprocal, "1 / x"),
        "sign": Elementwise("sign", np.sign, _sign, "-1, 0 or 1"),
        "floor": Elementwise("floor", np.floor, math.floor, "largest integer ≤ x"),
        "ceil": Elementwise("ceil", np.ceil, math.ceil, "smallest integer ≥ x"),
        "conj": Elementwise("conj", np.conjugate, lambda x: x.conjugate(), "complex conjugate"),
        "real": Elementwise("real", np.real, lambda x: x.real, "real part"),
        "imag": Elementwise("imag", np.imag, lambda x: x.imag, "imaginary part"),
    }
)

# Aliases a learner reaches for first.
ALIASES = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "ln": "log", "recip": "reciprocal"}
for _alias, _target in ALIASES.items():
    ELEMENTWISE[_alias] = ELEMENTWISE[_target]
