"""Property tests: random Einstein expressions agree with numpy.einsum on every backend, and junk input
only ever raises EinlangError."""

from __future__ import annotations

import os
from collections import Counter

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import einlang
from einlang.errors import ConventionError, EinlangError
from tests.conftest import BACKENDS, assert_only_einlang_errors, assert_same

LETTERS = "ijklm"
# EINLANG_HYPOTHESIS_SCALE=20 multiplies every test's example count (a bug hunt; the default stays quick)
_SCALE = int(os.environ.get("EINLANG_HYPOTHESIS_SCALE", "1"))


@st.composite
def einstein_problems(draw):
    """(einlang text, numpy equation, operands, explicit?) for a random product of 1–5 tensors."""
    sizes = {letter: draw(st.integers(1, 4)) for letter in LETTERS}
    n_operands = draw(st.integers(1, 5))
    terms = [draw(st.lists(st.sampled_from(LETTERS), min_size=0, max_size=3)) for _ in range(n_operands)]
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    tensors = {}
    factors = []
    for k, labels in enumerate(terms):
        name = f"T{k}"
        shape = tuple(sizes[label] for label in labels)
        tensors[name] = rng.integers(-3, 4, size=shape) if shape else np.int64(rng.integers(-3, 4))
        factors.append(f"{name}_{''.join(labels)}" if labels else name)
    used = sorted(set().union(*map(set, terms)))
    explicit = draw(st.booleans())
    output = None
    if explicit:
        output = draw(st.permutations(used).flatmap(lambda p: st.integers(0, len(p)).map(lambda n: p[:n])))
    coefficient = draw(st.sampled_from(["", "2 ", "-"]))
    text = coefficient + " ".join(factors)
    equation = ",".join("".join(labels) for labels in terms)
    if output is not None:
        text += " -> " + "".join(output) if output else " ->"
        equation += "->" + "".join(output)
    factor = {"": 1, "2 ": 2, "-": -1}[coefficient]
    return text, equation, [tensors[f"T{k}"] for k in range(n_operands)], tensors, factor, terms, output


@given(einstein_problems())
@settings(max_examples=120 * _SCALE, deadline=5000)
def test_random_products_agree_with_numpy_einsum(problem):
    text, equation, operands, tensors, factor, terms, output = problem
    counts = Counter(label for labels in terms for label in labels)
    if output is None and any(c >= 3 for c in counts.values()):
        # numpy's implicit mode sums such an index silently; einlang asks for an explicit output
        with pytest.raises(ConventionError):
            einlang.compile(text)(tensors)
        return
    expected = factor * np.einsum(equation, *operands)
    prog = einlang.compile(text)
    for backend in BACKENDS:
        got = prog(tensors, backend=backend)
        assert_same(got, expected, exact=True)
        assert np.asarray(got).dtype.kind == "i", (text, backend, np.asarray(got).dtype)


@given(einstein_problems())
@settings(max_examples=40 * _SCALE, deadline=5000)
def test_einsum_drop_in_on_random_equations(problem):
    _, equation, operands, _, _, _, _ = problem
    expected = np.einsum(equation, *operands)
    for backend in BACKENDS:
        assert_same(einlang.einsum(equation, *operands, backend=backend), expected, exact=True)


# -- junk input --------------------------------------------------------------------------------------

TOKENS = [
    "A_ij", "B_jk", "x_i", "x", "alpha", "A", "v_j", "(", ")", "[", "]", "{", "}", ",", ";", "\n", "+", "-", "*", "/",
    "->", "=", "def ", "f", "f(", "sqrt(", "norm(", "matmul(", "_", "_ij", "`bear_basis`", "`", "1", "2.5", "0", "3j",
    "# c", "...", "delta_ij", "eps_ijk", "δ_ij", " ", "A_{i j}", "W_{in,out}", "x_{in,}", "\\\n", "_{", "ij", "ii",
    "C_ki", "bear_basis_ij", "1e400", "\t", "é", "\x00", "^", "A_ii", "x_i x_i",
    "(" * 60, "-" * 60, "[" * 30, "x_i x_i x_i", "eps_ijklmn", "delta_ii", "d_i =", "-> ki", "-> {in}", "\r\n",
]
TENSORS = {
    "A": np.arange(9.0).reshape(3, 3),
    "B": np.ones((3, 3)),
    "x": np.arange(3.0),
    "v": np.ones(3),
    "alpha": 2.0,
    "bear_basis": np.eye(3),
    "W": np.ones((3, 3)),
}


@given(st.text(max_size=40))
@settings(max_examples=150 * _SCALE, deadline=3000)
def test_random_text_raises_only_einlang_errors(text):
    assert_only_einlang_errors(text, TENSORS)


@given(st.lists(st.sampled_from(TOKENS), max_size=14), st.sampled_from(BACKENDS))
@settings(max_examples=300 * _SCALE, deadline=3000)
def test_token_soup_raises_only_einlang_errors(tokens, backend):
    assert_only_einlang_errors("".join(tokens), TENSORS, backend)


@given(st.lists(st.sampled_from(TOKENS), max_size=10))
@settings(max_examples=150 * _SCALE, deadline=3000)
def test_token_soup_with_spaces_in_a_session(tokens):
    session = einlang.Session(**TENSORS)
    try:
        with np.errstate(all="ignore"):
            session.run(" ".join(tokens))
    except EinlangError as err:
        str(err)  # rendering an error never fails either
