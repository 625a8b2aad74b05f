"""Text -> syntax tree. lark lives here and nowhere else; its exceptions are translated in one place.

>>> parse("C_ki = A_ij B_jk").statements[0].target
Word(text='C_ki')
"""

from __future__ import annotations

import functools
from collections.abc import Iterator

import lark
from lark import Token, Transformer_NonRecursive, v_args

from ..errors import ComplexityLimitError, EinlangSyntaxError, InvalidIndexError
from ..source import Source, Span
from . import ast
from .grammar import grammar_text

MAX_NESTING = 200
"""Brackets and unary operators nest at most this deep: deeper input is refused, never a RecursionError."""

MAX_SOURCE_CHARS = 262_144
"""Longer programs are refused before parsing (lark parses about 100 KB a second: 256 KiB is a few seconds)."""

MAX_INT_DIGITS = 4_300
"""Whole numbers are written with at most this many digits (Python's own limit for int(), text <-> int)."""

_OPENERS = {"LPAR", "LSQB", "LBRACE"}
_CLOSERS = {"RPAR", "RSQB", "RBRACE"}
# A newline right after one of these continues the statement ("A_ij +\n B_ij").
_CONTINUES = {"PLUS", "MINUS", "STAR", "SLASH", "EQUAL", "COMMA", "LPAR", "LSQB", "LBRACE"}


class _NewlinePostLexer:
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
                    raise _NestingTooDeep(token.start_pos)
            elif kind in _CLOSERS:
                depth = max(0, depth - 1)
            previous = kind
            yield token


class _NestingTooDeep(Exception):
    def __init__(self, pos: int) -> None:
        self.pos = pos


