"""How the REPL prints a result: the name with its index labels and shape, then the value.

>>> from einlang.session import StatementResult
>>> print(format_result(StatementResult("v", np.array([1, 2]), None, "assignment", "v = [1, 2]")))
v  (2)
[1 2]
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..display import format_value
from ..plan import format_indices
from ..semantics.describe import dims
from ..session import StatementResult


def shape_text(value: Any) -> str:
    """``(3×2)``; ``(scalar)`` for a number.

    >>> shape_text(np.zeros((3, 2)))
    '(3×2)'
    """
    return f"({dims(np.shape(value))})"


def value_text(value: Any) -> str:
    """The value as a learner reads it (:func:`einlang.display.format_value`: the ``precision`` option's
    decimals, rounding noise as 0); arrays of more than 64 entries show their corners only."""
    return format_value(value)


def format_result(result: StatementResult) -> str:
    """A result as the REPL prints it: the name with its index labels and shape, then the value."""
    if result.kind == "definition":
        return f"defined {result.name or '?'}"
    name = result.name if result.name is not None else "result"
    labels = format_indices(result.labels) if result.labels else ""
    return f"{name}{labels}  {shape_text(result.value)}\n{value_text(result.value)}"
