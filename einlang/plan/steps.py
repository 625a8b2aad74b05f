"""The pairwise steps of one product: opt_einsum's path search, then the steps described in one pass.

``opt_einsum.contract_path`` searches a path and then builds a report of it (an einsum string per step,
the operands left after each, a cost per step from set operations over every remaining operand: work
that grows with the square of the operands). Here the search function is called on the index sets
and sizes directly, and the steps are described once, with a running count of the operands that still
carry each index: the same steps, costs and BLAS kinds ``contract_path`` reports (the tests compare
them), in time that grows with the operands. A product of scalars (no index anywhere) needs no search:
every order costs the same, and :func:`scalar_path` is the order opt_einsum's own search returns.

>>> path = search_path(["ab", "bc", "c"], "a", {"a": 10, "b": 20, "c": 30}, "auto", None)
>>> path
[(1, 2), (0, 1)]
>>> [(step.einsum, step.flops, step.blas) for step in describe_path(path, ["ab", "bc", "c"], "a",
...                                                                      {"a": 10, "b": 20, "c": 30})]
[('c,bc->b', 1200, 'GEMM'), ('b,ab->a', 400, 'GEMM')]
"""

from __future__ import annotations

import math
from typing import Any

from ..records import record
from .indices import format_indices

GREEDY_ABOVE = 12
"""Products with more operands than this use the greedy path search (the optimal one is exponential)."""


@record
class Step:
    """One pairwise (or single-operand) contraction of a plan."""

    result: str  # "T1_ik"
    operands: tuple[str, ...]  # ("A_ij", "B_jk")
    contracted: tuple[str, ...]  # indices summed away in this step, user's names
    shape: tuple[int, ...]
    flops: int
    kernel: str  # "GEMM", "TDOT", "einsum", ...
    einsum: str  # the step as an einsum equation over opt_einsum symbols

    @property
    def size(self) -> int:
        return math.prod(self.shape)


@record
class PathStep:
    """One step of a path, in opt_einsum's symbols (what ``contract_path``'s contraction list holds)."""

    positions: tuple[int, ...]  # the operands it pops, in descending order
    removed: frozenset[str]  # symbols summed away in this step
    einsum: str  # "ab,bc->ac": the operands in the order popped
    blas: str | bool  # opt_einsum's BLAS kind ("GEMM", "TDOT", …) or False
    result: str  # the result's symbols, in order
    shape: tuple[int, ...]
    flops: int
    size: int  # elements of its result, as contract_path counts them (over the indices it keeps)


def scalar_path(operands: int, algorithm: str) -> list[tuple[int, ...]]:
    """The path opt_einsum's ``algorithm`` returns for ``operands`` scalars: ``'auto'`` (up to
    GREEDY_ABOVE operands) hands them to searches that pair the first two each time; ``'greedy'``
    multiplies them left to right (the result so far is always operand 0).

    >>> scalar_path(4, "auto"), scalar_path(4, "greedy")
    ([(0, 1), (0, 1), (0, 1)], [(0, 1), (0, 2), (0, 1)])
    """
    if operands <= 2:
        return [tuple(range(operands))]
    if algorithm == "auto":
        return [(0, 1)] * (operands - 1)
    return [(0, 1)] + [(0, m) for m in range(operands - 2, 0, -1)]


def memory_argument(limit: int | str | None, inputs: list[str], output: str, size_of: dict[str, int]) -> int | None:
    """opt_einsum's memory limit for the search: ``'max_input'`` is the largest operand (the output
    counted too, as ``contract_path`` counts it)."""
    if limit != "max_input":
        return limit  # type: ignore[return-value]
    return max(math.prod(size_of[s] for s in term) for term in [*inputs, output])


def search_path(inputs: list[str], output: str, size_of: dict[str, int], search: Any,
                memory_limit: int | str | None) -> list[tuple[int, ...]]:
    """The path: ``search`` is an explicit path (a list) or an opt_einsum algorithm's name."""
    if not isinstance(search, str):
        return [tuple(entry) for entry in search]
    if len(inputs) <= 2:
        return [tuple(range(len(inputs)))]  # nothing to choose (contract_path does the same)
    if memory_limit is None and not any(inputs) and (search == "greedy" or search == "auto" and len(inputs) <= GREEDY_ABOVE):
        return scalar_path(len(inputs), search)  # every order costs the same: no search
    from opt_einsum.paths import get_path_fn  # here: `import einlang` and a first compile do without it

    memory = memory_argument(memory_limit, inputs, output, size_of)
    return get_path_fn(search)([frozenset(term) for term in inputs], frozenset(output), size_of, memory)