class _Builder(Transformer_NonRecursive):
    """Builds frozen AST nodes from lark's parse tree, bottom-up and without recursion (so a sum of
    10,000 terms never reaches Python's recursion limit): one method per node kind of the grammar.

    The list rules (``PASSTHROUGH``) have no method: lark hands them to their parent as ``Tree`` objects,
    whose children the parent's method reads.
    """

    PASSTHROUGH = frozenset({"args", "items", "params", "index_list"})

    def __init__(self, source: Source) -> None:
        super().__init__(visit_tokens=False)
        self.source = source
        # nesting depth by id() of the nodes not yet taken by a parent: an entry is popped when its node
        # becomes a child, so an id reused after a replaced chain link is freed never finds a stale depth
        self._depth: dict[int, int] = {}

    # -- helpers ---------------------------------------------------------------------------------
    def _span(self, meta) -> Span | None:
        if getattr(meta, "empty", True):
            return None
        return self.source.span(meta.start_pos, meta.end_pos)

    def _tok_span(self, tok: Token) -> Span:
        return self.source.span(tok.start_pos, tok.end_pos)

    def _nest(self, node, *children):
        """Track nesting depth so later (recursive) stages never meet a tree deeper than MAX_NESTING."""
        return self._set_depth(node, 1 + max((self._depth.pop(id(c), 0) for c in children), default=0))

    def _set_depth(self, node, depth: int):
        if depth > MAX_NESTING:
            raise EinlangSyntaxError(
                f"expression nested more than {MAX_NESTING} levels deep",
                getattr(node, "span", None),
                hint="split it into several statements with names",
            )
        self._depth[id(node)] = depth
        return node

    def _indices_from_letters(self, text: str, span: Span) -> tuple[ast.IndexRef, ...]:
        """``_ik`` -> (i, k): each letter is one index."""
        return tuple(ast.IndexRef(ch, span.sub(k, k + 1)) for k, ch in enumerate(text))

    def _index_list(self, tree_or_none) -> tuple[ast.IndexRef, ...]:
        """``{ij}`` -> (i, j); ``{i j}``, ``{i,j}`` -> (i, j); ``{in,out}`` -> (in, out); ``{in,}`` -> (in,)."""
        if tree_or_none is None:
            return ()
        tokens: list[Token] = list(tree_or_none.children)
        first, last = tokens[0], tokens[-1]
        inner = self.source.text[first.start_pos : last.end_pos]
        inner_after = self.source.text[last.end_pos : last.end_pos + 64].lstrip()
        separated = ("," in inner or inner_after.startswith(",")) or any(
            tokens[k].end_pos != tokens[k + 1].start_pos for k in range(len(tokens) - 1)
        )
        out: list[ast.IndexRef] = []
        for tok in tokens:
            span = self._tok_span(tok)
            if tok.type == "ELLIPSIS":
                out.append(ast.IndexRef(ast.ELLIPSIS, span))
            elif tok.type == "NUMBER":
                raise InvalidIndexError(
                    f"'{tok}' is not an index: indices are names made of letters",
                    span,
                    hint="to pick one entry of a tensor, index it from Python (A[0, 1])",
                )
            elif separated:
                out.append(ast.IndexRef(str(tok), span))
            else:
                out.extend(self._indices_from_letters(str(tok), span))
        for ref in out:
            if ref.name != ast.ELLIPSIS and "_" in ref.name:
                raise InvalidIndexError(f"index '{ref.name}' contains '_'", ref.span,
                                        hint="index names are letters and digits, e.g. W_{in,out}")
        return tuple(out)

    # -- statements ------------------------------------------------------------------------------
    @v_args(meta=True)
    def start(self, meta, children):
        return ast.Program(tuple(children), self.source)

    @v_args(meta=True, inline=True)
    def definition(self, meta, name, params, sub, body):
        param_tokens = list(params.children) if params is not None else []
        return ast.Definition(
            str(name),
            tuple(str(p) for p in param_tokens),
            sub,
            body,
            self._span(meta),
            tuple(self._tok_span(p) for p in param_tokens),
            self._tok_span(name),
        )

    @v_args(meta=True, inline=True)
    def assignment(self, meta, target, expr):
        if not isinstance(target, (ast.Word, ast.Access, ast.Name)):
            raise EinlangSyntaxError(
                "only a name (x, C_ik, `my_var`) can stand left of '='",
                getattr(target, "span", None),
                hint="to compare values, compute both and compare them in Python",
            )
        return ast.Assignment(target, expr, self._span(meta))

    @v_args(meta=True, inline=True)
    def expr_statement(self, meta, expr, arrow, output):
        if arrow is None:
            return ast.ExprStatement(expr, None, self._span(meta))
        return ast.ExprStatement(expr, output if output is not None else (), self._span(meta))

    @v_args(inline=True)
    def output_letters(self, word):
        return self._indices_from_letters(str(word), self._tok_span(word))

    @v_args(meta=True, inline=True)
    def output_braced(self, meta, index_list=None):
        return self._index_list(index_list)

    # -- expressions -----------------------------------------------------------------------------
    @v_args(meta=True)
    def add(self, meta, children) -> ast.Sum | ast.Product:
        """A whole flat sum or product (see _flatten_chains): the first item, then operator, item, …"""
        items = children[::2]
        depth = 1 + max(self._depth.pop(id(item), 0) for item in items)
        if children[1] in ("add", "sub"):
            signs = (1, *(1 if op == "add" else -1 for op in children[1::2]))
            return self._set_depth(ast.Sum(tuple(zip(signs, items)), self._span(meta)), depth)
        return self._set_depth(ast.Product(tuple(items), self._span(meta)), depth)

    sub = mul = juxtapose = add

    @v_args(meta=True, inline=True)
    def div(self, meta, left, right):
        return self._nest(ast.Div(left, right, self._span(meta)), left, right)

    @v_args(meta=True, inline=True)
    def neg(self, meta, operand):
        return self._nest(ast.Neg(operand, self._span(meta)), operand)

    @v_args(meta=True, inline=True)
    def pos(self, meta, operand):
        return operand

    @v_args(inline=True)
    def word(self, tok):
        return ast.Word(str(tok), self._tok_span(tok))

    @v_args(meta=True, inline=True)
    def braced_access(self, meta, tok, index_list=None):
        span = self._span(meta)
        text = str(tok)
        if not text.endswith("_"):
            raise EinlangSyntaxError(
                f"'{text}' followed by '{{': write {text}_{{…}} to give indices in braces",
                self._tok_span(tok),
            )
        if text == "_":  # "f(x) _{ij}": a subscript separated from what it indexes
            raise EinlangSyntaxError(
                "indices in braces need a name right before the '_': A_{ij}",
                self._tok_span(tok),
                hint="a subscript goes right after the name or ')' with no space: f(A)_{ij}",
            )
        return ast.Access(text[:-1], self._index_list(index_list), span)

    @v_args(meta=True, inline=True)
    def quoted(self, meta, tok, sub):
        name = str(tok)[1:-1].strip()
        span = self._span(meta)
        if not name.isidentifier():
            raise EinlangSyntaxError(
                f"`{name}` is not a name: quoted names are Python identifiers", self._tok_span(tok)
            )
        if sub is None:
            return ast.Name(name, span)
        return ast.Access(name, sub, span)

    @v_args(meta=True, inline=True)
    def call(self, meta, name, args, sub):
        arg_list = tuple(args.children) if args is not None else ()
        node = ast.Call(str(name), arg_list, sub, self._span(meta), self._tok_span(name))
        return self._nest(node, *arg_list)

    @v_args(meta=True, inline=True)
    def paren(self, meta, expr):
        return self._nest(ast.Paren(expr, self._span(meta)), expr)

    @v_args(meta=True, inline=True)
    def array(self, meta, items, sub):
        item_list = tuple(items.children) if items is not None else ()
        return self._nest(ast.Array(item_list, sub, self._span(meta)), *item_list)

    @v_args(inline=True)
    def number(self, tok):
        text = str(tok)
        is_float = any(c in text for c in ".eE")
        if not is_float and len(text) > MAX_INT_DIGITS:  # int() itself refuses past Python's digit limit
            raise ComplexityLimitError(
                f"a whole number of {len(text):,} digits, above the limit of {MAX_INT_DIGITS:,}",
                self._tok_span(tok),
                hint="write it with an exponent (1e5000 is inf) or pass it in from Python",
            )
        return ast.Number(float(text) if is_float else int(text), text, self._tok_span(tok))

    @v_args(inline=True)
    def imaginary(self, tok):
        text = str(tok)
        return ast.Number(complex(0, float(text[:-1])), text, self._tok_span(tok))

    @v_args(inline=True)
    def subscript_letters(self, tok):
        text = str(tok)[1:]
        span = self._tok_span(tok).sub(1, 1 + len(text))
        if not text:
            raise InvalidIndexError("'_' must be followed by indices", self._tok_span(tok))
        return self._indices_from_letters(text, span)

    @v_args(meta=True, inline=True)
    def subscript_braced(self, meta, tok, index_list=None):
        if str(tok) != "_":
            raise EinlangSyntaxError("write either letters or braces after '_', not both", self._tok_span(tok))
        return self._index_list(index_list)


