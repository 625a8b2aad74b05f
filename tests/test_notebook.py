"""The IPython extension: %einlang / %%einlang share variables with the notebook."""

import numpy as np
import pytest

IPython = pytest.importorskip("IPython")


@pytest.fixture
def shell():
    from IPython.core.interactiveshell import InteractiveShell

    from einlang.notebook import load_ipython_extension, unload_ipython_extension

    ip = InteractiveShell.instance()
    load_ipython_extension(ip)
    yield ip
    unload_ipython_extension(ip)
    for name in ("A", "C", "v", "n", "r"):
        ip.user_ns.pop(name, None)


def test_line_magic_assigns_back_into_the_namespace(shell):
    shell.user_ns["A"] = np.array([[1, 2], [3, 4]])
    assert shell.run_line_magic("einlang", "C_ki = A_ij A_jk") is None
    np.testing.assert_array_equal(shell.user_ns["C"], (shell.user_ns["A"] @ shell.user_ns["A"]).T)


def test_line_magic_returns_the_value_of_an_expression(shell):
    shell.user_ns["v"] = np.array([3.0, 4.0])
    assert shell.run_line_magic("einlang", "sqrt(v_i v_i)") == pytest.approx(5.0)


def test_cell_magic_keeps_definitions_and_uses_the_backend(shell, capsys):
    shell.user_ns["A"] = np.array([[1, 2], [3, 4]])
    value = shell.run_cell_magic("einlang", "--backend naive --explain", "def sq(M)_ik = M_ij M_jk\nsq(A)_ik")
    np.testing.assert_array_equal(value, shell.user_ns["A"] @ shell.user_ns["A"])
    out = capsys.readouterr().out
    assert "for i in range(2):" in out and "naive FLOPs" in out
    # the definition is still there in the next cell
    np.testing.assert_array_equal(shell.run_line_magic("einlang", "sq(A)_ki"), (shell.user_ns["A"] @ shell.user_ns["A"]).T)


def test_a_mistake_prints_the_rendered_error_and_returns_none(shell, capsys):
    shell.user_ns["A"] = np.ones((2, 3))
    assert shell.run_line_magic("einlang", "A_ij A_jk") is None
    err = capsys.readouterr().err
    assert "error[E401]" in err and "index j is 3" in err and "^" in err
    assert "Traceback" not in err


def test_scalars_in_the_namespace_are_rank_zero_tensors(shell):
    shell.user_ns["n"] = 3
    shell.user_ns["v"] = np.array([1.0, 2.0])
    np.testing.assert_allclose(shell.run_line_magic("einlang", "n v_i"), [3.0, 6.0])
