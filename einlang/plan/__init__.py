"""Contraction planning (opt_einsum's path search, described in the user's index names)."""

from .deltas import Elimination, eliminate_deltas, unused_deltas
from .plan import EINSUM_LETTERS, ContractionPlan, Plan, Step, build_plan, format_indices, render_plan, symbol
from .reductions import PASSES, ReductionStep

__all__ = [
    "EINSUM_LETTERS",
    "ContractionPlan",
    "Elimination",
    "eliminate_deltas",
    "unused_deltas", "PASSES", "Plan", "ReductionStep", "Step", "build_plan", "format_indices", "render_plan", "symbol"]
