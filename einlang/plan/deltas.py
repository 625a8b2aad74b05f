"""Kronecker deltas are exact symbols: ``Σ_j δ_ij x_j`` is ``x_i`` — inf and nan included, dtype unchanged.

Every backend removes a delta by renaming one of its indices wherever the other factors use that index,
instead of multiplying by an identity matrix (where ``0 · inf`` would give nan). A delta that cannot be
removed this way (``δ_ii``, or both indices in the result) is an identity matrix in the product's dtype.

>>> import numpy as np
>>> from einlang.semantics import ir
>>> x = ir.Input("x", (2,), np.dtype(float))
>>> d = ir.Delta((2, 2))
>>> node = ir.Contract((ir.Operand(d, ("i", "j")), ir.Operand(x, ("j",))), ("i",), 1, (2,), np.dtype(float))
>>> gone = eliminate_deltas(node)
>>> gone.kept, gone.labels, gone.renamed
((1,), (('i',),), (RenamedIndex(delta=('i', 'j'), dropped='j', kept='i'),))
"""

from __future__ import annotations

from ..records import record
from ..semantics import ir


@record
class RenamedIndex:
    """One delta removed: ``dropped`` was renamed to ``kept`` in the other factors."""

    delta: tuple[str, ...]
    dropped: str
    kept: str


@record
class Elimination:
    """The factors of a product that remain (positions into ``node.operands``) and their renamed labels."""

    kept: tuple[int, ...]
    labels: tuple[tuple[str, ...], ...]
    renamed: tuple[RenamedIndex, ...]


def eliminate_deltas(node: ir.Contract) -> Elimination:
    """Drop Kronecker deltas by renaming: Σ_j δ_ij A_jk = A_ik."""
    labels = [op.labels for op in node.operands]
    if not any([isinstance(op.node, ir.Delta) for op in node.operands]):
        return Elimination(tuple(range(len(labels))), tuple(labels), ())
    kept = list(range(len(node.operands)))
    out = set(node.output)
    renamed: list[RenamedIndex] = []
    changed = True
    while changed:
        changed = False
        for p in kept:
            if not isinstance(node.operands[p].node, ir.Delta):
                continue
            a, b = labels[p]
            others = [q for q in kept if q != p]
            if a == b:
                continue
            # rename an index the result does not keep, and that another factor uses (Σ_j δ_ij = 1 is
            # not removed this way, but Σ_i δ_ij x_i is)
            usable = [(k, d) for k, d in ((a, b), (b, a)) if d not in out and any(d in labels[q] for q in others)]
            if not usable:
                continue
            keep, drop = usable[0]
            for q in others:
                labels[q] = tuple(keep if label == drop else label for label in labels[q])
            kept.remove(p)
            renamed.append(RenamedIndex((a, b), drop, keep))
            changed = True
            break
    return Elimination(tuple(kept), tuple(labels[p] for p in kept), tuple(renamed))


def unused_deltas(program: ir.LoweredProgram) -> frozenset[int]:
    """Ids of the delta nodes no backend needs to build: every product using them removed them."""
    used: set[int] = set()
    for node in program.nodes:
        if isinstance(node, ir.Contract):
            used.update(id(node.operands[p].node) for p in eliminate_deltas(node).kept)
        else:
            used.update(id(child) for child in node.inputs)
    if program.result is not None:
        used.add(id(program.result))
    return frozenset(id(n) for n in program.nodes if isinstance(n, ir.Delta) and id(n) not in used)
