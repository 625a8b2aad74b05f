"""lark's parse tree -> einlang's syntax tree, one builder method per node kind of the grammar.

Imported on the first parse (it loads the parser, see tables.py): ``import einlang`` does not pay for it.
"""

from __future__ import annotations

from ..errors import ComplexityLimitError, EinlangSyntaxError, InvalidIndexError, KeywordArgumentError, UnpackingError
from ..records import replace
from ..source import Source, Span
from . import ast
from .lexer import NestingTooDeep
from .parser import MAX_INT_DIGITS, MAX_NESTING
from .tables import build_parser, runtime
from .translate import translate

# the stand-alone parser module from the cache, or lark itself: trees, tokens and this transformer must
# all come from the same one (the transformer recognises subtrees by their class)
lark = runtime().lark
Token, Transformer_NonRecursive, v_args = lark.Token, lark.Transformer_NonRecursive, lark.v_args


class Builder(Transformer_NonRecursive):
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
        statements: list[ast.Statement] = []
        for child in children:  # an unpacking is several assignments
            statements.extend(child if isinstance(child, tuple) else (child,))
        return ast.Program(tuple(statements), self.source)

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
        _check_target(target)
        return ast.Assignment(target, expr, self._span(meta))

    @v_args(meta=True)
    def unpacking(self, meta, children):
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
        span = self._span(meta)
        return tuple(ast.Assignment(t, replace(expr, part=k, parts=len(targets)), span) for k, t in enumerate(targets))

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
        given = tuple(args.children) if args is not None else ()
        arg_list = tuple(a for a in given if not isinstance(a, ast.Keyword))
        keywords = tuple(a for a in given if isinstance(a, ast.Keyword))
        after = [a for a in given[given.index(keywords[0]):] if not isinstance(a, ast.Keyword)] if keywords else []
        if after:
            raise KeywordArgumentError(
                f"a positional argument after the keyword argument {keywords[0].name}=…", getattr(after[0], "span", None),
                hint="positional arguments come first, then name=value ones: pagerank(L, d=0.5)",
            )
        node = ast.Call(str(name), arg_list, sub, self._span(meta), self._tok_span(name), keywords)
        return self._nest(ast.Reduce.from_call(node) or node, *arg_list, *(k.value for k in keywords))

    @v_args(meta=True, inline=True)
    def keyword(self, meta, name, value):
        text = str(name)
        if not text.isidentifier():  # WORD also reads "x_i": a keyword is a parameter's plain name
            raise KeywordArgumentError(f"'{text}' is not a parameter name", self._tok_span(name),
                                       hint="a keyword argument is a parameter's name, then '=': pagerank(L, d=0.5)")
        return ast.Keyword(text, value, self._span(meta), self._tok_span(name))

    @v_args(meta=True, inline=True)
    def braced_reduction(self, meta, opener, index_list, args, sub):
        """``max_{jk}(expr)``: the reduction named before ``_{`` over the indices in the braces."""
        arg_list = tuple(args.children) if args is not None else ()
        written = str(opener)[:-2]
        span, name_span = self._span(meta), self._tok_span(opener)
        if not arg_list or any(isinstance(a, ast.Keyword) for a in arg_list):
            raise EinlangSyntaxError(f"{written}_{{…}}(…) takes one expression to reduce, with no name=", span)
        node = ast.Reduce(ast.REDUCTION_SPELLINGS[written], self._index_list(index_list), arg_list[0], written, True,
                          arg_list[1:], sub, span, name_span.sub(0, len(written)))
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


def _check_target(target: object) -> None:
    if not isinstance(target, (ast.Word, ast.Access, ast.Name)):
        raise EinlangSyntaxError(
            "only a name (x, C_ik, `my_var`) can stand left of '='",
            getattr(target, "span", None),
            hint="to compare values, compute both and compare them in Python",
        )


def parse_source(source: Source) -> ast.Program:
    """Parse ``source`` with the grammar's LALR tables and build the syntax tree."""
    try:
        tree = build_parser().parse(source.text)
    except NestingTooDeep as exc:
        raise EinlangSyntaxError(
            f"brackets nested more than {MAX_NESTING} levels deep",
            source.span(exc.pos, exc.pos + 1),
            hint="split the expression into several statements with names",
        ) from None
    except lark.exceptions.LarkError as exc:
        raise translate(exc, source) from None
    try:
        return Builder(source).transform(_flatten_chains(tree))
    except lark.exceptions.VisitError as exc:  # a builder check failed: surface the einlang error itself
        if isinstance(exc.orig_exc, EinlangSyntaxError | ComplexityLimitError | KeywordArgumentError | UnpackingError):
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
