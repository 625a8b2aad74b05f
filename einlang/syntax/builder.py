"""Syntax-tree building: one builder method per node kind of the grammar, called at each reduce.

:func:`.lalr.parse` runs the grammar's LALR tables and calls a :class:`Builder` method each time it reduces
by a rule; the method named after the rule (or its alias) gets the rule's (start, end) character offsets
and its children, already built. No parse tree is made and walked again.

Imported on the first parse (it loads the parser, see tables.py): ``import einlang`` does not pay for it.
"""

from __future__ import annotations

import functools

from ..errors import (
    ComplexityLimitError,
    EinlangError,
    EinlangSyntaxError,
    InvalidIndexError,
    KeywordArgumentError,
    UnpackingError,
)
from ..records import replace
from ..source import Source, Span
from . import ast, lalr
from .lalr import Token
from .lexer import NestingTooDeep
from .parser import MAX_INT_DIGITS, MAX_NESTING
from .tables import build_parser, runtime
from .translate import translate

Offsets = tuple[int, int] | None  # a rule's (start, end) in the text; None for a rule that matched nothing


class _Chain:
    """A sum or a product while it is parsed: ``a + b - c`` is reduced as add(sub(a, b), c), one reduce per
    term, and each appends to this list, so that the Sum or Product is built once, when something uses it
    (building it at every reduce would copy it again for every term: quadratic in the chain's length)."""

    __slots__ = ("family", "items", "signs", "offsets", "depth")

    def __init__(self, family: str, first: object, depth: int) -> None:
        self.family = family
        self.items = [first]
        self.signs = [1]
        self.depth = depth
        self.offsets: Offsets = None


def _finishing(method):
    """For a method whose children may be expressions: each sum or product among them is finished first."""

    @functools.wraps(method)
    def finished(self, offsets, *children):
        return method(self, offsets, *(self._finish(c) if type(c) is _Chain else c for c in children))

    return finished


