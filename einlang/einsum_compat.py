"""``einlang.einsum``: a drop-in for ``numpy.einsum`` on every einlang backend.

It accepts numpy's equation strings (implicit and explicit mode, ``...``, upper- and lower-case
letters) and the interleaved form ``einsum(A, [0, 1], B, [1, 2], [0, 2])``, and gives numpy's results
(values, shape, dtype). Like numpy it broadcasts size-1 axes; ``strict=True`` refuses that instead.
Plans are cached per (equation, shapes, dtypes), so repeated calls cost little more than numpy's own.

>>> import numpy as np
>>> A, B = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
>>> bool((einsum("ij,jk->ik", A, B) == A @ B).all())
True
>>> einsum("ii", np.eye(3))
np.float64(3.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import errors as E
from .calls import FastCalls, guarded, operand_key
from .catalog import REGISTRATIONS
from .config import get_options
from .dispatch import OPT_EINSUM_NAMES, einsum_library, library_einsum_operands, placeholders
from .einsum_keywords import arrange, check_keywords, check_out, convert, result_order
from .einsum_parse import build_program, parse_equation, result_dtype, split_arguments
from .errors import EinsumError
from .plan import Plan
from .plan.paths import PathChoice, path_choice
from .program import BoundedCache, BoundProgram, as_array

__all__ = ["EinsumError", "einsum", "einsum_plan", "parse_equation"]  # EinsumError lives in errors.py, importable here as before

_CACHE = BoundedCache(1024)
_FAST = FastCalls(1024)


def einsum(*args: Any, backend: str | None = None, optimize: Any = False, dtype: Any = None, out: Any = None,
           order: str = "K", casting: str = "safe", strict: bool = False, use_blas: bool = True,
           memory_limit: Any = None) -> Any:
    """Evaluate an einsum equation like ``numpy.einsum`` (or opt_einsum's ``contract``), on any backend.

    ``optimize`` chooses the ``opt`` backend's contraction path as numpy and opt_einsum read it:
    ``False``/``True`` einlang's default search, an algorithm's name (``'greedy'``, ``'optimal'``,
    ``'dp'``, ``'branch-2'``, …), an explicit path (``['einsum_path', (0, 1), (0, 1)]``, checked as numpy
    checks it), or numpy's ``('greedy', limit)``. ``memory_limit`` (elements, or ``'max_input'``) caps the
    intermediates the search may choose; ``use_blas=False`` makes every step an einsum call, as in
    opt_einsum. :func:`einsum_plan` reports the plan and which path search ran. The ``numpy`` backend is one
    ``numpy.einsum`` call whatever the path. torch, JAX, CuPy and dask operands are computed by their own
    library; ``backend`` also takes opt_einsum's names: ``"auto"`` (the operands decide), ``"torch"``,
    ``"jax"``, ``"cupy"``, ``"dask"``, ``"numpy"`` (einlang's numpy backend). ``dtype``/``casting`` convert
    the operands first; ``out`` receives the result; ``order`` (``'C'``, ``'F'``, ``'A'``, ``'K'``, either
    case) lays it out — all as numpy does. Subscripts may be any non-ASCII letters too (``"αβ,βγ"``).

    **Integers wrap around** on every backend exactly as numpy's do (this is numpy's drop-in): int64 sums
    past 2**63 come back modulo 2**64, without a warning. einlang *programs* refuse such sums instead
    (E412, see docs/guarantees.md). Object arrays compute with their entries' own ``+`` and ``*``; an
    exception those raise reaches the caller as itself, with a note saying where.

    >>> import numpy as np
    >>> x = np.full(3, 100, dtype=np.int8)
    >>> einsum("i,i", x, x, backend="naive"), np.einsum("i,i", x, x)
    (np.int8(48), np.int8(48))
    >>> einsum(np.ones((2, 3)), [0, 1], [1])
    array([2., 2., 2.])
    >>> einsum("ij,jk,kl->il", np.eye(2), np.eye(2), np.eye(2), optimize=["einsum_path", (1, 2), (0, 1)])
    array([[1., 0.],
           [0., 1.]])
    """
    if out is None and dtype is None and order == "K" and casting == "safe" and use_blas is True \
            and memory_limit is None:
        try:  # a repeated call: one lookup, then the kernel (see einlang.calls)
            fast = _FAST.lookup((args[0], strict, backend, optimize, *map(operand_key, args[1:])))
        except (AttributeError, TypeError, IndexError):
            fast = None
        if fast is not None and fast.options is get_options():
            return guarded(fast.kernel, *args[1:])
    call = EinsumCall(backend, dtype, out, result_order(order), casting, strict, path_choice(optimize, memory_limit,
                      use_blas), optimize not in (False, None))
    return _einsum(args, call, optimize)


@dataclass(frozen=True, slots=True)
class EinsumCall:
    """A call's keywords, read and checked (``numpy_path``: numpy would follow a path, ``optimize`` truthy)."""

    backend: str | None
    dtype: Any
    out: Any
    order: str
    casting: str
    strict: bool
    path: PathChoice
    numpy_path: bool


def _fast_key(args: tuple[Any, ...], call: EinsumCall, optimize: Any) -> tuple[Any, ...] | None:
    """The key a repeated call finds its kernel under (``None``: this call has no fast path)."""
    if call.out is not None or call.dtype is not None or call.order != "K" or call.path.memory_limit is not None:
        return None
    if not call.path.use_blas or not isinstance(optimize, (bool, str, type(None))):
        return None
    try:
        return (args[0], call.strict, call.backend, optimize, *map(operand_key, args[1:])) \
            if isinstance(args[0], str) else None
    except (AttributeError, IndexError):  # no arguments, lists, Python numbers: no fast path
        return None


def _einsum(args: tuple[Any, ...], call: EinsumCall, optimize: Any) -> Any:
    """A call the fast path has not seen: parse, convert, check, plan, run, and record it."""
    equation, operands = split_arguments(args)
    check_keywords(call.out, call.casting)
    backend = call.backend
    if backend in OPT_EINSUM_NAMES or any(type(op) is not np.ndarray for op in operands):
        library, backend = einsum_library(operands, backend)
        if library is not None:
            if call.dtype is not None or call.out is not None:
                raise E.UnsupportedArrayLibraryError(
                    f"dtype= and out= are numpy's; with {library.module} operands, cast them with {library.name} first"
                )
            operands = library_einsum_operands(library, operands, as_array)
            return _library_einsum(equation, operands, library, backend, call)
    arrays = _operand_arrays(operands, call)
    options = get_options()
    name = backend or options.backend
    key = (REGISTRATIONS.value, equation, call.strict, name, call.path, tuple([(a.shape, a.dtype) for a in arrays]))
    entry = _CACHE.get(key) or _CACHE.put(key, _prepare(equation, arrays, call, name))
    if call.out is not None:
        check_out(call.out, entry.shape, result_dtype(arrays), _out_casting(entry, call))
    result = entry.bound.run(arrays, name, options=options)
    fast_key = _fast_key(args, call, optimize)
    if fast_key is not None:
        _FAST.record(fast_key, entry.bound.runner(name), range(len(arrays)), args[1:], options)
    if call.out is not None:
        np.copyto(call.out, result, casting="unsafe")  # castability was checked above, under the caller's rule
        return call.out
    return arrange(result, call.order, arrays)


def _operand_arrays(operands: Sequence[Any], call: EinsumCall) -> list[np.ndarray]:
    """The operands as numpy arrays, converted as ``dtype=``, ``casting=`` and ``out=`` ask."""
    arrays = [as_array(f"operand {k}", op) for k, op in enumerate(operands)]
    if call.dtype is not None:
        return convert(arrays, call.dtype, call.casting)
    if call.out is not None and arrays:
        # numpy computes in the common type of the operands and ``out`` (int8 inputs, int64 out: no wrap)
        common = np.result_type(*[a.dtype for a in arrays], call.out.dtype)
        if any(a.dtype != common for a in arrays) and common.kind in "biufc":
            return [a.astype(common) for a in arrays]
    return arrays


def _out_casting(entry: CachedEinsum, call: EinsumCall) -> str:
    """numpy's rule for writing ``out=``: under ``casting``, except that when it follows a path whose last
    step is a BLAS product it assigns that product to ``out`` whatever its dtype."""
    if call.numpy_path and len(entry.bound.lowered.inputs) > 1:
        steps = entry.bound.plan.steps
        if steps and steps[-1].kernel not in ("einsum", "False"):
            return "unsafe"
    return call.casting


def _library_einsum(equation: str, operands: list[Any], library: Any, backend: str | None, call: EinsumCall) -> Any:
    """An einsum over torch, JAX, CuPy or dask operands: checked and planned on their shapes and dtypes,
    computed by their library."""
    options = get_options()
    name = backend or options.backend
    key = (REGISTRATIONS.value, equation, call.strict, name, call.path,
           tuple([(type(a), a.shape, a.dtype) for a in operands]))
    entry = _CACHE.get(key)
    if entry is None:
        shaped = list(placeholders(library, {str(k): a for k, a in enumerate(operands)}).values())
        bound = BoundProgram(build_program(equation, shaped, call.strict), call.path, integer_bound=False)
        bound.library = library
        entry = _CACHE.put(key, CachedEinsum(bound, bound.lowered.result.shape))
    return entry.bound.run(operands, name, options=options)


@dataclass(frozen=True, slots=True)
class CachedEinsum:
    """One equation bound to shapes, dtypes and a backend: what a repeated call reuses."""

    bound: BoundProgram
    shape: tuple[int, ...]  # the result's, for checking out=


def _prepare(equation: str, arrays: Sequence[np.ndarray], call: EinsumCall, backend: str) -> CachedEinsum:
    """Check and plan an equation for these operands, and prepare ``backend``'s runner."""
    # numpy's drop-in wraps integers as numpy does (the naive backend too: its casts wrap exact sums)
    bound = BoundProgram(build_program(equation, arrays, call.strict), call.path, integer_bound=False)
    bound.runner(backend)  # the memory check and the backend's refusals come before any cache entry
    return CachedEinsum(bound, bound.lowered.result.shape)




def einsum_plan(*args: Any, optimize: Any = False, memory_limit: Any = None, use_blas: bool = True,
                strict: bool = False) -> Plan:
    """The plan the ``opt`` backend follows for this call (its steps, FLOPs, and how the path was chosen),
    as opt_einsum's ``contract_path`` reports it. Operands may be arrays or anything with a shape and dtype.

    >>> import numpy as np
    >>> plan = einsum_plan("ij,jk,kl", np.ones((2, 3)), np.ones((3, 4)), np.ones((4, 5)), optimize="greedy")
    >>> plan.contractions[0].optimizer, str(plan).splitlines()[-1]
    ('greedy', 'note: path search greedy')
    """
    equation, operands = split_arguments(args)
    arrays = [op if hasattr(op, "shape") and hasattr(op, "dtype") else as_array(f"operand {k}", op)
              for k, op in enumerate(operands)]
    return BoundProgram(build_program(equation, arrays, strict), path_choice(optimize, memory_limit, use_blas)).plan
