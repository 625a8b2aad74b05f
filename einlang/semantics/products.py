"""Lowering a product: numbers fold into the coefficient, factors are checked, indices counted by the
Einstein convention, and one contraction node keeps the output.

A name used whole again in the same product (``s s s …``, a 128 KB program of 65,536 factors) is
looked up once: each later occurrence is the same scalar factor at its own position.

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import Scope, lower_program
>>> node = lower_program(parse("2 s s x_i / t"), Scope.from_arrays({"s": 1.5, "t": 2.0, "x": np.ones(3)})).result
>>> node.coefficient, [op.display for op in node.operands]
(2, ['s', 's', 'x_i', '1/(t)'])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..records import record
from ..source import Span
from ..syntax import ast
from . import batch, ir, literals, messages, sizes
from .describe import shape_words
from .labeled import Labeled
from .outputs import product_output
from .sizes import Factor

if TYPE_CHECKING:
    from .lower import Lowerer


@record
class Reciprocal:
    """A denominator that is not a number, as a factor of a product."""

    expr: ast.Expr
    span: Span | None = None


def lower_product(lowerer: Lowerer, e: ast.Expr, out: Sequence[ast.IndexRef] | None) -> Labeled:
    """A product (or a single factor) as a contraction node; ``out`` is an explicit output or ``None``."""
    pieces: list[ast.Expr] = []
    raw = collect(e, literals.NO_NUMBER, pieces)
    lowered: list[Factor] = lowerer.deferring(pieces, _factor_of(lowerer), lambda factor: factor)
    kept, raw = literals.fold_scalars(lowered, raw)
    factors = [lowered[k] for k in kept]
    coef = literals.coefficient(raw)
    batch.broadcast(factors)  # numpy's rules for '...' axes: size-1 batch axes get private labels
    occurrences: dict[str, list[Span | None]] = {}
    for factor in factors:
        if factor.labels:
            for label, span in zip(factor.labels, factor.spans):
                occurrences.setdefault(label, []).append(span)
    output = product_output(out, occurrences)
    known = sizes.infer_sizes(factors, lowerer.index_hints)
    sizes.materialise_specials(factors, known)
    label_spans = {label: spans[0] for label, spans in occurrences.items() if spans and spans[0] is not None}
    span = getattr(e, "span", None)
    if not factors:
        return Labeled(literals.constant(raw), (), span, {}, messages.display(e))
    dtype = literals.product_dtype([f.node for f in factors], coef.weak, span)
    if len(factors) == 1 and coef.value == 1 and factors[0].labels == output and dtype == factors[0].node.dtype:
        return Labeled(factors[0].node, output, span, label_spans, factors[0].display)
    # a repeated scalar is one Factor (see _factor_of): each operand takes its own word's position
    operands = [ir.Operand(f.node, f.labels, f.display, pieces[k].span if type(pieces[k]) is ast.Word else f.span)
                for k, f in zip(kept, factors)]
    return lowerer.contract(operands, output, coef.value, span, label_spans, known, messages.display(e), dtype)


def _factor_of(lowerer: Lowerer) -> Any:
    """``lowerer``'s factor lowering, where a scalar named whole again in this product is the same
    Factor (never edited: broadcasting and δ, ε edit only factors with indices), not looked up again:
    65,536 factors ``s s s …`` made as many objects for the garbage collector to walk, twice."""
    whole: dict[str, Factor] = {}

    def factor(e: ast.Expr) -> Factor:
        if type(e) is ast.Word:
            seen = whole.get(e.text)  # type: ignore[union-attr]
            if seen is not None:
                return seen
        lowered = lowerer.factor(e)
        if type(e) is ast.Word and not lowered.labels and lowered.special is None:
            whole[e.text] = lowered  # type: ignore[union-attr]
        return lowered

    return factor


def collect(e: ast.Expr, coef: Any, out: list[ast.Expr]) -> Any:
    """Flatten a product: numbers fold into the coefficient; parentheses around a product vanish
    (the convention counts indices through them); a denominator becomes a reciprocal factor."""
    if isinstance(e, ast.Product):
        for factor in e.factors:
            coef = collect(factor, coef, out)
        return coef
    if isinstance(e, ast.Paren) and not isinstance(e.expr, ast.Sum):
        return collect(e.expr, coef, out)
    if isinstance(e, ast.Neg):
        return collect(e.operand, -coef, out)
    if isinstance(e, ast.Number):
        return coef * e.value
    if isinstance(e, ast.Div):
        coef = collect(e.numerator, coef, out)
        denominator = literals.constant_value(e.denominator)
        if denominator is not None:
            if denominator == 0:
                return coef * float("inf") if coef else float("nan")
            return literals.divide(coef, denominator)
        out.append(Reciprocal(e.denominator, e.denominator.span))  # type: ignore[arg-type]
        return coef
    out.append(e)
    return coef


def reciprocal(lowerer: Lowerer, e: Reciprocal) -> Labeled:
    """``1 / expr`` elementwise, for a denominator that is not a number."""
    inner = lowerer.expr(e.expr, allow_whole=True)
    if inner.labels is None and inner.node.shape != ():
        raise E.BareTensorError(
            f"cannot divide by {inner.display or 'a tensor'}, {shape_words(inner.node.shape)}: "
            "write its indices to divide elementwise",
            [e.span],
        )
    inner = inner.as_scalar()
    if isinstance(inner.node, ir.Constant):
        lowerer.budget.constant(inner.node.shape, inner.node.dtype.itemsize, e.span)
    node = literals.apply("reciprocal", inner.node)
    return Labeled(node, inner.labels, e.span, inner.label_spans, "1/(" + inner.display + ")")
