"""How a plan writes index labels: ``_ik``, or ``_{in,out}`` for multi-letter names."""

from __future__ import annotations


def format_indices(labels: tuple[str, ...]) -> str:
    """``('i', 'k')`` -> ``_ik``; multi-letter names -> ``_{in,out}``; rank 0 -> ``''``."""
    if not labels:
        return ""
    if all(len(label) == 1 for label in labels):
        return "_" + "".join(labels)
    return "_{" + ",".join(labels) + "}"
