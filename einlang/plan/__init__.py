"""Contraction planning (opt_einsum's path search, described in the user's index names)."""

from .plan import ContractionPlan, Plan, Step, build_plan, format_indices, render_plan, symbol

__all__ = ["ContractionPlan", "Plan", "Step", "build_plan", "format_indices", "render_plan", "symbol"]