class Builder:
    """Builds frozen AST nodes, one method per node kind of the grammar, called as ``(offsets, *children)``
    at each reduce by :func:`.lalr.parse`.

    The list rules (``PASSTHROUGH``) have no method: their parent's method gets their children as a list.
    """

    PASSTHROUGH = frozenset({"args", "items", "params", "index_list"})

    def __init__(self, source: Source) -> None:
        self.source = source
        # nesting depth by id() of the nodes not yet taken by a parent: an entry is popped when its node
        # becomes a child, so an id reused after a node is freed never finds a stale depth
        self._depth: dict[int, int] = {}

    def _items(self, children: list | None) -> tuple:
        """The expressions of a list rule (``args``, ``items``), each sum or product finished."""
        if children is None:
            return ()
        return tuple(self._finish(c) if type(c) is _Chain else c for c in children)

    # -- helpers ---------------------------------------------------------------------------------
    def _span(self, offsets: Offsets) -> Span | None:
        return None if offsets is None else Span(self.source, offsets[0], offsets[1])

    def _tok_span(self, tok: Token) -> Span:
        return Span(self.source, tok.start, tok.end)

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

    def _chain(self, family: str, sign: int, offsets: Offsets, left, right) -> _Chain:
        if type(left) is _Chain and left.family == family:
            chain = left
        else:
            if type(left) is _Chain:
                left = self._finish(left)
            chain = _Chain(family, left, self._depth.pop(id(left), 0))
        if type(right) is _Chain:
            right = self._finish(right)
        chain.items.append(right)
        chain.signs.append(sign)
        depth = self._depth.pop(id(right), 0)
        if depth > chain.depth:
            chain.depth = depth
        chain.offsets = offsets
        return chain

    def _finish(self, chain: _Chain) -> ast.Sum | ast.Product:
        span = self._span(chain.offsets)
        if chain.family == "sum":
            node = ast.Sum(tuple(zip(chain.signs, chain.items)), span)
        else:
            node = ast.Product(tuple(chain.items), span)
        return self._set_depth(node, 1 + chain.depth)

    def _indices_from_letters(self, text: str, span: Span) -> tuple[ast.IndexRef, ...]:
        """``_ik`` -> (i, k): each letter is one index."""
        return tuple(ast.IndexRef(ch, span.sub(k, k + 1)) for k, ch in enumerate(text))

    def _index_list(self, tokens: list[Token] | None) -> tuple[ast.IndexRef, ...]:
        """``{ij}`` -> (i, j); ``{i j}``, ``{i,j}`` -> (i, j); ``{in,out}`` -> (in, out); ``{in,}`` -> (in,)."""
        if tokens is None:
            return ()
        source = self.source
        text, first, last = source.text, tokens[0], tokens[-1]
        separated = ("," in text[first.start : last.end] or text[last.end : last.end + 64].lstrip().startswith(",")
                     or any(a.end != b.start for a, b in zip(tokens, tokens[1:])))
        out: list[ast.IndexRef] = []
        for tok in tokens:
            span = Span(source, tok.start, tok.end)
            if tok.kind == "ELLIPSIS":
                out.append(ast.IndexRef(ast.ELLIPSIS, span))
            elif tok.kind == "NUMBER":
                raise InvalidIndexError(
                    f"'{tok.text}' is not an index: indices are names made of letters",
                    span,
                    hint="to pick one entry of a tensor, index it from Python (A[0, 1])",
                )
            elif separated:
                out.append(ast.IndexRef(tok.text, span))
            else:
                out.extend(self._indices_from_letters(tok.text, span))
        for ref in out:
            if "_" in ref.name:  # never in "...": the ellipsis
                raise InvalidIndexError(f"index '{ref.name}' contains '_'", ref.span,
                                        hint="index names are letters and digits, e.g. W_{in,out}")
        return tuple(out)

    # -- statements ------------------------------------------------------------------------------
    def start(self, offsets, *children):
        statements: list[ast.Statement] = []
        for child in children:  # an unpacking is several assignments
            statements.extend(child if isinstance(child, tuple) else (child,))
        return ast.Program(tuple(statements), self.source)

    @_finishing
    def definition(self, offsets, name, params, sub, body):
        param_tokens = params if params is not None else []
        return ast.Definition(
            name.text,
            tuple(p.text for p in param_tokens),
            sub,
            body,
            self._span(offsets),
            tuple(self._tok_span(p) for p in param_tokens),
            self._tok_span(name),
        )

    @_finishing
    def assignment(self, offsets, target, expr):
        _check_target(target)
        return ast.Assignment(target, expr, self._span(offsets))

    @_finishing
    def unpacking(self, offsets, *children):
        """``vals, vecs = eig(A)``: one assignment per name, each of one part of the call's results."""
        *targets, expr = children
        for target in targets:
            _check_target(target)
        if not isinstance(expr, ast.Call) or expr.indices is not None:
            raise UnpackingError(
                f"{len(targets)} names left of '=' need a call of a function with {len(targets)} results right of it",
                getattr(expr, "span", None),
                hint="eig(A) gives the eigenvalues and the eigenvectors: vals, vecs = eig(A)",
            )
        span = self._span(offsets)
        return tuple(ast.Assignment(t, replace(expr, part=k, parts=len(targets)), span) for k, t in enumerate(targets))

    @_finishing
    def expr_statement(self, offsets, expr, arrow, output):
        if arrow is None:
            return ast.ExprStatement(expr, None, self._span(offsets))
        return ast.ExprStatement(expr, output if output is not None else (), self._span(offsets))

    def output_letters(self, offsets, word):
        letters = self._indices_from_letters(word.text, self._tok_span(word))
        for ref in letters:  # "-> x_i" is not three output indices x, _ and i
            if ref.name == "_":
                raise InvalidIndexError(f"'{word.text}' after '->' is not a list of index letters: '_' is not an index",
                                        ref.span, hint="write the output indices as letters (-> ik) or in braces (-> {i,k})")
        return letters

    def output_braced(self, offsets, index_list=None):
        return self._index_list(index_list)

    # -- expressions -----------------------------------------------------------------------------
    def add(self, offsets, left, right) -> _Chain:
        return self._chain("sum", 1, offsets, left, right)

    def sub(self, offsets, left, right) -> _Chain:
        return self._chain("sum", -1, offsets, left, right)

    def mul(self, offsets, left, right) -> _Chain:
        return self._chain("product", 1, offsets, left, right)

    juxtapose = mul

    @_finishing
    def div(self, offsets, left, right):
        return self._nest(ast.Div(left, right, self._span(offsets)), left, right)

    @_finishing
    def neg(self, offsets, operand):
        return self._nest(ast.Neg(operand, self._span(offsets)), operand)

    @_finishing
    def pos(self, offsets, operand):
        return operand

    def word(self, offsets, tok):
        return ast.Word(tok.text, Span(self.source, tok.start, tok.end))  # the commonest node: no helper call

    def braced_access(self, offsets, tok, index_list=None):
        span = self._span(offsets)
        text = tok.text
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

    def quoted(self, offsets, tok, sub):
        name = tok.text[1:-1].strip()
        span = self._span(offsets)
        if not name.isidentifier():
            raise EinlangSyntaxError(
                f"`{name}` is not a name: quoted names are Python identifiers", self._tok_span(tok)
            )
        if sub is None:
            return ast.Name(name, span)
        return ast.Access(name, sub, span)

    def call(self, offsets, name, args, sub):
        given = self._items(args)
        arg_list = tuple(a for a in given if not isinstance(a, ast.Keyword))
        keywords = tuple(a for a in given if isinstance(a, ast.Keyword))
        after = [a for a in given[given.index(keywords[0]):] if not isinstance(a, ast.Keyword)] if keywords else []
        if after:
            raise KeywordArgumentError(
                f"a positional argument after the keyword argument {keywords[0].name}=…", getattr(after[0], "span", None),
                hint="positional arguments come first, then name=value ones: pagerank(L, d=0.5)",
            )
        node = ast.Call(name.text, arg_list, sub, self._span(offsets), self._tok_span(name), keywords)
        return self._nest(ast.Reduce.from_call(node) or node, *arg_list, *(k.value for k in keywords))

    @_finishing
    def keyword(self, offsets, name, value):
        text = name.text
        if not text.isidentifier():  # WORD also reads "x_i": a keyword is a parameter's plain name
            raise KeywordArgumentError(f"'{text}' is not a parameter name", self._tok_span(name),
                                       hint="a keyword argument is a parameter's name, then '=': pagerank(L, d=0.5)")
        return ast.Keyword(text, value, self._span(offsets), self._tok_span(name))

    def braced_reduction(self, offsets, opener, index_list, args, sub):
        """``max_{jk}(expr)``: the reduction named before ``_{`` over the indices in the braces."""
        arg_list = self._items(args)
        written = opener.text[:-2]
        span, name_span = self._span(offsets), self._tok_span(opener)
        if not arg_list or any(isinstance(a, ast.Keyword) for a in arg_list):
            raise EinlangSyntaxError(f"{written}_{{…}}(…) takes one expression to reduce, with no name=", span)
        node = ast.Reduce(ast.REDUCTION_SPELLINGS[written], self._index_list(index_list), arg_list[0], written, True,
                          arg_list[1:], sub, span, name_span.sub(0, len(written)))
        return self._nest(node, *arg_list)

    @_finishing
    def paren(self, offsets, expr):
        return self._nest(ast.Paren(expr, self._span(offsets)), expr)

    def array(self, offsets, items, sub):
        item_list = self._items(items)
        return self._nest(ast.Array(item_list, sub, self._span(offsets)), *item_list)

    def number(self, offsets, tok):
        text = tok.text
        is_float = any(c in text for c in ".eE")
        if not is_float and len(text) > MAX_INT_DIGITS:  # int() itself refuses past Python's digit limit
            raise ComplexityLimitError(
                f"a whole number of {len(text):,} digits, above the limit of {MAX_INT_DIGITS:,}",
                self._tok_span(tok),
                hint="write it with an exponent (1e5000 is inf) or pass it in from Python",
            )
        return ast.Number(float(text) if is_float else int(text), text, self._tok_span(tok))

    def imaginary(self, offsets, tok):
        text = tok.text
        return ast.Number(complex(0, float(text[:-1])), text, self._tok_span(tok))

    def subscript_letters(self, offsets, tok):
        text = tok.text[1:]
        span = self._tok_span(tok).sub(1, 1 + len(text))
        if not text:
            raise InvalidIndexError("'_' must be followed by indices", self._tok_span(tok))
        return self._indices_from_letters(text, span)

    def subscript_braced(self, offsets, tok, index_list=None):
        if tok.text != "_":
            raise EinlangSyntaxError("write either letters or braces after '_', not both", self._tok_span(tok))
        return self._index_list(index_list)


