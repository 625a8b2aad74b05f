"""``numpy``: one ``numpy.einsum`` call per product, in the order written (no path optimisation)."""

from __future__ import annotations

import math
import string

import numpy as np

from ..config import get_options
from ..errors import ComplexityLimitError, UnsupportedByBackendError
from ..semantics import ir
from .executor import build_executor, scaled

LETTERS = string.ascii_letters


def einsum_equation(node: ir.Contract) -> str:
    """The node as a numpy einsum equation over letters (numpy accepts only a-z, A-Z)."""
    labels = node.labels
    if len(labels) > len(LETTERS):
        raise UnsupportedByBackendError(
            f"a product with {len(labels)} distinct indices does not fit numpy.einsum's 52 letters",
            node.span,
            hint="use backend='opt', which has no such limit",
        )
    letter = {label: LETTERS[k] for k, label in enumerate(labels)}
    inputs = ",".join("".join(letter[x] for x in op.labels) for op in node.operands)
    return inputs + "->" + "".join(letter[x] for x in node.output)


class NumpyBackend:
    name = "numpy"
    description = "numpy.einsum, one call per product, no path optimisation"

    def prepare(self, program: ir.LoweredProgram, plan=None):
        return build_executor(program, self.contract_kernel)

    @staticmethod
    def contract_kernel(node: ir.Contract):
        equation = einsum_equation(node)
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
                    hint="use backend='opt' (the default), which contracts pairwise, or raise the limit: "
                    "einlang.set_options(numpy_flop_limit=...)",
                )
            return einsum(equation, *operands, optimize=False)

        return scaled(contract, node.coefficient, node.dtype)
