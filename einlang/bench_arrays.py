"""Array-library mode of the benchmark: ``python -m einlang.bench --arrays torch|jax|dask``.

Each row times einlang on that library's arrays against the library's own call in the same run
(alternately, best of several repeats) and prints the ratio next to the target from issue 9.
"""

from __future__ import annotations

import gc
import time
import tracemalloc
from collections.abc import Callable

import einlang
from einlang.bench import Row, paired


def torch_rows(repeat: int) -> list[Row]:
    import torch

    torch.manual_seed(0)
    A, B = torch.rand(3, 3), torch.rand(3, 3)
    prog = einlang.compile("A_ij B_jk")
    prog(A=A, B=B)
    t_ein, t_ref = paired(lambda: prog(A=A, B=B), lambda: torch.einsum("ij,jk->ik", A, B), 5_000, repeat)
    rows = [Row("torch 3×3 compiled A_ij B_jk", t_ein, t_ref, "torch.einsum", t_ein / t_ref, "≤ 1.5×", t_ein / t_ref <= 1.5)]
    A, B = torch.rand(2000, 2000), torch.rand(2000, 2000)
    prog(A=A, B=B)
    t_ein, t_ref = paired(lambda: prog(A=A, B=B), lambda: A @ B, 3, repeat)
    rows.append(Row("torch 2000×2000 A_ij B_jk", t_ein, t_ref, "A @ B", t_ein / t_ref,
                    "throughput ≥ 0.95×", t_ref / t_ein >= 0.95))
    x = torch.rand(200, 200, requires_grad=True)
    prog3 = einlang.compile("A_ij B_jk C_kl")

    def ours():
        prog3(A=x, B=x, C=x).sum().backward()

    def reference():
        torch.einsum("ij,jk,kl->il", x, x, x).sum().backward()

    t_ein, t_ref = paired(ours, reference, 50, repeat)
    rows.append(Row("torch 200² chain, forward + backward", t_ein, t_ref, "torch.einsum", t_ein / t_ref,
                    "(informative)", True))
    return rows


def jax_rows(repeat: int) -> list[Row]:
    import jax
    import jax.numpy as jnp

    prog = einlang.compile("r_i = A_ij B_jk x_k; r_i r_i")
    keys = jax.random.split(jax.random.PRNGKey(0), 3)
    A, B, x = (jax.random.uniform(k, s) for k, s in zip(keys, [(300, 300), (300, 300), (300,)]))
    ours = jax.jit(jax.grad(lambda a: prog(A=a, B=B, x=x)))

    def reference_loss(a):
        r = jnp.einsum("ij,jk,k->i", a, B, x)
        return jnp.einsum("i,i->", r, r)

    reference = jax.jit(jax.grad(reference_loss))
    ours(A).block_until_ready()
    reference(A).block_until_ready()
    t_ein, t_ref = paired(lambda: ours(A).block_until_ready(), lambda: reference(A).block_until_ready(), 200, repeat)
    return [Row("jax.jit(grad) of a compiled program, 300²", t_ein, t_ref, "the same with jnp.einsum", t_ein / t_ref,
                "≤ 1.1×", t_ein / t_ref <= 1.1)]


def _once(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def dask_rows(repeat: int) -> list[Row]:
    import dask
    import dask.array as da

    rng = da.random.default_rng(0)
    A = rng.random((8000, 8000), chunks=2000)
    B = rng.random((8000, 8000), chunks=2000)
    A, B = A.persist(), B.persist()  # generate once: the rows time the product, not the random numbers
    with dask.config.set(scheduler="threads"):
        ours, reference = [], []
        for _ in range(max(1, min(repeat, 3))):
            ours.append(_once(lambda: einlang.evaluate("A_ij B_jk", A=A, B=B).compute()))
            reference.append(_once(lambda: (A @ B).compute()))
    t_ein, t_ref = min(ours), min(reference)
    rows = [Row("dask 8000×8000 A_ij B_jk, threads", t_ein, t_ref, "(A @ B).compute()", t_ein / t_ref,
                "throughput ≥ 0.9×", t_ref / t_ein >= 0.9)]
    rows.append(_out_of_core())
    return rows


def _out_of_core() -> Row:
    """Peak memory of a contraction whose inputs (generated block by block) together exceed the limit."""
    import dask.array as da

    n, chunk, limit = 8000, 1000, 256 * 2**20
    rng = da.random.default_rng(0)
    A, B, x = rng.random((n, n), chunks=chunk), rng.random((n, n), chunks=chunk), rng.random(n, chunks=chunk)
    gc.collect()
    tracemalloc.start()
    with einlang.options(memory_limit=limit):
        einlang.evaluate("A_ij B_jk x_k", A=A, B=B, x=x).compute(scheduler="threads")
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    inputs = 2 * n * n * 8 + n * 8
    return Row(f"dask out-of-core memory (limit {limit // 2**20} MiB)", peak, inputs, "bytes of the inputs",
               peak / inputs, "peak < limit", peak < limit)


LIBRARY_ROWS = {"torch": torch_rows, "jax": jax_rows, "dask": dask_rows}


def array_rows(library: str, repeat: int) -> list[Row]:
    """The rows of one library's benchmark."""
    return LIBRARY_ROWS[library](repeat)
