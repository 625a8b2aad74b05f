"""Contraction plans: the order of pairwise contractions, their cost and their memory.

The path search is opt_einsum's (``contract_path``); this module turns its answer into named,
printable data in the user's own index names.

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import lower_program, Scope
>>> arrays = {"A": np.ones((10, 20)), "B": np.ones((20, 30)), "v": np.ones(30)}
>>> plan = build_plan(lower_program(parse("A_ij B_jk v_k"), Scope.from_arrays(arrays)))
>>> [step.contracted for step in plan.steps]
[('k',), ('j',)]
>>> plan.naive_flops > plan.opt_flops
True
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..records import field, record
from ..semantics import ir
from ..semantics.describe import dims
from .deltas import eliminate_deltas, unused_deltas
from .indices import format_indices
from .paths import DEFAULT, DEFAULT_PATH, EXPLICIT, PathChoice, check_path, check_search
from .reductions import ReductionStep, plan_reduction
from .steps import GREEDY_ABOVE, Step, describe_path, name_steps, scalar_steps, search_path

EINSUM_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
"""The 52 letters numpy.einsum accepts as subscripts (``symbol(k)`` for k < 52); the one definition."""


def symbol(k: int) -> str:
    """The k-th einsum symbol (a-z, A-Z, then further Unicode letters), as opt_einsum numbers them."""
    from opt_einsum import get_symbol  # a dictionary lookup after the first: opt_einsum loads on the first plan

    return get_symbol(k)


@record
class ContractionPlan:
    """The plan of one product term (one :class:`~einlang.semantics.ir.Contract` node)."""

    node: ir.Contract = field(repr=False, compare=False)
    name: str  # "T1"
    equation: str  # "A_ij B_jk -> T1_ik"
    einsum: str  # opt_einsum symbols, e.g. "ab,bc->ac"
    symbols: dict[str, str] = field(repr=False)  # user label -> symbol
    path: tuple[tuple[int, ...], ...]
    steps: tuple[Step, ...]
    naive_flops: int
    opt_flops: int
    largest_intermediate: int
    optimizer: str
    kept: tuple[int, ...] = ()  # positions of the operands the steps use (Kronecker deltas may be dropped)
    notes: tuple[str, ...] = ()
    written_flops: int | None = None  # pairwise, left to right, as written (None: not costed)


@record
class Plan:
    """Every contraction of a program, with totals. ``str(plan)`` is a readable table.

    >>> import einlang
    >>> plan = einlang.compile("A_ij B_jk C_kl").plan(A=(2, 3), B=(3, 4), C=(4, 5))
    >>> [(step.result, step.contracted) for step in plan.steps]
    [('T1.1_ki', ('j',)), ('T1_il', ('k',))]
    >>> plan.naive_flops, plan.opt_flops, plan.largest_intermediate, plan.largest_intermediate_bytes
    (360, 128, 10, 80)
    """

    contractions: tuple[ContractionPlan, ...]
    elementwise_flops: int
    result_shape: tuple[int, ...]
    result_dtype: np.dtype
    names: dict[int, str] = field(repr=False, compare=False)  # id(node) -> "T1"
    # every array a backend creates besides the pairwise intermediates: (name, shape, id of its node)
    arrays: tuple[tuple[str, tuple[int, ...], int], ...] = field(default=(), repr=False, compare=False)
    # ids of the Kronecker-delta nodes the opt backend never builds (every product using them dropped them)
    eliminated: frozenset[int] = field(default=frozenset(), repr=False, compare=False)
    choice: PathChoice = field(default=DEFAULT_PATH, repr=False, compare=False)  # how paths were chosen
    reductions: tuple[ReductionStep, ...] = ()  # max, min, prod, logsumexp, softmax, in evaluation order

    def largest_array(self, backend: str = "opt") -> tuple[str, tuple[int, ...], int, Any]:
        """(name, shape, elements, span) of the biggest array ``backend`` creates: intermediates, results,
        literals, deltas. The memory guard compares it with the limit before anything runs."""
        best: tuple[str, tuple[int, ...], int, Any] = ("result", self.result_shape, math.prod(self.result_shape), None)
        for c in self.contractions:
            for step in c.steps:
                if step.size >= best[2]:
                    best = (step.result, step.shape, step.size, c.node.span)
        for name, shape, node_id in self.arrays:
            if backend == "opt" and node_id in self.eliminated:
                continue
            size = math.prod(shape)
            if size > best[2]:
                best = (name, shape, size, None)
        return best

    @property
    def steps(self) -> tuple[Step, ...]:
        """Every pairwise step, in the order the ``opt`` backend runs them."""
        return tuple(step for c in self.contractions for step in c.steps)

    @property
    def naive_flops(self) -> int:
        """FLOPs of summing every index combination of every product (what ``naive`` does)."""
        return sum(c.naive_flops for c in self.contractions) + self.other_flops

    @property
    def opt_flops(self) -> int:
        """FLOPs along the chosen pairwise paths."""
        return sum(c.opt_flops for c in self.contractions) + self.other_flops

    @property
    def written_flops(self) -> int | None:
        """FLOPs of contracting each product pairwise in the order written (``None`` when not costed):
        the difference from ``opt_flops`` is what the contraction order is worth."""
        if any(c.written_flops is None for c in self.contractions):
            return None
        return sum(c.written_flops for c in self.contractions) + self.other_flops  # type: ignore[misc]

    @property
    def other_flops(self) -> int:
        """FLOPs of the steps that are not products: elementwise functions, sums of terms, reductions."""
        return self.elementwise_flops + sum(r.flops for r in self.reductions)

    @property
    def speedup(self) -> float:
        """``naive_flops / opt_flops``: how much work the chosen path saves."""
        return self.naive_flops / self.opt_flops if self.opt_flops else 1.0

    @property
    def largest_intermediate(self) -> int:
        """Elements of the largest array any step creates (the result included)."""
        sizes = [c.largest_intermediate for c in self.contractions]
        sizes.append(math.prod(self.result_shape))
        return max(sizes)

    @property
    def itemsize(self) -> int:
        return self.result_dtype.itemsize if self.result_dtype != object else np.dtype(object).itemsize

    @property
    def largest_intermediate_bytes(self) -> int:
        """Bytes of the largest array any step creates."""
        return self.largest_intermediate * self.itemsize

    def __str__(self) -> str:
        return render_plan(self)

    def _repr_pretty_(self, printer, cycle) -> None:  # IPython shows the table
        printer.text(str(self))

    def _repr_html_(self) -> str:  # a notebook shows the step table as it is, in a fixed-width font
        import html

        return f"<pre class='einlang-plan'>{html.escape(str(self))}</pre>"


def _symbols_for(labels: tuple[str, ...]) -> dict[str, str]:
    """Each label's einsum symbol, numbered in order of first appearance."""
    if len(labels) <= len(EINSUM_LETTERS):
        return dict(zip(labels, EINSUM_LETTERS))  # symbol(k) is EINSUM_LETTERS[k] here
    return {label: symbol(k) for k, label in enumerate(labels)}


