"""Operands from other array libraries: torch, JAX, CuPy and dask arrays run through the same plans.

The checks and the plan read only an operand's ``.shape`` and ``.dtype`` (and a dask array's ``.chunks``):
nothing here converts a user's array to numpy, so lazy dask arrays stay lazy and JAX tracers are never
asked for a value. The ``opt`` backend's prepared steps then call the operands' own library (its
``matmul``, ``einsum``, permutes and reshapes, elementwise functions and linear algebra), so a result has
the inputs' library, dtype and device, and torch's autograd and ``jax.grad``/``jax.jit`` pass through.

Why prepared kernels and not ``opt_einsum.contract(..., backend=...)`` per call: opt_einsum's dispatch
redoes its bookkeeping on every call (a 3×3 product through a ``ContractExpression`` on torch took 39 µs
here, against 26 µs for ``torch.einsum`` and 2.5 µs for ``torch.matmul``), while the plan's steps are
already fixed per shape. The operations are the array-API ones (``matmul``, permute, ``reshape``) plus
the library's own ``einsum`` for steps that are not matrix products; which library is named the way
opt_einsum names them (``type(x).__module__``), so ``einlang.einsum(..., backend="torch")`` means what
opt_einsum means by it.

>>> import numpy as np
>>> library_of(np.ones(3)) is None  # numpy arrays take the numpy path
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from .. import errors as E
from ..records import record
from .ops import KernelOps

# the top-level module of an array type -> the library einlang knows it as (opt_einsum's names)
MODULE_LIBRARY = {"torch": "torch", "jax": "jax", "jaxlib": "jax", "dask": "dask", "cupy": "cupy"}
LIBRARIES = ("torch", "jax", "cupy", "dask")


@record
class ArrayLibrary:
    """One array library: how to recognise, describe and convert its arrays, and its kernel operations."""

    name: str
    array_type: type
    xp: Any  # the namespace with matmul, einsum, stack, sqrt, ... (torch, jax.numpy, dask.array, cupy)
    module: str  # what the docs and messages call it: "torch", "jax.numpy", "dask.array", "cupy"
    type_name: str  # how messages name its arrays: "torch.Tensor", "jax.Array", ...

    def dtype(self, value: Any) -> np.dtype:
        """The numpy dtype the checks and plan use for ``value`` (its own for JAX, dask and CuPy)."""
        return numpy_dtype(value.dtype)

    def device(self, value: Any) -> Any:
        """Where ``value`` lives (``None`` where the library does not say: dask, JAX under tracing)."""
        if self.name == "dask":
            return None
        if self.name == "jax":
            devices = getattr(value, "devices", None)
            try:
                return frozenset(devices()) if devices is not None else None
            except Exception:  # a tracer has no devices: jit places it
                return None
        return value.device

    def convert(self, value: Any, like: Any = None) -> Any:
        """A numpy array or Python number as an array of this library, on ``like``'s device (or the
        library's default device)."""
        if self.name == "torch":
            return self.xp.as_tensor(np.asarray(value), device=None if like is None else like.device)
        if self.name == "dask":
            return self.xp.from_array(np.asarray(value))
        if self.name == "cupy" and like is not None:  # pragma: no cover - needs a CUDA device
            with like.device:
                return self.xp.asarray(value)
        return self.xp.asarray(value)

    def to_numpy(self, value: Any) -> Any:
        """Back to numpy (for ``einsum(..., backend="torch")`` on numpy operands, as opt_einsum does)."""
        if self.name == "torch":
            return value.detach().cpu().numpy()
        if self.name == "cupy":
            return value.get()
        if self.name == "dask":
            return value
        return np.asarray(value)

    def describe(self, value: Any) -> str:
        """``torch.Tensor float32 on cpu``, for messages."""
        device = self.device(value)
        where = "" if device is None else f" on {_device_text(device)}"
        return f"{self.type_name} {value.dtype}{where}"

    def ops(self, device: Any = None) -> KernelOps:
        return _kernel_ops(self.name, device)


def _device_text(device: Any) -> str:
    if isinstance(device, frozenset):
        return ", ".join(sorted(map(str, device)))
    return str(device)


_TORCH_NUMPY = {
    "float16": "float16", "float32": "float32", "float64": "float64", "complex64": "complex64",
    "complex128": "complex128", "int8": "int8", "int16": "int16", "int32": "int32", "int64": "int64",
    "uint8": "uint8", "uint16": "uint16", "uint32": "uint32", "uint64": "uint64", "bool": "bool",
}


def numpy_dtype(dtype: Any) -> np.dtype:
    """A library's dtype as numpy's; one numpy lacks (bfloat16) is planned as float32, whose size bounds it.

    >>> numpy_dtype(np.dtype("int8"))
    dtype('int8')
    """
    if isinstance(dtype, np.dtype) and dtype.kind in "biufc":
        return dtype
    name = str(dtype).rpartition(".")[2]  # torch.float32 -> float32
    return np.dtype(_TORCH_NUMPY.get(name, "float32"))


