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
    """Follows one token stream's brackets: :meth:`keep` says whether a newline goes to the parser (one
    inside brackets or after an operator does not), and refuses absurd bracket nesting."""

    WATCH = frozenset({"_NL", *_BRACKETS})
    """The terminals :meth:`keep` is asked about: every other token goes to the parser."""

    __slots__ = ("depth",)

    def __init__(self) -> None:
        self.depth = 0

    def keep(self, kind: str, pos: int, previous: str | None) -> bool:
        """Whether the token of terminal ``kind`` (one of :attr:`WATCH`) at ``pos`` is passed on, after the
        token ``previous`` (``None`` at the start)."""
        if kind == "_NL":
            return not (self.depth > 0 or previous in _CONTINUES)
        depth = self.depth + _BRACKETS[kind]
        self.depth = depth if depth > 0 else 0
        if depth > MAX_NESTING:
            raise NestingTooDeep(pos)
        return True


class NewlinePostLexer:
    """lark's post-lexer for :class:`NewlineRule`."""

    always_accept = ("_NL",)

    def process(self, stream: Iterator[Token]) -> Iterator[Token]:
        rule, previous = NewlineRule(), None
        for token in stream:
            kind = token.type
            if kind not in rule.WATCH or rule.keep(kind, token.start_pos, previous):
                previous = kind
                yield token


class NestingTooDeep(Exception):
    """Raised at the bracket that opens one level too many."""

    def __init__(self, pos: int) -> None:
        self.pos = pos