def _naive_cost(node: ir.Contract, labels: tuple[str, ...]) -> int:
    """FLOPs of the literal loops: every label combination, (operands - 1) products, plus the sum
    (``labels``: the product's, read once by the caller)."""
    combinations = math.prod(node.sizes[label] for label in labels)
    return combinations * (max(1, len(node.operands) - 1) + (len(labels) > len(set(node.output))))


def written_order_cost(inputs: list[str], output: str, size_of: dict[str, int]) -> int:
    """FLOPs of contracting pairwise from left to right, as written: ((A B) C) D …, to show what the
    path search saved. Counted as opt_einsum counts a path's steps (a step's FLOPs are the product of
    the sizes of every index it touches, times 2 when it sums one away), in one pass: what a step may
    sum away is what neither the output nor a later operand still needs.

    >>> written_order_cost(["ij", "jk", "k"], "i", {"i": 10, "j": 10, "k": 10})  # (A B): 2·10³, then ·v: 2·10²
    2200
    """
    if not any(inputs):
        return len(inputs) - 1  # scalars: one multiplication per step
    last = {s: k for k, term in enumerate(inputs) for s in term}  # the last operand that needs each index
    last.update(dict.fromkeys(output, len(inputs)))
    running = set(inputs[0])
    cost = 0
    for k in range(1, len(inputs)):
        touched = running | set(inputs[k])
        running = {s for s in touched if last[s] > k}
        cost += math.prod(size_of[s] for s in touched) * (2 if len(running) < len(touched) else 1)
    return cost


