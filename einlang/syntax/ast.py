"""The syntax tree: frozen, slotted records (:mod:`einlang.records`); spans are excluded from equality.

Names are kept as written (``Word("A_ij")``): whether ``bear_basis`` is one tensor or ``bear`` with
indices ``b, a, s, i, s`` depends on what is bound, so the checker resolves words, not the parser.

>>> Word("A_ij") == Word("A_ij", span=None)
True
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

from ..records import field, fields, record
from ..source import Source, Span

ELLIPSIS = "..."


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)  # type: ignore[return-value]


@record
class IndexRef:
    """One index as written: ``i``, ``in`` (multi-letter) or ``...`` (batch dimensions)."""

    name: str
    span: Span | None = _span()


@record
class Number:
    value: int | float | complex
    text: str = field(default="", compare=False)
    span: Span | None = _span()


@record
class Word:
    """An identifier to be resolved by scope: a bare name (``alpha``) or name + letters (``A_ij``)."""

    text: str
    span: Span | None = _span()

    def split(self) -> Access | None:
        """The word read as a name with one index per letter after its last underscore, or ``None``
        when it cannot be read so (no underscore, or something other than letters after it).

        Whether that reading is the meaning depends on what is bound: the checker decides.

        >>> Word("bear_ij").split()
        Access(name='bear', indices=(IndexRef(name='i'), IndexRef(name='j')))
        >>> Word("alpha").split() is None, Word("A_1").split() is None, Word("_ij").split() is None
        (True, True, True)
        """
        text = self.text
        cut = text.rfind("_")
        tail = text[cut + 1 :]
        if cut <= 0 or not tail.isalpha():
            return None
        span = self.span  # the checker splits every word it meets: spans are made here directly, not by sub()
        if span is None:
            return Access(text[:cut], tuple([IndexRef(ch) for ch in tail]))
        source, at = span.source, span.start + cut + 1
        if len(tail) == 1:
            return Access(text[:cut], (IndexRef(tail, Span(source, at, at + 1)),), span)
        return Access(text[:cut], tuple([IndexRef(ch, Span(source, at + k, at + k + 1)) for k, ch in enumerate(tail)]),
                      span)


@record
class Access:
    """An unambiguous indexed access: ``A_{ij}``, ```bear_basis`_ij``."""

    name: str
    indices: tuple[IndexRef, ...]
    span: Span | None = _span()


@record
class Name:
    """A backquoted whole name with no indices: ```bear_basis```."""

    name: str
    span: Span | None = _span()


@record
class Keyword:
    """``d=0.5`` in a call: an argument given by the name of its parameter."""

    name: str
    value: Expr
    span: Span | None = _span()
    name_span: Span | None = _span()


@record
class Call:
    """``f(x, y)_ij``; ``keywords`` are the ``name=value`` arguments after the positional ones.

    ``part`` picks one of the ``parts`` results of a function with several (``vals, vecs = eig(A)`` is
    two assignments, of ``eig(A)`` with part 0 and part 1 of 2); ``None`` is the function's usual value.
    """

    function: str
    args: tuple[Expr, ...]
    indices: tuple[IndexRef, ...] | None = None
    span: Span | None = _span()
    name_span: Span | None = _span()
    keywords: tuple[Keyword, ...] = ()
    part: int | None = None
    parts: int = 0


REDUCTIONS = ("sum", "max", "min", "prod", "mean", "logsumexp", "softmax")
"""The reductions, written ``max_j(expr)`` or ``max_{jk}(expr)``; ``Σ`` is another spelling of ``sum``."""
REDUCTION_SPELLINGS = {**{kind: kind for kind in REDUCTIONS}, "Σ": "sum"}


@record
class Reduce:
    """A reduction over indices: ``max_j(A_ij)``, ``Σ_{jk}(x_j y_k)``, ``softmax_j(z_ij)``.

    ``written`` is the name as written (``Σ`` or ``sum``); ``braced`` says the indices came in braces.
    Without braces, ``sum_sq(x)`` may be a call of a definition named ``sum_sq``: the checker decides.

    >>> Reduce.from_call(Call("max_jk", (Word("A_ijk"),))).kind, Reduce.from_call(Call("maxi", ())) is None
    ('max', True)
    """

    kind: str
    indices: tuple[IndexRef, ...]
    arg: Expr
    written: str = field(default="", compare=False)
    braced: bool = field(default=False, compare=False)
    extra: tuple[Expr, ...] = ()  # arguments after the first (an error, reported by the checker)
    after: tuple[IndexRef, ...] | None = None  # a subscript after the ')' (an error too)
    span: Span | None = _span()
    name_span: Span | None = _span()

    @staticmethod
    def from_call(call: Call) -> Reduce | None:
        """``max_j(...)`` read as a reduction (one index per letter after the '_'), or ``None``."""
        head, _, letters = call.function.partition("_")
        kind = REDUCTION_SPELLINGS.get(head)
        if kind is None or not letters.isalpha() or not call.args or call.keywords:
            return None
        span = call.name_span
        start = len(head) + 1
        refs = tuple(IndexRef(ch, span.sub(start + k, start + k + 1) if span else None) for k, ch in enumerate(letters))
        return Reduce(kind, refs, call.args[0], head, False, call.args[1:], call.indices, call.span, span)

    @property
    def function(self) -> str:
        """The name of the call it was read from: ``max_j``."""
        return self.written + "_" + "".join(ref.name for ref in self.indices)

    def as_call(self) -> Call:
        """The call it was read from (when ``function`` names a definition after all)."""
        return Call(self.function, (self.arg, *self.extra), self.after, self.span, self.name_span)


@record
class Array:
    items: tuple[Expr, ...]
    indices: tuple[IndexRef, ...] | None = None
    span: Span | None = _span()


@record
class Paren:
    expr: Expr
    span: Span | None = _span()


@record
class Neg:
    operand: Expr
    span: Span | None = _span()


@record
class Product:
    """Factors multiplied by juxtaposition or ``*``."""

    factors: tuple[Expr, ...]
    span: Span | None = _span()


@record
class Div:
    numerator: Expr
    denominator: Expr
    span: Span | None = _span()


@record
class Sum:
    """Terms with their signs (+1 or -1): ``A_ij - B_ji`` is ``((1, A_ij), (-1, B_ji))``."""

    terms: tuple[tuple[int, Expr], ...]
    span: Span | None = _span()


Expr = Number | Word | Access | Name | Call | Reduce | Array | Paren | Neg | Product | Div | Sum
Target = Word | Access | Name


@record
class ExprStatement:
    expr: Expr
    output: tuple[IndexRef, ...] | None = None  # None: implicit output; () means "-> (scalar)"
    span: Span | None = _span()


@record
class Assignment:
    target: Target
    expr: Expr
    span: Span | None = _span()


@record
class Definition:
    name: str
    params: tuple[str, ...]
    output: tuple[IndexRef, ...] | None
    body: Expr
    span: Span | None = _span()
    param_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    name_span: Span | None = _span()


Statement = ExprStatement | Assignment | Definition


@record
class Program:
    statements: tuple[Statement, ...]
    source: Source | None = field(default=None, compare=False, repr=False)


Node = Expr | IndexRef | Keyword | Statement | Program


@functools.cache
def _child_fields(cls: type) -> tuple[str, ...]:
    """The fields of a node class that can hold other nodes (spans and display text are excluded)."""
    return tuple(f.name for f in fields(cls) if f.compare)


def walk(node: Node) -> Iterator[Node]:
    """Every node of a tree, ``node`` first, depth-first in source order (iterative: any depth).

    Children are found from the record's fields, so a new node kind is walked without changes here.

    >>> tree = Product((Word("x_i"), Call("f", (Access("A", (IndexRef("j"),)),))))
    >>> [type(node).__name__ for node in walk(tree)]
    ['Product', 'Word', 'Call', 'Access', 'IndexRef']
    """
    stack: list[object] = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):  # a tuple of nodes, or a (sign, term) pair of a Sum
            stack.extend(reversed(item))
        elif hasattr(type(item), "__record_table__"):
            yield item  # type: ignore[misc]
            stack.extend(reversed([getattr(item, name) for name in _child_fields(type(item))]))



def index_names(node: Node) -> set[str]:
    """Every index name written anywhere under ``node``, reading each word as name + letters when it can be.

    >>> sorted(index_names(Product((Word("x_i"), Word("alpha"), Access("A", (IndexRef("in"),))))))
    ['i', 'in']
    """
    found: set[str] = set()
    for item in walk(node):
        if isinstance(item, IndexRef):
            found.add(item.name)
        elif isinstance(item, Word) and (split := item.split()) is not None:
            found.update(ref.name for ref in split.indices)
    return found
