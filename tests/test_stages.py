"""The checker's stages one by one: reading words, resolving names, walking trees, sizes of δ and ε."""

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.semantics import ir
from einlang.semantics.lower import Scope
from einlang.semantics.scope import IndexedName, WholeName
from einlang.semantics.sizes import Factor, infer_sizes
from einlang.syntax import ast, parse


@pytest.mark.parametrize(
    ("text", "name", "indices"),
    [("A_ij", "A", ("i", "j")), ("bear_basis_ij", "bear_basis", ("i", "j")), ("x_α", "x", ("α",)),
     ("alpha", None, None), ("A_1", None, None), ("A_", None, None), ("_ij", None, None), ("A_i1", None, None)],
)
def test_a_word_splits_at_its_last_underscore_into_letters(text, name, indices):
    split = ast.Word(text).split()
    if name is None:
        assert split is None
    else:
        assert (split.name, tuple(r.name for r in split.indices)) == (name, indices)


def test_split_indices_point_at_their_letters():
    word = parse("2 bear_ij").statements[0].expr.factors[1]
    assert [ref.span.text for ref in word.split().indices] == ["i", "j"]
    assert [ref.span.column for ref in word.split().indices] == [8, 9]


def test_walk_visits_every_node_in_source_order_without_recursion():
    expr = parse("A_ij + f(B_{jk}, [x, y])_ik - -(3 z_i)").statements[0].expr
    kinds = [type(node).__name__ for node in ast.walk(expr)]
    assert kinds[:4] == ["Sum", "Word", "Call", "Access"]
    assert kinds.count("IndexRef") == 4 and kinds.count("Number") == 1 and kinds.count("Neg") == 1
    deep = parse("(" * 150 + "x" + ")" * 150).statements[0].expr
    assert sum(1 for _ in ast.walk(deep)) == 151


def test_index_names_reads_words_accesses_and_subscripts():
    expr = parse("A_ij f(B)_{k,l} `my_x`_m alpha").statements[0].expr
    assert ast.index_names(expr) == {"i", "j", "k", "l", "m"}


def test_scope_resolves_words_to_named_meanings():
    scope = Scope.from_arrays({"bear": np.ones((2, 2)), "bear_basis": np.ones(2), "A": np.ones(3)})
    assert scope.resolve(ast.Word("bear_ij")) == IndexedName("bear", (ast.IndexRef("i"), ast.IndexRef("j")))
    assert scope.resolve(ast.Word("pi")) == WholeName("pi")
    assert scope.resolve(ast.Word("delta_ij")).name == "delta"
    with pytest.raises(E.AmbiguousNameError):
        Scope.from_arrays({"A": np.ones(3), "A_i": 1.0}).resolve(ast.Word("A_i"))
    with pytest.raises(E.UndefinedNameError, match="read as nope with indices i, j"):
        scope.resolve(ast.Word("nope_ij"))


def test_a_missing_output_index_is_a_declared_field_of_the_error():
    with pytest.raises(E.OutputIndexError) as info:
        einlang.evaluate("C_iz = A_ij B_jk", A=np.ones((2, 2)), B=np.ones((2, 2)))
    assert info.value.index == "z"
    assert E.OutputIndexError("no index").index is None


def test_delta_sizes_chain_through_other_deltas_and_hints():
    a = Factor(ir.Input("A", (3,), np.dtype(float)), ("i",), (None,), "A_i", None, "A")
    d1 = Factor(ir.Delta((0, 0)), ("i", "j"), (None, None), "δ_ij", None, "δ", special="delta")
    d2 = Factor(ir.Delta((0, 0)), ("j", "k"), (None, None), "δ_jk", None, "δ", special="delta")
    assert infer_sizes([a, d2, d1], {}) == {"i": 3, "j": 3, "k": 3}
    lone = Factor(ir.Delta((0, 0)), ("p", "q"), (None, None), "δ_pq", None, "δ", special="delta")
    assert infer_sizes([lone], {"q": 5}) == {"q": 5, "p": 5}
    with pytest.raises(E.SizeInferenceError):
        infer_sizes([lone], {})
