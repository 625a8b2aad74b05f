"""The errors of ``diff(expr, x_k)`` (codes E220-E224), re-exported by :mod:`einlang.errors`.

>>> from einlang.errors import DiffTargetError
>>> DiffTargetError("x", None).code
'E220'
"""

from __future__ import annotations

from .errors import EinlangError, ResourceLimitError

__all__ = ["DerivativeTooLargeError", "DiffIndexClashError", "DiffTargetError", "DiffThroughError",
           "NotDifferentiableError"]


class DiffTargetError(EinlangError):
    """The second argument of ``diff`` is not a tensor written with one new index per axis (``diff(f, 2)``,
    ``diff(f, x)`` for a vector x, a constant or ``delta``), or ``einlang.diff`` was given no expression."""

    code = "E220"


class DiffIndexClashError(EinlangError):
    """A new index of ``diff`` that the expression already keeps free, or one written twice (``A_kk``)."""

    code = "E221"


class NotDifferentiableError(EinlangError):
    """A function with no derivative to give: piecewise constant (``floor``, ``ceil``, ``sign``) or not
    complex-differentiable (``conj``, ``real``, ``imag``)."""

    code = "E222"


class DiffThroughError(EinlangError):
    """The expression reaches the variable only through something with no derivative rule: a library
    function written in Python (``det``, ``inv``), an array literal with computed entries."""

    code = "E223"


class DerivativeTooLargeError(ResourceLimitError):
    """The expression, written out without sharing, or its derivative before simplifying, has more than
    ``MAX_DERIVATIVE_SIZE`` factors (the product rule multiplies terms)."""

    code = "E224"
