"""Several threads at once: shared caches (programs, plans, einsum), sessions and thread-local options."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

import einlang
from einlang import errors as E

THREADS = 8
ROUNDS = 40


def _run_threads(work):
    """Run ``work(thread_index)`` in 8 threads released together; re-raise the first failure."""
    barrier = threading.Barrier(THREADS)

    def start(k):
        barrier.wait()
        return work(k)

    with ThreadPoolExecutor(THREADS) as pool:
        return [f.result() for f in [pool.submit(start, k) for k in range(THREADS)]]


def test_eight_threads_evaluating_different_expressions():
    rng = np.random.default_rng(3)
    A, B, x = rng.standard_normal((6, 5)), rng.standard_normal((5, 4)), rng.standard_normal(5)
    cases = [
        ("A_ij B_jk", lambda: A @ B),
        ("C_ki = A_ij B_jk", lambda: (A @ B).T),
        ("A_ij x_j", lambda: A @ x),
        ("x_i x_i", lambda: x @ x),
        ("A_ij A_ij", lambda: (A * A).sum()),
        ("sqrt(x_i x_i)", lambda: np.linalg.norm(x)),
        ("A_ij B_jk B_lk", lambda: A @ B @ B.T),
        ("x_i x_j -> ij", lambda: np.outer(x, x)),
    ]

    def work(k):
        for r in range(ROUNDS):
            program, reference = cases[(k + r) % len(cases)]
            backend = einlang.backends()[(k + r) % len(einlang.backends())]
            text = program + " " * (r % 3)  # a few distinct texts per program
            got = einlang.evaluate(text, A=A, B=B, x=x, backend=backend)
            np.testing.assert_allclose(got, reference(), rtol=1e-10, atol=1e-12)
        return k

    assert _run_threads(work) == list(range(THREADS))


def test_one_compiled_program_shared_by_threads_with_different_shapes():
    prog = einlang.compile("A_ij B_jk")

    def work(k):
        for r in range(ROUNDS):
            n = 2 + (k + r) % 7
            A, B = np.full((n, 3), k + 1.0), np.full((3, n + 1), r + 1.0)
            np.testing.assert_allclose(prog(A=A, B=B), A @ B)
        return True

    assert all(_run_threads(work))


def test_einsum_from_many_threads():
    def work(k):
        for r in range(ROUNDS):
            a = np.arange(12.0).reshape(3, 4) + k
            b = np.arange(20.0).reshape(4, 5) - r
            equation = ["ij,jk", "ij,jk->ki", "ij,ij->i", "ij->"][(k + r) % 4]
            operands = (a, a) if "ij,ij" in equation else (a,) if equation == "ij->" else (a, b)
            np.testing.assert_allclose(einlang.einsum(equation, *operands), np.einsum(equation, *operands))
        return True

    assert all(_run_threads(work))


@pytest.mark.slow  # many threads evaluating for a while (about 0.3 s)
def test_a_session_per_thread():
    def work(k):
        s = einlang.Session(M=np.eye(3) * (k + 1))
        for r in range(ROUNDS):
            s.run(f"N_ik = M_ij M_jk + {r} delta_ik")
            np.testing.assert_allclose(s["N"], np.eye(3) * ((k + 1) ** 2 + r))
        return s["N"][0, 0]

    assert _run_threads(work) == [(k + 1) ** 2 + ROUNDS - 1 for k in range(THREADS)]


@pytest.mark.slow  # many threads evaluating for a while (about 0.3 s)
def test_one_session_read_by_many_threads():
    s = einlang.Session(A=np.arange(9.0).reshape(3, 3), x=np.array([1.0, 2.0, 3.0]))
    s.run("def quad(M, v) = v_i M_ij v_j")
    expected = float(s["x"] @ s["A"] @ s["x"])

    def work(k):
        for _ in range(ROUNDS):
            assert s.run("quad(A, x)") == expected
            np.testing.assert_allclose(s.run("A_ij x_j"), s["A"] @ s["x"])
        return True

    assert all(_run_threads(work))


def test_options_are_thread_local():
    A = np.ones((40, 40))

    def work(k):
        if k % 2:
            with einlang.options(naive_iteration_limit=10):
                for _ in range(ROUNDS):
                    with pytest.raises(E.NaiveIterationLimitError):
                        einlang.evaluate("A_ij A_jk", A=A, backend="naive")
        else:
            for _ in range(5):  # the default limit, untouched by the odd threads' blocks
                np.testing.assert_allclose(einlang.evaluate("A_ij A_jk", A=A, backend="naive"), A @ A)
        return True

    assert all(_run_threads(work))


def test_errors_in_one_thread_do_not_disturb_others():
    def work(k):
        for _ in range(ROUNDS):
            if k % 2:
                with pytest.raises(E.SizeMismatchError):
                    einlang.evaluate("A_ij B_jk", A=np.ones((2, 3)), B=np.ones((4, 2)))
            else:
                assert einlang.evaluate("A_ij B_jk", A=np.ones((2, 3)), B=np.ones((3, 2)))[0, 0] == 3
        return True

    assert all(_run_threads(work))
