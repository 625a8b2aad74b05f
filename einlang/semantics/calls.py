"""Lowering the expressions that build a whole value from whole arguments: calls of einlang definitions
(inlined) and of Python library functions, elementwise functions, array literals.

Each function takes the :class:`~einlang.semantics.lower.Lowerer` that met the expression, to lower the
arguments with the same scope and call depth.

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import Lowerer, Scope
>>> value = Lowerer(Scope.from_arrays({"x": np.ones(3)})).expr(parse("exp(x)").statements[0].expr, allow_whole=True)
>>> value.node.shape, value.labels is None
((3,), True)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .. import errors as E
from ..functions import ELEMENTWISE
from ..syntax import ast
from . import arguments, ir, literals, messages
from .callables import EinFunction, PyFunction
from .describe import example_indices, index_set, shape_words
from .labeled import Labeled
from .scope import Binding, Scope

if TYPE_CHECKING:
    from .lower import Lowerer

MAX_CALL_DEPTH = 32
MAX_RANK = 64  # numpy's limit on the number of axes of an array


def elementwise(lowerer: Lowerer, e: ast.Call) -> Labeled:
    """``exp(A_ij)`` keeps its argument's indices; ``exp(A)_ij`` indexes the whole result."""
    if e.keywords or e.part is not None:
        arguments.elementwise_only(e)
    if len(e.args) != 1:
        raise E.ArgumentCountError(f"{e.function} takes 1 argument but was given {len(e.args)}", [e.span])
    inner = lowerer.expr(e.args[0], allow_whole=True)
    if isinstance(inner.node, ir.Constant):  # folded now: its result is built while checking
        lowerer.budget.constant(inner.node.shape, inner.node.dtype.itemsize, e.span)
    node = literals.apply(e.function, inner.node, e.span)
    display = messages.display(e)
    if inner.labels is None:
        if e.indices is not None:
            return lowerer.subscripted(Labeled(node, None, e.span, display=display), e.indices, e.span)
        return Labeled(node, None, e.span, display=display)
    if e.indices is not None:
        raise E.IndexRuleError(
            f"{e.function}(...) already has the indices {index_set(inner.labels)} of its argument",
            [e.span],
            hint=f"write {e.function}(A)_ij for a whole tensor A, or {e.function}(A_ij)",
        )
    return Labeled(node, inner.labels, e.span, inner.label_spans, display)


def _function(scope: Scope, e: ast.Call) -> EinFunction | PyFunction:
    """The function a call names (for one of several results, the one computing that result)."""
    function = scope.functions.get(e.function)
    if function is None:
        if e.function in scope.tensors:
            rank = len(scope.tensors[e.function].node.shape)
            raise E.UnknownFunctionError(
                f"{e.function} is a tensor, not a function", [e.name_span],
                hint=f"index it with _: {e.function}_{example_indices(rank) or 'ij'}",
            )
        head, _, letters = e.function.partition("_")
        if e.keywords and head in ast.REDUCTION_SPELLINGS and letters.isalpha():
            raise E.KeywordArgumentError(
                f"{e.function}(…) is a reduction: it takes one expression to reduce, with no name=",
                [e.keywords[0].name_span or e.span], hint=f"write {e.function}(expression)",
            )
        candidates = list(scope.functions) + sorted(set(ELEMENTWISE))
        raise E.UnknownFunctionError(
            f"unknown function {e.function}", [e.name_span or e.span], hint=messages.suggest(e.function, candidates)
        )
    return arguments.part(function, e)


_in_library = ir.in_library


def _point_at_the_call(err: E.EinlangError, e: ast.Call, function: Any) -> None:
    """A mistake found inside a library definition is the caller's: the caret goes under the user's
    call, the definition is named (not shown as code to edit), and the hint says what the function takes."""
    err.spans = (e.span,)
    err.context = [note for note in err.context if not _in_library(note[1])]
    inner, colon, rest = err.message.partition(": ")
    if colon and inner.isidentifier() and inner != e.function:  # "orthogonal: …" said as the user called it
        err.message = f"{e.function}: {rest}"
        err.args = (err.message,)
    if isinstance(function, EinFunction) and function.definition.span is not None:
        written = " ".join(function.definition.span.text.split())
        err.context.append((f"{e.function} is the library's {written}", None))
    if isinstance(err, (E.IndexRuleError, E.ShapeError)) or not err.hint:  # their hints would edit library code
        described = f": {function.description}" if getattr(function, "description", "") else ""
        err.hint = f"check the arguments: {e.function}({', '.join(function.params)}){described}"


