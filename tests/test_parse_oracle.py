"""The one-pass parser (syntax/lalr.py) against lark's own parser on the same generated tables.

einlang drives the grammar's LALR tables with its own loop (one pass: lex, parse, build) and falls back to
lark's parser only to word an error. If the two ever disagreed on which texts are in the language, a text
would be refused with "einlang's parser refused a text that lark's parser accepts" or, worse, accepted with
a meaning lark would not give it. These tests generate texts from the grammar's own pieces (names with
underscores, calls, reductions, numbers and imaginary literals, brackets, comments, continuation lines)
and require both parsers to accept exactly the same ones; for accepted texts the syntax tree must survive
a round trip through the printer.
"""

from __future__ import annotations

import pytest
from hypothesis import assume, example, given, settings
from hypothesis import strategies as st

from einlang.syntax import lalr, parse
from einlang.syntax.lexer import NestingTooDeep
from einlang.syntax.printer import to_text
from einlang.syntax.tables import build_parser, runtime

PIECES = [
    "x", "x_i", "A_ij", "B_jk", "bear_ij", "A_{i j}", "A_{i,j}", "A_{...,i}", "A_{}", "`my var`", "`b`_ij",
    "f(", "norm(", "max_j(", "max_{jk}(", "sum_{", "softmax_{i}(", "def", "def ", " ", "  ", "\t",
    "1", "2.5", ".5", "1e3", "2j", "1.5e-3J", "3x", "0_i",
    "+", "-", "*", "/", "=", ",", ";", "->", "->ij", "-> {i, k}", "...",
    "(", ")", "[", "]", "{", "}", ")_i", "]_ij", "`_i",
    "\n", "\n  + ", "\n- ", "\n* ", "\n->", "# note", "\n# c\n", "\\\n", "e=", "x=",
]


def _accepted_by_lark(text: str) -> bool:
    lark_errors = runtime().lark.exceptions.LarkError
    try:
        build_parser().parse(text)
    except (lark_errors, NestingTooDeep):
        return False
    return True


def _accepted_by_loop(text: str) -> bool:
    try:
        lalr.parse(text, None)
    except (lalr.Refused, NestingTooDeep):
        return False
    return True


texts = st.lists(st.sampled_from(PIECES), min_size=1, max_size=14).map("".join)


@settings(max_examples=300)
@given(texts)
@example("A_ij B_jk\n  - C_ik")
@example("y = max_{j}(A_ij) -> i")
@example("def f(x) = x_i x_i\nf([1, 2])")
@example("1" * 40 + "j")
@example("x\n# only a comment\n\n* y")
def test_the_loop_and_lark_accept_the_same_texts(text):
    assert _accepted_by_loop(text) == _accepted_by_lark(text), text


@given(texts.filter(_accepted_by_loop))
def test_accepted_texts_build_a_tree_or_a_coded_error(text):
    """Every text in the language becomes a Program that prints back to itself, or a builder check's
    EinlangError (e.g. a number as an index): never a list, a token or another exception out of the loop."""
    from einlang.errors import EinlangError

    try:
        program = parse(text)
    except EinlangError:
        return
    assert type(program).__name__ == "Program"
    # A word spelled "def" is a name inside an expression ("+ def") but starts a definition when printed
    # first on a line: a corner of the printer, not of the parser.
    assume("def" not in text)
    assert parse(to_text(program)) == program, to_text(program)


@pytest.mark.parametrize("text", ["(" * 150 + "x" + ")" * 150, "[" * 150 + "1" + "]" * 150])
def test_deep_but_allowed_nesting_agrees(text):
    assert _accepted_by_loop(text) and _accepted_by_lark(text)


def test_output_letters_with_an_underscore_are_refused_by_name():
    """``x_i -> x_i`` once meant the output indices x, _ and i (found by the round trip above)."""
    from einlang.errors import InvalidIndexError

    with pytest.raises(InvalidIndexError) as info:
        parse("x_i -> x_i")
    assert "'x_i' after '->'" in info.value.message and info.value.span.column == 9


@pytest.mark.parametrize("text", ["max_j(x)_i", "max_j(x, y)", "sum_{jk}(A_ijk)_{i}"])
def test_a_reduction_prints_every_part_it_was_written_with(text):
    """The extra arguments and the subscript after ')' are errors the checker reports: printing dropped them,
    so the printed text was a different (valid) program."""
    program = parse(text)
    assert parse(to_text(program)) == program


def _worded(exc: Exception, text: str) -> tuple:
    from einlang.source import Source
    from einlang.syntax.translate import translate

    error = translate(exc, Source(text))
    return error.message, error.hint, error.incomplete, [(s.start, s.end) for s in error.spans]


@settings(max_examples=300)
@given(texts)
@example("A_ij +")
@example("(A_ij")
@example("A_ij )")
@example("A_ij $ B")
@example("C_ik = = A_ij")
@example("def f(x) = \n")
@example("x_i \t $")
def test_a_refused_text_is_worded_as_lark_words_it(text):
    """The loop makes lark's exception from the state where it stopped (no second parse of a long text):
    the message, hint and places must be those of lark's own parse of the whole text."""
    try:
        lalr.parse(text, None)
    except NestingTooDeep:
        return
    except lalr.Refused as refused:
        from_loop = lalr.lark_error(text, refused)
    else:
        return
    lark_errors = runtime().lark.exceptions.LarkError
    with pytest.raises(lark_errors) as info:
        build_parser().parse(text)
    assert from_loop is not None and type(from_loop) is type(info.value)
    assert _worded(from_loop, text) == _worded(info.value, text)
