"""Budgets of issue 15 that are not sizes of arrays: the naive backend's Python lists (counted before they
are made) and the wall-clock ``time_limit`` (checked between iterations where nothing else bounds the work).

No test here measures speed: each asserts what is refused, by which error, and that a refusal comes before
the work (nothing allocated, no iteration run), so a loaded machine cannot fail them."""

from __future__ import annotations

import math

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang.clock import Deadline, check_time, evaluation
from tests.test_adversarial import _repl
from tests.test_resources import _peak

# == the naive backend's lists ======================================================================

@pytest.mark.slow  # measures peak memory with tracemalloc: a memory test, in the full run only
def test_the_naive_backend_counts_its_python_lists_before_making_them():
    """Issue 15, item 8: the naive backend's list copies took about five times the input, past memory_limit."""
    x = np.ones(200_000)  # 1.6 MB; as lists of Python floats 6.4 MB, and the sum's list as much again
    einlang.evaluate("x_i", x=x[:1], backend="naive")  # the backend's modules are imported: not counted below
    with einlang.options(memory_limit=8_000_000):
        np.testing.assert_array_equal(einlang.evaluate("x_i + x_i", x=x), 2 * x)  # opt makes one 1.6 MB array
        err, peak = _peak(lambda: einlang.evaluate("x_i + x_i", x=x, backend="naive"))
    assert isinstance(err, E.MemoryLimitError), err
    assert "naive backend would hold" in err.message and "Python numbers" in err.message
    assert "limit of 8,000,000 bytes" in err.message
    assert "backend='opt'" in err.hint and "memory_limit" in err.hint
    assert peak < 1_000_000  # refused before one list was made
    needed = einlang.compile("x_i + x_i").bind({"x": x}).check_memory("naive")
    assert needed == pytest.approx(10 * x.nbytes, rel=0.01)  # input and sum as lists (4 + 4), the result (1 + 1)
    with einlang.options(memory_limit=needed):
        value, peak = _peak(lambda: einlang.evaluate("x_i + x_i", x=x, backend="naive"))
    np.testing.assert_array_equal(value, 2 * x)
    assert peak <= needed  # the count bounds what the lists really take


@pytest.mark.slow  # measures peak memory with tracemalloc: a memory test, in the full run only
@pytest.mark.parametrize(("text", "arrays"), [
    ("x_i x_j", {"x": (np.arange(300) % 3).astype(np.int8)}),
    ("A_ij B_jk", {"A": np.ones((60, 40)), "B": np.ones((40, 60))}),
    ("3 M_kji", {"M": np.ones((30, 20, 3), dtype=np.float32)}),
    ("M_ijk", {"M": np.ones((50, 50, 3), dtype=bool)}),
    ("exp(z_i) z_i", {"z": np.ones(20_000) * 1j}),
    ("sqrt(x_i) + x_i", {"x": np.arange(20_000.0)}),
])
def test_the_naive_count_bounds_the_memory_it_uses(text, arrays):
    needed = einlang.compile(text).bind(arrays).check_memory("naive")
    einlang.evaluate(text, backend="naive", **arrays)  # generated once: the peak below is the run's
    value, peak = _peak(lambda: einlang.evaluate(text, backend="naive", **arrays))
    np.testing.assert_allclose(value, einlang.evaluate(text, **arrays))
    assert peak <= needed, f"{peak:,} bytes used, {needed:,} counted"


def test_a_lower_limit_set_later_refuses_a_prepared_naive_program():
    x = np.ones(10_000)
    prog = einlang.compile("x_i x_j -> ij")
    assert prog(x=np.ones(3), backend="naive").shape == (3, 3)
    assert prog(x=x[:100], backend="naive").shape == (100, 100)
    with einlang.options(memory_limit=200_000), pytest.raises(E.MemoryLimitError, match="naive backend"):
        prog(x=x[:100], backend="naive")  # 80 KB as an array, about 400 KB as lists


# == the time limit =================================================================================