def plan_contraction(node: ir.Contract, name: str, base_names: list[str],
                     choice: PathChoice = DEFAULT_PATH) -> ContractionPlan:
    """Ask opt_einsum for the best pairwise order of one product and describe it in the user's names.

    ``base_names[k]`` is how operand k is called in tables (``A``, ``T1``); ``choice``: how the path is
    chosen (einlang's default, an algorithm, an explicit path; see :mod:`einlang.plan.paths`)."""
    labels = node.labels  # a property that walks the operands: read once
    symbols = _symbols_for(labels)
    gone = eliminate_deltas(node)
    kept, kept_labels = gone.kept, gone.labels
    notes = [f"δ{format_indices(r.delta)} removed: {r.dropped} renamed to {r.kept}" for r in gone.renamed]
    operand_names = [base_names[p] + format_indices(labels) for p, labels in zip(kept, kept_labels)]
    inputs = ["".join([symbols[label] for label in labels]) for labels in kept_labels]
    output = "".join([symbols[label] for label in node.output])
    size_of = {symbols[label]: size for label, size in node.sizes.items()}
    optimizer = _optimizer(choice, len(inputs))
    naive = _naive_cost(node, labels)
    if len(inputs) == 1:
        path = [(0,)]
        steps = name_steps(name, labels, symbols, operand_names, describe_path(path, inputs, output, size_of))
        opt = math.prod(node.sizes[label] for label in set(kept_labels[0])) if kept_labels[0] else 1
        largest = math.prod(node.shape)
        written = opt
    else:
        search = list(choice.path) if choice.algorithm == EXPLICIT else optimizer
        if not any(inputs) and optimizer == "greedy" and choice.algorithm == DEFAULT and choice.memory_limit is None:
            path = [tuple(range(len(inputs)))]  # many scalars: one step, multiplied left to right (greedy's order)
        else:
            path = search_path(inputs, output, size_of, search, choice.memory_limit)
        if any(inputs):
            described = describe_path(path, inputs, output, size_of)
            steps = name_steps(name, labels, symbols, operand_names, described)
            largest = max(step.size for step in described)
        else:  # scalars only (s s s …, thousands in groups): the steps say the same in far less time
            steps = scalar_steps(name, operand_names, path)
            largest = 1
        opt = sum(step.flops for step in steps)
        written = written_order_cost(inputs, output, size_of)
    return ContractionPlan(
        node=node,
        name=name,
        equation=f"{name}{format_indices(node.output)} = {' '.join(operand_names)}",
        einsum=",".join(inputs) + "->" + output,
        symbols=symbols,
        path=tuple(tuple(p) for p in path),
        steps=steps,
        naive_flops=naive,
        opt_flops=min(opt, naive),
        largest_intermediate=largest,
        optimizer=optimizer if len(inputs) > 1 else "single operand",
        kept=kept,
        notes=tuple(notes),
        written_flops=min(written, naive),
    )


def _optimizer(choice: PathChoice, operands: int) -> str:
    """The algorithm opt_einsum runs (the explicit path checked first)."""
    if choice.algorithm == EXPLICIT:
        check_path(choice.path, operands)
        return EXPLICIT
    check_search(choice, operands)
    if choice.algorithm == DEFAULT:
        return "greedy" if operands > GREEDY_ABOVE else "auto"
    return choice.algorithm


def node_names(program: ir.LoweredProgram) -> dict[int, str]:
    """Display names: inputs keep theirs; computed nodes are T1, T2, … in evaluation order."""
    names: dict[int, str] = {}
    counter = 0
    for node in program.nodes:
        if isinstance(node, ir.Input):
            names[id(node)] = node.name
        elif isinstance(node, ir.Delta):
            names[id(node)] = "δ"
        elif isinstance(node, ir.LeviCivita):
            names[id(node)] = "ε"
        elif isinstance(node, ir.Constant):
            names[id(node)] = "const"
        else:
            counter += 1
            names[id(node)] = f"T{counter}"
    return names