def describe_path(path: list[tuple[int, ...]], inputs: list[str], output: str,
                  size_of: dict[str, int]) -> list[PathStep]:
    """Each step of ``path`` as ``contract_path`` lists it: what it pops, what it sums away (an index no
    other operand and not the output carries), its einsum string (the result's indices in the order
    they first appear among the step's operands, the last step's in the output's order), its FLOPs."""
    from opt_einsum.blas import can_blas

    carriers: dict[str, int] = {}  # symbol -> how many remaining operands carry it
    for term in inputs:
        for s in set(term):
            carriers[s] = carriers.get(s, 0) + 1
    out = frozenset(output)
    remaining = list(inputs)
    steps: list[PathStep] = []
    last = len(path) - 1
    for k, entry in enumerate(path):
        positions = tuple(sorted(entry, reverse=True))
        terms = [remaining.pop(p) for p in positions]
        joined = "".join(terms)
        touched = dict.fromkeys(joined)  # in order of first appearance: the result's order
        kept, removed = [], []
        first, second = (terms[0], terms[1]) if len(terms) == 2 else (joined, "")
        for s in touched:
            # operands outside this step that carry s (a pair, most steps, counted without a generator)
            left = carriers[s] - ((s in first) + (s in second) if second else sum(s in term for term in terms))
            if left or s in out:
                kept.append(s)
                carriers[s] = left + 1  # the step's result carries it
            else:
                removed.append(s)
                carriers[s] = 0
        kept_symbols = "".join(kept)
        result = output if k == last else kept_symbols
        remaining.append(result)
        gone = frozenset(removed)
        flops = math.prod([size_of[s] for s in touched]) * (max(1, len(terms) - 1) + bool(removed))
        steps.append(PathStep(positions, gone, ",".join(terms) + "->" + result, can_blas(terms, kept_symbols, gone),
                              result, tuple([size_of[s] for s in result]), flops,
                              math.prod([size_of[s] for s in kept])))
    return steps


def name_steps(name: str, labels: tuple[str, ...], symbols: dict[str, str], operand_names: list[str],
                 steps: list[PathStep]) -> tuple[Step, ...]:
    """The path's steps as table rows in the user's index names: T1.1, T1.2, …, T1 (``labels``: the
    product's, in order of first appearance; ``operand_names``: its operands as the table shows them)."""
    reverse = {symbol: label for label, symbol in symbols.items()}
    position = {label: k for k, label in enumerate(labels)}
    remaining = list(operand_names)
    named: list[Step] = []
    last = len(steps) - 1
    for k, step in enumerate(steps):
        # opt_einsum pops operands in the (descending) order of ``positions`` and writes the step's
        # equation in that order; the table shows them in the order they were written instead
        consumed = [remaining.pop(p) for p in step.positions]
        consumed.reverse()
        result = (name if k == last else f"{name}.{k + 1}") + format_indices(tuple([reverse[s] for s in step.result]))
        remaining.append(result)
        contracted = tuple(sorted([reverse[s] for s in step.removed], key=position.__getitem__))
        named.append(Step(result, tuple(consumed), contracted, step.shape, step.flops, step.blas or "einsum",
                          step.einsum))
    return tuple(named)


def scalar_steps(name: str, operand_names: list[str], path: list[tuple[int, ...]]) -> tuple[Step, ...]:
    """The steps of a product of scalars, what :func:`describe_path` and :func:`name_steps` make of
    them (a test compares), without their bookkeeping: no index to count, rename or size.

    >>> [(step.result, step.operands, step.kernel) for step in scalar_steps("T1", ["a", "b", "c"], [(0, 1), (0, 1)])]
    [('T1.1', ('a', 'b'), 'OUTER/EINSUM'), ('T1', ('c', 'T1.1'), 'OUTER/EINSUM')]
    """
    remaining = list(operand_names)
    steps: list[Step] = []
    last = len(path) - 1
    for k, entry in enumerate(path):
        consumed = [remaining.pop(p) for p in sorted(entry, reverse=True)]
        consumed.reverse()
        result = name if k == last else f"{name}.{k + 1}"
        remaining.append(result)
        n = len(consumed)
        # a pair of scalars is an outer product to opt_einsum's BLAS check; more (or one) is no BLAS call
        steps.append(Step(result, tuple(consumed), (), (), max(1, n - 1), "OUTER/EINSUM" if n == 2 else "einsum",
                          "," * (n - 1) + "->"))
    return tuple(steps)