# -- error translation ----------------------------------------------------------------------------

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


def _translate(exc: lark.exceptions.LarkError, source: Source) -> EinlangSyntaxError:
    """The one place where lark's exceptions become einlang's."""
    text = source.text
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


@functools.cache
def build_parser(strict: bool = False) -> lark.Lark:
    """The lark parser for the grammar, built once per process (``strict=True`` also checks for terminal
    collisions; tests use it). Sharing one is safe: a parse keeps its state in locals, not on the parser.

    >>> build_parser() is build_parser()
    True
    """
    return lark.Lark(
        grammar_text(),
        parser="lalr",
        lexer="contextual",
        propagate_positions=True,
        maybe_placeholders=True,
        postlex=_NewlinePostLexer(),
        strict=strict,
    )


def parse(text: str, name: str = "<input>") -> ast.Program:
    """Parse einlang source into a :class:`~einlang.syntax.ast.Program`.

    >>> prog = parse("x_i x_i")
    >>> prog.statements[0].expr
    Product(factors=(Word(text='x_i'), Word(text='x_i')))
    """
    if not isinstance(text, str):
        from ..errors import InputTypeError

        raise InputTypeError(f"einlang source must be a str, not {type(text).__name__}")
    if len(text) > MAX_SOURCE_CHARS:
        raise ComplexityLimitError(
            f"the program is {len(text):,} characters long, above the limit of {MAX_SOURCE_CHARS:,}",
            hint="einlang programs are expressions: build large data in Python and pass it as tensors",
        )
    source = Source(text, name)
    try:
        tree = build_parser().parse(text)
    except _NestingTooDeep as exc:
        raise EinlangSyntaxError(
            f"brackets nested more than {MAX_NESTING} levels deep",
            source.span(exc.pos, exc.pos + 1),
            hint="split the expression into several statements with names",
        ) from None
    except lark.exceptions.LarkError as exc:
        raise _translate(exc, source) from None
    try:
        return _Builder(source).transform(_flatten_chains(tree))
    except lark.exceptions.VisitError as exc:  # a builder check failed: surface the einlang error itself
        if isinstance(exc.orig_exc, EinlangSyntaxError | ComplexityLimitError):
            raise exc.orig_exc from None
        raise


_CHAIN_FAMILY = {"add": "sum", "sub": "sum", "mul": "product", "juxtapose": "product"}


def _flatten_chains(tree: lark.Tree) -> lark.Tree:
    """``a + b - c`` arrives as add(sub(a, b), c), one level per term: each whole chain becomes one node
    whose children are the first item, then operator name and item in turn, so that its Sum or Product is
    built once instead of being copied again for every term (quadratic in the length of the chain)."""
    for node in tree.iter_subtrees_topdown():  # lazy and top-down: a chain is flattened before its items
        family = _CHAIN_FAMILY.get(node.data)
        if family is None:
            continue
        top, rest = node, []
        while isinstance(node, lark.Tree) and _CHAIN_FAMILY.get(node.data) == family:
            left, right = node.children
            rest += (right, node.data)
            node = left
        rest.append(node)
        rest.reverse()
        top.children = rest
    return tree
