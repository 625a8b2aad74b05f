"""``einlang.library.<name>`` for Python callers: one plain function per library definition.

An einlang definition is run through einlang (``dot(arg1, arg2)`` with the arguments bound), so a
Python caller gets exactly the checks and messages of einlang code. A Python-written one runs its
``infer`` check on the actual values, then its implementation.

>>> f = python_function("outer")
>>> f([1, 2], [3, 4])
array([[3, 4],
       [6, 8]])
>>> python_function("identity")(2)
array([[1, 0],
       [0, 1]])
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .. import errors as E
from ..dispatch import library_operands, placeholders
from ..program import BoundProgram, as_array, compile_cached
from ..semantics import ir
from ..semantics.callables import EinFunction, PyFunction
from . import _PYTHON_API, help, registry


@functools.cache
def python_function(name: str) -> Callable[..., Any]:
    """The Python function for library definition ``name``."""
    special = _PYTHON_API.get(name)
    if special is not None:
        return _guarded(name, special)
    definition = registry()[name]
    wrapper = _guarded(name, _ein_wrapper(definition) if isinstance(definition, EinFunction) else _py_wrapper(definition))
    wrapper.__name__ = wrapper.__qualname__ = name
    wrapper.__doc__ = help(name)
    required = len(definition.params) if isinstance(definition, EinFunction) else definition.required
    wrapper.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter(p, inspect.Parameter.POSITIONAL_ONLY, default=inspect.Parameter.empty if k < required else None)
            for k, p in enumerate(definition.params)
        ]
    )
    return wrapper


def _guarded(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
    """Python callers get einlang's errors too: for a call that does not fit the signature
    (``pagerank(L, bogus=1)``) and for values numpy cannot compute with (``eig`` of a matrix holding NaN)."""
    signature = inspect.signature(function)

    @functools.wraps(function)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        try:
            signature.bind(*args, **kwargs)
        except TypeError as exc:
            raise E.ArgumentCountError(f"{name}: {exc}", hint=help(name).split("\n")[0]) from None
        try:
            return function(*args, **kwargs)
        except E.EinlangError:
            raise
        except E.COMPUTE_ERRORS as exc:  # the Python-facing versions (pagerank) also call numpy themselves
            raise E.cannot_compute(exc, name) from None

    return guarded


def _count(name: str, params: tuple[str, ...], least: int, given: int) -> None:
    if not least <= given <= len(params):
        expected = str(least) if least == len(params) else f"{least} to {len(params)}"
        raise E.ArgumentCountError(
            f"{name}({', '.join(params)}) takes {expected} argument{'s' if len(params) != 1 else ''} but was given {given}"
        )


def _ein_wrapper(definition: EinFunction) -> Callable[..., Any]:
    name, params = definition.name, definition.params
    # the arguments are bound under the parameters' own names, so messages read "dot(u, v)"
    program = compile_cached(f"{name}({', '.join(params)})")

    def wrapper(*args: Any, backend: str | None = None) -> Any:
        _count(name, params, len(params), len(args))
        return program(dict(zip(params, args)), backend=backend)  # the program checks each, as any call

    return wrapper


def _py_wrapper(function: PyFunction) -> Callable[..., Any]:
    def wrapper(*args: Any) -> Any:
        _count(function.name, function.params, function.required, len(args))
        found = library_operands(dict(zip(function.params, args)), as_array)
        if found is not None:  # torch, JAX, CuPy, dask: the library's own version, or E606 naming it
            return _library_call(function, *found)
        arrays = [as_array(p, v) for p, v in zip(function.params, args)]
        constants = tuple(a.item() if a.shape == () else a for a in arrays)
        shape, dtype = function.infer(tuple(a.shape for a in arrays), tuple(a.dtype for a in arrays), constants)
        inputs = tuple(ir.Input(p, a.shape, a.dtype) for p, a in zip(function.params, arrays))
        call = ir.External(function.name, function.impl, inputs, tuple(shape), np.dtype(dtype), constants)
        # the run path checks the memory limit (identity(10**6) is refused before numpy allocates)
        # and turns numpy's refusals into einlang errors, as for any program
        bound = BoundProgram(ir.LoweredProgram(inputs, (*inputs, call), call, None))
        return bound.run(arrays, "opt", who=function.name)

    return wrapper


def _library_call(function: PyFunction, library: Any, values: dict[str, Any]) -> Any:
    """A Python-written function on another library's arrays: checked on their shapes and dtypes (no
    values read: no constants), run with the library's own version."""
    shaped = placeholders(library, values)
    shape, dtype = function.infer(tuple(a.shape for a in shaped.values()), tuple(a.dtype for a in shaped.values()),
                                  (None,) * len(shaped))
    inputs = tuple(ir.Input(p, a.shape, a.dtype) for p, a in shaped.items())
    call = ir.External(function.name, function.impl, inputs, tuple(shape), np.dtype(dtype))
    bound = BoundProgram(ir.LoweredProgram(inputs, (*inputs, call), call, None))
    bound.library = library
    return bound.run(list(values.values()), "opt", who=function.name)