def call(lowerer: Lowerer, e: ast.Call) -> Labeled:
    """A call of a definition (inlined) or of a Python library function, optionally indexed after."""
    if e.function == DIFF and DIFF not in lowerer.scope.functions:  # a definition named diff wins
        return _derivative(lowerer, e)
    function = _function(lowerer.scope, e)
    if lowerer.depth >= MAX_CALL_DEPTH:
        raise E.RecursionLimitError(f"calls nested more than {MAX_CALL_DEPTH} deep (is {e.function} recursive?)", [e.span])
    exprs = arguments.bind(function, e)
    args = [lowerer.expr(arg, allow_whole=True) if arg is not None else None for arg in exprs]
    nodes = [lowerer.materialize(arg, None).node if arg is not None else None for arg in args]
    try:
        if isinstance(function, PyFunction):
            result = _external(lowerer, function, e, nodes)
        else:
            result = _inline(lowerer, function, e, args, nodes, exprs)
    except E.EinlangError as err:
        if _in_library(err.span) and e.span is not None and not _in_library(e.span):
            _point_at_the_call(err, e, function)
            raise
        already_here = err.span is e.span  # a Python function's check already points at this call
        if not already_here and not any(note.startswith(f"in {e.function}(") for note, _ in err.context):
            err.add_context(f"in {e.function}(...), called here", e.span)
        raise
    if e.indices is not None:
        return lowerer.subscripted(result, e.indices, e.span)
    return result


DIFF = "diff"


def _derivative(lowerer: Lowerer, e: ast.Call) -> Labeled:
    from .diff import lower_diff  # the differentiation modules load only when a program uses diff

    if e.indices is not None:
        raise E.IndexRuleError("diff(expr, x_k) keeps the free indices of expr and the new ones: it takes no "
                               "subscript after it", [e.span], hint="write the indices inside: diff(f, x_k)")
    return lower_diff(lowerer, e)


def _inline(lowerer: Lowerer, function: EinFunction, e: ast.Call, args: list, nodes: list, exprs: tuple) -> Labeled:
    definition = function.definition
    lowerer.budget.inline(lowerer.budget.body_size(definition), definition.name, e.span)  # before copying it
    tensors: dict[str, Binding] = {}
    for k, (param, arg, node) in enumerate(zip(definition.params, args, nodes)):
        shown = arg.display or messages.display(exprs[k])
        description = param if shown == param else f"{param} (argument {k + 1} of {definition.name}: {shown})"
        tensors[param] = Binding(node, description)
    functions = lowerer.scope.functions if function.sees is None else function.sees()
    inner = lowerer.nested(Scope(tensors, functions), e.span)
    inner.tree = definition.body
    value = inner.expr(definition.body, definition.output, allow_whole=definition.output is None)
    order = tuple(r.name for r in definition.output) if definition.output is not None else None
    value = inner.materialize(value, order)
    return Labeled(value.node, None, e.span, display=messages.display(e))


def _external(lowerer: Lowerer, function: PyFunction, e: ast.Call, given: list[ir.Node | None]) -> Labeled:
    # an optional parameter left out before one given by name is a scalar None to the checks and the function
    constants = tuple(literals.node_constant(node) if node is not None else None for node in given)
    shapes = tuple(node.shape if node is not None else () for node in given)
    dtypes = tuple(node.dtype if node is not None else np.dtype(np.float64) for node in given)
    nodes = [node for node in given if node is not None]
    impl = function.impl if len(nodes) == len(given) else arguments.LeftOut(function.impl, tuple(n is not None for n in given))
    try:
        shape, dtype = function.infer(shapes, dtypes, constants)
    except E.EinlangError as err:
        if not err.spans:
            err.spans = (e.span,)  # type: ignore[assignment]
        raise
    except E.COMPUTE_ERRORS as exc:  # a check of constant arguments numpy refused (inv of a matrix with nan)
        err = E.cannot_compute(exc, function.name)
        err.spans = (e.span,)  # type: ignore[assignment]
        raise err from None
    node = ir.External(
        function.name, impl, tuple(nodes), tuple(shape), np.dtype(dtype), constants, e.span, lowerer.callers
    )
    return Labeled(node, None, e.span, display=messages.display(e))


def array(lowerer: Lowerer, e: ast.Array) -> Labeled:
    """``[[1, 2], [3, 4]]``: entries are numbers, scalar expressions or whole tensors of one shape."""
    if not e.items:
        raise E.RaggedArrayError("an array literal needs at least one entry", [e.span])
    items: list[Labeled] = []
    for item in e.items:
        value = lowerer.expr(item, allow_whole=True)
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
    if all(isinstance(v.node, ir.Constant) for v in items):  # stacked now: sized before it is built
        lowerer.budget.constant(shape, literals.result_dtype([v.node.dtype for v in items]).itemsize, e.span)
    result = Labeled(literals.stack([v.node for v in items], shape), None, e.span, display=messages.display(e))
    if e.indices is not None:
        return lowerer.subscripted(result, e.indices, e.span)
    return result
