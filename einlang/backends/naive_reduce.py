"""The naive backend's loops for the reductions other than a sum: they read as the maths.

``max_k T1_ik`` becomes ``acc = max(acc, T1[i][k])`` in a loop over k; logsumexp and softmax first
find the maximum m and then sum ``exp(x - m)`` (no overflow for entries of 1000). Only validated
identifiers and integers are written into the source; the helpers (``max``, ``exp``…) are bound in the
program's namespace.

>>> import numpy as np
>>> from einlang.program import Program
>>> print(Program("max_j(A_ij)").bind({"A": np.ones((2, 3))}).explain().split("    return")[0].strip())
... # doctest: +NORMALIZE_WHITESPACE
# naive backend: every index combination, as the convention reads
def einlang_program(A):
    # T1_i = max_j A_ij
    T1 = [None] * 2
    for i in range(2):
        acc = -inf
        for j in range(3):
            acc = max(acc, A[i][j])
        T1[i] = acc
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from ..functions import ELEMENTWISE
from ..plan import PASSES, format_indices
from ..semantics import ir
from .reduce_kernels import extreme

if TYPE_CHECKING:
    from .naive import _Emitter


__all__ = ["PASSES", "emit_reduce"]


def emit_reduce(em: _Emitter, node: ir.Reduce, target: str, names: dict[int, str]) -> None:
    """Loops over the kept indices, then over the reduced ones, for one reduction."""
    from .naive import _alloc, _loop_groups

    # max and min as numpy's: a nan wins (Python's would skip it); SymPy formulas give Max(a, b)
    em.namespace.update({"max": functools.partial(extreme, "max"), "min": functools.partial(extreme, "min"),
                         "inf": float("inf")})
    local = em.globals.child()
    var = {"\0shift": local.fresh("m", "m")}  # first, so an index named m gets another name
    var.update({label: local.fresh(label, "b" if label.startswith("…") else "i") for label in node.labels})
    sizes = dict(zip(node.labels, node.arg.shape))
    kept = [label for label in node.labels if label not in node.reduced]
    reduced = [label for label in node.labels if label in node.reduced]
    shown = em.shown(node.arg, node.labels, names)
    em.emit(1, f"# {target}{format_indices(node.output)} = {node.kind}{format_indices(tuple(node.reduced))} {shown}")
    if node.shape:
        em.emit(1, f"{target} = {_alloc(node.shape)}")
    groups = _loop_groups(kept, reduced)
    outer, inner = groups[: len(groups) - _count_groups(groups, reduced)], groups[len(groups) - _count_groups(groups, reduced):]
    indent = 1
    for group in outer:
        em._loop_header(indent, group, var, sizes)
        indent += 1
    read = em.var[id(node.arg)] + "".join(f"[{var[label]}]" for label in node.labels)
    write = target + "".join(f"[{var[label]}]" for label in node.output)
    body = _Body(em, indent, inner, var, sizes)
    if node.kind == "softmax":
        _softmax(em, node, body, read, write)
    else:
        result = _fold(em, node, body, read)
        em.emit(indent, f"{write} = {result}")
    em.cast(1, target, node, len(node.shape))


class _Body:
    """Where the loops over the reduced indices go: each pass opens them again at the same indent."""

    def __init__(self, em: _Emitter, indent: int, groups: Sequence[Sequence[str]], var: dict[str, str],
                 sizes: dict[str, int]) -> None:
        self.em, self.indent, self.groups, self.var, self.sizes = em, indent, groups, var, sizes
        self.shift = var["\0shift"]  # the name of the maximum m (allocated before the loop variables)

    def loop(self, *lines: str) -> None:
        """One pass over the reduced indices running ``lines``."""
        indent = self.indent
        for group in self.groups:
            self.em._loop_header(indent, group, self.var, self.sizes)
            indent += 1
        for line in lines:
            self.em.emit(indent, line)

    def emit(self, line: str) -> None:
        self.em.emit(self.indent, line)


def _count_groups(groups: list[list[str]], reduced: list[str]) -> int:
    return sum(1 for group in groups if group[0] in reduced)


def _helper(em: _Emitter, function: str, dtype: Any) -> str:
    """A numpy scalar function bound in the namespace under a fresh name (``exp``, ``log``)."""
    name = em.globals.fresh(function, f"_{function}")
    em.namespace[name] = ELEMENTWISE[function].scalar_for(dtype)
    return name


def _shift(body: _Body, read: str) -> str:
    """``m``, the maximum over the reduced indices (0 when it is not finite: only -inf or nan entries)."""
    m = body.shift
    body.emit(f"{m} = -inf")
    body.loop(f"{m} = max({m}, {read})")
    body.emit(f"if not -inf < {m} < inf:  # no finite maximum to shift by")
    body.emit(f"    {m} = 0")
    return m


def _fold(em: _Emitter, node: ir.Reduce, body: _Body, read: str) -> str:
    """The loops of max, min, prod and logsumexp; the expression the result entry is."""
    if node.kind in ("max", "min"):
        body.emit(f"acc = {'-inf' if node.kind == 'max' else 'inf'}")
        body.loop(f"acc = {node.kind}(acc, {read})")
        return "acc"
    if node.kind == "prod":
        body.emit("acc = 1")
        body.loop(f"acc = acc * {read}")
        return "acc"
    exp, log = _helper(em, "exp", node.dtype), _helper(em, "log", node.dtype)
    m = _shift(body, read)
    body.emit("acc = 0")
    body.loop(f"acc += {exp}({read} - {m})")
    return f"{log}(acc) + {m}"


def _softmax(em: _Emitter, node: ir.Reduce, body: _Body, read: str, write: str) -> None:
    """``exp(x - m)`` into the result, summed, then every entry divided by the sum."""
    exp = _helper(em, "exp", node.dtype)
    m = _shift(body, read)
    body.emit("acc = 0")
    body.loop(f"{write} = {exp}({read} - {m})", f"acc += {write}")
    body.loop(f"{write} = {write} / acc")
