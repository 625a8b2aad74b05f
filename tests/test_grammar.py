"""The grammar builds without conflicts and every node kind it can produce has a builder method.

A rule with no builder method gives its parent a plain list of its children; these tests make sure a new
or renamed grammar rule can never slip through to the checker as a list or a token.
"""

from __future__ import annotations

import lark
import pytest

from einlang.records import fields, is_record
from einlang.syntax import ast, build_parser, builder, lalr, parse, tables
from einlang.syntax.builder import Builder as _Builder

# Rules the builder deliberately passes to their parent's method as lists.
PASSTHROUGH = _Builder.PASSTHROUGH


def _node_kinds(parser: lark.Lark) -> set[str]:
    """Every tree label the parser can produce: aliases, and rules that are not inlined."""
    kinds: set[str] = set()
    for rule in parser.rules:
        if rule.alias:
            kinds.add(rule.alias)
            continue
        name = rule.origin.name
        name = name if isinstance(name, str) else name.value
        if name.startswith("_"):
            continue  # lark inlines rules whose name starts with '_'
        if rule.options.expand1 and len(rule.expansion) == 1:
            continue  # '?rule' with one child is replaced by the child
        kinds.add(name)
    return kinds


@pytest.fixture(scope="module")
def strict_parser() -> lark.Lark:
    return build_parser(strict=True)


def test_strict_grammar_builds(strict_parser):
    # strict=True refuses shift/reduce conflicts and terminal collisions (interegular)
    assert strict_parser.options.parser == "lalr"


def test_grammar_has_the_expected_node_kinds(strict_parser):
    kinds = _node_kinds(strict_parser)
    for expected in ("add", "sub", "mul", "div", "juxtapose", "neg", "call", "array", "quoted", "braced_access",
                     "definition", "assignment", "expr_statement", "subscript_letters", "subscript_braced"):
        assert expected in kinds


def test_every_node_kind_has_a_builder_method(strict_parser):
    missing = sorted(kind for kind in _node_kinds(strict_parser) - PASSTHROUGH if not callable(getattr(_Builder, kind, None)))
    assert not missing, f"grammar rules without a _Builder method (would leak lark Trees): {missing}"


def test_every_builder_method_builds_a_node_kind(strict_parser):
    # the reverse direction: a callback whose rule was renamed or removed is dead code
    methods = {name for name, value in vars(_Builder).items() if not name.startswith("_") and callable(value)}
    assert methods <= _node_kinds(strict_parser), methods - _node_kinds(strict_parser)


def test_the_parser_is_built_once_per_process():
    assert build_parser() is build_parser()


def test_passthrough_rules_exist_in_grammar(strict_parser):
    # if a passthrough rule is renamed, the set above must follow
    assert PASSTHROUGH <= _node_kinds(strict_parser)


CORPUS = [
    "A_ij B_jk C_kl v_l",
    "a + b - c d e / f + (g h) i\nv, w = eig(a b)\nf(a b, c + d, e=f g)_i [a b, c - d]_i max_{i}(a b - c)",
    "C_ki = A_ij B_jk",
    "A_{i j} + B_{i,j} - `bear_basis`_{ij}",
    "W_{in,out} x_{in,} -> {out}",
    "def f(A, B)_ik = A_ij B_jk\nf(A, B)_ik x_k",
    "[[1, -2.5], [3j, 4]]_ij y_j / (2 * alpha)",
    "sqrt(v_i v_i); -x_i -> ",
    "T_{αβ} u_β",
    "`my_name`",
    "+ x",
]


def _walk(value):
    runtime = tables.runtime().lark  # the stand-alone parser's classes, or lark's
    stack = [value]
    while stack:
        node = stack.pop()
        leaked = (lark.Tree, lark.Token, runtime.Tree, runtime.Token, lalr.Token, list, builder._Chain)
        assert not isinstance(node, leaked), f"parser object leaked into the AST: {node!r}"
        if isinstance(node, tuple):
            stack.extend(node)
        elif is_record(node):
            stack.extend(getattr(node, f.name) for f in fields(node) if f.name not in ("span", "source"))


@pytest.mark.parametrize("text", CORPUS)
def test_parsed_trees_contain_only_ast_nodes(text):
    program = parse(text)
    assert isinstance(program, ast.Program)
    _walk(program)


def test_no_terminal_but_the_blanks_starts_with_a_blank(strict_parser):
    """lalr.parse skips a run of blanks (WS_INLINE) without asking the parser state's lexer: that is what
    the lexer would read only while no other terminal can match a text starting with a blank. interegular
    (lark's own collision checker) proves it for every terminal of the grammar."""
    import re

    import interegular

    t = lalr.tables()
    assert {" ", "\t"} <= t.blank_first
    regexes = {term.name: term.pattern.to_regexp() for term in strict_parser.terminals}
    regexes["blank start"] = "[" + re.escape("".join(sorted(t.blank_first))) + r"][\s\S]*"
    comparator = interegular.Comparator.from_regexes(regexes)
    blank = [name for name, regex in regexes.items() if name != "blank start" and re.fullmatch(regex, " ")]
    assert len(blank) == 1 and blank[0] in strict_parser.ignore_tokens
    overlapping = [name for name in regexes if name not in ("blank start", blank[0])
                   and not comparator.isdisjoint(name, "blank start")]
    assert not overlapping, overlapping
    assert parse("  A_ij \t B_jk  \f").statements[0].expr.factors[1].span.text == "B_jk"
