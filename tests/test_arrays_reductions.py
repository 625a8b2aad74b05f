"""Reductions (issue 11) on torch, JAX and dask operands: the library computes them and agrees with numpy."""

from __future__ import annotations

import numpy as np
import pytest

import einlang

rng = np.random.default_rng(3)
A, B = rng.normal(size=(3, 4)), rng.normal(size=(4, 5))
Q, K, V = rng.normal(size=(2, 3, 5, 8)), rng.normal(size=(2, 3, 7, 8)), rng.normal(size=(2, 3, 7, 4))
CASES = ["max_k(A_ij B_jk)", "min_{ij}(A_ij)", "prod_{ij}(A_ij)", "logsumexp_j(A_ij)", "softmax_j(A_ij)",
         "mean_j(A_ij)", "Σ_i(A_ij)"]


def _library(name):
    if name == "torch":
        torch = pytest.importorskip("torch")
        return torch.from_numpy, lambda r: r.numpy(), torch.Tensor
    if name == "jax":
        jax = pytest.importorskip("jax")  # float32 unless x64 is enabled: compared to float32's precision
        return jax.numpy.asarray, np.asarray, jax.Array
    da = pytest.importorskip("dask.array")
    return (lambda a: da.from_array(a, chunks=2)), (lambda r: np.asarray(r.compute())), da.Array


@pytest.mark.parametrize("library", ["torch", "jax", "dask"])
def test_reductions_on_array_libraries_agree_with_numpy(library):
    convert, back, array_type = _library(library)
    tolerance = dict(rtol=1e-5, atol=1e-6) if library == "jax" else dict(rtol=1e-12, atol=1e-14)
    for source in CASES:
        got = einlang.evaluate(source, A=convert(A), B=convert(B))
        assert isinstance(got, array_type), source
        np.testing.assert_allclose(back(got), einlang.evaluate(source, A=A, B=B), **tolerance)
    attention = einlang.evaluate("attention(Q, K, V)", Q=convert(Q), K=convert(K), V=convert(V))
    np.testing.assert_allclose(back(attention), einlang.evaluate("attention(Q, K, V)", Q=Q, K=K, V=V), **tolerance)
    empty = np.ones((2, 0))
    for source, expected in (("prod_j(E_ij)", [1.0, 1.0]), ("logsumexp_j(E_ij)", [-np.inf, -np.inf])):
        assert back(einlang.evaluate(source, E=convert(empty))).tolist() == expected


def test_dask_memory_guard_counts_a_reduction_block_by_block():
    da = pytest.importorskip("dask.array")
    from einlang.backends.chunks import largest_block
    from einlang.program import Program

    source = "softmax_j(Q_{...id} Q_{...jd}) -> {...ij}"
    Q = da.ones((2, 1000, 64), chunks=(1, 100, 64))
    bound = Program(source).bind({"Q": np.ones((2, 1000, 64))})
    assert largest_block(bound.lowered, bound.plan, {"Q": Q.chunks}).shape == (1, 100, 100)  # not 2×1000×1000
    assert float(einlang.evaluate(source, Q=Q).sum().compute()) == pytest.approx(2000)