def build_plan(program: ir.LoweredProgram, choice: PathChoice = DEFAULT_PATH) -> Plan:
    """Plan every product of a checked program (``choice``: how each product's path is chosen)."""
    names = node_names(program)
    contractions: list[ContractionPlan] = []
    reductions: list[ReductionStep] = []
    elementwise = 0
    for node in program.nodes:
        if isinstance(node, ir.Contract):
            base_names = [names[id(op.node)] for op in node.operands]
            contractions.append(plan_contraction(node, names[id(node)], base_names, choice))
        elif isinstance(node, (ir.Combine, ir.Apply, ir.Stack)):
            elementwise += math.prod(node.shape) * max(1, len(node.inputs) - (not isinstance(node, ir.Apply)))
        elif isinstance(node, ir.Reduce):
            reductions.append(plan_reduction(node, names))
    eliminated = unused_deltas(program)
    arrays = tuple(
        (names[id(node)], node.shape, id(node)) for node in program.nodes if not isinstance(node, ir.Input)
    )
    return Plan(tuple(contractions), elementwise, program.result.shape, program.result.dtype, names, arrays, eliminated,
                choice, tuple(reductions))


def _fmt_count(n: int) -> str:
    return f"{n:,}"


def _fmt_bytes(n: int) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB"):
        if n < 1024 or unit == "TiB":
            return f"{n:.0f} {unit}" if unit == "B" else f"{n:.1f} {unit}"
        n /= 1024  # type: ignore[assignment]
    return f"{n} B"  # pragma: no cover


def _table_steps(plan: Plan) -> list[tuple[str, str, tuple[str, ...], tuple[int, ...], int, str]]:
    """Every row of the table, products' steps and reductions in evaluation order (T1, T2, …)."""
    rows: list[tuple[int, tuple[str, str, tuple[str, ...], tuple[int, ...], int, str]]] = []
    for c in plan.contractions:
        order = _order(c.name)
        rows.extend((order, (s.result, " ".join(s.operands), s.contracted, s.shape, s.flops, s.kernel)) for s in c.steps)
    for r in plan.reductions:
        rows.append((_order(r.name), (r.result, r.operation, r.reduced, r.shape, r.flops, "reduce")))
    rows.sort(key=lambda row: row[0])  # stable: a product's steps keep their order
    return [row for _, row in rows]


def _order(name: str) -> int:
    """T12 -> 12: computed nodes are numbered in evaluation order."""
    return int(name[1:]) if name[1:].isdigit() else 0


def render_plan(plan: Plan) -> str:
    """The plan as a table: one row per pairwise step, then the totals."""
    lines: list[str] = []
    rows: list[tuple[str, ...]] = [("step", "contraction", "summed", "result shape", "FLOPs", "kernel")]
    for k, (result, operation, summed, shape, flops, kernel) in enumerate(_table_steps(plan), start=1):
        rows.append((str(k), f"{result} = {operation}", ",".join(summed) or "-", dims(shape), _fmt_count(flops), kernel))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    for n, row in enumerate(rows):
        lines.append("  ".join(cell.ljust(w) if i < 2 else cell.rjust(w) if i in (4,) else cell.ljust(w)
                               for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    if not plan.contractions and not plan.reductions:
        lines = ["(no contractions)"]
    lines.append("")
    lines.append(f"naive FLOPs:          {_fmt_count(plan.naive_flops)}")
    if plan.written_flops is not None and len(plan.contractions) and any(len(c.kept) > 2 for c in plan.contractions):
        lines.append(f"written-order FLOPs:  {_fmt_count(plan.written_flops)}  (pairwise, left to right)")
    lines.append(f"optimised FLOPs:      {_fmt_count(plan.opt_flops)}")
    lines.append(f"speedup:              {plan.speedup:,.1f}×")
    lines.append(
        f"largest intermediate: {_fmt_count(plan.largest_intermediate)} element{'' if plan.largest_intermediate == 1 else 's'} "
        f"({_fmt_bytes(plan.largest_intermediate_bytes)})"
    )
    for c in plan.contractions:
        for note in c.notes:
            lines.append(f"note: {c.name}: {note}")
    greedy = [c.name for c in plan.contractions if c.optimizer == "greedy"]
    if plan.choice.describe():
        lines.append(f"note: {plan.choice.describe()}")
    elif greedy:
        lines.append(f"note: {', '.join(greedy)} used the greedy path search (more than {GREEDY_ABOVE} operands)")
    return "\n".join(lines)
