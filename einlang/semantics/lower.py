"""Check a syntax tree against what is bound and lower it to the IR (every summed index explicit).

This is where the language's rules live: name resolution, ranks, sizes, the Einstein convention,
explicit outputs, sums aligned by index name, elementwise functions, calls (inlined, indices renamed
apart by construction: labels are local to one contraction node).

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> scope = Scope.from_arrays({"A": np.ones((3, 4)), "B": np.ones((4, 5))})
>>> lowered = lower_program(parse("A_ij B_jk"), scope)
>>> lowered.result.shape, lowered.labels
((3, 5), ('i', 'k'))
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from .. import errors as E
from ..functions import ELEMENTWISE
from ..source import Span
from ..syntax import ast
from . import batch, ir
from .callables import EinFunction, PyFunction
from .describe import example_indices, index_set, shape_words

DELTA_NAMES = frozenset({"delta", "δ"})
EPSILON_NAMES = frozenset({"eps", "ε"})
SPECIAL_NAMES = DELTA_NAMES | EPSILON_NAMES
MAX_CALL_DEPTH = 32
# Mathematical constants, visible wherever no tensor of the same name is bound (a bound name wins).
CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": math.tau, "τ": math.tau}
MAX_RANK = 64  # numpy's limit on the number of axes of an array
MAX_LEVI_CIVITA_RANK = 6  # 6**6 entries; beyond that eps is never what anyone meant


@dataclass(frozen=True, slots=True)
class Binding:
    """A tensor in scope: its node and how messages should call it."""

    node: ir.Node
    description: str


_CONSTANT_BINDINGS = {
    name: Binding(ir.Constant(np.asarray(value), (), np.dtype(float)), f"the constant {name}")
    for name, value in CONSTANTS.items()
}


@dataclass(slots=True)
class Scope:
    """Names visible to a program: tensors (by name) and callables (by name)."""

    tensors: dict[str, Binding] = field(default_factory=dict)
    functions: dict[str, EinFunction | PyFunction] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any], functions: Mapping[str, Any] | None = None) -> Scope:
        tensors = {name: Binding(ir.Input(name, tuple(np.shape(a)), _dtype_of(a)), name) for name, a in arrays.items()}
        return cls(tensors, dict(functions or {}))


def _dtype_of(value: Any) -> np.dtype:
    dtype = getattr(value, "dtype", None)
    return dtype if isinstance(dtype, np.dtype) else np.asarray(value).dtype


@dataclass(slots=True)
class Labeled:
    """A lowered expression: ``node``'s axis k carries ``labels[k]``; ``labels is None`` for a whole
    (unindexed) tensor such as a bare name, an array literal or a call without a subscript."""

    node: ir.Node
    labels: tuple[str, ...] | None
    span: Span | None
    label_spans: dict[str, Span] = field(default_factory=dict)
    display: str = ""


@dataclass(slots=True)
class _Factor:
    node: ir.Node
    labels: tuple[str, ...]
    spans: tuple[Span | None, ...]
    display: str
    span: Span | None
    description: str
    special: str | None = None  # "delta" / "eps": sizes come from the other factors


def _suggest(name: str, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return "did you mean " + " or ".join(close) + "?" if close else None


def _exact(value: int | float | complex) -> int | float | complex | Fraction:
    return Fraction(value) if isinstance(value, int) else value


def _normalise_coefficient(coef: Any) -> Any:
    if isinstance(coef, Fraction) and coef.denominator == 1:
        return int(coef)
    return coef


def _result_dtype(dtypes: Sequence[np.dtype], coef: Any = 1) -> np.dtype:
    if any(d == object for d in dtypes):
        return np.dtype(object)
    extra: list[Any] = []
    if isinstance(coef, Fraction):
        extra.append(float(coef) if coef.denominator != 1 else int(coef))
    elif coef != 1:
        extra.append(coef)
    if not dtypes:
        return np.asarray(extra[0] if extra else 1).dtype
    return np.result_type(*dtypes, *extra)


class Lowerer:
    """Lowers the statements of one program (or one library body) against a scope."""

    def __init__(self, scope: Scope, depth: int = 0, callers: tuple[Span, ...] = ()) -> None:
        self.scope = scope
        self.depth = depth
        self.callers = callers  # spans of the calls this body was inlined from, innermost last
        self._hints: dict[str, int] = {}

    # == statements =============================================================================

    def statement(self, stmt: ast.Statement) -> tuple[str | None, Labeled | None]:
        """Lower one statement: returns (name bound or None, value or None for a definition)."""
        if isinstance(stmt, ast.Definition):
            self._define(stmt)
            return None, None
        if isinstance(stmt, ast.Assignment):
            name, out_refs, name_span, value = self._target(stmt)
            try:
                if value is None:
                    value = self.expr(stmt.expr, out_refs, allow_whole=out_refs is None)
            except (E.OutputIndexError, E.RepeatedOutputIndexError) as err:
                # a word read as name + indices may have been meant as a name with '_': say how to write that
                text = stmt.target.text if isinstance(stmt.target, ast.Word) else ""
                unused = set(text.rpartition("_")[2]) - _index_names_used(stmt.expr)
                if out_refs is not None and text and (unused or isinstance(err, E.RepeatedOutputIndexError)):
                    err.add_context(_word_target_note(text, stmt.expr), None)
                raise
            value = self.materialize(value, tuple(r.name for r in out_refs) if out_refs is not None else None)
            self._check_bindable(name, name_span)
            self.scope.tensors[name] = Binding(value.node, name)
            return name, value
        assert isinstance(stmt, ast.ExprStatement)
        value = self.expr(stmt.expr, stmt.output, allow_whole=stmt.output is None)
        order = tuple(r.name for r in stmt.output) if stmt.output is not None else None
        return None, self.materialize(value, order)

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
            self._check_output_refs(definition.output)
        self.scope.functions[definition.name] = EinFunction(definition, definition.span.source if definition.span else None)

    def _target(self, stmt: ast.Assignment) -> tuple[str, tuple[ast.IndexRef, ...] | None, Span | None, Labeled | None]:
        """The name an assignment binds and its explicit output indices (``None``: the whole value).

        The fourth item is the right side already lowered, when reading the target needed it."""
        target = stmt.target
        if isinstance(target, ast.Access):
            return target.name, target.indices, target.span, None
        if isinstance(target, ast.Name):
            return target.name, None, target.span, None
        text = target.text
        head, _, tail = text.rpartition("_")
        if not (head and tail.isalpha()):
            return text, None, target.span, None
        # "C_ki = ..." indexes the result when any of k, i is used on the right. Otherwise "bear_basis = ..."
        # binds the whole name, unless the result has free indices: "y_j = 3 x_i" is read as y with index j
        # (an error: j is not on the right), never as a vector silently named "y_j".
        if not any(ch in _index_names_used(stmt.expr) for ch in tail):
            try:
                implicit = self.expr(stmt.expr, allow_whole=True)
            except E.EinlangError:
                implicit = None  # the indexed reading reports the problem, with the target in view
            if implicit is not None and not implicit.labels:
                return text, None, target.span, implicit
        span = target.span
        refs = tuple(ast.IndexRef(ch, span.sub(len(head) + 1 + k, len(head) + 2 + k) if span else None)
                     for k, ch in enumerate(tail))
        return head, refs, span, None

    def _check_bindable(self, name: str, span: Span | None) -> None:
        if name in SPECIAL_NAMES:
            raise E.ReservedNameError(
                f"{name} is the built-in {'Kronecker delta' if name in DELTA_NAMES else 'Levi-Civita symbol'}; "
                "bind your tensor to another name",
                span,
            )

    def _check_output_refs(self, refs: Sequence[ast.IndexRef]) -> None:
        seen: dict[str, ast.IndexRef] = {}
        for ref in refs:
            if ref.name in seen:
                raise E.RepeatedOutputIndexError(
                    f"output index {ref.name} is repeated: each output index names one axis of the result",
                    [ref.span, seen[ref.name].span],
                    hint="to take a diagonal write it on the right side: d_i = A_ii",
                )
            seen[ref.name] = ref

    def _check_batch_kept(self, out: Sequence[ast.IndexRef], labels) -> None:
        """An explicit output must keep the batch axes with '...' (numpy refuses to sum them silently)."""
        if any(batch.is_batch(label) for label in labels) and all(r.name != ast.ELLIPSIS for r in out):
            raise E.OutputIndexError(
                "the right side has batch dimensions ('...') but the output does not keep them",
                [r.span for r in out][:1] or None,
                hint="write '...' in the output too, e.g. C_{...ik} = A_{...ij} B_{...jk}",
            )

    # == expressions ============================================================================

    def expr(self, e: ast.Expr, out: Sequence[ast.IndexRef] | None = None, *, allow_whole: bool = False) -> Labeled:
        """Lower an expression; ``out`` is an explicit output (``C_ki = …``, ``… -> ki``) or ``None``."""
        if out is not None:
            self._check_output_refs(out)
        if isinstance(e, ast.Paren):
            return self.expr(e.expr, out, allow_whole=allow_whole)
        whole = self._maybe_whole(e)
        if whole is not None:
            if whole.labels is None and whole.node.shape != ():
                if allow_whole:
                    return whole
                self._bare_error(whole)
            if whole.labels is None:
                whole = Labeled(whole.node, (), whole.span, {}, whole.display)
            if out is not None:
                return self._apply_output(whole, out)
            return whole
        if isinstance(e, ast.Sum):
            return self._sum(e, out)
        return self._product(e, out)

    def _maybe_whole(self, e: ast.Expr) -> Labeled | None:
        """Expressions that may denote a whole tensor: bare names, literals, calls without subscript."""
        if isinstance(e, ast.Word):
            resolved = self._resolve_word(e)
            if resolved[0] == "whole":
                binding = self._lookup(resolved[1], e.span)
                return Labeled(binding.node, None, e.span, display=resolved[1])
            return None
        if isinstance(e, ast.Name):
            binding = self._lookup(e.name, e.span)
            return Labeled(binding.node, None, e.span, display=e.name)
        if isinstance(e, ast.Array) and e.indices is None:
            return self._array(e)
        if isinstance(e, ast.Call) and e.indices is None and e.function not in ELEMENTWISE:
            return self._call(e)
        if isinstance(e, ast.Call) and e.function in ELEMENTWISE and e.indices is None:
            return self._elementwise(e)
        if isinstance(e, ast.Number):
            return Labeled(self._constant(e.value), None, e.span, display=e.text or str(e.value))
        return None

    def _bare_error(self, whole: Labeled) -> None:
        shape = whole.node.shape
        name = whole.display or "this value"
        raise E.BareTensorError(
            f"{name} is {shape_words(shape)}: write its indices, e.g. {name}_{example_indices(len(shape))}",
            whole.span,
            hint="a name without indices is only allowed for scalars (rank 0)",
        )

    def _apply_output(self, value: Labeled, out: Sequence[ast.IndexRef]) -> Labeled:
        labels = value.labels or ()
        names = batch.expand(tuple(r.name for r in out), labels)
        self._check_batch_kept(out, labels)
        _require_outputs(out, labels, f"the right side has free indices {index_set(labels)}")
        if set(names) != set(labels) or len(set(labels)) != len(labels):
            # explicit output with summation or a diagonal: a contraction does it
            op = ir.Operand(value.node, labels, value.display, value.span)
            return self._make_contract([op], names, 1, value.span, value.label_spans)
        return value

    # -- sums -----------------------------------------------------------------------------------

    def _sum_term(self, term: ast.Expr, out: Sequence[ast.IndexRef] | None) -> Labeled:
        """One term of a sum; an output index missing from it is reported against that term."""
        try:
            return self.expr(term, out)
        except E.OutputIndexError as err:
            missing = getattr(err, "index", None)
            if out is None or missing is None:
                raise
            raise E.OutputIndexError(
                f"output index {missing} does not appear in the term {_display(term) or 'here'}: every term of a "
                "sum must have every output index",
                [*err.spans, *([term.span] if term.span is not None else [])],
                hint="einlang never broadcasts a term over an axis it does not have",
            ) from None

    def _sum(self, e: ast.Sum, out: Sequence[ast.IndexRef] | None) -> Labeled:
        lowered: list[tuple[int, Labeled, ast.Expr]] = []
        deferred: list[tuple[int, int, ast.Expr]] = []
        for position, (sign, term) in enumerate(e.terms):
            try:
                lowered.append((position, sign, self._sum_term(term, out)))  # type: ignore[arg-type]
            except E.SizeInferenceError:
                deferred.append((position, sign, term))
        if deferred:
            # a delta term takes its sizes from the other terms: A_ij + delta_ij
            saved = dict(self._hints)
            for _, _, value in lowered:  # type: ignore[misc]
                for label, size in zip(value.labels or (), value.node.shape):
                    self._hints.setdefault(label, size)
            try:
                for position, sign, term in deferred:
                    lowered.append((position, sign, self._sum_term(term, out)))  # type: ignore[arg-type]
            finally:
                self._hints = saved
            lowered.sort(key=lambda item: item[0])
        terms = [(sign, value) for _, sign, value in lowered]  # type: ignore[misc]
        first = terms[0][1]
        first_set = set(first.labels or ())
        for _, value in terms[1:]:
            if set(value.labels or ()) != first_set:
                raise E.FreeIndexMismatchError(
                    f"terms of a sum must have the same free indices: {first.display or 'the first term'} has "
                    f"{_shown_set(first_set)} but {value.display or 'this term'} has "
                    f"{_shown_set(value.labels or ())}",
                    [first.span, value.span],
                    hint="free indices are those that appear once in a term; add or remove indices so every term "
                    "has the same set",
                )
        if out is not None:
            order = batch.expand(tuple(r.name for r in out), first_set)
        else:
            order = batch.canonical(first_set)
        sizes: dict[str, tuple[int, Labeled]] = {}
        for _, value in terms:
            for label, size in zip(value.labels or (), value.node.shape):
                if label in sizes and sizes[label][0] != size:
                    other = sizes[label][1]
                    raise E.SizeMismatchError(
                        f"index {batch.describe(label)} is {sizes[label][0]} in the term {other.display or 'here'} but {size} in "
                        f"the term {value.display or 'here'}",
                        [other.label_spans.get(label, other.span), value.label_spans.get(label, value.span)],
                    )
                sizes.setdefault(label, (size, value))
        ir_terms = tuple(ir.Term(sign, value.node, value.labels or ()) for sign, value in terms)
        shape = tuple(sizes[label][0] for label in order)
        dtype = _result_dtype([t.node.dtype for t in ir_terms])
        node = ir.Combine(ir_terms, order, shape, dtype)
        label_spans: dict[str, Span] = {}
        for _, value in terms:
            for label, span in value.label_spans.items():
                label_spans.setdefault(label, span)
        return Labeled(node, order, e.span, label_spans, _display(e))

    # -- products -------------------------------------------------------------------------------

    def _collect(self, e: ast.Expr, coef: Any, out: list[ast.Expr]) -> Any:
        """Flatten a product: numbers fold into the coefficient; parentheses around a product vanish
        (the convention counts indices through them); a denominator becomes a reciprocal factor."""
        if isinstance(e, ast.Product):
            for factor in e.factors:
                coef = self._collect(factor, coef, out)
            return coef
        if isinstance(e, ast.Paren) and not isinstance(e.expr, ast.Sum):
            return self._collect(e.expr, coef, out)
        if isinstance(e, ast.Neg):
            return self._collect(e.operand, -coef, out)
        if isinstance(e, ast.Number):
            return coef * _exact(e.value)
        if isinstance(e, ast.Div):
            coef = self._collect(e.numerator, coef, out)
            denominator = _constant_value(e.denominator)
            if denominator is not None:
                if denominator == 0:
                    return coef * float("inf") if coef else float("nan")
                return coef / _exact(denominator)
            out.append(_Reciprocal(e.denominator, e.denominator.span))  # type: ignore[arg-type]
            return coef
        out.append(e)
        return coef

    def _product(self, e: ast.Expr, out: Sequence[ast.IndexRef] | None) -> Labeled:
        pieces: list[ast.Expr] = []
        coef = self._collect(e, Fraction(1), pieces)
        factors = [self._factor(piece) for piece in pieces]
        batch.broadcast(factors)  # numpy's rules for '...' axes: size-1 batch axes get private labels
        occurrences: dict[str, list[Span | None]] = {}
        for factor in factors:
            for label, span in zip(factor.labels, factor.spans):
                occurrences.setdefault(label, []).append(span)
        if out is None:
            for label, spans in occurrences.items():
                if len(spans) >= 3 and not batch.is_batch(label):
                    raise E.ConventionError(
                        f"index {label} appears {len(spans)} times in one product: the Einstein convention sums "
                        "an index that appears exactly twice",
                        spans,
                        hint=_convention_hint(label, occurrences),
                    )
            # batch axes are kept however many factors share them; private (broadcast) labels are summed
            output = batch.canonical(label for label, spans in occurrences.items()
                                     if batch.is_batch(label) or (len(spans) == 1 and batch.PRIVATE not in label))
        else:
            output = batch.expand(tuple(r.name for r in out), occurrences)
            self._check_batch_kept(out, occurrences)
            _require_outputs(out, occurrences, f"the right side uses the indices {index_set(sorted(occurrences))}")
        sizes = self._infer_sizes(factors)
        self._materialise_specials(factors, sizes)
        label_spans = {label: spans[0] for label, spans in occurrences.items() if spans and spans[0] is not None}
        coef = _normalise_coefficient(coef)
        span = getattr(e, "span", None)
        if len(factors) == 1 and coef == 1 and factors[0].labels == output:
            only = factors[0]
            return Labeled(only.node, output, span, label_spans, only.display)
        if not factors:
            node = self._constant(coef)
            return Labeled(node, (), span, {}, _display(e))
        operands = [ir.Operand(f.node, f.labels, f.display, f.span) for f in factors]
        return self._make_contract(operands, output, coef, span, label_spans, sizes, _display(e))

    def _make_contract(self, operands, output, coef, span, label_spans, sizes=None, display="") -> Labeled:
        if sizes is None:
            sizes = {}
            for op in operands:
                for label, size in zip(op.labels, op.node.shape):
                    sizes.setdefault(label, size)
        shape = tuple(sizes[label] for label in output)
        if len(shape) > MAX_RANK:
            raise E.ShapeError(f"the result would have {len(shape)} free indices: numpy arrays have at most {MAX_RANK} axes",
                               [span], hint="sum over some of the indices, or split the computation")
        dtype = _result_dtype([op.node.dtype for op in operands], coef)
        node = ir.Contract(tuple(operands), tuple(output), coef, shape, dtype, dict(sizes), span)
        return Labeled(node, tuple(output), span, label_spans, display)

    def _infer_sizes(self, factors: Sequence[_Factor]) -> dict[str, int]:
        sizes: dict[str, int] = {}
        where: dict[str, tuple[_Factor, int]] = {}
        for factor in factors:
            if factor.special:
                continue
            for axis, (label, size) in enumerate(zip(factor.labels, factor.node.shape)):
                if label in sizes and sizes[label] != size:
                    other, other_axis = where[label]
                    raise E.SizeMismatchError(
                        f"index {label} is {sizes[label]} in {other.description} ({other.display}) but {size} in "
                        f"{factor.description} ({factor.display})",
                        [other.spans[other_axis], factor.spans[axis]],
                        hint=f"{label} must have one size everywhere it appears"
                        + (": einlang never stretches a size-1 axis silently" if 1 in (size, sizes[label]) else ""),
                    )
                sizes.setdefault(label, size)
                where.setdefault(label, (factor, axis))
        for factor in factors:
            if factor.special == "eps":
                n = len(factor.labels)
                for axis, label in enumerate(factor.labels):
                    if label in sizes and sizes[label] != n:
                        other, other_axis = where[label]
                        raise E.SizeMismatchError(
                            f"index {label} is {sizes[label]} in {other.description} ({other.display}) but the "
                            f"Levi-Civita symbol {factor.display} has {n} indices, so each is of size {n}",
                            [other.spans[other_axis], factor.spans[axis]],
                        )
                    sizes.setdefault(label, n)
                    where.setdefault(label, (factor, axis))
        # deltas: both indices have one size, possibly known only through another delta
        deltas = [f for f in factors if f.special == "delta"]
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
                if x not in sizes and x in self._hints:
                    sizes[x] = self._hints[x]
            if a not in sizes and b not in sizes:
                raise E.SizeInferenceError(
                    f"cannot tell the size of {factor.display}: "
                    + (f"neither {a} nor {b} is" if a != b else f"{a} is not") + " used by a tensor of known size",
                    [factor.span],
                    hint="use its indices on another tensor, or use identity(n) for an n×n identity matrix",
                )
            sizes.setdefault(a, sizes.get(b, 0))
            sizes.setdefault(b, sizes[a])
        return sizes

    def _materialise_specials(self, factors: list[_Factor], sizes: dict[str, int]) -> None:
        for factor in factors:
            if factor.special == "delta":
                n = sizes[factor.labels[0]]
                factor.node = ir.Delta((n, n))
            elif factor.special == "eps":
                n = len(factor.labels)
                factor.node = ir.LeviCivita((n,) * n)

    # -- factors --------------------------------------------------------------------------------

    def _factor(self, e: ast.Expr) -> _Factor:
        if isinstance(e, ast.Word):
            resolved = self._resolve_word(e)
            if resolved[0] == "whole":
                binding = self._lookup(resolved[1], e.span)
                if binding.node.shape != ():
                    self._bare_error(Labeled(binding.node, None, e.span, display=resolved[1]))
                return _Factor(binding.node, (), (), resolved[1], e.span, binding.description)
            _, name, refs = resolved
            return self._access(name, refs, e.span, e.text)
        if isinstance(e, ast.Access):
            return self._access(e.name, e.indices, e.span, _display(e))
        if isinstance(e, ast.Name):
            binding = self._lookup(e.name, e.span)
            if binding.node.shape != ():
                self._bare_error(Labeled(binding.node, None, e.span, display=e.name))
            return _Factor(binding.node, (), (), e.name, e.span, binding.description)
        # closed units: their own repeated indices are summed inside, their free indices pass through
        if isinstance(e, _Reciprocal):
            inner = self.expr(e.expr, allow_whole=True)
            if inner.labels is None:
                if inner.node.shape != ():
                    raise E.BareTensorError(
                        f"cannot divide by {inner.display or 'a tensor'}, {shape_words(inner.node.shape)}: "
                        "write its indices to divide elementwise",
                        [e.span],
                    )
                inner = Labeled(inner.node, (), inner.span, {}, inner.display)
            node = self._apply_node("reciprocal", inner.node)
            return self._closed(Labeled(node, inner.labels, e.span, inner.label_spans, "1/(" + inner.display + ")"))
        if isinstance(e, ast.Sum):
            return self._closed(self._sum(e, None))
        if isinstance(e, ast.Paren):
            return self._closed(self.expr(e.expr))
        value = self._maybe_whole(e)
        if value is not None:
            if value.labels is None:
                if value.node.shape != ():
                    self._bare_error(value)
                value = Labeled(value.node, (), value.span, {}, value.display)
            return self._closed(value)
        if isinstance(e, ast.Call):
            return self._closed(self._call(e) if e.function not in ELEMENTWISE else self._elementwise(e))
        if isinstance(e, ast.Array):
            return self._closed(self._array(e))
        raise AssertionError(f"unexpected factor {e!r}")  # pragma: no cover

    def _closed(self, value: Labeled) -> _Factor:
        labels = value.labels or ()
        spans = tuple(value.label_spans.get(label, value.span) for label in labels)
        return _Factor(value.node, labels, spans, value.display, value.span, value.display or "this expression")

    def _access(self, name: str, refs: Sequence[ast.IndexRef], span: Span | None, display: str) -> _Factor:
        labels = tuple(r.name for r in refs)
        spans = tuple(r.span for r in refs)
        if ast.ELLIPSIS in labels:
            if name in SPECIAL_NAMES:
                raise E.IndexRuleError(f"{display}: the special tensor {name} has no batch dimensions ('...')", [span])
            binding = self._lookup(name, span)
            labels, spans = batch.expand_refs(refs, binding.node.shape, display, binding.description, span)
            return _Factor(binding.node, labels, spans, display, span, binding.description)
        if name in DELTA_NAMES:
            if len(labels) != 2:
                raise E.RankMismatchError(
                    f"the Kronecker delta takes 2 indices, but {display} gives {len(labels)}", [span],
                    hint="write delta_ij",
                )
            return _Factor(ir.Delta((0, 0)), labels, spans, display, span, "the Kronecker delta", special="delta")
        if name in EPSILON_NAMES:
            if not 2 <= len(labels) <= MAX_LEVI_CIVITA_RANK:
                raise E.RankMismatchError(
                    f"the Levi-Civita symbol takes 2 to {MAX_LEVI_CIVITA_RANK} indices, but {display} gives "
                    f"{len(labels)}",
                    [span],
                )
            n = len(labels)
            return _Factor(ir.LeviCivita((n,) * n), labels, spans, display, span, "the Levi-Civita symbol", special="eps")
        binding = self._lookup(name, span)
        rank = len(binding.node.shape)
        if rank != len(labels):
            culprit = [spans[rank]] if len(labels) > rank and spans and spans[rank] is not None else [span]
            raise E.RankMismatchError(
                f"{binding.description} is {shape_words(binding.node.shape)} ({rank} "
                f"{'index' if rank == 1 else 'indices'}) but {display} gives it {len(labels)}",
                culprit,
                hint=f"write {name}_{example_indices(rank)}" if rank else f"write {name} with no indices",
            )
        return _Factor(binding.node, labels, spans, display, span, binding.description)

    # -- names ----------------------------------------------------------------------------------

    def _lookup(self, name: str, span: Span | None) -> Binding:
        binding = self.scope.tensors.get(name) or _CONSTANT_BINDINGS.get(name)
        if binding is None:
            self._undefined(name, span)
        return binding  # type: ignore[return-value]

    def _undefined(self, name: str, span: Span | None, whole_word: str | None = None) -> None:
        known = list(self.scope.tensors)
        hint = _suggest(name, known)
        if whole_word and whole_word != name:
            message = f"{name} is not defined (in {whole_word}, read as {name} with indices "
            message += ", ".join(whole_word[len(name) + 1 :]) + ")"
        else:
            message = f"{name} is not defined"
        if not hint:
            if known:
                shown = ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
                hint = f"defined here: {shown}"
            else:
                hint = "pass it as a keyword argument (einlang.evaluate(..., A=array)) or bind it first (A = [[1, 2], [3, 4]])"
        if name in self.scope.functions or name in ELEMENTWISE:
            hint = f"{name} is a function: call it with parentheses, {name}(...)"
        raise E.UndefinedNameError(message, [span], hint=hint)

    def _resolve_word(self, word: ast.Word) -> tuple:
        """``A_ij`` -> ("access", "A", (i, j)); ``alpha`` -> ("whole", "alpha").

        A word with an underscore is split at its last underscore when the part before it is bound
        (``bear_basis_ij``); it is a whole name when that whole name is bound (``bear_basis``). When
        both readings exist the word is ambiguous and refused, never guessed.
        """
        text = word.text
        tensors = self.scope.tensors
        head, _, tail = text.rpartition("_")
        splittable = bool(head) and tail.isalpha()
        split_bound = splittable and (head in tensors or head in SPECIAL_NAMES)
        whole_bound = text in tensors or text in _CONSTANT_BINDINGS
        if text in SPECIAL_NAMES:
            raise E.RankMismatchError(
                f"{text} needs indices: write {'delta_ij' if text in DELTA_NAMES else 'eps_ijk'}", [word.span]
            )
        if split_bound and whole_bound:
            raise E.AmbiguousNameError(
                f"{text} could be the tensor {text} or {head} with indices {', '.join(tail)}",
                [word.span],
                hint=f"write `{text}` for the whole tensor, or {head}_{{{tail}}} for the indexed one",
            )
        if split_bound:
            start = len(head) + 1
            span = word.span
            refs = tuple(
                ast.IndexRef(ch, span.sub(start + k, start + k + 1) if span else None) for k, ch in enumerate(tail)
            )
            return ("access", head, refs)
        if whole_bound:
            return ("whole", text)
        if splittable:
            if head in self.scope.functions or head in ELEMENTWISE:
                raise E.UndefinedNameError(
                    f"{head} is a function, not a tensor", [word.span], hint=f"call it: {head}(...)_{tail}"
                )
            self._undefined(head, word.span.sub(0, len(head)) if word.span else None, text)
        if "_" in text and not splittable and head:
            raise E.UndefinedNameError(
                f"{text} is not defined", [word.span],
                hint="indices are letters: A_ij, or A_{i j}; names with '_' can be quoted: `my_name`",
            )
        self._undefined(text, word.span)
        raise AssertionError  # pragma: no cover

    # -- calls, functions, literals -------------------------------------------------------------

    def _elementwise(self, e: ast.Call) -> Labeled:
        if len(e.args) != 1:
            raise E.ArgumentCountError(
                f"{e.function} takes 1 argument but was given {len(e.args)}", [e.span]
            )
        inner = self.expr(e.args[0], allow_whole=True)
        node = self._apply_node(e.function, inner.node)
        display = _display(e)
        if inner.labels is None:
            if e.indices is not None:
                return self._subscripted(Labeled(node, None, e.span, display=display), e.indices, e.span)
            return Labeled(node, None, e.span, display=display)
        if e.indices is not None:
            raise E.IndexRuleError(
                f"{e.function}(...) already has the indices {index_set(inner.labels)} of its argument",
                [e.span],
                hint=f"write {e.function}(A)_ij for a whole tensor A, or {e.function}(A_ij)",
            )
        return Labeled(node, inner.labels, e.span, inner.label_spans, display)

    def _apply_node(self, function: str, arg: ir.Node) -> ir.Node:
        fn = ELEMENTWISE[function]
        if isinstance(arg, ir.Constant) and arg.dtype != object:
            with np.errstate(all="ignore"):
                value = np.asarray(fn.on_array(arg.value))
            return ir.Constant(value, value.shape, value.dtype)
        return ir.Apply(fn.name, arg, arg.shape, fn.result_dtype(arg.dtype))

    def _call(self, e: ast.Call) -> Labeled:
        function = self.scope.functions.get(e.function)
        if function is None:
            if e.function in self.scope.tensors:
                raise E.UnknownFunctionError(
                    f"{e.function} is a tensor, not a function", [e.name_span],
                    hint=f"index it with _: {e.function}_"
                    f"{example_indices(len(self.scope.tensors[e.function].node.shape)) or 'ij'}",
                )
            candidates = list(self.scope.functions) + sorted(set(ELEMENTWISE))
            raise E.UnknownFunctionError(
                f"unknown function {e.function}", [e.name_span or e.span], hint=_suggest(e.function, candidates)
            )
        given, most = len(e.args), len(function.params)
        least = function.required if isinstance(function, PyFunction) else most
        if not least <= given <= most:
            expected = str(most) if least == most else f"{least} to {most}"
            raise E.ArgumentCountError(
                f"{e.function}({', '.join(function.params)}) takes {expected} "
                f"argument{'s' if most != 1 else ''} but was given {given}",
                [e.span],
            )
        if self.depth >= MAX_CALL_DEPTH:
            raise E.RecursionLimitError(
                f"calls nested more than {MAX_CALL_DEPTH} deep (is {e.function} recursive?)", [e.span]
            )
        args = [self.expr(arg, allow_whole=True) for arg in e.args]
        arg_nodes = [self.materialize(arg, None).node for arg in args]
        try:
            if isinstance(function, PyFunction):
                result = self._external(function, e, args, arg_nodes)
            else:
                result = self._inline(function, e, args, arg_nodes)
        except E.EinlangError as err:
            already_here = err.span is e.span  # a Python function's check already points at this call
            if not already_here and not any(note.startswith(f"in {e.function}(") for note, _ in err.context):
                err.add_context(f"in {e.function}(...), called here", e.span)
            raise
        if e.indices is not None:
            return self._subscripted(result, e.indices, e.span)
        return result

    def _inline(self, function: EinFunction, e: ast.Call, args: list[Labeled], nodes: list[ir.Node]) -> Labeled:
        definition = function.definition
        tensors: dict[str, Binding] = {}
        for k, (param, arg, node) in enumerate(zip(definition.params, args, nodes)):
            shown = arg.display or _display(e.args[k])
            description = param if shown == param else f"{param} (argument {k + 1} of {definition.name}: {shown})"
            tensors[param] = Binding(node, description)
        body_scope = Scope(tensors, self.scope.functions)
        inner = Lowerer(body_scope, self.depth + 1, self.callers + ((e.span,) if e.span is not None else ()))
        value = inner.expr(definition.body, definition.output, allow_whole=definition.output is None)
        order = tuple(r.name for r in definition.output) if definition.output is not None else None
        value = inner.materialize(value, order)
        return Labeled(value.node, None, e.span, display=_display(e))

    def _external(self, function: PyFunction, e: ast.Call, args: list[Labeled], nodes: list[ir.Node]) -> Labeled:
        constants = tuple(_node_constant(node) for node in nodes)
        shapes = tuple(node.shape for node in nodes)
        dtypes = tuple(node.dtype for node in nodes)
        try:
            shape, dtype = function.infer(shapes, dtypes, constants)
        except E.EinlangError as err:
            if not err.spans:
                err.spans = (e.span,)  # type: ignore[assignment]
            raise
        node = ir.External(
            function.name, function.impl, tuple(nodes), tuple(shape), np.dtype(dtype), constants, e.span, self.callers
        )
        return Labeled(node, None, e.span, display=_display(e))

    def _subscripted(self, value: Labeled, refs: Sequence[ast.IndexRef], span: Span | None) -> Labeled:
        rank = len(value.node.shape)
        expanded = batch.expand_refs(refs, value.node.shape, value.display, value.display or "this value", span)
        if expanded is not None:
            labels, spans_ = expanded
            return Labeled(value.node, labels, span, {lab: sp for lab, sp in zip(labels, spans_) if sp is not None},
                           value.display)
        if len(refs) != rank:
            raise E.RankMismatchError(
                f"{value.display} is {shape_words(value.node.shape)} but is given {len(refs)} "
                f"{'index' if len(refs) == 1 else 'indices'}",
                [span],
            )
        labels = tuple(r.name for r in refs)
        spans = {r.name: r.span for r in refs if r.span is not None}
        if len(set(labels)) != len(labels):
            # f(A)_ii: a diagonal (or trace, by the convention) of the result
            op = ir.Operand(value.node, labels, value.display, span)
            counts = {label: labels.count(label) for label in labels}
            out = tuple(sorted(label for label, c in counts.items() if c == 1))
            return self._make_contract([op], out, 1, span, spans, display=value.display)
        return Labeled(value.node, labels, span, spans, value.display)

    def _array(self, e: ast.Array) -> Labeled:
        if not e.items:
            raise E.RaggedArrayError("an array literal needs at least one entry", [e.span])
        items: list[Labeled] = []
        for item in e.items:
            value = self.expr(item, allow_whole=True)
            if value.labels:
                raise E.IndexRuleError(
                    f"an entry of an array literal has free indices {index_set(value.labels)}",
                    [value.span],
                    hint="entries are numbers, scalar expressions or whole tensors",
                )
            items.append(value)
        first = items[0]
        part, parts = ("row", "rows") if first.node.shape else ("entry", "entries")  # a matrix's items are rows
        for row, value in enumerate(items[1:], start=2):
            if value.node.shape != first.node.shape:
                raise E.RaggedArrayError(
                    f"array {parts} differ: {part} 1 ({first.display}) is {shape_words(first.node.shape)} but {part} {row} "
                    f"({value.display}) is {shape_words(value.node.shape)}",
                    [first.span, value.span],
                    hint="every row of an array literal has the same length",
                )
        shape = (len(items),) + first.node.shape
        if len(shape) > MAX_RANK:
            raise E.ShapeError(f"this array literal has {len(shape)} axes: numpy arrays have at most {MAX_RANK}", [e.span])
        nodes = tuple(v.node for v in items)
        display = _display(e)
        if all(isinstance(n, ir.Constant) for n in nodes):
            value = np.array([n.value for n in nodes])  # type: ignore[attr-defined]
            if value.dtype == object and not any(v.dtype == object for v in nodes):
                value = value.astype(np.result_type(*[v.dtype for v in nodes]))
            node: ir.Node = ir.Constant(value, value.shape, value.dtype)
        else:
            node = ir.Stack(nodes, shape, _result_dtype([n.dtype for n in nodes]))
        result = Labeled(node, None, e.span, display=display)
        if e.indices is not None:
            return self._subscripted(result, e.indices, e.span)
        return result

    def _constant(self, value: Any) -> ir.Constant:
        if isinstance(value, Fraction):
            value = int(value) if value.denominator == 1 else float(value)
        array = np.asarray(value)
        return ir.Constant(array, (), array.dtype)

    # -- results --------------------------------------------------------------------------------

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
        return self._make_contract([op], order, 1, value.span, value.label_spans, display=value.display)


@dataclass(frozen=True, slots=True)
class _Reciprocal:
    expr: ast.Expr
    span: Span | None = None


def _constant_value(e: ast.Expr) -> int | float | complex | None:
    if isinstance(e, ast.Number):
        return e.value
    if isinstance(e, ast.Neg):
        inner = _constant_value(e.operand)
        return None if inner is None else -inner
    if isinstance(e, ast.Paren):
        return _constant_value(e.expr)
    return None


def _node_constant(node: ir.Node) -> Any:
    if isinstance(node, ir.Constant):
        return node.value.item() if node.shape == () else node.value
    return None


def _index_names_used(e: Any) -> set[str]:
    """Every index name written anywhere in an expression (used to read assignment targets)."""
    found: set[str] = set()
    stack = [e]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.Word):
            head, _, tail = node.text.rpartition("_")
            if head and tail.isalpha():
                found.update(tail)
        elif isinstance(node, ast.Access):
            found.update(r.name for r in node.indices)
        elif isinstance(node, (ast.Call, ast.Array)):
            if node.indices:
                found.update(r.name for r in node.indices)
            stack.extend(node.args if isinstance(node, ast.Call) else node.items)
        elif isinstance(node, ast.Sum):
            stack.extend(t for _, t in node.terms)
        elif isinstance(node, ast.Product):
            stack.extend(node.factors)
        elif isinstance(node, ast.Div):
            stack.extend((node.numerator, node.denominator))
        elif isinstance(node, (ast.Paren, ast.Neg)):
            stack.append(node.expr if isinstance(node, ast.Paren) else node.operand)
    return found


def _require_outputs(out: Sequence[ast.IndexRef], available: Any, hint: str) -> None:
    """Every explicit output index must be used on the right side. The error keeps the index's name in
    ``err.index``, so a sum can report it against the term that lacks it."""
    for ref in out:
        if ref.name not in available and ref.name != ast.ELLIPSIS:
            err = E.OutputIndexError(f"output index {ref.name} does not appear on the right side", [ref.span], hint=hint)
            err.index = ref.name  # type: ignore[attr-defined]
            raise err


def _shown_set(labels: Any) -> str:
    """Free indices for a message: batch axes show as the '...' the user wrote, once."""
    names = sorted(x for x in labels if not batch.is_batch(x))
    return index_set((["..."] if any(batch.is_batch(x) for x in labels) else []) + names)


def _convention_hint(label: str, occurrences: dict[str, list[Any]]) -> str:
    """A concrete explicit output for each reading of a product where ``label`` appears 3+ times."""
    once = sorted(x for x, spans in occurrences.items() if len(spans) == 1 and not batch.is_batch(x))

    def arrow(labels: list[str]) -> str:
        if not labels:
            return "->"
        return "-> " + ("".join(labels) if all(len(x) == 1 for x in labels) else "{" + ",".join(labels) + "}")

    return (
        f"say what you mean with an explicit output: '{arrow(once)}' sums over {label}, "
        f"'{arrow(sorted(once + [label]))}' keeps {label} (every index not in the output is summed)"
    )


def _word_target_note(text: str, expr: Any) -> str:
    """Why ``my_xi = ...`` was read as ``my`` with indices (so the user sees how to bind the whole name)."""
    head, _, tail = text.rpartition("_")
    used = sorted(set(tail) & _index_names_used(expr))
    if not used:
        return (
            f"{text} = ... is read as {head} with the indices {', '.join(tail)}, since the right side has free "
            f"indices; write {head}_... with those, or `{text}` = ... to bind the whole name"
        )
    return (
        f"{text} = ... is read as {head} with the indices {', '.join(tail)}, since {', '.join(used)} "
        f"{'is an index' if len(used) == 1 else 'are indices'} on the right side; write `{text}` = ... to bind "
        "the whole name"
    )


def _display(e: Any) -> str:
    span = getattr(e, "span", None)
    if span is None:
        return ""
    text = " ".join(span.text.split())
    return text if len(text) <= 40 else text[:37] + "…"


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
