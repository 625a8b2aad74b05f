"""Products of thousands of factors, contracted in groups.

Planning one product takes time that grows with the square of its factors (opt_einsum's path search,
and its bookkeeping for any path): 64,000 factors — ``s s s …``, a 128 KB program — took 81 s before
anything ran. Past GROUP factors a product is therefore contracted in consecutive groups: an index
that appears in one group only (and not in the result) is summed inside that group, every other one is
kept; then the groups' results are multiplied, in groups again when there are many. A sum over an
index distributes over the factors that do not carry it, so the value is the same, and each group is
computed in the product's own dtype, as numpy computes the whole product.

>>> import numpy as np
>>> x = ir.Input("x", (2,), np.dtype(float))
>>> operands = [ir.Operand(x, ("i",), "x_i")] * 5
>>> [op.labels for op in grouped(operands, (), {"i": 2}, np.dtype(float), None, size=2)[0]]  # 5 -> 3 -> 2
[('i',), ('i',)]
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

import numpy as np

from ..source import Span
from . import ir
from .calls import MAX_RANK

GROUP = 64
"""Factors in one product before it is contracted in groups (64 of them plan in a few milliseconds)."""


def grouped(operands: Sequence[ir.Operand], output: Sequence[str], sizes: dict[str, int], dtype: np.dtype,
            span: Span | None, size: int | None = None) -> tuple[list[ir.Operand], dict[str, int]]:
    """``operands`` and the sizes of their indices, or, past ``size`` of them, the results of contracting
    them ``size`` at a time and the sizes of the indices those keep (the operands as they were when a
    group's kept indices would pass numpy's 64 axes)."""
    size = size or GROUP
    current = list(operands)
    if len(current) <= size:
        return current, sizes
    while len(current) > size:
        groups = [current[k:k + size] for k in range(0, len(current), size)]
        everywhere = Counter(label for op in current if op.labels for label in set(op.labels))
        kept = []
        for group in groups:
            inside = Counter(label for op in group if op.labels for label in set(op.labels))
            kept.append(tuple(label for label in inside if label in output or everywhere[label] > inside[label]))
        if any(len(labels) > MAX_RANK for labels in kept):
            return list(operands), sizes
        current = [_contracted(group, labels, sizes, dtype, span) for group, labels in zip(groups, kept)]
    return current, {label: sizes[label] for label in dict.fromkeys([*(x for op in current for x in op.labels), *output])}


def _contracted(group: list[ir.Operand], labels: tuple[str, ...], sizes: dict[str, int], dtype: np.dtype,
                span: Span | None) -> ir.Operand:
    if len(group) == 1 and group[0].labels == labels:
        return group[0]
    own = {label: sizes[label] for op in group for label in op.labels}
    node = ir.Contract(tuple(group), labels, 1, tuple(sizes[label] for label in labels), dtype, own, span)
    return ir.Operand(node, labels, f"({group[0].display} … {group[-1].display})", span)
