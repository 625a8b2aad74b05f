"""The newline rule: newlines end statements except inside brackets or after an operator.

One rule, two users: :class:`NewlinePostLexer` applies it to lark's token stream (lark's own parser, used
for error messages and by the tests), :func:`.lalr.parse` to its own.

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

# +1 for a bracket that opens (REDUCE_OPEN: "max_{"), -1 for one that closes
_BRACKETS = {"LPAR": 1, "LSQB": 1, "LBRACE": 1, "REDUCE_OPEN": 1, "RPAR": -1, "RSQB": -1, "RBRACE": -1}
# A newline right after one of these continues the statement ("A_ij +\n B_ij"); so does a first or a second one.
_CONTINUES = frozenset({"PLUS", "MINUS", "STAR", "SLASH", "EQUAL", "COMMA", "LPAR", "LSQB", "LBRACE", "REDUCE_OPEN",
                        None, "_NL"})


class NewlineRule:
    """Follows one token stream: :meth:`keep` says whether a token goes to the parser (a newline inside
    brackets or after an operator does not), and refuses absurd bracket nesting."""

    __slots__ = ("depth", "previous")

    def __init__(self) -> None:
        self.depth = 0
        self.previous: str | None = None

    def keep(self, kind: str, pos: int) -> bool:
        """Whether the token of terminal ``kind`` at ``pos`` is passed on."""
        if kind == "_NL" and (self.depth > 0 or self.previous in _CONTINUES):
            return False
        step = _BRACKETS.get(kind)
        if step is not None:
            self.depth = max(0, self.depth + step)
            if self.depth > MAX_NESTING:
                raise NestingTooDeep(pos)
        self.previous = kind
        return True


class NewlinePostLexer:
    """lark's post-lexer for :class:`NewlineRule`."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        rule = NewlineRule()
        for token in stream:
            if rule.keep(token.type, token.start_pos):
                yield token


class NestingTooDeep(Exception):
    """Raised at the bracket that opens one level too many."""

    def __init__(self, pos: int) -> None:
        self.pos = pos
