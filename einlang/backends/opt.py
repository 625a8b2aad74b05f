"""``opt`` (the default): opt_einsum's contraction order, each pairwise step on BLAS where it can be.

Everything that depends only on shapes (the path, the transposes, the reshapes, which BLAS call) is
decided once when the program is bound to shapes; a call then runs a few numpy calls and nothing else.
That is how a compiled 3×3 product stays within a small factor of a bare ``numpy.einsum`` call.
"""

from __future__ import annotations

import functools
import math
import operator
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..errors import UnsupportedByBackendError
from ..plan import EINSUM_LETTERS, ContractionPlan, Plan, build_plan
from ..semantics import ir
from . import Runner
from .executor import build_executor, inner_dtype, promoted, scaled
from .ops import NUMPY_OPS, KernelOps

LETTERS = EINSUM_LETTERS


def _is_identity(perm: Sequence[int]) -> bool:
    return tuple(perm) == tuple(range(len(perm)))


def _einsum_step(equation: str, ops: KernelOps = NUMPY_OPS) -> Callable[..., Any]:
    """A step einsum runs best (diagonals, Hadamard products, one-operand sums)."""
    symbols = sorted(set(equation) - set(",->"))
    if len(symbols) > len(LETTERS):
        raise UnsupportedByBackendError(f"one contraction step has {len(symbols)} distinct indices (numpy allows 52)")
    table = str.maketrans({s: LETTERS[k] for k, s in enumerate(symbols)})
    letters = equation.translate(table)
    einsum = ops.einsum
    return lambda *operands: einsum(letters, *operands)


def pairwise_kernel(equation: str, sizes: dict[str, int], ops: KernelOps = NUMPY_OPS) -> tuple[Callable[..., Any], str]:
    """Compile one pairwise step ``"ab,bc->ac"`` into a BLAS call with precomputed reshapes
    (``ops``: the array library whose operations the kernel calls).

    opt_einsum lists a pair's operands last first (``"jk,ij->ik"`` is ``y @ x``). numpy's permutes are
    free strided views, but torch, JAX and dask copy or re-layout, so for them the operand order that
    needs fewer permutes is taken."""
    kernel, kind, permutes = _pairwise_kernel(equation, sizes, ops)
    lhs, out = equation.split("->")
    inputs = lhs.split(",")
    if ops is not NUMPY_OPS and len(inputs) == 2 and permutes:
        swapped, swapped_kind, fewer = _pairwise_kernel(f"{inputs[1]},{inputs[0]}->{out}", sizes, ops)
        if fewer < permutes:
            return (lambda x, y: swapped(y, x)), swapped_kind
    return kernel, kind


def _pairwise_kernel(equation: str, sizes: dict[str, int], ops: KernelOps) -> tuple[Callable[..., Any], str, int]:
    """The kernel, its kind and how many permutes it makes."""
    lhs, out = equation.split("->")
    inputs = lhs.split(",")
    if len(inputs) != 2:
        return _einsum_step(equation, ops), "einsum", 0
    a, b = inputs
    if len(set(a)) != len(a) or len(set(b)) != len(b):
        return _einsum_step(equation, ops), "einsum", 0
    in_a, in_b, in_out = set(a), set(b), set(out)
    contracted = [s for s in a if s in in_b and s not in in_out]
    batch = [s for s in out if s in in_a and s in in_b]
    only_a = [s for s in a if s not in in_b]
    only_b = [s for s in b if s not in in_a]
    if not contracted or any(s not in in_out for s in only_a + only_b):
        return _einsum_step(equation, ops), "einsum", 0
    prod = math.prod
    nb = prod(sizes[s] for s in batch)
    ka, kc, kb = prod(sizes[s] for s in only_a), prod(sizes[s] for s in contracted), prod(sizes[s] for s in only_b)
    perm_a = [a.index(s) for s in batch + only_a + contracted]
    perm_b = [b.index(s) for s in batch + contracted + only_b]
    result_symbols = batch + only_a + only_b
    result_shape = tuple(sizes[s] for s in result_symbols)
    perm_out = [result_symbols.index(s) for s in out]
    ta, tb, to = (None if _is_identity(p) else tuple(p) for p in (perm_a, perm_b, perm_out))
    if batch:
        shape_a, shape_b = (nb, ka, kc), (nb, kc, kb)
        multiply = ops.matmul
        kind = "BATCHED-GEMM"
    else:
        shape_a, shape_b = (ka, kc), (kc, kb)
        multiply = ops.dot
        kind = "GEMM" if ka > 1 and kb > 1 else "GEMV/DOT"
    reshape_a = len(a) != len(shape_a) or any(sizes[s] != n for s, n in zip(batch + only_a + contracted, shape_a))
    reshape_b = len(b) != len(shape_b) or any(sizes[s] != n for s, n in zip(batch + contracted + only_b, shape_b))
    reshape_out = ((nb, ka, kb) if batch else (ka, kb)) != result_shape

    if ta is None and tb is None and to is None and not reshape_a and not reshape_b and len(out) == 2 and not batch:
        return multiply, kind, 0  # the plain matrix product: one BLAS call, nothing else

    permute, reshape = ops.permute, ops.reshape

    def kernel(x, y):
        if ta is not None:
            x = permute(x, ta)
        if reshape_a:
            x = reshape(x, shape_a)
        if tb is not None:
            y = permute(y, tb)
        if reshape_b:
            y = reshape(y, shape_b)
        r = multiply(x, y)
        if reshape_out:
            r = reshape(r, result_shape)
        if to is not None:
            r = permute(r, to)
        return r

    return kernel, kind, sum(t is not None for t in (ta, tb, to))