@pytest.mark.parametrize("bad", [0, -1, "1", True, float("nan"), None])
def test_the_time_limit_is_a_validated_option(bad):
    with pytest.raises(E.InputValueError, match="time_limit must be a positive number of seconds"):
        einlang.set_options(time_limit=bad)
    assert einlang.get_options().time_limit == math.inf  # none by default
    with einlang.options(time_limit=2.5):
        assert einlang.get_options().time_limit == 2.5


def test_the_clock_of_an_evaluation_is_shared_by_the_evaluations_inside_it():
    assert check_time("nothing") is None  # no clock running: no check
    with einlang.options(time_limit=100):
        with evaluation() as outer:
            assert isinstance(outer, Deadline) and outer.seconds == 100
            with einlang.options(time_limit=1), evaluation() as inner:
                assert inner is outer  # a library function's steps belong to the statement that called it
        with evaluation() as again:
            assert again is not outer  # a new evaluation: a new clock
    with evaluation() as none:
        assert none is None


def test_the_time_limit_stops_naive_loops_between_iterations():
    A = np.ones((200, 200))  # 8,000,000 loop iterations: a second or more
    with einlang.options(time_limit=0.05):
        with pytest.raises(E.TimeLimitError, match="naive backend's loops ran past the time_limit of 0.05 seconds") as info:
            einlang.evaluate("A_ij A_jk", A=A, backend="naive")
        assert info.value.code == "E505" and "einlang.set_options(time_limit=...)" in info.value.hint
        np.testing.assert_array_equal(einlang.evaluate("A_ij A_jk", A=A[:2, :2], backend="naive"), 2 * A[:2, :2])
    # exact fractions: one loop whose additions get slower as the denominators grow
    from fractions import Fraction

    h = np.array([Fraction(1, k) for k in range(1, 30_001)], dtype=object)
    with einlang.options(time_limit=0.05), pytest.raises(E.TimeLimitError):
        einlang.evaluate("h_i h_i", h=h, backend="naive")
    # without a limit the loops have no checks: explain shows the loops that run
    assert "_clock" not in einlang.compile("A_ij A_jk").explain(A=(2, 2))


def test_the_time_limit_stops_library_iterations_and_exact_elimination():
    with einlang.options(time_limit=0.001):
        with pytest.raises(E.TimeLimitError, match="power_iteration ran past"):
            einlang.evaluate("power_iteration([[0,-1],[1,0]])")  # never converges: 10,000 iterations
        with pytest.raises(E.TimeLimitError, match="pagerank ran past"):
            einlang.library.pagerank([[0, 1], [1, 0]], 1.0, -1.0)  # from Python too
        A = np.random.default_rng(0).integers(-50, 50, (45, 45))  # within exact_elimination_limit
        with pytest.raises(E.TimeLimitError, match="exact row reduction ran past"):
            einlang.evaluate("rank(A)", A=A)
    assert einlang.evaluate("rank(A)", A=A) == 45


def test_a_sandbox_has_a_time_limit_and_keeps_a_lower_one():
    session = einlang.Session(sandbox=True, A=np.ones((200, 200)))
    with session.limits():
        assert einlang.get_options().time_limit == 5
    with einlang.options(time_limit=0.05):
        with session.limits():
            assert einlang.get_options().time_limit == 0.05
        with pytest.raises(E.TimeLimitError):
            session.run("A_ij A_jk", backend="naive")
    assert session.run("A_ij A_ji") == 40_000


# == the words of each front end ====================================================================

@pytest.mark.slow  # runs a library iteration or elimination to its limit (about 0.5 s)
def test_a_limit_hint_in_the_repl_says_how_to_raise_it_there():
    repl, out = _repl()
    try:
        repl.handle(":set time_limit 0.05")
        repl.handle("x = [" + ", ".join(["1.0"] * 200) + "]\nA_ij = x_i x_j")
        repl.handle(":backend naive")
        repl.handle("A_ij A_jk")  # 8,000,000 loop iterations
    finally:
        einlang.set_options(time_limit=math.inf)
    text = out.getvalue()
    assert "error[E505]" in text and "time_limit of 0.05 seconds" in text
    assert "hint: use smaller inputs or fewer iterations, or raise the limit: :set time_limit 0.5" in text
    assert "set_options" not in text
    repl, out = _repl()
    repl.handle("power_iteration([[0,-1],[1,0]], 0, 1000000)")
    assert "raise the limit: :set library_iteration_limit 1e5" in out.getvalue() and "set_options" not in out.getvalue()


