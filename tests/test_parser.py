"""Parser: text -> frozen AST, compared structurally (spans are excluded from equality)."""

from __future__ import annotations

import pytest

from einlang.errors import EinlangError, EinlangSyntaxError, InvalidIndexError
from einlang.syntax import parse
from einlang.syntax.ast import (
    Access,
    Array,
    Assignment,
    Call,
    Definition,
    Div,
    ExprStatement,
    IndexRef,
    Name,
    Neg,
    Number,
    Paren,
    Product,
    Sum,
    Word,
)


def ix(*names: str) -> tuple[IndexRef, ...]:
    return tuple(IndexRef(n) for n in names)


def acc(name: str, *indices: str) -> Access:
    return Access(name, ix(*indices))


def W(text: str) -> Word:
    return Word(text)


def N(value) -> Number:
    return Number(value)


def prod(*factors) -> Product:
    return Product(tuple(factors))


def add(*terms) -> Sum:
    """add(a, (-1, b), c) -> a + ... - b + c"""
    return Sum(tuple(t if isinstance(t, tuple) else (1, t) for t in terms))


def stmt(expr, output=None) -> ExprStatement:
    return ExprStatement(expr, output)


# (source, expected single statement)
EXPRESSIONS = [
    # -- access forms
    ("A_ij", stmt(W("A_ij"))),
    ("A_{ij}", stmt(acc("A", "i", "j"))),
    ("A_{i j}", stmt(acc("A", "i", "j"))),
    ("A_{i,j}", stmt(acc("A", "i", "j"))),
    ("A_{ i , j }", stmt(acc("A", "i", "j"))),
    ("T_{αβ}", stmt(acc("T", "α", "β"))),
    ("W_{in,out}", stmt(acc("W", "in", "out"))),
    ("W_{in out}", stmt(acc("W", "in", "out"))),
    ("x_{in,}", stmt(acc("x", "in"))),
    ("x_{in}", stmt(acc("x", "i", "n"))),
    ("`bear_basis`_ij", stmt(acc("bear_basis", "i", "j"))),
    ("`bear_basis`_{in,out}", stmt(acc("bear_basis", "in", "out"))),
    ("`bear_basis`", stmt(Name("bear_basis"))),
    ("bear_basis_ij", stmt(W("bear_basis_ij"))),
    ("alpha", stmt(W("alpha"))),
    ("δ_ij", stmt(W("δ_ij"))),
    # -- calls
    ("f(A,B)_ik", stmt(Call("f", (W("A"), W("B")), ix("i", "k")))),
    ("f(A, B)", stmt(Call("f", (W("A"), W("B"))))),
    ("f(A)_{in,out}", stmt(Call("f", (W("A"),), ix("in", "out")))),
    ("f()", stmt(Call("f", ()))),
    ("sqrt(v_i v_i)", stmt(Call("sqrt", (prod(W("v_i"), W("v_i")),)))),
    ("f(A,)", stmt(Call("f", (W("A"),)))),
    ("f (x)", stmt(prod(W("f"), Paren(W("x"))))),  # a space: f times (x)
    # -- arrays
    ("[1, 2]", stmt(Array((N(1), N(2))))),
    ("[[1, 2], [3, 4]]", stmt(Array((Array((N(1), N(2))), Array((N(3), N(4))))))),
    ("[[1, 2], [3, 4]]_ij", stmt(Array((Array((N(1), N(2))), Array((N(3), N(4)))), ix("i", "j")))),
    ("[cos(t), -sin(t)]", stmt(Array((Call("cos", (W("t"),)), Neg(Call("sin", (W("t"),))))))),
    ("[1, 2,]", stmt(Array((N(1), N(2))))),
    # -- numbers
    ("2.5", stmt(N(2.5))),
    ("1e3", stmt(N(1000.0))),
    (".5", stmt(N(0.5))),
    ("3j", stmt(N(3j))),
    # -- unary minus and plus
    ("-A_ij", stmt(Neg(W("A_ij")))),
    ("--x", stmt(Neg(Neg(W("x"))))),
    ("+x", stmt(W("x"))),
    ("-A_ij B_jk", stmt(prod(Neg(W("A_ij")), W("B_jk")))),
    # -- products: juxtaposition and * build the same node, flattened
    ("A_ij B_jk", stmt(prod(W("A_ij"), W("B_jk")))),
    ("A_ij * B_jk", stmt(prod(W("A_ij"), W("B_jk")))),
    ("A_ij B_jk C_kl", stmt(prod(W("A_ij"), W("B_jk"), W("C_kl")))),
    ("A_ij * B_jk C_kl", stmt(prod(W("A_ij"), W("B_jk"), W("C_kl")))),
    ("2 A_ij", stmt(prod(N(2), W("A_ij")))),
    ("alpha x_i", stmt(prod(W("alpha"), W("x_i")))),
    # -- division binds like *, left to right
    ("A_ij / 2", stmt(Div(W("A_ij"), N(2)))),
    ("a / b / c", stmt(Div(Div(W("a"), W("b")), W("c")))),
    ("x_i / (x_j x_j)", stmt(Div(W("x_i"), Paren(prod(W("x_j"), W("x_j")))))),
    ("a b / c", stmt(Div(prod(W("a"), W("b")), W("c")))),
    ("a / b c", stmt(prod(Div(W("a"), W("b")), W("c")))),
    # -- sums
    ("A_ij + B_ij", stmt(add(W("A_ij"), W("B_ij")))),
    ("A_ij + B_ij - C_ij", stmt(add(W("A_ij"), W("B_ij"), (-1, W("C_ij"))))),
    ("a - b c", stmt(add(W("a"), (-1, prod(W("b"), W("c")))))),
    ("a + -b", stmt(add(W("a"), Neg(W("b"))))),
    # -- parentheses
    ("(A_ij + B_ij) C_jk", stmt(prod(Paren(add(W("A_ij"), W("B_ij"))), W("C_jk")))),
    ("(a + b) + c", stmt(add(Paren(add(W("a"), W("b"))), W("c")))),
    ("(x)", stmt(Paren(W("x")))),
    # -- explicit output with ->
    ("A_ij B_jk -> ki", stmt(prod(W("A_ij"), W("B_jk")), ix("k", "i"))),
    ("A_ij B_jk -> {k i}", stmt(prod(W("A_ij"), W("B_jk")), ix("k", "i"))),
    ("W_{in,out} -> {out,in}", stmt(acc("W", "in", "out"), ix("out", "in"))),
    ("x_i x_i ->", stmt(prod(W("x_i"), W("x_i")), ())),
    ("A_ij ->{}", stmt(W("A_ij"), ())),
    # -- assignments
    ("C_ki = A_ij B_jk", Assignment(W("C_ki"), prod(W("A_ij"), W("B_jk")))),
    ("C_{ki} = A_ij B_jk", Assignment(acc("C", "k", "i"), prod(W("A_ij"), W("B_jk")))),
    ("`my_c` = 2", Assignment(Name("my_c"), N(2))),
    ("`my_c`_ki = A_ik", Assignment(acc("my_c", "k", "i"), W("A_ik"))),
    ("M = [[1, 2], [3, 4]]", Assignment(W("M"), Array((Array((N(1), N(2))), Array((N(3), N(4))))))),
    # -- definitions
    ("def matmul(A, B)_ik = A_ij B_jk", Definition("matmul", ("A", "B"), ix("i", "k"), prod(W("A_ij"), W("B_jk")))),
    ("def dot(u, v) = u_i v_i", Definition("dot", ("u", "v"), None, prod(W("u_i"), W("v_i")))),
    ("def two() = 2", Definition("two", (), None, N(2))),
    ("def f(W)_{out,in} = W_{in,out}", Definition("f", ("W",), ix("out", "in"), acc("W", "in", "out"))),
    # -- newline continuation inside brackets and after operators
    ("(A_ij\n + B_ij)", stmt(Paren(add(W("A_ij"), W("B_ij"))))),
    ("A_ij +\n B_ij", stmt(add(W("A_ij"), W("B_ij")))),
    ("A_ij *\n\n B_jk", stmt(prod(W("A_ij"), W("B_jk")))),
    ("f(\n  A,\n  B\n)_ik", stmt(Call("f", (W("A"), W("B")), ix("i", "k")))),
    ("[[1, 2],\n [3, 4]]", stmt(Array((Array((N(1), N(2))), Array((N(3), N(4))))))),
    ("C_ik =\n A_ij B_jk", Assignment(W("C_ik"), prod(W("A_ij"), W("B_jk")))),
    ("A_ij \\\n B_jk", stmt(prod(W("A_ij"), W("B_jk")))),
    # -- comments
    ("A_ij  # the matrix", stmt(W("A_ij"))),
    ("(A_ij # inside\n + B_ij)", stmt(Paren(add(W("A_ij"), W("B_ij"))))),
]


