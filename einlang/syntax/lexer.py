"""The post-lexer: newlines end statements except inside brackets or after an operator.

>>> from lark import Token
>>> kinds = [t.type for t in NewlinePostLexer().process(iter([Token("WORD", "a"), Token("PLUS", "+"),
...          Token("_NL", "\\n"), Token("WORD", "b"), Token("_NL", "\\n")]))]
>>> kinds
['WORD', 'PLUS', 'WORD', '_NL']
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from .parser import MAX_NESTING

if TYPE_CHECKING:  # lark's Token or the stand-alone parser's (see tables.py): the post-lexer reads .type only
    from lark import Token

_OPENERS = {"LPAR", "LSQB", "LBRACE", "REDUCE_OPEN"}  # REDUCE_OPEN: "max_{"
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}
# A newline right after one of these continues the statement ("A_ij +\n B_ij").
_CONTINUES = {"PLUS", "MINUS", "STAR", "SLASH", "EQUAL", "COMMA", "LPAR", "LSQB", "LBRACE", "REDUCE_OPEN"}


class NewlinePostLexer:
    """Drops newlines inside brackets and after an operator; refuses absurd bracket nesting."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        depth = 0
        previous: str | None = None
        for token in stream:
            kind = token.type
            if kind == "_NL":
                if depth > 0 or previous in _CONTINUES or previous is None or previous == "_NL":
                    continue
            if kind in _OPENERS:
                depth += 1
                if depth > MAX_NESTING:
                    raise NestingTooDeep(token.start_pos)
            elif kind in _CLOSERS:
                depth = max(0, depth - 1)
            previous = kind
            yield token


class NestingTooDeep(Exception):
    """Raised by the post-lexer at the bracket that opens one level too many."""

    def __init__(self, pos: int) -> None:
        self.pos = pos