@pytest.mark.slow  # runs a library iteration or elimination to its limit (about 0.5 s)
def test_a_limit_hint_in_a_sandbox_says_it_cannot_be_raised():
    repl, out = _repl(sandbox=True)
    repl.handle("power_iteration([[0,-1],[1,0]], 0, 1000000)")
    text = out.getvalue()
    assert "error[E504]" in text and "outside a sandbox (a sandbox's library_iteration_limit cannot be raised)" in text
    assert ":set" not in text and "set_options" not in text


@pytest.mark.parametrize(("value", "expected"), [("2.5", 2.5), ("1e400", math.inf), ("inf", math.inf)])
def test_set_time_limit_in_the_repl(value, expected):
    repl, out = _repl()
    try:
        repl.handle(f":set time_limit {value}")
        assert einlang.get_options().time_limit == expected
        assert f"time_limit             {expected:g} seconds" in out.getvalue()
    finally:
        einlang.set_options(time_limit=math.inf)


@pytest.mark.parametrize("value", ["0", "-1", "nan", "soon", ""])
def test_set_time_limit_in_the_repl_refuses_what_is_not_a_time(value):
    repl, out = _repl()
    repl.handle(f":set time_limit {value}")
    assert "usage: :set time_limit SECONDS" in out.getvalue()
    assert einlang.get_options().time_limit == math.inf


# == products of thousands of factors ===============================================================

@pytest.mark.slow  # plans a 6,000-factor product: a resource test, in the full run only
def test_a_product_of_thousands_of_factors_is_planned_in_groups():
    """`s s s …`: planning one product took time growing with the square of its factors (64,000 factors,
    a 128 KB program, 81 s); in groups of GROUP the work grows with the factors."""
    from einlang.semantics import groups, ir

    text = " ".join(["s"] * 8_000)
    lowered = einlang.compile(text).bind({"s": np.float64(1.0001)}).lowered
    contracts = [node for node in lowered.nodes if isinstance(node, ir.Contract)]
    assert max(len(c.operands) for c in contracts) <= groups.GROUP
    assert len(contracts) == 125 + 2 + 1  # 8,000 / 64 groups, then 2 groups of those, then their product
    assert einlang.evaluate(text, s=1.0001) == pytest.approx(1.0001 ** 8_000)


@pytest.mark.parametrize("seed", range(3))
def test_grouped_products_agree_with_numpy(monkeypatch, seed):
    """Groups of 2 and 3 factors: every index summed inside the one group that holds it, or kept."""
    from einlang.semantics import groups

    rng = np.random.default_rng(seed)
    for size in (2, 3):
        monkeypatch.setattr(groups, "GROUP", size)
        for _ in range(40):
            labels = ["".join(rng.choice(list("ijkl"), rng.integers(0, 3))) for _ in range(rng.integers(2, 10))]
            name = "TU"[size - 2]  # programs are cached by their text: another text for each group size
            arrays = {f"{name}{k}": rng.integers(-3, 4, (3,) * len(ls)).astype(float) for k, ls in enumerate(labels)}
            output = "".join(x for x in sorted(set("".join(labels))) if rng.random() < 0.4)
            text = " ".join(f"{name}{k}_{ls}" if ls else f"{name}{k}" for k, ls in enumerate(labels)) + " -> " + output
            expected = np.einsum(",".join(labels) + "->" + output, *arrays.values())
            assert len(einlang.compile(text).bind(arrays).lowered.result.operands) <= size  # grouped
            for backend in ("opt", "numpy", "naive"):
                np.testing.assert_allclose(einlang.evaluate(text, backend=backend, **arrays), expected, err_msg=text)
