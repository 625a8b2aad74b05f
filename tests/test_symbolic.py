"""Issue 10: symbolic entries. Tensors of SymPy formulas evaluate on the naive and numpy backends (and opt),
elementwise functions are SymPy's on formulas, and every symbolic result, with numbers put in for the
symbols, is the numeric result of the same program (checked against numpy.einsum where it is one)."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.display import format_value, latex_value
from einlang.functions import ELEMENTWISE
from einlang.session import Session
from tests.test_repl import make_repl, run

sympy = pytest.importorskip("sympy", reason="symbolic entries need the symbolic extra: pip install 'einlang[symbolic]'")
from einlang.symbolic import symbols  # noqa: E402  (after the skip: it needs sympy)

BACKENDS = ("naive", "numpy", "opt")
a, b, c, d, x, y, t = symbols("a b c d x y t")
NUMBERS = {a: 1.5, b: -2.0, c: 0.25, d: 3.0, x: 0.7, y: -1.1, t: 0.3}
SYMBOLIC = {"A": np.array([[a, b], [c, d]], dtype=object), "v": np.array([x, y], dtype=object), "t": t}
NUMERIC = {"A": np.array([[1.5, -2.0], [0.25, 3.0]]), "v": np.array([0.7, -1.1]), "t": 0.3}
PROGRAMS = [
    "A_ij v_j", "A_ij A_jk", "A_ii", "v_i v_i", "sqrt(v_i v_i)", "A_ij v_j - v_i", "rotation(t)_ij v_j", "2 A_ij / 3",
    "v_i / t", "-A_ji", "A_ij + A_ji", "exp(t) + 1", "t t - 2 t", "[t, 1]_i v_i", "delta_ij v_j", "outer(v, v)",
    "dot(v, v)", "norm(v)", "A_ij -> ji", "eps_ij v_j", "cos(t) cos(t) + sin(t) sin(t)", "det(A)", "inv(A)_ij v_j",
    "solve(A, v)",
]


def _numbers(value) -> np.ndarray:
    entries = [complex(sympy.sympify(e).subs(NUMBERS)) for e in np.asarray(value, dtype=object).reshape(-1)]
    return np.array(entries).reshape(np.shape(value))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("program", PROGRAMS)
def test_a_formula_with_numbers_put_in_is_the_numeric_result(program, backend):
    symbolic = einlang.evaluate(program, backend=backend, **SYMBOLIC)
    assert np.asarray(symbolic).dtype == object
    numeric = einlang.evaluate(program, backend=backend, **NUMERIC)
    np.testing.assert_allclose(_numbers(symbolic), numeric, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_matrix_times_a_vector_is_the_formula_on_the_board(backend):
    got = einlang.evaluate("A_ij v_j", backend=backend, **SYMBOLIC)
    assert [sympy.expand(e) for e in got] == [a * x + b * y, c * x + d * y]
    assert np.array_equal(np.einsum("ij,j->i", SYMBOLIC["A"], SYMBOLIC["v"]), got)  # numpy's own object einsum agrees


@pytest.mark.parametrize("backend", BACKENDS)
def test_rotation_of_a_symbol(backend):
    (theta,) = symbols("θ")
    R = einlang.evaluate("rotation(θ)", θ=theta, backend=backend)
    assert R.tolist() == [[sympy.cos(theta), -sympy.sin(theta)], [sympy.sin(theta), sympy.cos(theta)]]
    assert einlang.evaluate("det(rotation(θ))", θ=theta, backend=backend) == 1  # simplified by SymPy
    assert einlang.evaluate("inv(rotation(θ))", θ=theta, backend=backend).tolist() == R.T.tolist()


@pytest.mark.parametrize("name", sorted(ELEMENTWISE))
def test_every_elementwise_function_is_sympys_on_a_symbol(name):
    formula = einlang.evaluate(f"{name}(t)", t=t)
    assert isinstance(formula, sympy.Basic) and (formula.has(t) or name == "imag"), (name, formula)  # t is real
    number = 1.3 if name == "arccosh" else 0.3  # inside every function's domain
    numeric = complex(einlang.evaluate(f"{name}(t)", t=number))
    assert complex(formula.subs(t, number)) == pytest.approx(numeric), name


def test_results_print_readably_and_typeset():
    (theta,) = symbols("θ")
    R = einlang.evaluate("rotation(θ)", θ=theta)
    assert format_value(R) == "[[ cos(θ) -sin(θ)]\n [ sin(θ)  cos(θ)]]"
    assert latex_value(R, ("i", "j")) == (
        "$$\\begin{bmatrix}\\cos{\\left(θ \\right)} & - \\sin{\\left(θ \\right)} \\\\ "
        "\\sin{\\left(θ \\right)} & \\cos{\\left(θ \\right)}\\end{bmatrix}_{ij} \\qquad 2\\times 2$$"
    )


def test_the_repl_declares_symbols():
    repl, out = make_repl()
    assert "symbols a b θ" in run(repl, out, "symbols a b θ")
    assert run(repl, out, "rotation(θ)").endswith("[[ cos(θ) -sin(θ)]\n [ sin(θ)  cos(θ)]]\n")
    run(repl, out, "A = [[a, b], [b, a]]")
    assert run(repl, out, "A_ij [1, 2]_j").endswith("[a + 2*b 2*a + b]\n")
    assert run(repl, out, "det(A)").endswith("a**2 - b**2\n")
    assert "error" in run(repl, out, "symbols 2x") or "not a name" in run(repl, out, ":symbols 2x")


def test_einlang_run_declares_symbols(tmp_path, capsys):
    from einlang.cli import main

    script = tmp_path / "board.ein"
    script.write_text("symbols θ\nR = rotation(θ)\nR_ij R_kj\ndet(R)\n")
    assert main(["run", str(script)]) == 0
    printed = capsys.readouterr().out
    assert "sin(θ)**2 + cos(θ)**2" in printed and printed.rstrip().endswith("1")


def test_row_reduction_of_formulas_says_what_works():
    with pytest.raises(E.InputValueError, match="row reduction compares entries with 0") as info:
        einlang.evaluate("rank(A)", **SYMBOLIC)
    assert "det, inv and solve work with symbols" in info.value.hint


def test_a_session_binds_symbols():
    s = Session(θ=t)
    s.run("R = rotation(θ)")
    assert s["R"].dtype == object and s.run("R_ij [1, 0]_j").tolist() == [sympy.cos(t), sympy.sin(t)]


def test_decimals_in_formulas_print_with_the_precision():
    rotated = einlang.evaluate("rotation(pi / 6)_ij v_j", v=[a, b])
    assert format_value(rotated) == "[0.866*a - 0.5*b 0.5*a + 0.866*b]"
    assert format_value(rotated, precision=2) == "[0.87*a - 0.5*b 0.5*a + 0.87*b]"
    assert format_value(einlang.evaluate("sqrt(2) t", t=t)) == "1.4142*t"
    assert "0.866 a - 0.5 b" in latex_value(rotated, ("i",))


@pytest.mark.parametrize("page", ["tutorial.md", "repl.md"])
def test_the_documented_repl_transcripts_with_symbols_are_what_the_repl_prints(page):
    import re
    from pathlib import Path

    text = (Path(__file__).resolve().parent.parent / "docs" / page).read_text(encoding="utf-8")
    blocks = [b for b in re.findall(r"```text\n(.*?)```", text, re.S) if "ein> symbols" in b]
    assert blocks, f"docs/{page} shows no REPL session with symbols"
    for block in blocks:
        repl, out = make_repl()
        shown = []
        for line in block.splitlines():
            if line.startswith("ein> "):
                shown.append(line)
                shown.extend(run(repl, out, line[5:]).splitlines())
        assert "\n".join(shown) == block.rstrip("\n")
