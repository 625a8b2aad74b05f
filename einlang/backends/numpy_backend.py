"""``numpy``: one ``numpy.einsum`` call per product, in the order written (no path optimisation)."""

from __future__ import annotations

import string

import numpy as np

from ..errors import UnsupportedByBackendError
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

        def contract(*operands):
            return einsum(equation, *operands, optimize=False)

        return scaled(contract, node.coefficient, node.dtype)
