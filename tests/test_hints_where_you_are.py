"""Issue 10, problem 6: hints speak the language of where the user is — REPL commands in the REPL and
``einlang run``, Python in Python — and a library function used wrongly points at the user's call, never
at library source."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.cli import main
from einlang.session import Session
from tests.test_repl import make_repl, run

ROWS = np.array([[2, 1], [-2, 4]])  # the course's basis b1 = [2, 1], b2 = [-2, 4], written as rows


@pytest.fixture
def small_limits():
    before = einlang.get_options()
    einlang.set_options(naive_iteration_limit=1000, numpy_flop_limit=1000, memory_limit=10**6)
    yield
    einlang.set_options(naive_iteration_limit=before.naive_iteration_limit, numpy_flop_limit=before.numpy_flop_limit,
                        memory_limit=before.memory_limit)


REPL_CASES = [
    (":backend naive\nA = ones_like(rand(20, 20))\nA_ij A_jk A_kl", ":backend opt", ":set naive_iteration_limit 1e4"),
    (":backend numpy\nA = ones_like(rand(20, 20))\nA_ij A_jk A_kl", ":backend opt", ":set numpy_flop_limit 1e4"),
    (":backend opt\nrand(300)_i rand(300)_j rand(300)_k", "", ":set memory_limit 2e6"),
    ("foo_ij", 'load("a.npy")', "bind it first"),
]


@pytest.mark.parametrize(("script", "first", "second"), REPL_CASES)
def test_the_repl_gives_repl_advice(small_limits, script, first, second):
    repl, out = make_repl()
    shown = run(repl, out, script)
    hint = next(line for line in shown.splitlines() if line.strip().startswith("hint:"))
    assert first in hint and second in hint, hint
    assert "einlang." not in hint and "keyword argument" not in hint


PYTHON_CASES = [
    ("naive", "A_ij A_jk A_kl", "backend='opt'", "einlang.set_options(naive_iteration_limit=...)"),
    ("numpy", "A_ij A_jk A_kl", "backend='opt'", "einlang.set_options(numpy_flop_limit=...)"),
]


@pytest.mark.parametrize(("backend", "source", "first", "second"), PYTHON_CASES)
def test_python_callers_get_python_advice(small_limits, backend, source, first, second):
    with pytest.raises(E.ResourceLimitError) as info:
        einlang.evaluate(source, A=np.ones((20, 20)), backend=backend)
    assert first in info.value.hint and second in info.value.hint and ":set" not in info.value.hint


def test_an_unbound_name_from_python_says_pass_it_as_a_keyword():
    with pytest.raises(E.UndefinedNameError) as info:
        einlang.evaluate("C_ij D_jk")
    assert "einlang.evaluate(..., A=array)" in info.value.hint


def test_einlang_run_gives_repl_advice(small_limits, tmp_path, capsys):
    script = tmp_path / "big.ein"
    script.write_text(":backend naive\nA = ones_like(rand(20, 20))\nA_ij A_jk A_kl\n")
    assert main(["run", str(script)]) == 1
    printed = capsys.readouterr().err
    assert ":set naive_iteration_limit" in printed and "einlang.set_options" not in printed


@pytest.mark.parametrize(
    "call",
    [
        lambda: einlang.evaluate("to_basis_orthogonal(B, v)", B=ROWS, v=[5, -1]),
        lambda: Session(B=ROWS).run("to_basis_orthogonal(B, [5, -1])"),
        lambda: einlang.library.to_basis_orthogonal(ROWS, [5, -1]),
    ],
)
def test_orthogonal_rows_are_noticed_through_every_door(call):
    with pytest.raises(E.InputValueError) as info:
        call()
    err = info.value
    assert "the rows of B are orthogonal" in err.message and "columns(b1, b2" in err.hint
    assert err.message.startswith("to_basis_orthogonal: ")  # the function the user called, not a helper inside it
    assert all(not span.source.name.startswith("einlang/library/") for span in err.spans)
    assert "einlang/library/" not in str(err) and "to_basis_orthogonal(" in str(err)


def test_the_repl_notices_orthogonal_rows_of_an_input_it_did_not_see_built():
    repl, out = make_repl()
    repl.session["B"] = ROWS  # bound from outside (a file, Python): not known to be a literal of rows
    shown = run(repl, out, "to_basis_orthogonal(B, [5, -1])")
    assert "the rows of B are orthogonal" in shown and "einlang/library/" not in shown
    assert np.allclose(einlang.evaluate("to_basis_orthogonal(transpose(B), [5, -1])", B=ROWS), [1.8, -0.7])


@pytest.mark.parametrize("door", ["repl", "python"])
def test_a_library_function_used_wrongly_names_the_argument(door):
    if door == "repl":
        repl, out = make_repl()
        shown = run(repl, out, "norm([[1, 2], [3, 4]])")
    else:
        with pytest.raises(E.RankMismatchError) as info:
            einlang.evaluate("norm(A)", A=np.eye(2))
        shown = str(info.value)
    assert "argument 1 of norm" in shown and "einlang/library/" not in shown
    assert "check the arguments: norm(v)" in shown
