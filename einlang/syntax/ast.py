"""The syntax tree: frozen, slotted dataclasses; spans are excluded from equality.

Names are kept as written (``Word("A_ij")``): whether ``bear_basis`` is one tensor or ``bear`` with
indices ``b, a, s, i, s`` depends on what is bound, so the checker resolves words, not the parser.

>>> Word("A_ij") == Word("A_ij", span=None)
True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..source import Source, Span

ELLIPSIS = "..."


def _span() -> Span | None:
    return field(default=None, compare=False, repr=False)  # type: ignore[return-value]


@dataclass(frozen=True, slots=True)
class IndexRef:
    """One index as written: ``i``, ``in`` (multi-letter) or ``...`` (batch dimensions)."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Number:
    value: int | float | complex
    text: str = field(default="", compare=False)
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Word:
    """An identifier to be resolved by scope: a bare name (``alpha``) or name + letters (``A_ij``)."""

    text: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Access:
    """An unambiguous indexed access: ``A_{ij}``, ```bear_basis`_ij``."""

    name: str
    indices: tuple[IndexRef, ...]
    span: Span | None = _span()
    quoted: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Name:
    """A backquoted whole name with no indices: ```bear_basis```."""

    name: str
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Call:
    function: str
    args: tuple[Expr, ...]
    indices: tuple[IndexRef, ...] | None = None
    span: Span | None = _span()
    name_span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Array:
    items: tuple[Expr, ...]
    indices: tuple[IndexRef, ...] | None = None
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Paren:
    expr: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Neg:
    operand: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Product:
    """Factors multiplied by juxtaposition or ``*``."""

    factors: tuple[Expr, ...]
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Div:
    numerator: Expr
    denominator: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Sum:
    """Terms with their signs (+1 or -1): ``A_ij - B_ji`` is ``((1, A_ij), (-1, B_ji))``."""

    terms: tuple[tuple[int, Expr], ...]
    span: Span | None = _span()


Expr = Number | Word | Access | Name | Call | Array | Paren | Neg | Product | Div | Sum
Target = Word | Access | Name


@dataclass(frozen=True, slots=True)
class ExprStatement:
    expr: Expr
    output: tuple[IndexRef, ...] | None = None  # None: implicit output; () means "-> (scalar)"
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Assignment:
    target: Target
    expr: Expr
    span: Span | None = _span()


@dataclass(frozen=True, slots=True)
class Definition:
    name: str
    params: tuple[str, ...]
    output: tuple[IndexRef, ...] | None
    body: Expr
    span: Span | None = _span()
    param_spans: tuple[Span, ...] = field(default=(), compare=False, repr=False)
    name_span: Span | None = _span()


Statement = ExprStatement | Assignment | Definition


@dataclass(frozen=True, slots=True)
class Program:
    statements: tuple[Statement, ...]
    source: Source | None = field(default=None, compare=False, repr=False)
