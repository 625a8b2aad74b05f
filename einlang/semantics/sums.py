"""Lowering a sum of terms: each term lowered, then aligned by index name (``A_ij + B_ji``).

A term written again exactly as before, when it denotes a tensor as it is (``x_i + x_i + …``), is
the same tensor: it is looked up once, not checked again, so a sum of 32,768 such terms (a 128 KB
program) lowers in time that grows with its terms, with a small constant. Its IR is what lowering each
copy gave before (every copy named the same input node).

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import Scope, lower_program
>>> node = lower_program(parse("x_i + x_i - 2 x_i"), Scope.from_arrays({"x": np.ones(3)})).result
>>> [(term.coefficient, term.node.name) for term in node.terms[:2]], len(node.terms)
([(1, 'x'), (1, 'x')], 3)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..records import record
from ..source import Span
from ..syntax import ast
from . import batch, ir, literals, messages, sizes
from .labeled import Labeled
from .outputs import names

if TYPE_CHECKING:
    from .lower import Lowerer


@record
class Term:
    """One term of a sum, in source order (``value`` is ``None`` until it is lowered)."""

    position: int
    sign: int
    expr: ast.Expr
    value: Labeled | None = None


def written_key(e: ast.Expr) -> tuple[Any, ...] | None:
    """What identifies a word or an indexed access as written (spans apart); ``None`` for anything else.

    >>> written_key(ast.Word("x_i")) == written_key(ast.Word("x_i", None)), written_key(ast.Number(1))
    (True, None)
    """
    kind = type(e)
    if kind is ast.Word:
        return ("word", e.text)  # type: ignore[union-attr]
    if kind is ast.Access:
        return ("access", e.name, tuple([ref.name for ref in e.indices]))  # type: ignore[union-attr]
    return None


def lower_sum(lowerer: Lowerer, e: ast.Sum, out: Sequence[ast.IndexRef] | None) -> Labeled:
    """The sum's terms lowered and checked to have the same free indices; a sum of numbers is a number."""
    lowered = _terms(lowerer, e, out)
    terms: list[Labeled] = [term.value for term in lowered]  # type: ignore[misc]
    first = terms[0]
    first_set = set(first.labels or ())
    for value in terms[1:]:
        if set(value.labels or ()) != first_set:
            raise E.FreeIndexMismatchError(
                f"terms of a sum must have the same free indices: {first.display or 'the first term'} has "
                f"{messages.shown_set(first_set)} but {value.display or 'this term'} has "
                f"{messages.shown_set(value.labels or ())}",
                [first.span, value.span],
                hint=messages.sum_indices_hint(first, value, first_set),
            )
    order = batch.expand(names(out), first_set) if out is not None else batch.canonical(first_set)
    known = sizes.term_sizes(terms)
    ir_terms = tuple([ir.Term(term.sign, term.value.node, term.value.labels or ()) for term in lowered])  # type: ignore[union-attr]
    shape = tuple(known[label] for label in order)
    folded = literals.fold_sum(ir_terms)
    if folded is not None:  # a sum of numbers is a number (a weak scalar): 1 + 1
        return Labeled(folded, (), e.span, {}, messages.display(e))
    node = ir.Combine(ir_terms, order, shape, literals.sum_dtype(ir_terms, e.span))
    label_spans: dict[str, Span] = {}
    for value in terms:
        for label, span in value.label_spans.items():
            label_spans.setdefault(label, span)
    return Labeled(node, order, e.span, label_spans, messages.display(e))


def _terms(lowerer: Lowerer, e: ast.Sum, out: Sequence[ast.IndexRef] | None) -> list[Term]:
    """Every term lowered, in order; a copy of an earlier term that named an input as it is reuses it
    (a free-index mismatch is still reported at the first term that has it: the copies come later)."""
    seen: dict[tuple[Any, ...], Labeled] = {}

    def lower_one(term: Term) -> Term:
        key = written_key(term.expr)
        value = seen.get(key) if key is not None else None  # type: ignore[arg-type]
        if value is not None:
            return Term(term.position, term.sign, term.expr, value)
        done = _term(lowerer, term, out)
        if key is not None and isinstance(done.value.node, ir.Input):  # type: ignore[union-attr]
            seen[key] = done.value  # type: ignore[assignment]
        return done

    terms = [Term(position, sign, expr) for position, (sign, expr) in enumerate(e.terms)]
    return lowerer.deferring(terms, lower_one, lambda term: term.value)


def _term(lowerer: Lowerer, term: Term, out: Sequence[ast.IndexRef] | None) -> Term:
    """One term of a sum, lowered; an output index missing from it is reported against that term."""
    try:
        return Term(term.position, term.sign, term.expr, lowerer.expr(term.expr, out))
    except E.OutputIndexError as err:
        if out is None or err.index is None:
            raise
        raise messages.missing_from_term(err, term.expr) from None
