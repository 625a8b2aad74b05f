"""Stage 3 of checking: lower a syntax tree to the IR (every summed index explicit).

This is where the language's rules for expressions live: ranks, the Einstein convention, explicit
outputs, sums aligned by index name. The other stages are separate modules: what a name means
(:mod:`.scope`), index sizes and the special tensors (:mod:`.sizes`), calls and array literals
(:mod:`.calls`), numbers and constant folding (:mod:`.literals`), message text (:mod:`.messages`).

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> scope = Scope.from_arrays({"A": np.ones((3, 4)), "B": np.ones((4, 5))})
>>> lowered = lower_program(parse("A_ij B_jk"), scope)
>>> lowered.result.shape, lowered.labels
((3, 5), ('i', 'k'))
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from .. import errors as E
from ..functions import ELEMENTWISE
from ..records import record
from ..source import Span
from ..syntax import ast
from . import batch, calls, groups, ir, literals, messages, products, reductions, sizes, sums
from .budget import Budget
from .callables import EinFunction
from .calls import MAX_CALL_DEPTH, MAX_RANK
from .describe import example_indices, index_set, shape_words
from .labeled import Labeled
from .outputs import check_batch_kept, check_output_refs, names, require_outputs
from .scope import DELTA_NAMES, SPECIAL_NAMES, Binding, Scope, WholeName
from .sizes import MAX_LEVI_CIVITA_RANK, Factor

__all__ = [
    "MAX_CALL_DEPTH", "MAX_LEVI_CIVITA_RANK", "MAX_RANK", "SPECIAL_NAMES",
    "Binding", "Labeled", "Lowerer", "Scope", "StatementValue", "lower_program",
]



class StatementValue(NamedTuple):
    """What one statement did: the name it bound (or ``None``) and its value (``None`` for a definition)."""

    name: str | None
    value: Labeled | None


@record
class _Target:
    """The left side of an assignment: the name bound and its explicit output indices (``None``: whole)."""

    name: str
    indices: tuple[ast.IndexRef, ...] | None
    span: Span | None
    value: Labeled | None = None  # the right side, when reading the target needed it lowered already


class Lowerer:
    """Lowers the statements of one program (or one library body) against a scope."""

    def __init__(self, scope: Scope, depth: int = 0, callers: tuple[Span, ...] = (), budget: Budget | None = None) -> None:
        self.scope = scope
        self.depth = depth
        self.callers = callers  # spans of the calls this body was inlined from, innermost last
        self.budget = budget or Budget()  # one per evaluation, shared with every inlined body
        self._hints: dict[str, int] = {}
        self.tree: ast.Node | None = None  # the statement or body being lowered (E213 names a reduction in it)

    def nested(self, scope: Scope, call: Span | None) -> Lowerer:
        """A lowerer for the body of a function called at ``call``."""
        return Lowerer(scope, self.depth + 1, self.callers + ((call,) if call is not None else ()), self.budget)

    # == statements =============================================================================

    def statement(self, stmt: ast.Statement) -> StatementValue:
        """Lower one statement: the name it binds (or ``None``) and its value (``None`` for a definition)."""
        self.tree = stmt
        if isinstance(stmt, ast.Definition):
            self._define(stmt)
            return StatementValue(None, None)
        if isinstance(stmt, ast.Assignment):
            target = self._target(stmt)
            value = target.value
            try:
                if value is None:
                    value = self.expr(stmt.expr, target.indices, allow_whole=target.indices is None)
            except (E.OutputIndexError, E.RepeatedOutputIndexError) as err:
                self._explain_word_target(stmt, target, err)
                raise
            value = self.materialize(value, names(target.indices))
            self._check_bindable(target.name, target.span)
            self.scope.tensors[target.name] = Binding(value.node, target.name)
            return StatementValue(target.name, value)
        assert isinstance(stmt, ast.ExprStatement)
        value = self.expr(stmt.expr, stmt.output, allow_whole=stmt.output is None)
        return StatementValue(None, self.materialize(value, names(stmt.output)))

    def _define(self, definition: ast.Definition) -> None:
        seen: dict[str, Span | None] = {}
        for param, span in zip(definition.params, definition.param_spans or (None,) * len(definition.params)):
            if param in seen:
                raise E.RepeatedOutputIndexError(
                    f"parameter {param} appears twice in the definition of {definition.name}", [span, seen[param]]
                )
            if param in SPECIAL_NAMES:
                raise E.ReservedNameError(f"{param} is reserved for the special tensor; pick another parameter name", span)
            seen[param] = span
        if definition.name in ELEMENTWISE:
            raise E.ReservedNameError(
                f"{definition.name} is a built-in elementwise function and cannot be redefined", definition.name_span
            )
        if definition.output is not None:
            check_output_refs(definition.output)
        self.scope.functions[definition.name] = EinFunction(definition, definition.span.source if definition.span else None)

    def _target(self, stmt: ast.Assignment) -> _Target:
        target = stmt.target
        if isinstance(target, ast.Access):
            return _Target(target.name, target.indices, target.span)
        if isinstance(target, ast.Name):
            return _Target(target.name, None, target.span)
        split = target.split()
        if split is None:
            return _Target(target.text, None, target.span)
        # "C_ki = ..." indexes the result when any of k, i is used on the right. Otherwise "bear_basis = ..."
        # binds the whole name, unless the result has free indices: "y_j = 3 x_i" is read as y with index j
        # (an error: j is not on the right), never as a vector silently named "y_j".
        if not {ref.name for ref in split.indices} & ast.index_names(stmt.expr):
            try:
                implicit = self.expr(stmt.expr, allow_whole=True)
            except E.EinlangError:
                implicit = None  # the indexed reading reports the problem, with the target in view
            if implicit is not None and not implicit.labels:
                return _Target(target.text, None, target.span, implicit)
        return _Target(split.name, split.indices, target.span)

    def _explain_word_target(self, stmt: ast.Assignment, target: _Target, err: E.EinlangError) -> None:
        """A word read as name + indices may have been meant as a name with '_': say how to write that."""
        split = stmt.target.split() if isinstance(stmt.target, ast.Word) else None
        if target.indices is None or split is None:
            return
        unused = {ref.name for ref in split.indices} - ast.index_names(stmt.expr)
        if unused or isinstance(err, E.RepeatedOutputIndexError):
            err.add_context(messages.word_target_note(split, stmt.target.text, stmt.expr), None)  # type: ignore[union-attr]

    def _check_bindable(self, name: str, span: Span | None) -> None:
        if name in SPECIAL_NAMES:
            raise E.ReservedNameError(
                f"{name} is the built-in {'Kronecker delta' if name in DELTA_NAMES else 'Levi-Civita symbol'}; "
                "bind your tensor to another name",
                span,
            )

    # == expressions ============================================================================

    def expr(self, e: ast.Expr, out: Sequence[ast.IndexRef] | None = None, *, allow_whole: bool = False) -> Labeled:
        """Lower an expression; ``out`` is an explicit output (``C_ki = …``, ``… -> ki``) or ``None``."""
        if out is not None:
            check_output_refs(out)
        if isinstance(e, ast.Paren):
            return self.expr(e.expr, out, allow_whole=allow_whole)
        whole = self._maybe_whole(e)
        if whole is not None:
            if whole.labels is None and whole.node.shape != ():
                if allow_whole:
                    return whole
                raise messages.bare_tensor(whole.display, whole.node.shape, whole.span)
            whole = whole.as_scalar()
            return self._apply_output(whole, out) if out is not None else whole
        if isinstance(e, ast.Sum):
            return sums.lower_sum(self, e, out)
        return products.lower_product(self, e, out)

    def _maybe_whole(self, e: ast.Expr) -> Labeled | None:
        """Expressions that may denote a whole tensor: bare names, literals, calls without subscript."""
        if isinstance(e, (ast.Word, ast.Name)):
            meaning = self.scope.resolve(e) if isinstance(e, ast.Word) else WholeName(e.name)
            if not isinstance(meaning, WholeName):
                return None
            return Labeled(self.scope.lookup(meaning.name, e.span).node, None, e.span, display=meaning.name)
        if isinstance(e, ast.Array) and e.indices is None:
            return calls.array(self, e)
        if isinstance(e, ast.Call) and e.indices is None:
            if e.function == "size" and "size" not in self.scope.functions:
                return reductions.size_of(self, e)
            return calls.elementwise(self, e) if e.function in ELEMENTWISE else calls.call(self, e)
        if isinstance(e, ast.Number):
            return Labeled(literals.constant(e.value), None, e.span, display=e.text or str(e.value))
        return None

    def _apply_output(self, value: Labeled, out: Sequence[ast.IndexRef]) -> Labeled:
        labels = value.labels or ()
        names = batch.expand(tuple(r.name for r in out), labels)
        check_batch_kept(out, labels)
        require_outputs(out, labels, f"the right side has free indices {index_set(labels)}")
        if set(names) != set(labels) or len(set(labels)) != len(labels):
            # explicit output with summation or a diagonal: a contraction does it
            op = ir.Operand(value.node, labels, value.display, value.span)
            return self.contract([op], names, 1, value.span, value.label_spans)
        return value

    # -- sums and deferred lowering ----------------------------------------------------------------

    def deferring(self, items: list[Any], lower_one: Callable[[Any], Any], value_of: Callable[[Any], Any]) -> list[Any]:
        """Each item lowered in order; one whose index sizes come from the others waits for them (a delta
        term of a sum, A_ij + delta_ij; size(d) in a product, x_d / size(d))."""
        done: dict[int, Any] = {}
        waiting: list[int] = []
        for k, item in enumerate(items):
            try:
                done[k] = lower_one(item)
            except E.SizeInferenceError:
                waiting.append(k)
        if waiting:
            saved = dict(self._hints)
            for value in map(value_of, done.values()):
                for label, size in zip(value.labels or (), value.node.shape):
                    self._hints.setdefault(label, size)
            try:
                done.update((k, lower_one(items[k])) for k in waiting)
            finally:
                self._hints = saved
        return [done[k] for k in range(len(items))]

    @property
    def index_hints(self) -> dict[str, int]:
        """Index sizes known from outside the product being lowered (the other terms of a sum)."""
        return self._hints

    def index_size(self, label: str) -> int | None:
        """The size of index ``label`` in the product being lowered, once its tensors are (``size(d)``)."""
        return self._hints.get(label)

    # -- products -------------------------------------------------------------------------------

    def contract(self, operands: Sequence[ir.Operand], output: Sequence[str], coef: Any, span: Span | None,
                 label_spans: dict[str, Span], known: dict[str, int] | None = None, display: str = "",
                 dtype: np.dtype | None = None) -> Labeled:
        """A contraction node over ``operands`` keeping ``output`` (sizes read from the operands if not given)."""
        if known is None:
            known = {}
            for op in operands:
                for label, size in zip(op.labels, op.node.shape):
                    known.setdefault(label, size)
        shape = tuple(known[label] for label in output)
        if len(shape) > MAX_RANK:
            raise E.ShapeError(f"the result would have {len(shape)} free indices: numpy arrays have at most {MAX_RANK} axes",
                               [span], hint="sum over some of the indices, or split the computation")
        if dtype is None:
            dtype = literals.product_dtype([op.node for op in operands], None if coef == 1 else coef, span)
        operands, known = groups.grouped(operands, output, known, dtype, span)  # thousands of factors: in groups
        node = ir.Contract(tuple(operands), tuple(output), coef, shape, dtype, dict(known), span)
        return Labeled(node, tuple(output), span, label_spans, display)

    # -- factors --------------------------------------------------------------------------------

    def factor(self, e: ast.Expr) -> Factor:
        """One factor of a product: an indexed tensor, a scalar, or a closed unit (a sum, a call, …)."""
        if isinstance(e, (ast.Word, ast.Name)):
            meaning = self.scope.resolve(e) if isinstance(e, ast.Word) else WholeName(e.name)
            if not isinstance(meaning, WholeName):
                return self._access(meaning.name, meaning.indices, e.span, e.text)  # type: ignore[union-attr]
            binding = self.scope.lookup(meaning.name, e.span)
            if binding.node.shape != ():
                raise messages.bare_tensor(meaning.name, binding.node.shape, e.span)
            return Factor(binding.node, (), (), meaning.name, e.span, binding.description)
        if isinstance(e, ast.Access):
            return self._access(e.name, e.indices, e.span, messages.display(e))
        # closed units: their own repeated indices are summed inside, their free indices pass through
        if isinstance(e, products.Reciprocal):
            return _closed(products.reciprocal(self, e))
        if isinstance(e, ast.Sum):
            return _closed(sums.lower_sum(self, e, None))
        if isinstance(e, ast.Reduce):
            return _closed(reductions.lower_reduce(self, e))
        if isinstance(e, ast.Paren):
            return _closed(self.expr(e.expr))
        value = self._maybe_whole(e)
        if value is not None:
            if value.labels is None and value.node.shape != ():
                raise messages.bare_tensor(value.display, value.node.shape, value.span)
            return _closed(value.as_scalar())
        if isinstance(e, ast.Call):
            return _closed(calls.elementwise(self, e) if e.function in ELEMENTWISE else calls.call(self, e))
        if isinstance(e, ast.Array):
            return _closed(calls.array(self, e))
        raise AssertionError(f"unexpected factor {e!r}")  # pragma: no cover

    def _access(self, name: str, refs: Sequence[ast.IndexRef], span: Span | None, display: str) -> Factor:
        labels = tuple(r.name for r in refs)
        spans = tuple(r.span for r in refs)
        if ast.ELLIPSIS in labels:
            if name in SPECIAL_NAMES:
                raise E.IndexRuleError(f"{display}: the special tensor {name} has no batch dimensions ('...')", [span])
            binding = self.scope.lookup(name, span)
            labels, spans = batch.expand_refs(refs, binding.node.shape, display, binding.description, span)
            return Factor(binding.node, labels, spans, display, span, binding.description)
        if name in SPECIAL_NAMES:
            return sizes.special_factor(name, labels, spans, display, span)
        binding = self.scope.lookup(name, span)
        rank = len(binding.node.shape)
        if rank != len(labels):
            culprit = [spans[rank]] if len(labels) > rank and spans and spans[rank] is not None else [span]
            raise E.RankMismatchError(
                f"{binding.description} is {shape_words(binding.node.shape)} "
                f"({messages.count_words(rank, 'index', 'indices')}) but {display} gives it {len(labels)}",
                culprit,
                hint=f"write {name}_{example_indices(rank)}" if rank else f"write {name} with no indices",
            )
        return Factor(binding.node, labels, spans, display, span, binding.description)

    # -- results --------------------------------------------------------------------------------

    def subscripted(self, value: Labeled, refs: Sequence[ast.IndexRef], span: Span | None) -> Labeled:
        """A whole value given indices after the fact: ``f(A)_ij``, ``[1, 2]_i``."""
        rank = len(value.node.shape)
        expanded = batch.expand_refs(refs, value.node.shape, value.display, value.display or "this value", span)
        if expanded is not None:
            labels, spans_ = expanded
            return Labeled(value.node, labels, span, {lab: sp for lab, sp in zip(labels, spans_) if sp is not None},
                           value.display)
        if len(refs) != rank:
            raise E.RankMismatchError(
                f"{value.display} is {shape_words(value.node.shape)} but is given "
                f"{messages.count_words(len(refs), 'index', 'indices')}",
                [span],
            )
        labels = tuple(r.name for r in refs)
        spans = {r.name: r.span for r in refs if r.span is not None}
        if len(set(labels)) != len(labels):
            # f(A)_ii: a diagonal (or trace, by the convention) of the result
            op = ir.Operand(value.node, labels, value.display, span)
            counts = {label: labels.count(label) for label in labels}
            out = tuple(sorted(label for label, c in counts.items() if c == 1))
            return self.contract([op], out, 1, span, spans, display=value.display)
        return Labeled(value.node, labels, span, spans, value.display)

    def materialize(self, value: Labeled, order: tuple[str, ...] | None) -> Labeled:
        """A node whose axes are in ``order`` (alphabetical when ``None``); whole values pass through."""
        if value.labels is None:
            return value
        if order is None:
            order = batch.canonical(value.labels)
        order = batch.expand(order, value.labels)
        if value.labels == order:
            return value
        op = ir.Operand(value.node, value.labels, value.display, value.span)
        return self.contract([op], order, 1, value.span, value.label_spans, display=value.display)


def _closed(value: Labeled) -> Factor:
    labels = value.labels or ()
    spans = tuple(value.label_spans.get(label, value.span) for label in labels)
    return Factor(value.node, labels, spans, value.display, value.span, value.display or "this expression")


def lower_program(program: ast.Program, scope: Scope) -> ir.LoweredProgram:
    """Check every statement of ``program`` against ``scope`` and build the IR DAG.

    Assignments bind names for the statements after them (``scope`` is updated); the program's value
    is the value of its last statement that has one.
    """
    lowerer = Lowerer(scope)
    result: Labeled | None = None
    bindings: list[tuple[str, ir.Node]] = []
    for stmt in program.statements:
        name, value = lowerer.statement(stmt)
        if value is not None:
            result = value
        if name is not None and value is not None:
            bindings.append((name, value.node))
    if result is None:
        empty = np.asarray(0.0)
        node: ir.Node = ir.Constant(empty, (), empty.dtype)
        labels: tuple[str, ...] | None = ()
    else:
        node, labels = result.node, result.labels
    nodes = ir.topological_order(node)
    inputs = tuple(n for n in nodes if isinstance(n, ir.Input))
    return ir.LoweredProgram(inputs, nodes, node, labels, tuple(bindings), has_value=result is not None)
