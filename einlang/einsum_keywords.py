"""``einlang.einsum``'s keywords as numpy reads them: ``order``, ``casting``, ``dtype``, ``out``.

>>> import numpy as np
>>> result_order("f"), arrange(np.ones((2, 3)), "F", []).flags.f_contiguous
('F', True)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from . import errors as E
from .errors import EinsumError

CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")


def result_order(order: Any) -> str:
    """numpy's ``order=`` (either case) as one upper-case letter."""
    if not isinstance(order, str) or order.upper() not in ("C", "F", "A", "K"):
        raise EinsumError(f"order must be one of 'C', 'F', 'A' or 'K' (either case), not {order!r:.40}")
    return order.upper()


def arrange(result: Any, order: str, arrays: Sequence[np.ndarray]) -> Any:
    """The result laid out as ``order`` asks: ``C`` row-major, ``F`` column-major, ``A`` column-major when
    every operand is, ``K`` as it came (numpy: as close to the operands' layout as it can)."""
    if order == "K" or not isinstance(result, np.ndarray) or result.ndim < 2:
        return result
    if order == "A":
        order = "F" if arrays and all(a.flags.f_contiguous for a in arrays) else "C"
    return np.ascontiguousarray(result) if order == "C" else np.asfortranarray(result)


def check_keywords(out: Any, casting: Any) -> None:
    if casting not in CASTINGS:
        raise EinsumError(f"casting must be one of {', '.join(map(repr, CASTINGS))}, not {casting!r}")
    if out is not None and not isinstance(out, np.ndarray):
        raise E.InputTypeError(f"out= must be a numpy array, not {type(out).__name__}")


def convert(arrays: list[np.ndarray], dtype: Any, casting: str) -> list[np.ndarray]:
    try:
        target = np.dtype(dtype)
    except TypeError:
        raise E.InputTypeError(f"dtype={dtype!r} is not a numpy data type") from None
    converted = []
    for k, a in enumerate(arrays):
        if not np.can_cast(a.dtype, target, casting=casting):
            raise E.InputTypeError(f"operand {k} has dtype {a.dtype}, which cannot become {target} under casting={casting!r}",
                                   hint="pass casting='unsafe' to convert anyway, as numpy.einsum does")
        converted.append(a.astype(target, copy=False))
    return converted


def check_out(out: np.ndarray, shape: tuple[int, ...], dtype: np.dtype, casting: str) -> None:
    if out.shape != shape:
        raise EinsumError(f"out= has shape {out.shape} but the result has shape {shape}")
    if not np.can_cast(dtype, out.dtype, casting=casting):
        raise E.InputTypeError(f"the result has dtype {dtype}, which cannot be written to out= of dtype {out.dtype} "
                               f"under casting={casting!r}")
    if not out.flags.writeable:
        raise EinsumError("out= is read-only")
