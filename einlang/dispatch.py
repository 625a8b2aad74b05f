"""Running a bound program on another array library's operands (torch, JAX, CuPy, dask).

The program was checked and planned on placeholders with the operands' shapes and dtypes (no values
read, no memory used); here the ``opt`` backend's steps are prepared with the library's operations,
per device, and run. The rules (docs/backends.md, "Array libraries"):

- numpy arrays and Python numbers next to a library's arrays join that library (as in opt_einsum);
- two different libraries (E603), or one library's arrays on two devices (E604), are refused;
- backends that compute with numpy or Python numbers (``numpy``, ``naive``) refuse such operands (E605)
  rather than convert them and silently drop autograd.

>>> import numpy as np
>>> library_operands({"A": np.ones((2, 2)), "x": [1, 2]}, np.asarray) is None  # numpy's own path
True
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from . import errors as E
from .backends import Runner, get_backend
from .backends.arrays import (
    LIBRARIES,
    ArrayLibrary,
    choose_library,
    common_device,
    convert_operands,
    describe,
    get_library,
    placeholder,
)
from .backends.chunks import largest_block
from .config import Options
from .records import replace
from .semantics.describe import dims


def library_operands(
    tensors: Mapping[str, Any], as_array: Callable[[str, Any], Any]
) -> tuple[ArrayLibrary, dict[str, Any]] | None:
    """``None`` when every operand is numpy (or a number, a list); else the library and the operands,
    numpy ones converted to it (``as_array`` checks them first, with numpy operands' messages)."""
    library = choose_library(tensors)
    if library is None:
        return None
    common_device(library, tensors)  # two devices: refused before anything is converted
    return library, convert_operands(library, tensors, as_array)


def placeholders(library: ArrayLibrary, tensors: Mapping[str, Any]) -> dict[str, Any]:
    """What the checks read: numpy arrays of the operands' shapes and dtypes that use no memory."""
    return {name: placeholder(value, library) for name, value in tensors.items()}


def _device(bound: Any, inputs: Sequence[Any]) -> Any:
    """The one device of the inputs; two devices are E604, naming both tensors."""
    return common_device(bound.library, dict(zip(bound.input_names, inputs)))


def library_runner(bound: Any, backend: str, device: Any) -> Runner:
    """The ``opt`` steps with the library's operations on ``device``, prepared once and reused."""
    library = bound.library
    key = (backend, library.name, device)
    runner = bound._runners.get(key)
    if runner is not None:
        return runner
    if backend != "opt":
        get_backend(backend)  # an unknown name is E601 first
        computes = "Python numbers" if backend == "naive" else "numpy"
        raise E.UnsupportedArrayLibraryError(
            f"the {backend} backend computes with {computes}, not {library.module} arrays",
            hint=f"use backend='opt' (the default), which computes with {library.module} itself",
        )
    if not bound.lowered.has_value:
        return bound._runners.setdefault(key, Runner(lambda inputs: None))
    needed = 0 if library.name == "dask" else bound.check_memory(backend)  # dask: checked per call, by blocks
    prepared = get_backend("opt").prepare(bound.lowered, bound.plan, library.ops(device))
    runner = replace(Runner(prepared), memory_needed=needed)
    with bound._lock:
        return bound._runners.setdefault(key, runner)


def check_blocks(bound: Any, inputs: Sequence[Any], limit: int) -> None:
    """The memory guard for dask operands: the largest block any step creates must fit the limit,
    not the whole (lazy) array."""
    chunks = {name: getattr(value, "chunks", None) for name, value in zip(bound.input_names, inputs)}
    block = largest_block(bound.lowered, bound.plan, chunks)
    nbytes = block.elements * bound.plan.itemsize
    if nbytes > limit:
        raise E.MemoryLimitError(
            f"the largest block this needs, of {block.name} ({dims(block.shape)}), has {block.elements:,} elements "
            f"= {nbytes:,} bytes, above the memory limit of {limit:,} bytes (dask computes block by block)",
            hint="use smaller chunks (x.rechunk(...)), or raise the limit: einlang.set_options(memory_limit=...)",
        )


def run_library(bound: Any, inputs: Sequence[Any], backend: str, options: Options, who: str = "") -> Any:
    """Run a program checked for another library's operands: the device check, the memory guard
    (by blocks for dask), then the library computes; its refusals become InputValueError."""
    runner = library_runner(bound, backend, _device(bound, inputs))
    if bound.library.name == "dask":
        check_blocks(bound, inputs, options.memory_limit)
    elif runner.memory_needed > options.memory_limit:
        bound.check_memory(backend)
    try:
        return runner.call(inputs)
    except E.EinlangError:
        raise
    except (*E.COMPUTE_ERRORS, RuntimeError) as exc:  # torch reports bad values as RuntimeError
        raise E.cannot_compute(exc, who) from None


# ``einlang.einsum(..., backend=...)`` also takes opt_einsum's array-library names, with opt_einsum's meaning
OPT_EINSUM_NAMES = frozenset({"auto", *LIBRARIES})


def einsum_library(operands: Sequence[Any], backend: str | None) -> tuple[ArrayLibrary | None, str | None]:
    """The array library that computes an einsum, and the einlang backend, from the operands and
    ``backend``: ``"auto"`` means the operands decide (as ``None`` does); ``"torch"``, ``"jax"``,
    ``"cupy"``, ``"dask"`` name the library (numpy operands join it); other names are einlang backends.

    >>> import numpy as np
    >>> einsum_library([np.ones(2)], "auto")
    (None, None)
    """
    named = None
    if backend == "auto":
        backend = None
    elif backend in LIBRARIES:
        try:
            named = get_library(backend)
        except ImportError:
            raise E.UnknownBackendError(
                f"backend {backend!r} computes with {backend}, which is not installed",
                hint=f"pip install 'einlang[{backend}]', or use one of einlang's backends (naive, numpy, opt)",
            ) from None
        backend = "opt"
    found = choose_library({f"operand {k}": op for k, op in enumerate(operands)})
    if named is not None and found is not None and found is not named:
        where = next(k for k, op in enumerate(operands) if isinstance(op, found.array_type))
        raise E.ArrayLibraryMixError(
            f"backend={named.name!r} computes with {named.module}, but operand {where} is a {describe(operands[where])}",
            hint=f"use backend='auto' to compute with {found.module}, or convert the operand",
        )
    return named or found, backend


def library_einsum_operands(library: ArrayLibrary, operands: Sequence[Any], as_array: Callable[[str, Any], Any]) -> list[Any]:
    """The operands as arrays of ``library`` (numpy ones converted), all on one device."""
    tensors = {f"operand {k}": op for k, op in enumerate(operands)}
    converted = convert_operands(library, tensors, as_array)
    common_device(library, converted)
    return list(converted.values())
