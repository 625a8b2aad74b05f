"""Between the IR and index expressions (:mod:`.symbolic`): reading a lowered value as a sum of terms,
and building IR nodes (planned like any other) from one.

Reading expands every contraction, sum and elementwise function into one namespace of indices (each
summed index takes a name used nowhere else, the one the program wrote when it is free); tensors,
constants and the results of Python functions stay leaves. The node differentiated against stays a leaf
even when it was computed (``y_i = A_ij x_j`` then ``diff(y_i y_i, y_k)``).

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import Lowerer, Scope
>>> scope = Scope.from_arrays({"A": np.ones((2, 3)), "x": np.ones(3)})
>>> value = Lowerer(scope).expr(parse("A_ij x_j").statements[0].expr)
>>> s = Reader(value.node, None, Names()).read(value.node, value.labels)
>>> s.free, [type(f).__name__ for f in s.terms[0].factors]
(('i',), ['Access', 'Access'])
>>> build(s, ("i",), Names(sizes={"i": 2, "j": 3})).shape
(2,)
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np

from .. import errors as E
from . import ir, literals
from .reductions import result_dtype
from .symbolic import (
    MAX_DERIVATIVE_SIZE,
    Access,
    Fn,
    Kron,
    Mono,
    Names,
    Red,
    SymSum,
    factor_free,
    number,
    rename_apart,
    single,
)


class NotExpandable(Exception):
    """A node that depends on the differentiation variable but has no rule (a Python function, an array
    literal of computed entries): carries the node so the caller can say which."""

    def __init__(self, node: ir.Node) -> None:
        super().__init__(type(node).__name__)
        self.node = node


@dataclass
class Reader:
    """Reads IR nodes as index expressions; ``target`` (the variable) is kept as a leaf."""

    root: ir.Node
    target: ir.Node | None
    names: Names

    def __post_init__(self) -> None:
        self._size = 0  # factors read so far: a DAG that shares nodes can be exponentially large written out
        self._depends: dict[int, bool] = {}
        for node in ir.topological_order(self.root):
            self._depends[id(node)] = node is self.target or any(self._depends[id(c)] for c in node.inputs)

    def depends(self, node: ir.Node) -> bool:
        return self._depends.get(id(node), False)

    def read(self, node: ir.Node, labels: tuple[str, ...]) -> SymSum:
        """``node`` with its axes named ``labels`` (a repeated name takes a diagonal)."""
        free = tuple(dict.fromkeys(labels))
        for label, size in zip(labels, node.shape):
            self.names.used.add(label)
            self.names.sizes.setdefault(label, size)
        if node is self.target:
            return single(Access(node, labels), free)
        if isinstance(node, ir.Contract):
            return self._contract(node, labels, free)
        if isinstance(node, ir.Combine):
            mapping = dict(zip(node.output, labels))
            terms = []
            for term in node.terms:
                inner = self.read(term.node, tuple(mapping[label] for label in term.labels))
                terms.extend(Mono(m.coef * term.coefficient, m.factors) for m in inner.terms)
            return SymSum(tuple(terms), free)
        if isinstance(node, ir.Reduce):
            return single(self._reduce(node, labels), free)
        if isinstance(node, ir.Apply):
            return single(Fn(node.function, self.read(node.arg, labels)), free)
        if isinstance(node, ir.Constant) and node.shape == () and node.dtype != object:
            return number(node.value.item())
        if isinstance(node, ir.Delta) and len(labels) == 2:
            return single(Kron(labels[0], labels[1]), free)
        if self.depends(node) and not isinstance(node, (ir.Input, ir.Constant)):
            raise NotExpandable(node)
        return single(Access(node, labels), free)

    def _reduce(self, node: ir.Reduce, labels: tuple[str, ...]) -> Red:
        mapping = dict(zip(node.output, labels))
        for label in node.reduced:
            if label not in mapping:  # bound by the reduction: a name used nowhere else
                mapping[label] = self.names.take(label, node.arg.shape[node.labels.index(label)])
        arg = self.read(node.arg, tuple(mapping[label] for label in node.labels))
        return Red(node.kind, tuple(mapping[label] for label in node.reduced), arg)

    def _contract(self, node: ir.Contract, labels: tuple[str, ...], free: tuple[str, ...]) -> SymSum:
        mapping = dict(zip(node.output, labels))
        for label in node.summed:
            mapping[label] = self.names.take(label, node.sizes.get(label))
        coef: Any = node.coefficient
        factors: list[Any] = []
        self._size += len(node.operands)
        if self._size > MAX_DERIVATIVE_SIZE:
            raise E.DerivativeTooLargeError(
                f"the expression written out has more than {MAX_DERIVATIVE_SIZE} factors (it reuses results "
                "many times over)", hint="differentiate a smaller part, and combine the parts with the chain rule",
            )
        for op in node.operands:
            inner = self.read(op.node, tuple(mapping[label] for label in op.labels))
            if not inner.terms:
                return number(0, free)
            if len(inner.terms) > 1:
                factors.append(inner)
                continue
            shown = {name for f in factors for name in factor_free(f)} | set(mapping.values())
            mono = rename_apart(inner.terms[0], inner.free, shown, self.names)
            coef = coef * mono.coef
            factors.extend(mono.factors)
        return SymSum((Mono(coef, tuple(factors)),), free)


def _zeros(shape: tuple[int, ...]) -> ir.Node:
    # a read-only broadcast view: no memory however large the shape (a derivative that is 0)
    value = np.broadcast_to(np.zeros((), dtype=np.int64), shape)
    return ir.Constant(value, shape, value.dtype) if shape else literals.constant(0)


def build(s: SymSum, order: tuple[str, ...], names: Names, display: Any = None) -> ir.Node:
    """An IR node for ``s`` with its axes in ``order`` (``display(factor)`` names operands in plans)."""
    shape = tuple(names.sizes[name] for name in order)
    if not s.terms:
        return _zeros(shape)
    nodes = [_mono(m, s.free, order, names, display) for m in s.terms]
    if len(nodes) == 1:
        return nodes[0]
    terms = tuple(ir.Term(1, node, order) for node in nodes)
    return ir.Combine(terms, order, shape, literals.sum_dtype(terms))


def _factor_node(factor: Any, names: Names, display: Any) -> ir.Operand:
    shown = factor_free(factor)
    text = display(factor) if display is not None else ""
    if isinstance(factor, Access):
        return ir.Operand(factor.node, factor.indices, text)
    if isinstance(factor, Kron):
        n = names.sizes[factor.a]
        return ir.Operand(ir.Delta((n, n)), shown, text)
    if isinstance(factor, Fn):
        inner = build(factor.arg, factor.arg.free, names, display)
        return ir.Operand(literals.apply(factor.name, inner), shown, text)
    if isinstance(factor, Red):
        arg = build(factor.arg, factor.arg.free, names, display)
        shape = tuple(names.sizes[n] for n in shown)
        node = ir.Reduce(factor.kind, arg, factor.arg.free, factor.reduced, shape, result_dtype(factor.kind, arg.dtype))
        return ir.Operand(node, shown, text)
    return ir.Operand(build(factor, factor.free, names, display), shown, text)


def _mono(mono: Mono, free: tuple[str, ...], order: tuple[str, ...], names: Names, display: Any) -> ir.Node:
    coef = mono.coef
    if isinstance(coef, Fraction) and coef.denominator == 1:
        coef = int(coef)
    if not mono.factors:
        if order:  # a number spread over free indices: never built by the rules, kept safe anyway
            return ir.Contract((ir.Operand(_zeros(tuple(names.sizes[n] for n in order)), order),), order, 0,
                               tuple(names.sizes[n] for n in order), np.dtype(np.int64), {})
        return literals.constant(coef)
    operands = tuple(_factor_node(f, names, display) for f in mono.factors)
    if coef == 1 and len(operands) == 1 and operands[0].labels == order:
        return operands[0].node
    sizes = {name: names.sizes[name] for op in operands for name in op.labels}
    dtype = literals.product_dtype([op.node for op in operands], None if coef == 1 else coef)
    return ir.Contract(operands, order, coef, tuple(sizes[n] for n in order), dtype, sizes)
