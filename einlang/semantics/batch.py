"""Batch dimensions (``...``) in index notation, with numpy's broadcasting rules.

``A_{...ij}`` reads the leading axes of ``A`` (however many there are) as batch axes. They get labels
counted from the right, as numpy aligns them: the last batch axis is ``…0``, the one before ``…1``, so
``A`` of shape (7, 5, 3, 3) and ``x`` of shape (5, 3) line up their 5s. A size-1 batch axis facing a
bigger one is broadcast: it gets a private label (``…0·2``) that the product sums away — a sum over one
entry, i.e. no change. Results list batch axes first, like numpy.

>>> batch_labels(3)
('…2', '…1', '…0')
>>> canonical(("k", "…0", "i", "…1"))
('…1', '…0', 'i', 'k')
>>> expand(("...", "i"), ("i", "…0", "j"))
('…0', 'i')
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from .. import errors as E
from ..source import Span
from ..syntax import ast
from .describe import dims

PREFIX = "…"
PRIVATE = "·"


def batch_labels(rank: int) -> tuple[str, ...]:
    """Labels of ``rank`` batch axes, right-aligned: the last one is ``…0``."""
    return tuple(f"{PREFIX}{rank - 1 - k}" for k in range(rank))


def is_batch(label: str) -> bool:
    """A (shared) batch label; the private label of a broadcast size-1 axis is not one."""
    return label.startswith(PREFIX) and PRIVATE not in label


def _key(label: str) -> tuple[int, int, str]:
    if is_batch(label):
        return (0, -int(label[len(PREFIX):]), "")
    return (1, 0, label)


def canonical(labels: Iterable[str]) -> tuple[str, ...]:
    """The default order of a result's axes: batch axes first (leftmost first), then the others sorted."""
    return tuple(sorted(labels, key=_key))


def expand(names: Sequence[str], available: Iterable[str]) -> tuple[str, ...]:
    """An explicit output with ``...`` -> the batch labels among ``available`` in its place."""
    if ast.ELLIPSIS not in names:
        return tuple(names)
    batch = canonical(label for label in dict.fromkeys(available) if is_batch(label))
    out: list[str] = []
    for name in names:
        out.extend(batch if name == ast.ELLIPSIS else (name,))
    return tuple(out)


def describe(label: str) -> str:
    """How a label reads in a message: ``…0`` is "the last batch axis ('...')"."""
    if is_batch(label):
        k = int(label[len(PREFIX):])
        return "the last batch axis ('...')" if k == 0 else f"batch axis -{k + 1} ('...')"
    return label


def expand_refs(refs: Sequence[ast.IndexRef], shape: Sequence[int], display: str, description: str,
                span: Span | None) -> tuple[tuple[str, ...], tuple[Span | None, ...]] | None:
    """Labels and spans for an access with ``...`` (``None`` when it has none).

    >>> expand_refs((ast.IndexRef("..."), ast.IndexRef("i")), (2, 3, 4), "A_{...i}", "A", None)[0]
    ('…1', '…0', 'i')
    """
    positions = [k for k, ref in enumerate(refs) if ref.name == ast.ELLIPSIS]
    if not positions:
        return None
    if len(positions) > 1:
        raise E.IndexRuleError(f"{display} has more than one '...'", [refs[k].span for k in positions],
                               hint="'...' stands for all the batch axes at once: write it once")
    named = len(refs) - 1
    if len(shape) < named:
        raise E.RankMismatchError(
            f"{description} has {len(shape)} ax{'is' if len(shape) == 1 else 'es'} (shape {dims(shape)}) but "
            f"{display} names {named} besides '...'",
            [span],
        )
    at = positions[0]
    ellipsis = refs[at]
    batch = batch_labels(len(shape) - named)
    labels = tuple(r.name for r in refs[:at]) + batch + tuple(r.name for r in refs[at + 1:])
    spans = tuple(r.span for r in refs[:at]) + (ellipsis.span,) * len(batch) + tuple(r.span for r in refs[at + 1:])
    return labels, spans


def broadcast(factors: Sequence) -> None:
    """Numpy's broadcasting for the batch axes of a product's factors (``_Factor`` objects, edited in place).

    Sizes of one batch axis must be equal or 1; a size-1 axis facing a bigger one gets a private label.
    """
    target: dict[str, tuple[int, object]] = {}
    indexed = [(k, factor) for k, factor in enumerate(factors) if factor.labels]  # scalars have no batch axes
    for _, factor in indexed:
        for label, size in zip(factor.labels, factor.node.shape):
            if not is_batch(label):
                continue
            known = target.get(label)
            if known is None or known[0] == 1:
                target[label] = (size, factor)
            elif size not in (1, known[0]):
                _refuse(known[1], factor, label)
    for k, factor in indexed:
        if not any(is_batch(label) for label in factor.labels):
            continue
        labels = list(factor.labels)
        for axis, (label, size) in enumerate(zip(labels, factor.node.shape)):
            if is_batch(label) and size == 1 and target[label][0] != 1:
                labels[axis] = f"{label}{PRIVATE}{k}"
        factor.labels = tuple(labels)


def batch_shape(factor) -> tuple[int, ...]:
    return tuple(size for label, size in zip(factor.labels, factor.node.shape) if label.startswith(PREFIX))


def _refuse(first, second, label: str) -> None:
    def where(factor) -> str:
        return f"{factor.description} ({factor.display}, shape {dims(factor.node.shape)}, batch shape " \
               f"{dims(batch_shape(factor))})"

    spans = [first.spans[first.labels.index(label)], second.spans[second.labels.index(label)]]
    raise E.SizeMismatchError(
        f"batch dimensions do not broadcast: {where(first)} and {where(second)} differ at {describe(label)}: "
        f"{first.node.shape[first.labels.index(label)]} vs {second.node.shape[second.labels.index(label)]}",
        spans,
        hint="batch axes are aligned from the right, as in numpy; each pair must be equal or one of them 1",
    )
