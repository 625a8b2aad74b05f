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
MAX_OPERANDS = 63
"""The most operands one ``numpy.einsum`` call takes (products of more factors are refused: E602)."""


def einsum_equation(node: ir.Contract, operand_labels: Sequence[tuple[str, ...]] | None = None) -> str:
    """The node as a numpy einsum equation over letters (numpy accepts only a-z, A-Z); ``operand_labels``
    are the kept operands' labels once Kronecker deltas are renamed away."""
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
    inputs = ",".join("".join(letter[x] for x in labels) for labels in operand_labels)
    return inputs + "->" + "".join(letter[x] for x in node.output)


class NumpyBackend:
    name = "numpy"
    description = "numpy.einsum, one call per product, no path optimisation"

    def prepare(self, program: ir.LoweredProgram, plan=None):
        return build_executor(program, self.contract_kernel, unused_deltas(program))

    @staticmethod
    def contract_kernel(node: ir.Contract):
        gone = eliminate_deltas(node)
        equation = einsum_equation(node, gone.labels)  # refuses more than 52 distinct indices first
        if len(gone.kept) > MAX_OPERANDS:  # numpy says only "too many operands", when the product runs
            raise UnsupportedByBackendError(
                f"a product of {len(gone.kept)} factors does not fit numpy.einsum, which takes at most "
                f"{MAX_OPERANDS} operands",
                node.span,
                hint="use backend='opt', which multiplies them pairwise",
            )
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
            return einsum(equation, *operands, optimize=False)

        return scaled(promoted(contract, node, gone.kept), node)
