"""Benchmarks against numpy and opt_einsum, measured in the same run: ``python -m einlang.bench``.

Each row times einlang and its reference alternately (best of several repeats, so a noisy shared
machine hurts both sides alike) and prints the ratio next to the target from the core issue.
``--quick`` runs fewer repeats; ``--json`` prints machine-readable rows.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tracemalloc
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from functools import partial
from typing import Any

import numpy as np
import opt_einsum

import einlang
from einlang.timing import best_time, format_seconds, paired


@dataclass
class Row:
    name: str
    einlang_s: float
    reference_s: float
    reference: str
    ratio: float  # what the target is about: einlang time / reference time, or throughput or memory ratio
    target: str
    ok: bool


def per_call(repeat: int) -> list[Row]:
    """Warm calls on 3×3 float64 operands, each against the numpy.einsum call it replaces."""
    rng = np.random.default_rng(0)
    A, B, x = rng.random((3, 3)), rng.random((3, 3)), rng.random(3)
    prog, dot = einlang.compile("A_ij B_jk"), einlang.compile("x_i x_i")
    cases = [
        ("compiled A_ij B_jk, 3×3, keywords", lambda: prog(A=A, B=B), lambda: np.einsum("ij,jk->ik", A, B), 1.0),
        ("compiled x_i x_i, n=3", lambda: dot(x=x), lambda: np.einsum("i,i->", x, x), 1.0),
        ("einlang.einsum('ij,jk->ik'), 3×3", lambda: einlang.einsum("ij,jk->ik", A, B),
         lambda: np.einsum("ij,jk->ik", A, B), 1.5),
        ("evaluate('A_ij B_jk'), 3×3", lambda: einlang.evaluate("A_ij B_jk", A=A, B=B),
         lambda: np.einsum("ij,jk->ik", A, B), 1.5),
    ]
    rows = []
    for name, ours, reference, target in cases:
        np.testing.assert_allclose(ours(), reference())  # also warms every cache
        ours()
        t_ours, t_ref = paired(ours, reference, 20_000, repeat)
        ratio = t_ours / t_ref
        rows.append(Row(name, t_ours, t_ref, "np.einsum", ratio, f"≤ {target:g}×", ratio <= target))
    return rows


def cold_chain(repeat: int) -> list[Row]:
    """The first evaluation of a text (parse, check, plan, prepare, run) against opt_einsum.contract
    (path search and run) on the same 60-operand chain with multi-letter indices."""
    n = 60
    M = np.random.default_rng(5).random((3, 3)) / 2
    text = " ".join(f"M_{{i{k},i{k + 1}}}" for k in range(n))
    equation = ",".join(opt_einsum.get_symbol(k) + opt_einsum.get_symbol(k + 1) for k in range(n))
    equation += "->" + opt_einsum.get_symbol(0) + opt_einsum.get_symbol(n)
    texts = iter(range(10**9))  # a fresh text each time (trailing spaces): nothing cached
    np.testing.assert_allclose(einlang.evaluate(text, M=M), opt_einsum.contract(equation, *[M] * n))
    t_ein, t_oe = paired(lambda: einlang.evaluate(text + " " * next(texts), M=M),
                         lambda: opt_einsum.contract(equation, *[M] * n), 3, repeat)
    ratio = t_ein / t_oe
    return [Row("cold 60-operand chain M_{i0,i1} M_{i1,i2} …", t_ein, t_oe, "opt_einsum.contract", ratio, "≤ 2×",
                ratio <= 2)]


def large_programs(repeat: int) -> list[Row]:
    """The two 128 KB programs of the untrusted-input issue, each evaluated as a fresh text (parse, check,
    plan, run; nothing cached): the target is a time, refused or computed within one second."""
    x = np.ones(3)
    cases = [
        ("128 KB sum x_i + x_i + … (32,768 terms)", "+".join(["x_i"] * 32_768), {"x": x}, 32_768 * x),
        ("128 KB product s s s … (65,536 factors)", " ".join(["s"] * 65_536), {"s": 1.0}, 1.0),
    ]
    rows = []
    for name, text, tensors, expected in cases:
        np.testing.assert_allclose(einlang.evaluate(text, **tensors), expected)
        fresh = (text + " " * k for k in range(1, 10**9))  # a fresh text each time (trailing spaces): nothing cached
        seconds = best_time(partial(_evaluate_next, fresh, tensors), 1, max(2, repeat // 2))
        rows.append(Row(name, seconds, 1.0, "1 s budget", seconds, "≤ 1 s", seconds <= 1.0))
    return rows


def _evaluate_next(texts: Iterator[str], tensors: dict[str, Any]) -> Any:
    return einlang.evaluate(next(texts), **tensors)


def chain_operands(n: int, seed: int) -> tuple[einlang.Program, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """``A_ij B_jk C_kl v_l`` compiled, and random n×n matrices A, B, C and a vector v."""
    rng = np.random.default_rng(seed)
    A, B, C = (rng.random((n, n)) for _ in range(3))
    return einlang.compile("A_ij B_jk C_kl v_l"), A, B, C, rng.random(n)


def chain(repeat: int) -> list[Row]:
    prog, A, B, C, v = chain_operands(200, seed=1)
    np.testing.assert_allclose(prog(A=A, B=B, C=C, v=v), A @ (B @ (C @ v)))
    t_np, t_oe = paired(
        lambda: np.einsum("ij,jk,kl,l->i", A, B, C, v, optimize=True),
        lambda: opt_einsum.contract("ij,jk,kl,l->i", A, B, C, v),
        200,
        repeat,
    )
    reference = min(t_np, t_oe)
    t_ein = best_time(lambda: prog(A=A, B=B, C=C, v=v), 200, repeat)
    name = "np.einsum(optimize=True)" if t_np <= t_oe else "opt_einsum.contract"
    return [Row("A_ij B_jk C_kl v_l, n=200", t_ein, reference, name, t_ein / reference, "≤ 1.2×", t_ein / reference <= 1.2)]


def big_matmul(repeat: int, n: int = 1500) -> list[Row]:
    rng = np.random.default_rng(2)
    A, B = rng.random((n, n)), rng.random((n, n))
    prog = einlang.compile("A_ij B_jk")
    prog(A=A, B=B)
    t_ein, t_ref = paired(lambda: prog(A=A, B=B), lambda: A @ B, 1, max(3, repeat))
    # the target is about throughput, so the row shows throughput: einlang's / (A @ B)'s, i.e. t_ref / t_ein
    throughput = t_ref / t_ein
    rows = [Row(f"A_ij B_jk, {n}×{n} (throughput)", t_ein, t_ref, "A @ B", throughput, "throughput ≥ 0.95×",
                throughput >= 0.95)]
    gc.collect()
    tracemalloc.start()
    result = prog(A=A, B=B)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    extra = peak / result.nbytes
    rows.append(Row(f"A_ij B_jk, {n}×{n} (peak memory)", float(peak), float(result.nbytes), "output bytes", extra,
                    "≤ 1.2× output", extra <= 1.2))
    return rows


def hand_triple_loop(A: list, B: list, n: int) -> list:
    C = [[0.0] * n for _ in range(n)]
    for i in range(n):
        for k in range(n):
            s = 0
            for j in range(n):
                s += A[i][j] * B[j][k]
            C[i][k] = s
    return C


def naive_loops(repeat: int) -> list[Row]:
    n = 30
    rng = np.random.default_rng(3)
    A, B = rng.random((n, n)), rng.random((n, n))
    la, lb = A.tolist(), B.tolist()
    prog = einlang.compile("A_ij B_jk")
    np.testing.assert_allclose(prog(A=A, B=B, backend="naive"), A @ B)
    t_ein, t_ref = paired(lambda: prog(A=A, B=B, backend="naive"), lambda: hand_triple_loop(la, lb, n), 5, repeat)
    return [Row("naive A_ij B_jk, 30×30", t_ein, t_ref, "hand-written triple loop", t_ein / t_ref, "≤ 1.5×",
                t_ein / t_ref <= 1.5)]


def contraction_order(repeat: int) -> list[Row]:
    """Why contraction order matters: the same chain on the numpy backend (no path) and opt."""
    prog, A, B, C, v = chain_operands(60, seed=4)
    t_opt, t_np = paired(lambda: prog(A=A, B=B, C=C, v=v), lambda: prog(A=A, B=B, C=C, v=v, backend="numpy"), 5, repeat)
    return [Row("A_ij B_jk C_kl v_l, n=60: opt vs numpy backend", t_opt, t_np, "backend='numpy'", t_opt / t_np,
                "(informative)", True)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m einlang.bench", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="fewer repeats")
    parser.add_argument("--json", action="store_true", help="print JSON rows")
    parser.add_argument("--startup", action="store_true", help="time new processes instead (import, first compile, "
                        "einlang -c, the REPL's prompt)")
    parser.add_argument("--arrays", choices=("torch", "jax", "dask"),
                        help="time einlang on that library's arrays against the library itself instead")
    args = parser.parse_args(argv)
    if args.startup:
        from .bench_startup import main as startup

        return startup(3 if args.quick else 7)
    repeat = 3 if args.quick else 7
    rows: list[Row] = []
    if args.arrays:
        from einlang.bench_arrays import array_rows

        rows = array_rows(args.arrays, repeat)
    from einlang.bench_reductions import attention_rows

    for bench in () if args.arrays else (per_call, cold_chain, large_programs, chain, big_matmul, naive_loops,
                                         contraction_order, attention_rows):
        rows.extend(bench(repeat))
    if args.json:
        print(json.dumps([asdict(r) for r in rows], indent=2))
        return 0
    print(f"einlang {einlang.__version__}, numpy {np.__version__}, opt_einsum {opt_einsum.__version__}")
    header = f"{'benchmark':<48} {'einlang':>10} {'reference':>10}  {'ratio':>7}  {'target':<20} reference"
    print(header)
    print("-" * len(header))
    for r in rows:
        if "memory" in r.name:
            e, ref = f"{r.einlang_s / 2**20:.1f} MiB", f"{r.reference_s / 2**20:.1f} MiB"
        else:
            e, ref = format_seconds(r.einlang_s), format_seconds(r.reference_s)
        mark = "ok" if r.ok else "MISS"
        print(f"{r.name:<48} {e:>10} {ref:>10}  {r.ratio:>6.3g}×  {r.target:<20} {r.reference}  [{mark}]")
    return 0


if __name__ == "__main__":
    sys.exit(main())
