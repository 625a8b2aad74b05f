"""Lowering reductions (``max_j(A_ij)``, ``Σ_{jk}(…)``, ``softmax_j(z_ij)``) and ``size(d)``.

A reduction binds its indices: each must be free in its argument (the Einstein convention applies inside
as usual, so ``max_k(A_ij B_jk)`` is the row-wise maximum of a matrix product), and none is free outside.
Sums and means become one-operand contractions, planned like any product; the others are
:class:`~einlang.semantics.ir.Reduce` nodes.

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import Lowerer, Scope
>>> lowerer = Lowerer(Scope.from_arrays({"A": np.ones((2, 3)), "B": np.ones((3, 4))}))
>>> value = lowerer.expr(parse("max_k(A_ij B_jk)").statements[0].expr)
>>> type(value.node).__name__, value.labels, value.node.shape
('Reduce', ('i',), (2,))
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import TYPE_CHECKING

import numpy as np

from .. import errors as E
from ..source import Span
from ..syntax import ast
from . import calls, ir, literals, messages
from .describe import index_set
from .labeled import Labeled

if TYPE_CHECKING:
    from .lower import Lowerer

CONTRACTIONS = frozenset({"sum", "mean"})
"""Reductions that are contractions: a sum over one operand (a mean also divides by the count)."""

NEED_ENTRIES = frozenset({"max", "min", "mean"})
"""Reductions with no value over an index of size 0 (the others have one: a sum is 0, a product 1,
a logsumexp -inf, a softmax an empty array)."""

REAL_ONLY = frozenset({"max", "min", "logsumexp", "softmax"})


def lower_reduce(lowerer: Lowerer, e: ast.Reduce) -> Labeled:
    """The reduction ``e`` checked and lowered; a call of a function that only looks like a reduction
    (``sum_sq(x)`` where ``sum_sq`` is defined) is lowered as the call it is."""
    if not e.braced and e.function in lowerer.scope.functions:
        return calls.call(lowerer, e.as_call())
    _check_form(e)
    inner = lowerer.expr(e.arg)
    labels = inner.labels or ()
    _check_free(e, inner, labels)
    reduced = tuple(ref.name for ref in e.indices)
    sizes = dict(zip(labels, inner.node.shape))
    count = math.prod(sizes[label] for label in reduced)
    if count == 0 and e.kind in NEED_ENTRIES:
        raise E.EmptyReductionError(
            f"{_shown(e)} over {_indices_words(reduced)} of size 0 has no value: there is no entry to take the "
            f"{e.kind} of",
            [_index_span(e, sizes), inner.span],
            hint=f"check the sizes of {inner.display or 'the argument'}; a sum over no entries is 0 (sum_…), a "
            "product 1 (prod_…)",
        )
    kept = tuple(label for label in labels if label not in reduced)
    label_spans = {label: span for label, span in inner.label_spans.items() if label in kept or e.kind == "softmax"}
    if e.kind in CONTRACTIONS:
        operand = ir.Operand(inner.node, labels, inner.display, inner.span)
        coefficient = 1 if e.kind == "sum" else Fraction(1, count)
        value = lowerer.contract([operand], kept, coefficient, e.span, label_spans, display=messages.display(e))
        return value
    dtype = result_dtype(e.kind, inner.node.dtype, e.span)
    shape = inner.node.shape if e.kind == "softmax" else tuple(sizes[label] for label in kept)
    node = ir.Reduce(e.kind, inner.node, labels, reduced, shape, dtype, e.span)
    return Labeled(node, node.output, e.span, label_spans, messages.display(e))


def result_dtype(kind: str, dtype: np.dtype, span: Span | None = None) -> np.dtype:
    """numpy's dtype for the reduction of values of ``dtype``: max and min keep it, a product of
    booleans or small integers is a platform integer, logsumexp and softmax are floating point.

    >>> result_dtype("prod", np.dtype(np.int8)), result_dtype("softmax", np.dtype(np.int32))
    (dtype('int64'), dtype('float64'))
    """
    if kind in REAL_ONLY and dtype.kind == "c":
        raise E.UnsupportedDtypeError(
            f"{kind} is not defined for complex values: complex numbers have no order", span,
            hint="reduce real(z) or abs(z)",
        )
    if kind in ("logsumexp", "softmax") and dtype == object:
        raise E.UnsupportedDtypeError(
            f"{kind} needs floating-point values, not exact numbers or objects", span,
            hint="pass a float tensor (exact mode keeps numbers as fractions, and exp of a fraction is not one)",
        )
    if kind in ("max", "min") or dtype == object:
        return dtype
    if kind == "prod":
        return np.prod(np.ones(0, dtype=dtype)).dtype
    with np.errstate(all="ignore"):
        return np.exp(np.ones((), dtype=dtype)).dtype


def _check_form(e: ast.Reduce) -> None:
    """One argument, no subscript after the ')', named indices each once."""
    if e.extra:
        raise E.ReductionFormError(
            f"{_shown(e)} takes one expression but was given {1 + len(e.extra)}",
            [e.extra[0].span, e.span] if getattr(e.extra[0], "span", None) else [e.span],
            hint=f"{e.kind} over several indices is written {e.kind}_{{jk}}(expr); to combine values, reduce one "
            "expression",
        )
    if e.after is not None:
        raise E.ReductionFormError(
            f"{_shown(e)} is followed by indices: a reduction's free indices are those of its argument not reduced",
            [ref.span for ref in e.after] or [e.span],
            hint=f"write the indices inside: {e.kind}_j(A_ij) has the free index i",
        )
    seen: dict[str, Span | None] = {}
    for ref in e.indices:
        if ref.name == ast.ELLIPSIS:
            raise E.ReductionFormError(
                f"{_shown(e)}: a reduction is over named indices, not the batch dimensions '...'", [ref.span, e.span],
                hint="name the axes to reduce, e.g. max_{jk}(A_...jk)",
            )
        if ref.name in seen:
            raise E.RepeatedReductionIndexError(
                f"index {ref.name} is written twice under {_shown(e)}: each reduced index is named once",
                [ref.span, seen[ref.name]],
            )
        seen[ref.name] = ref.span


def _check_free(e: ast.Reduce, inner: Labeled, labels: tuple[str, ...]) -> None:
    """Every reduced index is free in the argument: E210 names the first that is not and says why."""
    for ref in e.indices:
        if ref.name in labels:
            continue
        summed = ref.name in ast.index_names(e.arg)
        why = (
            f"{ref.name} appears twice in it, so the Einstein convention already sums it"
            if summed
            else f"{ref.name} does not appear in it"
        )
        free = messages.shown_set(labels) if labels else "none"
        raise E.ReductionIndexError(
            f"{_shown(e)} reduces over {ref.name}, which is not a free index of {inner.display or 'its argument'} "
            f"(free indices: {free}): {why}",
            [ref.span, inner.span],
            hint=_free_hint(e, ref.name, labels, summed),
        )


def _free_hint(e: ast.Reduce, name: str, labels: tuple[str, ...], summed: bool) -> str:
    if summed:
        return (
            f"to keep {name} for the {e.kind}, rename one of its occurrences; to sum it first, reduce over "
            f"another index"
        )
    if labels:
        return f"reduce over one of {index_set(labels)}"
    return "the argument is a number: there is nothing to reduce"


def size_of(lowerer: Lowerer, e: ast.Call) -> Labeled:
    """``size(d)``: the size of index d in the product around the call, as a whole number."""
    name = _index_name(e)
    size = lowerer.index_size(name) if name is not None else None
    if name is None:
        raise E.IndexSizeError("size(...) takes one index name, as in size(d)", [e.span], hint=_SIZE_HINT)
    if size is None:
        binding = binding_reduction(lowerer.tree, name, e.span)
        if binding is not None:  # sum_i(x_i) / size(i): the i of size(i) is not the reduction's
            shown = messages.display(binding)
            raise E.IndexSizeError(
                f"size({name}): {name} is bound by the reduction {shown}, so it is not an index outside it",
                [e.span, binding.span],
                hint=f"put size({name}) inside the reduction, where {name} is an index "
                f"({binding_head(binding)}(… / size({name}))), or use mean_{name}(…) for an average",
            )
        raise E.IndexSizeError(f"size({name}): {name} is not an index of a tensor in this product", [e.span],
                               hint=_SIZE_HINT)
    value = literals.constant(size)
    return Labeled(value, None, e.span, display=messages.display(e))


_SIZE_HINT = ("size(d) is the size of index d where d indexes a tensor in the same product, as in "
              "x_d / size(d); an index bound by a reduction is not visible outside it (mean_d averages)")


def binding_reduction(tree: ast.Node | None, name: str, where: Span | None) -> ast.Node | None:
    """The first reduction in ``tree`` that binds index ``name`` and does not hold ``where`` (the place
    that named the index outside it), or ``None``.

    >>> from einlang.syntax.parser import parse
    >>> tree = parse("sum_i(x_i) / size(i)").statements[0]
    >>> messages.display(binding_reduction(tree, "i", None))
    'sum_i(x_i)'
    """
    if tree is None:
        return None
    for node in ast.walk(tree):
        reduce = node if isinstance(node, ast.Reduce) else ast.Reduce.from_call(node) if isinstance(node, ast.Call) else None
        if reduce is None or name not in {ref.name for ref in reduce.indices} or node.span is None:
            continue
        inside = where is not None and node.span.start <= where.start and where.end <= node.span.end
        if not inside:
            return node
    return None


def binding_head(node: ast.Node) -> str:
    """How a reduction starts, as written: ``sum_i``, ``Σ_{jk}``."""
    return node.function if isinstance(node, ast.Call) else _shown(node)


def _index_name(e: ast.Call) -> str | None:
    if len(e.args) != 1:
        return None
    arg = e.args[0]
    text = arg.text if isinstance(arg, ast.Word) else arg.name if isinstance(arg, ast.Name) else None
    if text is None or "_" in text or not text.isidentifier():
        return None
    return text


def _shown(e: ast.Reduce) -> str:
    names = [ref.name for ref in e.indices]
    written = e.written or e.kind
    if len(names) == 1 and len(names[0]) == 1 and not e.braced:
        return f"{written}_{names[0]}"
    return f"{written}_{{{','.join(names) if any(len(n) > 1 for n in names) else ''.join(names)}}}"


def _indices_words(names: tuple[str, ...]) -> str:
    return f"index {names[0]}" if len(names) == 1 else f"indices {', '.join(names)}"


def _index_span(e: ast.Reduce, sizes: dict[str, int]) -> Span | None:
    """The reduced index that has size 0."""
    for ref in e.indices:
        if sizes.get(ref.name) == 0:
            return ref.span
    return None