@functools.cache
def get_library(name: str) -> ArrayLibrary:
    """The library called ``name`` (``"torch"``, ``"jax"``, ``"cupy"``, ``"dask"``); imports it (only
    ever for an operand of that library, so einlang itself needs none of them)."""
    if name == "torch":
        import torch

        return ArrayLibrary("torch", torch.Tensor, torch, "torch", "torch.Tensor")
    if name == "jax":
        import jax
        import jax.numpy as jnp

        return ArrayLibrary("jax", jax.Array, jnp, "jax.numpy", "jax.Array")
    if name == "dask":
        import dask.array as da

        return ArrayLibrary("dask", da.Array, da, "dask.array", "dask.array.Array")
    if name == "cupy":  # pragma: no cover - needs a CUDA device
        import cupy

        return ArrayLibrary("cupy", cupy.ndarray, cupy, "cupy", "cupy.ndarray")
    raise KeyError(name)


_BY_TYPE: dict[type, ArrayLibrary | None] = {np.ndarray: None}


def library_of(value: Any) -> ArrayLibrary | None:
    """The array library of ``value``, or ``None`` for numpy arrays, numbers and lists (cached per type)."""
    kind = type(value)
    try:
        return _BY_TYPE[kind]
    except KeyError:
        pass
    name = MODULE_LIBRARY.get(kind.__module__.partition(".")[0])
    library = get_library(name) if name is not None else None
    if library is not None and not isinstance(value, library.array_type):
        library = None  # torch.Size, a dask DataFrame, ...: not an array of that library
    _BY_TYPE[kind] = library
    return library


def describe(value: Any) -> str:
    library = library_of(value)
    if library is not None:
        return library.describe(value)
    if isinstance(value, np.ndarray):
        return f"numpy.ndarray {value.dtype}"
    return type(value).__name__


def choose_library(tensors: Mapping[str, Any]) -> ArrayLibrary | None:
    """The one non-numpy library among the operands (``None``: all numpy); two are an error.

    The rule, as opt_einsum's: numpy arrays and Python numbers join the other library's arrays."""
    found: tuple[str, Any, ArrayLibrary] | None = None
    for name, value in tensors.items():
        library = library_of(value)
        if library is None:
            continue
        if found is None:
            found = (name, value, library)
        elif library is not found[2]:
            raise E.ArrayLibraryMixError(
                f"{found[0]} is a {describe(found[1])} but {name} is a {describe(value)}: "
                "einlang computes with one array library at a time",
                hint=f"convert one of them first (numpy arrays and numbers may join either); "
                f"for example pass {name} as a {found[2].name} array",
            )
    return None if found is None else found[2]


def common_device(library: ArrayLibrary, tensors: Mapping[str, Any]) -> Any:
    """The device of ``library``'s arrays among the operands; two devices are an error naming both."""
    first: tuple[str, Any] | None = None
    device = None
    for name, value in tensors.items():
        if not isinstance(value, library.array_type):
            continue
        where = library.device(value)
        if first is None:
            first, device = (name, value), where
        elif where is not None and device is not None and where != device:
            raise E.DeviceMixError(
                f"{first[0]} is on {_device_text(device)} but {name} is on {_device_text(where)} "
                f"({describe(first[1])}; {describe(value)})",
                hint=f"move them to one device first, e.g. {name}.to({first[0]}.device)"
                if library.name == "torch" else "move them to one device first",
            )
    return device


def convert_operands(
    library: ArrayLibrary, tensors: Mapping[str, Any], as_array: Callable[[str, Any], np.ndarray]
) -> dict[str, Any]:
    """Numpy arrays, numbers and lists (checked by ``as_array``, which names a bad one) as arrays of
    ``library``, on the device of its first array among the operands."""
    like = next((v for v in tensors.values() if isinstance(v, library.array_type)), None)  # None: default device
    out = {}
    for name, value in tensors.items():
        if isinstance(value, library.array_type):
            out[name] = value
            continue
        array = as_array(name, value)
        if array.dtype == object:
            raise E.UnsupportedArrayLibraryError(
                f"{name} holds Python objects (exact fractions?), which {library.module} cannot compute with",
                hint=f"pass {name} as a {library.name} array, or compute with numpy arrays only",
            )
        out[name] = library.convert(array, like)
    return out


def placeholder(value: Any, library: ArrayLibrary) -> np.ndarray:
    """A numpy array with ``value``'s shape and dtype that uses no memory: what the checks read."""
    shape = tuple(int(n) for n in value.shape)
    return np.lib.stride_tricks.as_strided(np.zeros(1, dtype=library.dtype(value)), shape=shape, strides=(0,) * len(shape))


def _kernel_ops(name: str, device: Any) -> KernelOps:
    from .array_kernels import kernel_ops  # the kernels import this module's helpers

    return kernel_ops(get_library(name), device)
