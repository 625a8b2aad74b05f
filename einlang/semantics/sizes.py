"""Stage 2 of checking: the size of every index, and the special tensors δ and ε made concrete.

An index has one size everywhere it appears. The Kronecker delta and the Levi-Civita symbol have no
size of their own: ``δ_ij`` takes its size from another factor using ``i`` or ``j`` (or from a hint, such
as the other terms of a sum), ``ε_ijk`` has as many values per index as it has indices.

>>> from einlang.semantics import ir
>>> a = Factor(ir.Input("A", (3, 4), None), ("i", "j"), (None, None), "A_ij", None, "A")
>>> d = Factor(ir.Delta((0, 0)), ("j", "k"), (None, None), "δ_jk", None, "the Kronecker delta", special="delta")
>>> sizes = infer_sizes([a, d], {})
>>> sizes, materialise_specials([a, d], sizes) or d.node.shape
({'i': 3, 'j': 4, 'k': 4}, (4, 4))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Literal

from .. import errors as E
from ..records import record
from ..source import Span
from . import batch, ir
from .labeled import Labeled


@record(frozen=False)
class Factor:
    """One factor of a product: its node and the index on each axis (edited in place by broadcasting
    and by :func:`materialise_specials`)."""

    node: ir.Node
    labels: tuple[str, ...]
    spans: tuple[Span | None, ...]
    display: str
    span: Span | None
    description: str
    special: Literal["delta", "eps"] | None = None  # sizes come from the other factors


MAX_LEVI_CIVITA_RANK = 6  # 6**6 entries; beyond that eps is never what anyone meant
DELTA_NAMES = frozenset({"delta", "δ"})
EPSILON_NAMES = frozenset({"eps", "ε"})


def special_factor(name: str, labels: tuple[str, ...], spans: tuple[Span | None, ...], display: str,
             span: Span | None) -> Factor:
    """δ or ε as a factor; its node is a placeholder until :func:`materialise_specials`."""
    if name in DELTA_NAMES:
        if len(labels) != 2:
            raise E.RankMismatchError(
                f"the Kronecker delta takes 2 indices, but {display} gives {len(labels)}", [span], hint="write delta_ij",
            )
        return Factor(ir.Delta((0, 0)), labels, spans, display, span, "the Kronecker delta", special="delta")
    assert name in EPSILON_NAMES
    if not 2 <= len(labels) <= MAX_LEVI_CIVITA_RANK:
        raise E.RankMismatchError(
            f"the Levi-Civita symbol takes 2 to {MAX_LEVI_CIVITA_RANK} indices, but {display} gives {len(labels)}",
            [span],
        )
    n = len(labels)
    return Factor(ir.LeviCivita((n,) * n), labels, spans, display, span, "the Levi-Civita symbol", special="eps")


_Where = dict[str, tuple[Factor, int]]  # index -> the factor (and axis) that fixed its size


def infer_sizes(factors: Sequence[Factor], hints: Mapping[str, int]) -> dict[str, int]:
    """The size of every index of a product; ``hints`` gives sizes known from outside it (a sum's other terms)."""
    sizes: dict[str, int] = {}
    where: _Where = {}
    for factor in factors:
        if factor.labels and not factor.special:
            for axis, (label, size) in enumerate(zip(factor.labels, factor.node.shape)):
                _settle(label, size, factor, axis, sizes, where)
    for factor in factors:
        if factor.special == "eps":  # ε with n indices: each runs over n values
            for axis, label in enumerate(factor.labels):
                _settle(label, len(factor.labels), factor, axis, sizes, where)
    _delta_sizes([f for f in factors if f.special == "delta"], sizes, where, hints)
    return sizes


def _settle(label: str, size: int, factor: Factor, axis: int, sizes: dict[str, int], where: _Where) -> None:
    """Record that ``label`` has ``size`` on ``factor``'s ``axis``; refuse a size it already has otherwise."""
    if label in sizes and sizes[label] != size:
        other, other_axis = where[label]
        known = sizes[label]
        if factor.special == "eps":
            here = f"the Levi-Civita symbol {factor.display} has {size} indices, so each is of size {size}"
            hint = None
        else:
            here = f"{size} in {factor.description} ({factor.display})"
            hint = f"{label} must have one size everywhere it appears" + (
                ": einlang never stretches a size-1 axis silently" if 1 in (size, known) else "")
        raise E.SizeMismatchError(f"index {label} is {known} in {other.description} ({other.display}) but {here}",
                                  [other.spans[other_axis], factor.spans[axis]], hint=hint)
    sizes.setdefault(label, size)
    where.setdefault(label, (factor, axis))


def _delta_sizes(deltas: Sequence[Factor], sizes: dict[str, int], where: _Where, hints: Mapping[str, int]) -> None:
    """Both indices of a delta have one size, possibly known only through another delta."""
    changed = True
    while changed:
        changed = False
        for factor in deltas:
            a, b = factor.labels
            known = [sizes[x] for x in (a, b) if x in sizes]
            if len(known) == 2 and known[0] != known[1]:
                raise E.SizeMismatchError(
                    f"{factor.display} joins index {a} (size {sizes[a]}) and index {b} (size {sizes[b]}): "
                    "a Kronecker delta is square",
                    list(factor.spans),
                )
            if len(known) == 1:
                for x in (a, b):
                    if x not in sizes:
                        sizes[x] = known[0]
                        where[x] = (factor, factor.labels.index(x))
                        changed = True
    for factor in deltas:
        a, b = factor.labels
        for x in (a, b):
            if x not in sizes and x in hints:
                sizes[x] = hints[x]
        if a not in sizes and b not in sizes:
            raise E.SizeInferenceError(
                f"cannot tell the size of {factor.display}: "
                + (f"neither {a} nor {b} is" if a != b else f"{a} is not") + " used by a tensor of known size",
                [factor.span],
                hint="use its indices on another tensor, or use identity(n) for an n×n identity matrix",
            )
        sizes.setdefault(a, sizes.get(b, 0))
        sizes.setdefault(b, sizes[a])


def materialise_specials(factors: Sequence[Factor], sizes: Mapping[str, int]) -> None:
    """Give each δ and ε factor its concrete node, now that the sizes are known."""
    for factor in factors:
        if factor.special == "delta":
            n = sizes[factor.labels[0]]
            factor.node = ir.Delta((n, n))
        elif factor.special == "eps":
            n = len(factor.labels)
            factor.node = ir.LeviCivita((n,) * n)


def term_sizes(terms: Sequence[Labeled]) -> dict[str, int]:
    """The size of every index of a sum's terms (which must agree term by term)."""
    sizes: dict[str, tuple[int, Labeled]] = {}
    for value in terms:
        for label, size in zip(value.labels or (), value.node.shape):
            if label in sizes and sizes[label][0] != size:
                other = sizes[label][1]
                raise E.SizeMismatchError(
                    f"index {batch.describe(label)} is {sizes[label][0]} in the term {other.display or 'here'} but "
                    f"{size} in the term {value.display or 'here'}",
                    [other.label_spans.get(label, other.span), value.label_spans.get(label, value.span)],
                )
            sizes.setdefault(label, (size, value))
    return {label: size for label, (size, _) in sizes.items()}
