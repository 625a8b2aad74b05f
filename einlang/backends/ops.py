"""The array operations a prepared kernel calls: numpy's by default, another library's for its arrays.

The ``opt`` backend decides everything that depends on shapes once (path, transposes, reshapes, which
product); a call then runs a few of these operations. Keeping them in one small record lets the same
prepared steps run on torch, JAX, CuPy or dask arrays (see :mod:`einlang.backends.arrays`).

>>> import numpy as np
>>> NUMPY_OPS.permute(np.arange(6).reshape(2, 3), (1, 0)).shape
(3, 2)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..records import record

Kernel = Callable[..., Any]


def _numpy_einsum(letters: str, *operands: Any) -> Any:
    return np.einsum(letters, *operands, optimize=False)


def _numpy_copy(value: Any) -> Any:
    return np.array(value, copy=True)


def _permute(value: Any, perm: tuple[int, ...]) -> Any:
    return value.transpose(perm)


def _reshape(value: Any, shape: tuple[int, ...]) -> Any:
    return value.reshape(shape)


@record
class KernelOps:
    """``matmul`` (batched), ``dot`` (2-D), ``einsum(letters, *operands)``, ``permute``, ``reshape``;
    ``node_kernel`` builds the kernel of any node but a product (``None``: numpy's, in the executor);
    ``copy`` copies a result that is an input or a constant, so callers never alias them;
    ``cast(x, dtype)`` promotes an operand to its product's dtype (``None``: the library promotes)."""

    name: str
    matmul: Kernel
    dot: Kernel
    einsum: Kernel
    permute: Callable[[Any, tuple[int, ...]], Any] = _permute
    reshape: Callable[[Any, tuple[int, ...]], Any] = _reshape
    node_kernel: Callable[[Any], Kernel | None] | None = None
    copy: Callable[[Any], Any] = _numpy_copy
    cast: Callable[[Any, np.dtype], Any] | None = None


NUMPY_OPS = KernelOps("numpy", np.matmul, np.dot, _numpy_einsum)