def _check_target(target: object) -> None:
    if not isinstance(target, (ast.Word, ast.Access, ast.Name)):
        raise EinlangSyntaxError(
            "only a name (x, C_ik, `my_var`) can stand left of '='",
            getattr(target, "span", None),
            hint="to compare values, compute both and compare them in Python",
        )


def parse_source(source: Source) -> ast.Program:
    """Parse ``source`` with the grammar's LALR tables, building the syntax tree as it goes."""
    try:
        return lalr.parse(source.text, Builder(source))
    except lalr.Refused as refused:
        _syntax_error(source, refused)
    except NestingTooDeep as exc:
        raise _too_deep(exc, source) from None
    except EinlangError as exc:  # a builder check: a syntax error anywhere in the text is said first
        try:
            lalr.parse(source.text, None)
        except lalr.Refused as refused:
            _syntax_error(source, refused)
        except NestingTooDeep as deep:
            raise _too_deep(deep, source) from None
        raise exc from None
    raise AssertionError("unreachable")  # pragma: no cover - _syntax_error always raises


def _syntax_error(source: Source, refused: lalr.Refused) -> None:
    """Raise what is wrong with a text the tables refused: lark's exception (from where the loop stopped,
    or from lark's own parse of the text), in einlang's words by :mod:`.translate`."""
    lark = runtime().lark
    exc = lalr.lark_error(source.text, refused)
    if exc is None:
        try:
            build_parser().parse(source.text)
        except NestingTooDeep as deep:  # pragma: no cover - the loop raises it first
            raise _too_deep(deep, source) from None
        except lark.exceptions.LarkError as error:
            exc = error
        else:  # pragma: no cover
            raise RuntimeError("einlang's parser refused a text that lark's parser accepts")
    raise translate(exc, source) from None


def _too_deep(exc: NestingTooDeep, source: Source) -> EinlangSyntaxError:
    return EinlangSyntaxError(
        f"brackets nested more than {MAX_NESTING} levels deep",
        source.span(exc.pos, exc.pos + 1),
        hint="split the expression into several statements with names",
    )
