"""dask arrays through einlang's checked plans: lazy, chunked, on threads or a cluster (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

import einlang

da = pytest.importorskip("dask.array")


def _random(shape, chunks, seed):
    return da.random.default_rng(seed).random(shape, chunks=chunks)


def test_result_is_lazy_until_computed():
    calls = []

    def block(x):
        if x.size:  # dask may call it on empty arrays to learn the dtype
            calls.append(x.shape)
        return x

    A = da.ones((4, 6), chunks=2).map_blocks(block, dtype=float, meta=np.empty((0, 0)))
    result = einlang.evaluate("C_ik = A_ij A_kj + sqrt(A_ij A_kj)", A=A)
    assert isinstance(result, da.Array) and calls == []
    np.testing.assert_array_equal(result.compute(scheduler="threads"), np.full((4, 4), 6.0 + np.sqrt(6.0)))
    assert calls


@pytest.mark.parametrize("text, equation", [
    ("A_ij B_jk", "ij,jk->ik"),
    ("C_ki = A_ij B_jk", "ij,jk->ki"),
    ("A_ij B_jk x_k", "ij,jk,k->i"),
])
def test_values_on_the_threaded_scheduler_match_numpy(text, equation):
    A, B = _random((6, 8), (3, 4), 1), _random((8, 5), (4, 5), 2)
    x = np.arange(5.0)  # a numpy operand joins dask
    result = einlang.evaluate(text, A=A, B=B, x=x)
    assert isinstance(result, da.Array) and result.dtype == np.float64
    operands = [A.compute(), B.compute(), x][: equation.count(",") + 1]
    np.testing.assert_allclose(result.compute(scheduler="threads"), np.einsum(equation, *operands), rtol=1e-12)


def test_memory_guard_reasons_about_blocks():
    """A result larger than the limit is refused for numpy operands but fine chunked; one huge chunk is not."""
    prog = einlang.compile("A_ij B_jk")
    with einlang.options(memory_limit=64 * 2**20):
        wide = np.lib.stride_tricks.as_strided(np.zeros(1), (3000, 3000), (0, 0))  # no memory used
        with pytest.raises(einlang.errors.MemoryLimitError):
            prog(A=wide, B=wide)
        A, B = _random((3000, 3000), 500, 3), _random((3000, 3000), 500, 4)
        assert isinstance(prog(A=A, B=B), da.Array)  # blocks of 500×500: 2 MB each
        with pytest.raises(einlang.errors.MemoryLimitError, match="largest block.*dask computes block by block"):
            prog(A=A.rechunk(-1), B=B.rechunk(-1))


def test_out_of_core_inputs_larger_than_the_limit_run_block_by_block():
    """Inputs of 72 MB each under a 64 MB limit: generated, contracted and reduced block by block."""
    A, B = _random((3000, 3000), 500, 5), _random((3000, 3000), 500, 6)
    x = da.ones(3000, chunks=500)
    with einlang.options(memory_limit=64 * 2**20):
        result = einlang.evaluate("A_ij B_jk x_k", A=A, B=B, x=x)
    values = result.compute(scheduler="threads")
    np.testing.assert_allclose(values, A.compute() @ (B.compute() @ np.ones(3000)), rtol=1e-10)


def test_python_written_function_without_a_dask_version_is_a_clear_error():
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError, match="det.*dask"):
        einlang.evaluate("det(A)", A=da.eye(3, chunks=3))
    inverse = einlang.evaluate("inv(A)", A=2 * da.eye(3, chunks=3))
    np.testing.assert_allclose(inverse.compute(), np.eye(3) / 2)


@pytest.mark.slow
def test_runs_on_a_distributed_local_cluster():
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        A, B = _random((400, 300), 100, 7), _random((300, 200), 100, 8)
        result = einlang.evaluate("A_ij B_jk", A=A, B=B)
        computed = client.compute(result).result()
        assert len(client.scheduler_info()["workers"]) == 2
    np.testing.assert_allclose(computed, A.compute() @ B.compute(), rtol=1e-12)