def _dot_dtype(dtype: Any) -> bool:
    """A dtype numpy.dot computes in, giving the dtype numpy.einsum gives: BLAS floats and complex
    numbers, exact 64-bit integer loops."""
    return dtype.kind in "fc" and dtype.itemsize >= 4 or (dtype.kind == "i" and dtype.itemsize == 8)


def direct_product(program: ir.LoweredProgram) -> Callable[..., Any] | None:
    """``numpy.dot`` itself, taking the inputs positionally, for a program that is one product
    numpy.dot computes in one call: ``A_ij B_jk``, ``A_ij x_j``, ``x_i A_ij``, ``x_i y_i`` (or
    ``x_i x_i``), all operands of the result's dtype. ``None`` for anything else.

    >>> import numpy as np
    >>> from einlang.program import Program
    >>> direct_product(Program("A_ij B_jk").bind({"A": np.ones((2, 3)), "B": np.ones((3, 4))}).lowered) is np.dot
    True
    """
    node = program.result
    if not isinstance(node, ir.Contract) or len(node.operands) != 2 or node.coefficient != 1:
        return None
    (a, b), inputs = node.operands, program.inputs
    if not all(isinstance(op.node, ir.Input) and op.node.dtype == node.dtype for op in (a, b)):
        return None
    la, lb = a.labels, b.labels
    if not _dot_dtype(node.dtype) or not (1 <= len(la) <= 2 and 1 <= len(lb) <= 2) or la[-1] != lb[0]:
        return None
    if len(set(la + lb)) != len(la) + len(lb) - 1 or node.output != la[:-1] + lb[1:]:
        return None  # a repeated index, or an output numpy.dot does not give as it is
    dot = NUMPY_OPS.dot
    if inputs == (a.node, b.node):
        return dot
    if inputs == (b.node, a.node):
        return lambda y, x: dot(x, y)
    return (lambda x: dot(x, x)) if inputs == (a.node,) else None


class OptBackend:
    name = "opt"
    description = "opt_einsum contraction paths, pairwise steps on BLAS (numpy.dot / matmul)"

    def prepare(self, program: ir.LoweredProgram, plan: Plan | None = None, ops: KernelOps = NUMPY_OPS):
        """The runner; ``ops`` names the array library its kernels call (numpy unless the operands
        come from another library)."""
        blas = plan is None or plan.choice.use_blas  # use_blas=False: every step is an einsum call
        direct = direct_product(program) if ops is NUMPY_OPS and blas else None
        if direct is not None:  # one BLAS call and nothing else: how a 3×3 product beats numpy.einsum
            return Runner(lambda inputs: direct(*inputs), direct=direct)
        plan = plan or build_plan(program)
        by_node = {id(c.node): c for c in plan.contractions}

        def contract_kernel(node: ir.Contract):
            cplan = by_node[id(node)]
            inner = inner_dtype(node)
            run = _multiply_all if _is_fold(cplan) else _stepped(cplan, node, blas, ops, inner == object)
            return scaled(promoted(run, node, cplan.kept, ops, inner), node, ops, inner)

        return build_executor(program, contract_kernel, plan.eliminated, ops)