@pytest.mark.parametrize("text, expected", EXPRESSIONS, ids=[t for t, _ in EXPRESSIONS])
def test_parses_to(text, expected):
    program = parse(text)
    assert program.statements == (expected,)


PROGRAMS = [
    ("a; b", (stmt(W("a")), stmt(W("b")))),
    ("a\nb", (stmt(W("a")), stmt(W("b")))),
    ("a\r\nb", (stmt(W("a")), stmt(W("b")))),
    ("\n\n a \n\n\n b \n\n", (stmt(W("a")), stmt(W("b")))),
    (";a;;b;", (stmt(W("a")), stmt(W("b")))),
    ("# only a comment", ()),
    ("", ()),
    ("  \n ; \n", ()),
    ("x = 2 # two\n# a line of comment\ny_i = x v_i; y_i y_i",
     (Assignment(W("x"), N(2)), Assignment(W("y_i"), prod(W("x"), W("v_i"))), stmt(prod(W("y_i"), W("y_i"))))),
    ("def f(A)_ij = A_ji\nf(M)_ij v_j",
     (Definition("f", ("A",), ix("i", "j"), W("A_ji")), stmt(prod(Call("f", (W("M"),), ix("i", "j")), W("v_j"))))),
]


@pytest.mark.parametrize("text, expected", PROGRAMS, ids=[repr(t) for t, _ in PROGRAMS])
def test_programs_split_into_statements(text, expected):
    assert parse(text).statements == expected


