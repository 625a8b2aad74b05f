"""What the lowering stages hand each other: an IR node whose axes carry index labels.

>>> from einlang.semantics import ir
>>> Labeled(ir.Input("A", (2, 3), None), ("i", "j"), None).labels
('i', 'j')
"""

from __future__ import annotations

from ..records import field, record
from ..source import Span
from . import ir


@record(frozen=False)
class Labeled:
    """A lowered expression: ``node``'s axis k carries ``labels[k]``; ``labels is None`` for a whole
    (unindexed) tensor such as a bare name, an array literal or a call without a subscript."""

    node: ir.Node
    labels: tuple[str, ...] | None
    span: Span | None
    label_spans: dict[str, Span] = field(default_factory=dict)
    display: str = ""

    def as_scalar(self) -> Labeled:
        """A whole rank-0 value as an indexed one with no indices (the caller has checked the rank)."""
        return Labeled(self.node, (), self.span, {}, self.display) if self.labels is None else self
