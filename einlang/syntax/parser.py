"""Text -> syntax tree. lark lives in this package and nowhere else, and is imported on the first parse.

The stages: :mod:`.lexer` (newlines inside brackets), :mod:`.tables` (the grammar's LALR tables, cached
per user), :mod:`.builder` (lark's tree to frozen AST nodes), :mod:`.translate` (lark's errors to einlang's).

>>> parse("C_ki = A_ij B_jk").statements[0].target
Word(text='C_ki')
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import ComplexityLimitError, InputTypeError
from ..source import Source
from . import ast

if TYPE_CHECKING:
    import lark

MAX_NESTING = 200
"""Brackets and unary operators nest at most this deep: deeper input is refused, never a RecursionError."""

MAX_SOURCE_CHARS = 262_144
"""Longer programs are refused before parsing (lark parses about 100 KB a second: 256 KiB is a few seconds)."""

MAX_INT_DIGITS = 4_300
"""Whole numbers are written with at most this many digits (Python's own limit for int(), text <-> int)."""


def build_parser(strict: bool = False) -> lark.Lark:
    """The lark parser for the grammar, built once per process (``strict=True`` also checks for terminal
    collisions; tests use it).

    >>> build_parser() is build_parser()
    True
    """
    from .tables import build_parser as build

    return build(strict)


def parse(text: str, name: str = "<input>") -> ast.Program:
    """Parse einlang source into a :class:`~einlang.syntax.ast.Program`.

    >>> prog = parse("x_i x_i")
    >>> prog.statements[0].expr
    Product(factors=(Word(text='x_i'), Word(text='x_i')))
    """
    if not isinstance(text, str):
        raise InputTypeError(f"einlang source must be a str, not {type(text).__name__}")
    if len(text) > MAX_SOURCE_CHARS:
        raise ComplexityLimitError(
            f"the program is {len(text):,} characters long, above the limit of {MAX_SOURCE_CHARS:,}",
            hint="einlang programs are expressions: build large data in Python and pass it as tensors",
        )
    from .builder import parse_source  # imports lark: the first parse pays for it, not ``import einlang``

    return parse_source(Source(text, name))
