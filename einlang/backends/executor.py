"""Run a checked program as a flat list of kernel calls (shared by the numpy and opt backends).

Each node becomes one pre-bound kernel; running is a loop over ``(kernel, argument slots, slot)``
with no lookups by name, and an intermediate is dropped after its last use to keep peak memory low.
A program that is a single kernel over the inputs runs with no loop at all.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..dtypes import product_dtypes, weak
from ..functions import ELEMENTWISE
from ..semantics import ir
from .ops import NUMPY_OPS, Kernel, KernelOps
from .reduce_kernels import reduce_kernel


def coefficient_for(coef: Any, dtype: np.dtype) -> Any:
    """A coefficient as numpy multiplies it: a weak Python number (a Fraction only for object arrays)."""
    return coef if dtype == object else weak(coef)


def inner_dtype(node: ir.Contract) -> np.dtype:
    """The dtype numpy.einsum computes the product in (δ and ε take the other operands' dtype)."""
    tensors, eps = [], 0
    for op in node.operands:
        if isinstance(op.node, ir.LeviCivita):
            eps += 1
        elif not isinstance(op.node, ir.Delta):
            tensors.append(op.node.dtype)
    return product_dtypes(tensors, levi_civita=eps).inner


def as_dtype(value: Any, dtype: np.dtype, ops: KernelOps = NUMPY_OPS) -> Any:
    """``value`` converted to ``dtype`` (by another array library's own cast when ``ops`` is one)."""
    if ops.cast is not None:
        return ops.cast(value, dtype)
    # an object einsum's rank-0 result is a bare Python number (einlang's exact integer runs, #12)
    return value.astype(dtype) if isinstance(value, (np.ndarray, np.generic)) else np.asarray(value, dtype=dtype)


def promoted(kernel: Kernel, node: ir.Contract, kept: Sequence[int], ops: KernelOps = NUMPY_OPS,
             inner: np.dtype | None = None) -> Kernel:
    """``kernel`` over the kept operands (deltas renamed away are dropped), each first cast to the
    product's dtype: a pairwise step in an operand's own dtype would overflow or OR where the whole
    product does not (int8 · int8 · int64 is computed in int64). ``inner``: :func:`inner_dtype`, if known."""
    inner = inner_dtype(node) if inner is None else inner
    casts = frozenset(p for p in kept if node.operands[p].node.dtype != inner)
    if tuple(kept) == tuple(range(len(node.operands))) and not casts:
        return kernel
    if not casts:
        return lambda *operands: kernel(*[operands[p] for p in kept])
    if ops.cast is not None:  # another array library casts with its own operation
        cast = ops.cast
        return lambda *operands: kernel(*[cast(operands[p], inner) if p in casts else operands[p] for p in kept])
    asarray = np.asarray
    return lambda *operands: kernel(*[asarray(operands[p], dtype=inner) if p in casts else operands[p] for p in kept])


def scaled(kernel: Kernel, node: ir.Contract, ops: KernelOps = NUMPY_OPS, inner: np.dtype | None = None) -> Kernel:
    """The product times its number factors (weak scalars), in the node's dtype."""
    coef, dtype = node.coefficient, node.dtype
    inner = inner_dtype(node) if inner is None else inner
    if coef == 1:
        if inner == dtype:
            return kernel
        return lambda *args: as_dtype(kernel(*args), dtype, ops)  # ``x_i / 1``: the division still makes floats
    c = coefficient_for(coef, dtype)
    if dtype == object or np.result_type(inner, c) == dtype:
        return lambda *args: kernel(*args) * c
    return lambda *args: as_dtype(kernel(*args) * c, dtype, ops)


@functools.cache
def levi_civita(n: int) -> np.ndarray:
    """The Levi-Civita symbol with n indices (read-only, cached)."""
    out = np.zeros((n,) * n, dtype=np.int64)
    for perm in itertools.permutations(range(n)):
        inversions = sum(1 for a in range(n) for b in range(a + 1, n) if perm[a] > perm[b])
        out[perm] = -1 if inversions % 2 else 1
    out.setflags(write=False)
    return out


KEPT_DELTA = 256
"""The largest n whose n×n Kronecker delta is kept for reuse (16 of them, 8 MB at most)."""


def kronecker(n: int) -> np.ndarray:
    """The n×n Kronecker delta (read-only). Small ones are cached; a big one is new at each call."""
    return _small_kronecker(n) if n <= KEPT_DELTA else _kronecker(n)


def delta_kernel(n: int) -> Kernel:
    """A kernel giving the n×n delta: a small one kept, a big one built at each run, so that a runner kept
    in the program caches never holds n² numbers (40 sizes near n = 2000 kept 1.3 GB in cached runners)."""
    if n > KEPT_DELTA:
        return lambda: _kronecker(n)
    value = _small_kronecker(n)
    return lambda: value


@functools.lru_cache(maxsize=16)  # at most 16 × 256 × 256 × 8 bytes = 8 MB
def _small_kronecker(n: int) -> np.ndarray:
    return _kronecker(n)


def _kronecker(n: int) -> np.ndarray:
    out = np.eye(n, dtype=np.int64)
    out.setflags(write=False)
    return out


def common_kernel(node: ir.Node) -> Kernel | None:
    """Kernels for every node kind except contractions (those are what backends differ in)."""
    if isinstance(node, ir.Constant):
        value = node.value
        return lambda: value
    if isinstance(node, ir.Delta):
        return delta_kernel(node.shape[0])
    if isinstance(node, ir.LeviCivita):
        value = levi_civita(len(node.shape))
        return lambda: value
    if isinstance(node, ir.Apply):
        fn = ELEMENTWISE[node.function]

        def apply(x):
            with np.errstate(divide="ignore") if node.function == "reciprocal" else _nullcontext:
                return fn.on_array(np.asarray(x))

        return apply
    if isinstance(node, ir.Combine):
        return combine_kernel(node)
    if isinstance(node, ir.Stack):
        shape, dtype = node.shape, node.dtype

        def stack(*items):
            # np.stack, not np.array: 0-d object entries (a SymPy formula) must not become nested arrays
            return np.stack([np.asarray(i, dtype=dtype) for i in items]).reshape(shape)

        return stack
    if isinstance(node, ir.External):
        return node.call
    if isinstance(node, ir.Reduce):
        return reduce_kernel(node)
    return None


class _Null:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


_nullcontext = _Null()


def combine_kernel(node: ir.Combine, asarray: Callable[[Any], Any] = np.asarray, ops: KernelOps = NUMPY_OPS) -> Kernel:
    """A sum of terms, each aligned to the output's axis order (another library passes its own ops and
    an ``asarray`` that leaves its arrays alone)."""
    permute, dtype = ops.permute, node.dtype
    plan = []
    for term in node.terms:
        perm = tuple(term.labels.index(label) for label in node.output)
        identity = perm == tuple(range(len(perm)))
        plan.append((coefficient_for(term.coefficient, node.dtype), None if identity else perm))

    def combine(*values):
        total = None
        for (coef, perm), value in zip(plan, values):
            value = asarray(value)
            if perm is not None:
                value = permute(value, perm)
            if total is None:
                total = value * coef if coef != 1 else value
            elif coef == 1:
                total = total + value
            elif coef == -1:
                total = total - value
            else:
                total = total + value * coef
        if not hasattr(total, "dtype"):  # numpy unboxes 0-d object sums: the entry itself (a Fraction, a formula)
            total = np.array(total, dtype=object)
        # terms that are numbers are weak scalars: a float32 sum stays float32 (NEP 50)
        return total if total.dtype == dtype else as_dtype(total, dtype, ops)

    return combine


def build_executor(
    program: ir.LoweredProgram,
    contract_kernel: Callable[[ir.Contract], Kernel],
    skip: frozenset[int] = frozenset(),
    ops: KernelOps = NUMPY_OPS,
) -> Callable[[Sequence[Any]], Any]:
    """Compile the DAG into straight-line kernel calls over a register file. Nodes in ``skip`` (ids of
    Kronecker deltas every consumer dropped) are never computed: their slot stays ``None``. ``ops``
    supplies the kernels of the other nodes and the copy for another array library."""
    node_kernel = ops.node_kernel or common_kernel
    copy = ops.copy
    slot_of: dict[int, int] = {id(node): k for k, node in enumerate(program.inputs)}
    steps: list[tuple[Kernel, tuple[int, ...], int]] = []
    for node in program.nodes:
        if isinstance(node, ir.Input):
            continue
        if id(node) in skip:
            slot_of[id(node)] = len(slot_of)
            continue
        kernel = contract_kernel(node) if isinstance(node, ir.Contract) else node_kernel(node)
        assert kernel is not None, node
        args = tuple(slot_of[id(child)] for child in node.inputs)
        slot_of[id(node)] = len(slot_of)
        steps.append((kernel, args, slot_of[id(node)]))
    result_slot = slot_of[id(program.result)]
    n_inputs = len(program.inputs)
    copy_result = isinstance(program.result, (ir.Input, ir.Constant, ir.Delta, ir.LeviCivita))

    if len(steps) == 1 and steps[0][1] == tuple(range(n_inputs)) and not copy_result:
        only = steps[0][0]
        return lambda inputs: only(*inputs)
    if not steps:
        if copy_result:
            return lambda inputs: copy(inputs[result_slot])
        return lambda inputs: inputs[result_slot]

    # free each intermediate after its last use
    last_use: dict[int, int] = {}
    for position, (_, args, _) in enumerate(steps):
        for a in args:
            if a >= n_inputs:
                last_use[a] = position
    plan = [
        (kernel, args, out, tuple(a for a in set(args) if last_use.get(a) == position and a != result_slot))
        for position, (kernel, args, out) in enumerate(steps)
    ]
    size = len(slot_of)

    def run(inputs):
        regs: list[Any] = list(inputs) + [None] * (size - n_inputs)
        for kernel, args, out, free in plan:
            regs[out] = kernel(*[regs[a] for a in args])
            for a in free:
                regs[a] = None
        result = regs[result_slot]
        return copy(result) if copy_result else result

    return run