def test_spans_are_excluded_from_equality_but_present():
    a, b = parse("A_ij B_jk").statements[0], parse("A_ij    B_jk").statements[0]
    assert a == b
    factors = b.expr.factors
    assert (factors[1].span.line, factors[1].span.column) == (1, 9)
    assert factors[1].span.text == "B_jk"


def test_index_spans_point_at_each_letter():
    access = parse("W_{in,out}").statements[0].expr
    assert [r.span.text for r in access.indices] == ["in", "out"]
    call = parse("f(A)_ik").statements[0].expr
    assert [r.span.text for r in call.indices] == ["i", "k"]
    assert [r.span.column for r in call.indices] == [6, 7]


def test_second_line_positions():
    program = parse("a = 1\n  B_ij")
    assert program.statements[1].expr.span.line == 2
    assert program.statements[1].expr.span.column == 3


def test_long_sum_does_not_recurse():
    text = " + ".join(f"x{k}" for k in range(5000))
    (statement,) = parse(text).statements
    assert len(statement.expr.terms) == 5000


def test_non_string_input_is_an_einlang_error():
    with pytest.raises(EinlangError):
        parse(b"A_ij")  # type: ignore[arg-type]


# -- syntax errors ---------------------------------------------------------------------------------

INCOMPLETE = ["A_ij +", "(A_ij", "[1, 2", "f(A,", "C_ik =", "def f(A)", "def", "A_ij *\n", "((x)", "A_ij -", "x_{", "A_{i,",
              "def f(A)_ij =", "x = [[1, 2],\n", "(x\n"]


@pytest.mark.parametrize("text", INCOMPLETE)
def test_unfinished_input_is_incomplete(text):
    with pytest.raises(EinlangSyntaxError) as info:
        parse(text)
    assert info.value.incomplete is True
    assert "end of the input" in info.value.message


def test_trailing_backslash_is_incomplete():
    with pytest.raises(EinlangSyntaxError) as info:
        parse("C_ik = A_ij \\")
    assert info.value.incomplete is True
    with pytest.raises(EinlangSyntaxError) as info:
        parse("A_ij \\ B_jk")
    assert info.value.incomplete is False


