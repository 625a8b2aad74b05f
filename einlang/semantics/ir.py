"""The checked program: a DAG of tensor-valued nodes with every summed index explicit.

Each node computes one array with a known ``shape`` and ``dtype``. Index labels live on the edges of a
:class:`Contract` (the operands say which labels they are read with), so a label is local to one
contraction and names never capture each other across nodes (library bodies, function arguments).

>>> import numpy as np
>>> a = Input("A", (3, 4), np.dtype(float))
>>> b = Input("B", (4, 5), np.dtype(float))
>>> c = Contract((Operand(a, ("i", "j")), Operand(b, ("j", "k"))), ("i", "k"), 1, (3, 5), np.dtype(float))
>>> c.summed
('j',)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from ..records import field, record
from ..source import Span

if TYPE_CHECKING:  # fractions is loaded by exact arithmetic when a program needs it, not by every import
    from fractions import Fraction

    Scalar = int | float | complex | Fraction


@record(eq=False)
class Node:
    """Base class: every node has a shape and a dtype (numpy's promotion rules decide it)."""

    @property
    def inputs(self) -> tuple[Node, ...]:
        return ()


@record(eq=False)
class Input(Node):
    """A tensor bound by the caller (keyword argument or session variable)."""

    name: str
    shape: tuple[int, ...]
    dtype: np.dtype


@record(eq=False)
class Constant(Node):
    """A literal array of numbers (``[[1, 2], [3, 4]]``) or a number."""

    value: np.ndarray
    shape: tuple[int, ...]
    dtype: np.dtype


@record(eq=False)
class Stack(Node):
    """An array literal whose entries are computed: ``[[cos(t), -sin(t)], [sin(t), cos(t)]]``."""

    items: tuple[Node, ...]
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def inputs(self) -> tuple[Node, ...]:
        return self.items


@record(eq=False)
class Delta(Node):
    """The Kronecker delta, an identity matrix of size n."""

    shape: tuple[int, ...]
    dtype: np.dtype = field(default_factory=lambda: np.dtype(np.int64))


@record(eq=False)
class LeviCivita(Node):
    """The Levi-Civita symbol with n indices, each of size n."""

    shape: tuple[int, ...]
    dtype: np.dtype = field(default_factory=lambda: np.dtype(np.int64))


@record(eq=False)
class Operand:
    """One factor of a contraction: ``node`` read with ``labels`` (repeats take a diagonal)."""

    node: Node
    labels: tuple[str, ...]
    display: str = ""  # how the user wrote it, for plans: "A_ij"
    span: Span | None = field(default=None, compare=False)


@record(eq=False)
class Contract(Node):
    """``coefficient`` times the product of the operands, summed over every label not in ``output``."""

    operands: tuple[Operand, ...]
    output: tuple[str, ...]
    coefficient: Scalar
    shape: tuple[int, ...]
    dtype: np.dtype
    sizes: dict[str, int] = field(default_factory=dict, compare=False)
    span: Span | None = field(default=None, compare=False)

    @property
    def inputs(self) -> tuple[Node, ...]:
        return tuple(op.node for op in self.operands)

    @property
    def labels(self) -> tuple[str, ...]:
        """Every label, in order of first appearance."""
        seen: dict[str, None] = {}
        for op in self.operands:
            seen.update(dict.fromkeys(op.labels))
        seen.update(dict.fromkeys(self.output))
        return tuple(seen)

    @property
    def summed(self) -> tuple[str, ...]:
        out = set(self.output)
        return tuple(label for label in self.labels if label not in out)


@record(eq=False)
class Term:
    """One term of a :class:`Combine`: ``coefficient * node`` whose axes carry ``labels``."""

    coefficient: Scalar
    node: Node
    labels: tuple[str, ...]


@record(eq=False)
class Combine(Node):
    """A sum of terms with the same free labels, aligned by name into ``output`` order."""

    terms: tuple[Term, ...]
    output: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def inputs(self) -> tuple[Node, ...]:
        return tuple(t.node for t in self.terms)


@record(eq=False)
class Apply(Node):
    """An elementwise function (``sqrt``, ``exp``, the internal ``reciprocal``)."""

    function: str
    arg: Node
    shape: tuple[int, ...]
    dtype: np.dtype

    @property
    def inputs(self) -> tuple[Node, ...]:
        return (self.arg,)


@record(eq=False)
class Reduce(Node):
    """A reduction other than a sum of ``arg`` (whose axes carry ``labels``) over the ``reduced`` labels:
    ``kind`` is ``max``, ``min``, ``prod``, ``logsumexp`` (these drop the reduced axes, the others keep
    their order) or ``softmax`` (keeps every axis: it normalises along the reduced ones).

    Sums and means are :class:`Contract` nodes (a sum over one operand), planned like any product.

    >>> x = Input("x", (2, 3), np.dtype(float))
    >>> r = Reduce("max", x, ("i", "j"), ("j",), (2,), np.dtype(float))
    >>> r.axes, r.output
    ((1,), ('i',))
    """

    kind: str
    arg: Node
    labels: tuple[str, ...]
    reduced: tuple[str, ...]
    shape: tuple[int, ...]
    dtype: np.dtype
    span: Span | None = field(default=None, compare=False)

    @property
    def inputs(self) -> tuple[Node, ...]:
        return (self.arg,)

    @property
    def axes(self) -> tuple[int, ...]:
        """The argument's axes reduced over, in increasing order."""
        return tuple(k for k, label in enumerate(self.labels) if label in self.reduced)

    @property
    def output(self) -> tuple[str, ...]:
        """The labels of the result's axes."""
        if self.kind == "softmax":
            return self.labels
        return tuple(label for label in self.labels if label not in self.reduced)


@record(eq=False)
class External(Node):
    """A library function written in Python (``det``, ``inv``, ``pagerank``)."""

    name: str
    function: Callable[..., Any] = field(repr=False)
    args: tuple[Node, ...]
    shape: tuple[int, ...]
    dtype: np.dtype
    constants: tuple[Any, ...] = ()  # arguments known at check time (sizes, flags)
    span: Span | None = field(default=None, compare=False)  # the call, for errors found while running
    callers: tuple[Span, ...] = field(default=(), compare=False)  # library calls it sits inside

    @property
    def inputs(self) -> tuple[Node, ...]:
        return self.args

    def call(self, *arrays: Any) -> np.ndarray:
        """Run the Python function; an einlang error it raises gets the call's position if it has none."""
        from ..errors import EinlangError

        try:
            return np.asarray(self.function(*arrays), dtype=self.dtype).reshape(self.shape)
        except EinlangError as err:
            if not err.spans and self.span is not None:
                user = next((c for c in self.callers if not in_library(c)), None)
                if in_library(self.span) and user is not None:
                    err.spans = (user,)  # found inside a library body: the caller's mistake, the caret under their call
                    called = user.text.split("(", 1)[0].strip()
                    if err.message.startswith(f"{self.name}: ") and called.isidentifier():  # named as the user called it
                        err.message = f"{called}: {err.message[len(self.name) + 2:]}"
                        err.args = (err.message,)
                else:
                    err.spans = (self.span,)
                    for caller in reversed(self.callers):
                        err.add_context("called from here", caller)
            raise


LIBRARY_SOURCE = "einlang/library/"


def in_library(span: Any) -> bool:
    """A position in the library's own ``.ein`` source (never shown to a user as code to edit)."""
    return span is not None and span.source.name.startswith(LIBRARY_SOURCE)


@record(eq=False)
class LoweredProgram:
    """The checked program: its inputs (in call order), every node in dependency order, the result."""

    inputs: tuple[Input, ...]
    nodes: tuple[Node, ...]
    result: Node
    labels: tuple[str, ...] | None  # index labels of the result, None for an unindexed value
    bindings: tuple[tuple[str, Node], ...] = ()  # assignments made by the program, in order
    has_value: bool = True  # False for a program of definitions (or nothing): it returns None


def topological_order(result: Node) -> tuple[Node, ...]:
    """Every node reachable from ``result``, dependencies first, each once (iterative: deep DAGs are fine)."""
    order: list[Node] = []
    seen: set[int] = set()
    stack: list[tuple[Node, bool]] = [(result, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen:
            continue
        seen.add(id(node))
        stack.append((node, True))
        for child in reversed(node.inputs):
            if id(child) not in seen:
                stack.append((child, False))
    return tuple(order)
