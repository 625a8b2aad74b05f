"""``numpy``: one ``numpy.einsum`` call per product, in the order written (no path optimisation)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from ..config import backend_hint, get_options, raise_hint
from ..errors import ComplexityLimitError, UnsupportedByBackendError
from ..plan import EINSUM_LETTERS, eliminate_deltas, unused_deltas
from ..semantics import ir
from .executor import build_executor, promoted, scaled

LETTERS = EINSUM_LETTERS
MAX_OPERANDS = 63 if int(np.__version__.split(".")[0]) >= 2 else 31
"""The most operands one ``numpy.einsum`` call takes (it refuses ``NPY_MAXARGS`` or more: 64 since numpy
2.0, 32 before). A product of more factors runs as several calls (:func:`einsum_equations`)."""


def einsum_equations(
    node: ir.Contract, operand_labels: Sequence[tuple[str, ...]] | None = None, limit: int | None = MAX_OPERANDS
) -> list[str]:
    """The product as einsum calls of at most ``limit`` operands each (``None``: one call): the first
    ``limit`` factors, then the running result and the next ``limit - 1`` … (a product is associative);
    each call keeps only the indices a later factor or the output still has.

    >>> from einlang.program import Program
    >>> node = Program("x_i x_i y_j y_j").bind({"x": np.ones(2), "y": np.ones(3)}).lowered.result
    >>> einsum_equations(node, limit=2)
    ['a,a->', ',b->b', 'b,b->']
    """
    if operand_labels is None:
        operand_labels = [op.labels for op in node.operands]
    labels = tuple(dict.fromkeys([label for labels in operand_labels for label in labels] + list(node.output)))
    if len(labels) > len(LETTERS):
        raise UnsupportedByBackendError(
            f"a product with {len(labels)} distinct indices does not fit numpy.einsum's 52 letters",
            node.span,
            hint="use backend='opt', which has no such limit",
        )
    letter = {label: LETTERS[k] for k, label in enumerate(labels)}

    def text(labels: Sequence[str]) -> str:
        return "".join(letter[x] for x in labels)

    pending, carried, equations = [tuple(x) for x in operand_labels], None, []
    while True:
        take = len(pending) if limit is None else limit - (carried is not None)
        chunk = ([carried] if carried is not None else []) + pending[:take]
        pending = pending[take:]
        if not pending:
            return [*equations, ",".join(map(text, chunk)) + "->" + text(node.output)]
        later = {x for labels in pending for x in labels}.union(node.output)
        carried = tuple(dict.fromkeys(x for labels in chunk for x in labels if x in later))
        equations.append(",".join(map(text, chunk)) + "->" + text(carried))


class NumpyBackend:
    name = "numpy"
    description = "numpy.einsum, one call per product, no path optimisation"

    def prepare(self, program: ir.LoweredProgram, plan=None):
        return build_executor(program, self.contract_kernel, unused_deltas(program))

    @staticmethod
    def contract_kernel(node: ir.Contract):
        gone = eliminate_deltas(node)
        # more than 52 distinct indices are refused (E602); more factors than one numpy.einsum call takes
        # (a group of 64, from a product of thousands) run as several calls, each result the next one's first
        equation, *rest = einsum_equations(node, gone.labels)
        einsum = np.einsum
        # without path optimisation numpy.einsum visits every index combination once per operand:
        # a 60-operand product would run for hours, so it is refused up front (checked per call, so a
        # ``with einlang.options(numpy_flop_limit=...)`` block takes effect on cached programs too)
        flops = math.prod(node.sizes[label] for label in node.labels) * max(1, len(node.operands))

        def contract(*operands):
            limit = get_options().numpy_flop_limit
            if flops > limit:
                raise ComplexityLimitError(
                    f"numpy.einsum without path optimisation would do {flops:,} multiply-adds for this product, "
                    f"above the limit of {limit:,}",
                    node.span,
                    hint=f"{backend_hint(', which contracts pairwise')}, or {raise_hint('numpy_flop_limit')}",
                )
            if not rest:
                return einsum(equation, *operands, optimize=False)
            return _in_calls(equation, rest, operands)

        return scaled(promoted(contract, node, gone.kept), node)


def _in_calls(first: str, rest: Sequence[str], operands: Sequence) -> object:
    """The product as one numpy.einsum call per equation, each call's result the next one's first operand.
    A result is kept an array of its own dtype: einsum of 0-d object arrays gives a bare Python int, which
    the next call would make int64 (and wrap)."""
    count = first.count(",") + 1
    result = np.einsum(first, *operands[:count], optimize=False)
    for equation in rest:
        result = np.asarray(result, dtype=getattr(result, "dtype", object))
        more = equation.count(",")
        result = np.einsum(equation, result, *operands[count : count + more], optimize=False)
        count += more
    return result