COMPLETE_BUT_WRONG = [
    ("A_ij )", (1, 6), "')'"),
    ("= A", (1, 1), "'='"),
    ("A_ij ^ 2", (1, 6), "'^'"),
    ("x_{i-j}", (1, 5), "'-'"),
    ("A_ij -> 1", (1, 9), "'1'"),
    ("))", (1, 1), "')'"),
    ("a\n  b )", (2, 5), "')'"),
    ("2 = x", (1, 1), "only a name"),
    ("`a b`", (1, 1), "not a name"),
    ("A_{1 2}", (1, 4), "'1' is not an index"),
    ("x_{in_a,}", (1, 4), "contains '_'"),
]


@pytest.mark.parametrize("text, position, words", COMPLETE_BUT_WRONG, ids=[t for t, _, _ in COMPLETE_BUT_WRONG])
def test_syntax_errors_have_position_caret_and_are_complete(text, position, words):
    with pytest.raises(EinlangSyntaxError) as info:
        parse(text)
    err = info.value
    assert err.incomplete is False
    assert (err.span.line, err.span.column) == position
    assert words in err.message
    rendered = str(err)
    line, col = position
    assert rendered.startswith(f"error[{err.code}] at <input>:{line}:{col}: ")
    source_line = text.splitlines()[line - 1]
    lines = rendered.splitlines()
    k = lines.index(f"  {line} | {source_line}")
    caret_line = lines[k + 1]
    assert caret_line.index("^") - len(f"  {line} | ") == col - 1


def test_expected_tokens_are_described_in_words():
    with pytest.raises(EinlangSyntaxError) as info:
        parse("A_ij +")
    assert "expected an expression" in info.value.message
    assert "RPAR" not in str(info.value) and "$END" not in str(info.value)


def test_invalid_index_is_its_own_error():
    with pytest.raises(InvalidIndexError):
        parse("A_{i 1}")


def test_subscript_needs_no_space_hint():
    with pytest.raises(EinlangSyntaxError) as info:
        parse("f(x) _{ij}")
    assert info.value.hint is not None and "no space" in info.value.hint


def test_nesting_limit_is_an_error_not_a_recursion_error():
    with pytest.raises(EinlangSyntaxError) as info:
        parse("(" * 500 + "x" + ")" * 500)
    assert "nested" in info.value.message
    with pytest.raises(EinlangSyntaxError):
        parse("-" * 500 + "x")


@pytest.mark.parametrize("text", ["A_{1} + )", "A_{1} +", "A_{1}\nB_{i} C_{j} (("])
def test_a_syntax_error_is_said_before_a_builder_check(text):
    """The tree is built while parsing, so a builder check (a number as an index) can fail before the parser
    reaches a syntax error further on: the syntax error is still the one said, as when parsing came first."""
    with pytest.raises(EinlangSyntaxError) as info:
        parse(text)
    assert not isinstance(info.value, InvalidIndexError) and info.value.message.startswith("unexpected")


def test_long_sums_and_products_are_flat_and_keep_their_spans():
    text = " + ".join(["x_i y_i"] * 3000) + " - z"
    (statement,) = parse(text).statements
    assert len(statement.expr.terms) == 3001 and statement.expr.terms[-1][0] == -1
    assert statement.expr.span.text == text
    first = statement.expr.terms[0][1]
    assert isinstance(first, Product) and first.span.text == "x_i y_i"
    assert [f.span.text for f in first.factors] == ["x_i", "y_i"]


@pytest.mark.parametrize("text", ["A_ij )", "A_ij +", "A_ij $ B", "(A_ij"])
def test_errors_are_the_same_when_lark_parses_the_text_again(text, monkeypatch):
    """Without the cached stand-alone module (lark itself is the runtime) the error comes from lark parsing
    the text again instead of from the loop's state: the same message, places and hint."""
    from einlang.syntax import lalr

    def worded():
        with pytest.raises(EinlangSyntaxError) as info:
            parse(text)
        return info.value.message, info.value.hint, [(s.start, s.end) for s in info.value.spans]

    from_state = worded()
    monkeypatch.setattr(lalr, "lark_error", lambda text, refused: None)
    assert worded() == from_state
