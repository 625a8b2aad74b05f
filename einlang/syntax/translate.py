"""The one place where lark's exceptions become einlang's :class:`~einlang.errors.EinlangSyntaxError`."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..errors import EinlangSyntaxError
from ..source import Source
from .tables import runtime

if TYPE_CHECKING:
    from lark import Token

_TERMINAL_WORDS = {
    "WORD": "a name",
    "CALLNAME": "a function name",
    "QNAME": "a `quoted name`",
    "NUMBER": "a number",
    "IMAG": "a number",
    "SUBSCRIPT": "indices after '_'",
    "ELLIPSIS": "'...'",
    "ARROW": "'->'",
    "_NL": "the end of the line",
    "$END": "the end of the input",
    "SEMICOLON": "';'",
    "LPAR": "'('",
    "RPAR": "')'",
    "LSQB": "'['",
    "RSQB": "']'",
    "LBRACE": "'{'",
    "RBRACE": "'}'",
    "COMMA": "','",
    "PLUS": "'+'",
    "MINUS": "'-'",
    "STAR": "'*'",
    "SLASH": "'/'",
    "EQUAL": "'='",
    "DEF": "'def'",
}
_STARTS_EXPRESSION = {"WORD", "NUMBER", "LPAR"}


def _describe_expected(expected: set[str]) -> str:
    words: list[str] = []
    if _STARTS_EXPRESSION <= expected:
        words.append("an expression (a tensor like A_ij, a number or '(')")
        expected = expected - _STARTS_EXPRESSION - {"CALLNAME", "QNAME", "IMAG", "LSQB", "MINUS", "PLUS"}
    order = ["RPAR", "RSQB", "RBRACE", "COMMA", "EQUAL", "ARROW", "WORD", "NUMBER", "_NL", "$END"]
    for name in sorted(expected, key=lambda n: (order.index(n) if n in order else 99, n)):
        word = _TERMINAL_WORDS.get(name)
        if word and word not in words:
            words.append(word)
    if not words:
        return "something else"
    if len(words) > 6:
        words = words[:6] + ["…"]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]


def _describe_token(token: Token) -> str:
    if token.type == "$END":
        return "end of the input"
    if token.type == "_NL":
        return "end of the line"
    return f"'{token}'"


_PAIRS = {")": "(", "]": "[", "}": "{"}


def _bracket_balance(text: str, end: int) -> tuple[int | None, bool]:
    """Brackets in ``text[:end]`` (outside comments and `quoted names`): the position of the innermost one
    still open, and whether the character at ``end`` closes a bracket that was never opened."""
    stack: list[int] = []
    k = 0
    while k < end:
        ch = text[k]
        if ch == "#" or ch == "`":  # skip a comment to the end of its line, a quoted name to its close
            close = text.find("\n" if ch == "#" else "`", k + 1)
            k = end if close < 0 else close + (ch == "`")
            continue
        if ch in "([{":
            stack.append(k)
        elif ch in _PAIRS and stack:
            stack.pop()
        k += 1
    closes = end < len(text) and text[end] in _PAIRS
    return (stack[-1] if stack else None), closes and not stack


def translate(exc: Exception, source: Source) -> EinlangSyntaxError:
    """The one place where lark's exceptions become einlang's (those of the parser in use: see tables.py)."""
    text = source.text
    lark = runtime().lark
    if isinstance(exc, lark.exceptions.UnexpectedToken):
        token = exc.token
        at_end = token.type == "$END"
        # at the end, point just after the last character written, not at an empty line after it
        pos = len(text.rstrip()) if at_end else token.start_pos
        span = source.span(pos, pos + (0 if at_end else max(1, len(str(token)))))
        expected = set(exc.accepts or exc.expected)
        message = f"unexpected {_describe_token(token)}: expected {_describe_expected(expected)}"
        hint = None
        spans = [span]
        unclosed, unmatched = _bracket_balance(text, len(text) if at_end else token.start_pos)
        if token.type == "SUBSCRIPT" or (token.type == "WORD" and str(token).startswith("_")):
            hint = "a subscript goes right after the name or ')' with no space: f(A)_ik"
        elif token.type == "EQUAL":
            hint = "'=' assigns to a name at the start of a statement: C_ik = A_ij B_jk"
        elif at_end and unclosed is not None:
            opener = source.span(unclosed, unclosed + 1)
            spans.append(opener)
            hint = f"the '{text[unclosed]}' at {opener.line}:{opener.column} is never closed"
        elif token.type in ("RPAR", "RSQB", "RBRACE") and unmatched:
            hint = f"this '{token}' has no matching opening bracket before it"
        return EinlangSyntaxError(message, spans, hint=hint, incomplete=at_end)
    if isinstance(exc, lark.exceptions.UnexpectedCharacters):
        pos = exc.pos_in_stream
        char = text[pos] if pos < len(text) else ""
        span = source.span(pos, pos + 1)
        hint = None
        if char == "_":
            hint = "indices follow the name with no space: A_ij, or A_{i j}"
        elif char == "^":
            hint = "powers are written as products: x_i x_i, or with a function: square(x_i)"
        elif char == "`":
            hint = "a quoted name is closed on the same line: `my_tensor`"
        # a trailing '\\' continues the statement on the next line: the REPL should ask for it
        continues = char == "\\" and not text[pos + 1 :].strip()
        shown = repr(char) if char.isprintable() and char != "" else f"U+{ord(char):04X}" if char else "input"
        expected = _describe_expected(set(exc.allowed or ()))
        # a list cut short with '…' (almost anything could come here) says nothing useful: leave it out
        return EinlangSyntaxError(
            f"unexpected character {shown}" + ("" if expected.endswith("…") else f": expected {expected}"),
            span,
            hint=hint,
            incomplete=continues,
        )
    if isinstance(exc, lark.exceptions.UnexpectedEOF):
        return EinlangSyntaxError("unexpected end of the input", source.span(len(text), len(text)), incomplete=True)
    return EinlangSyntaxError(f"cannot parse: {exc}", source.span(0, 0))  # pragma: no cover
