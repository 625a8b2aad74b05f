"""Contraction planning (opt_einsum's path search, described in the user's index names).

The names below are loaded from their modules on first use: ``import einlang`` and compiling a program
need none of them (a program's first binding does), and ``plan.paths`` (how paths are chosen, which
``einlang.einsum``'s ``optimize=`` reads) can be imported without the planner.

>>> from einlang.plan import build_plan, Plan
>>> Plan.__module__
'einlang.plan.plan'
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .deltas import Elimination, eliminate_deltas, unused_deltas
    from .plan import EINSUM_LETTERS, ContractionPlan, Plan, Step, build_plan, format_indices, render_plan, symbol
    from .reductions import PASSES, ReductionStep

_MODULE_OF = {
    **dict.fromkeys(("Elimination", "eliminate_deltas", "unused_deltas"), "deltas"),
    **dict.fromkeys(("EINSUM_LETTERS", "ContractionPlan", "Plan", "Step", "build_plan", "format_indices",
                     "render_plan", "symbol"), "plan"),
    **dict.fromkeys(("PASSES", "ReductionStep"), "reductions"),
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value  # found directly from now on
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__all__ = [
    "EINSUM_LETTERS",
    "ContractionPlan",
    "Elimination",
    "eliminate_deltas",
    "unused_deltas", "PASSES", "Plan", "ReductionStep", "Step", "build_plan", "format_indices", "render_plan", "symbol"]
