"""The bytes the naive backend's nested Python lists hold, counted before they are made.

The naive backend computes on Python numbers: its inputs become nested lists (``tolist``), every
intermediate is a nested list the generated loops fill, and the result is copied back into an array.
A float in a list is an 8-byte slot plus a 24-byte object, four times numpy's 8 bytes, and every
intermediate stays alive until the program returns; so the memory guard counts all of them at once.

>>> import numpy as np
>>> list_bytes((1000,), np.dtype(float))  # one list of 1,000 slots, 1,000 float objects
32064
>>> list_bytes((10, 100), np.dtype(bool))  # True and False are shared: slots and lists only
8784
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from ..config import backend_hint, raise_hint
from ..errors import MemoryLimitError
from ..plan import unused_deltas
from ..semantics import ir
from .exact_sums import sum_buffer_bytes
from .executor import inner_dtype

CALL = 16_384  # a call's frames, argument lists and error state, whatever the sizes
LIST = 64  # a list object (with its garbage-collector header), before its slots
SLOT = 8
NUMBER = {"f": 24, "c": 32, "i": 32, "u": 32, "b": 0}
"""Bytes of one Python number of each dtype kind (ints up to 2**60; True, False and small ints are shared)."""
SCALAR = {"f": 32, "c": 48, "i": 32, "u": 32, "b": 0}
"""Bytes of one numpy scalar of each kind: what an elementwise function (numpy's, per entry) returns."""
OBJECT = 128
"""A new object computed from objects (a fraction: about 100 bytes with its two integers)."""


def list_bytes(shape: Sequence[int], dtype: np.dtype, *, shared: bool = False, numbers: dict[str, int] = NUMBER) -> int:
    """Bytes of nested lists holding an array of ``shape`` and ``dtype`` (``shared``: the entries are
    objects that exist already, as an object array's are, so only the slots count; ``numbers``: the
    bytes of one entry by dtype kind)."""
    elements = math.prod(shape)
    number = 0 if shared else numbers.get(dtype.kind, OBJECT)
    if not shape:
        return number
    lists = sum(math.prod(shape[:k]) for k in range(len(shape)))
    slots = sum(math.prod(shape[: k + 1]) for k in range(len(shape)))
    return lists * LIST + slots * SLOT + elements * number


def naive_bytes(program: ir.LoweredProgram) -> int:
    """The most the naive backend holds while running ``program``: its inputs as lists, every constant
    and intermediate as lists (all alive until it returns), and the result array made from them.

    >>> from einlang.semantics.lower import Scope, lower_program
    >>> from einlang.syntax.parser import parse
    >>> x = np.ones(1000)
    >>> naive_bytes(lower_program(parse("x_i + x_i"), Scope.from_arrays({"x": x}))) // x.nbytes
    12
    """
    unused = unused_deltas(program)
    # the result array, numpy's 8 bytes an entry while it reads nested lists, and the call's own bookkeeping
    total = (program.result.dtype.itemsize + SLOT) * math.prod(program.result.shape) + CALL
    for node in program.nodes:
        if id(node) in unused:
            continue
        if isinstance(node, ir.Input):
            total += list_bytes(node.shape, node.dtype, shared=node.dtype == object)
        else:  # a computed node cast to numpy's values (booleans, integers, float32) is copied while cast
            numbers = SCALAR if isinstance(node, ir.Apply) else NUMBER
            copies = 1 if node.dtype.kind in "fcO" and node.dtype.itemsize >= 8 else 2
            total += list_bytes(node.shape, node.dtype, numbers=numbers) * copies
    # one exact float sum's list of terms at a time (einlang.backends.exact_sums)
    return total + max((sum_buffer_bytes(math.prod(node.sizes[s] for s in node.summed), inner_dtype(node))
                        for node in program.nodes if isinstance(node, ir.Contract)), default=0)


def check_lists(program: ir.LoweredProgram, limit: int) -> int:
    """The bytes :func:`naive_bytes` counts, refused above ``limit`` before any list is made."""
    nbytes = naive_bytes(program)
    if nbytes > limit:
        raise MemoryLimitError(
            f"the naive backend would hold {nbytes:,} bytes at once for this: its inputs, every intermediate and "
            f"the result as nested lists of Python numbers (about 4 times numpy's bytes), above the memory limit "
            f"of {limit:,} bytes",
            getattr(program.result, "span", None),
            hint=f"{backend_hint()}, or smaller tensors, or {raise_hint('memory_limit')}",
        )
    return nbytes


def as_array(out: Any, shape: tuple[int, ...], dtype: np.dtype) -> np.ndarray:
    """The loops' nested lists as an array of the result's shape and dtype."""
    if dtype == object:
        array = np.empty(shape, dtype=object)
        if shape:
            array[...] = nested_fill(out, shape)
        else:
            array[()] = out
        return array
    try:
        return np.array(out, dtype=dtype).reshape(shape)
    except OverflowError:  # exact integers past the dtype: wrap around, as numpy's arithmetic does
        from .naive import _nested, caster

        return np.array(_nested(caster(dtype), len(shape))(out), dtype=dtype).reshape(shape)


def nested_fill(out: Any, shape: tuple[int, ...]) -> np.ndarray:
    """Nested lists of objects -> an object array of ``shape`` (np.array would try to unpack the objects)."""
    items: list[Any] = [out]
    for _ in shape:
        items = [entry for row in items for entry in row]
    flat = np.empty(len(items), dtype=object)
    flat[:] = items
    return flat.reshape(shape)
