"""Reduction steps of a plan: ``T2_i = max_k T1_ik``, shown in the plan table between the contractions.

Sums and means are contractions (one operand), planned by opt_einsum with the products; the other
reductions are one step each, over the array their argument's contraction made.

>>> import numpy as np
>>> from einlang.program import Program
>>> plan = Program("max_k(A_ij B_jk)").bind({"A": np.ones((2, 3)), "B": np.ones((3, 4))}).plan
>>> [(step.result, step.operation, step.flops) for step in plan.reductions]
[('T2_i', 'max_k T1_ik', 8)]
"""

from __future__ import annotations

import math

from ..records import field, record
from ..semantics import ir
from .indices import format_indices

PASSES = {"max": 1, "min": 1, "prod": 1, "logsumexp": 2, "softmax": 3}
"""How many times each reduction reads its argument: logsumexp finds the maximum, then sums exp(x - m);
softmax also divides every entry by the sum. The FLOPs of a step and the naive backend's loop count."""


@record
class ReductionStep:
    """One reduction of a plan."""

    node: ir.Reduce = field(repr=False, compare=False)
    name: str  # "T2"
    result: str  # "T2_i"
    operation: str  # "max_k T1_ik"
    reduced: tuple[str, ...]
    shape: tuple[int, ...]
    flops: int


def plan_reduction(node: ir.Reduce, names: dict[int, str]) -> ReductionStep:
    """The step computing ``node`` (``names``: display names of the nodes, T1, T2, …)."""
    name = names[id(node)]
    argument = names[id(node.arg)] + format_indices(node.labels)
    return ReductionStep(
        node=node,
        name=name,
        result=name + format_indices(node.output),
        operation=f"{node.kind}{format_indices(node.reduced)} {argument}",
        reduced=node.reduced,
        shape=node.shape,
        flops=max(1, math.prod(node.arg.shape)) * PASSES[node.kind],
    )