def _stepped(cplan: ContractionPlan, node: ir.Contract, blas: bool, ops: KernelOps,
             objects: bool = False) -> Callable[..., Any]:
    """The product's steps as one function of its (kept) operands, in the plan's order; ``objects``: the
    operands are object arrays (the product's inner dtype is; its result may be floats: ``a b / 2``)."""
    sizes = {cplan.symbols[label]: size for label, size in node.sizes.items()}
    objects = objects or node.dtype == object
    on_blas = blas and not objects  # numpy.dot of objects loses their exceptions (SystemError)
    equations = [step.einsum for step in cplan.steps]
    steps = _step_kernels(equations, sizes, ops) if on_blas else [_einsum_step(eq, ops) for eq in equations]
    if objects:
        steps = [_kept_objects(step) for step in steps]
    positions = [tuple(p) for p in _positions(cplan)]
    if len(steps) == 1:
        order = positions[0]
        only = steps[0]
        if order == (1, 0):
            return lambda a, b: only(b, a)
        if order == (0,):
            return only
        return lambda *operands: only(*[operands[p] for p in order])  # one step of three or more operands
    compiled = list(zip(positions, steps))

    def run(*operands):
        values = list(operands)
        for where, kernel in compiled:
            args = [values.pop(p) for p in where]
            values.append(kernel(*args))
        return values[0]

    return run


def _kept_objects(step: Callable[..., Any]) -> Callable[..., Any]:
    """The step with its result kept an object array: numpy.einsum of 0-d object arrays returns a bare
    Python int, and the next step's einsum would turn two of those into int64 and wrap (``2**40 * 2**40``
    gave 0), where the exact product is the point of object arrays."""
    return lambda *operands: np.asarray(step(*operands), dtype=object)


def _is_fold(cplan: ContractionPlan) -> bool:
    """One step over three or more scalars (a product of many scalars): multiplied left to right."""
    return len(cplan.path) == 1 and len(cplan.path[0]) > 2 and not cplan.steps[0].einsum.strip(",->")


def _multiply_all(*operands: Any) -> Any:
    """Scalars multiplied left to right: ((a b) c) d …, the order opt_einsum's greedy search pairs them in,
    one ``*`` each (a product of thousands is more than one numpy.einsum call takes, 63 operands on
    numpy 2 and 31 on numpy 1, and one call per pair cost a Python frame each).

    ``*`` on numpy scalars checks floating-point errors where numpy.einsum does not: they are ignored, so
    13 float32 factors of 1e10 give ``inf`` silently (no warning, no E404 under ``errstate(all="raise")``)
    as 12 do on the einsum path and on every other backend."""
    with np.errstate(all="ignore"):
        return functools.reduce(operator.mul, operands)


def _step_kernels(equations: list[str], sizes: dict[str, int], ops: KernelOps) -> list[Callable[..., Any]]:
    """One kernel per step. Steps that differ only in their index names (every link of a chain
    ``A_ij B_jk C_kl …`` is "matrix times matrix" with other letters) share one: a kernel depends on
    where each index sits and on its size, never on its name.

    >>> k = _step_kernels(["ab,bc->ac", "ac,cd->ad", "ab,bc->ac"], {s: 2 for s in "abcd"}, NUMPY_OPS)
    >>> k[0] is k[1] is k[2]
    True
    """
    built: dict[tuple[str, tuple[int, ...]], Callable[..., Any]] = {}
    kernels = []
    for equation in equations:
        names = dict.fromkeys(equation.replace(",", "").replace("->", ""))
        shape = equation.translate(str.maketrans(dict(zip(names, LETTERS)))) if len(names) <= len(LETTERS) else equation
        key = (shape, tuple(sizes[s] for s in names))
        kernel = built.get(key)
        if kernel is None:
            kernel = built[key] = pairwise_kernel(equation, sizes, ops)[0]
        kernels.append(kernel)
    return kernels


def _positions(cplan) -> list[tuple[int, ...]]:
    """The operand positions each step pops, in opt_einsum's (descending) order."""
    out = []
    for path_entry in cplan.path:
        out.append(tuple(sorted(path_entry, reverse=True)))
    return out
