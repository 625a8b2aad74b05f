"""Which indices a result keeps: the Einstein convention, or an explicit output checked against the right side.

>>> _implicit_output({"i": [None], "j": [None, None]})
('i',)
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .. import errors as E
from ..source import Span
from ..syntax import ast
from . import batch, messages
from .describe import index_set


def names(refs: Sequence[ast.IndexRef] | None) -> tuple[str, ...] | None:
    """The index names of an explicit output (``None`` stays ``None``: no explicit output)."""
    return tuple(r.name for r in refs) if refs is not None else None


def product_output(out: Sequence[ast.IndexRef] | None, occurrences: dict[str, list[Span | None]]) -> tuple[str, ...]:
    """The indices a product keeps, given where each index occurs in its factors."""
    return _implicit_output(occurrences) if out is None else _explicit_output(out, occurrences)


def _implicit_output(occurrences: dict[str, list[Span | None]]) -> tuple[str, ...]:
    """The Einstein convention: an index written once is kept, twice is summed, more is refused."""
    for label, spans in occurrences.items():
        if len(spans) >= 3 and not batch.is_batch(label):
            raise E.ConventionError(
                f"index {label} appears {len(spans)} times in one product: the Einstein convention sums "
                "an index that appears exactly twice",
                spans,
                hint=messages.convention_hint(label, occurrences),
            )
    # batch axes are kept however many factors share them; private (broadcast) labels are summed
    return batch.canonical(label for label, spans in occurrences.items()
                           if batch.is_batch(label) or (len(spans) == 1 and batch.PRIVATE not in label))


def _explicit_output(out: Sequence[ast.IndexRef], occurrences: dict[str, list[Span | None]]) -> tuple[str, ...]:
    output = batch.expand(tuple(r.name for r in out), occurrences)
    check_batch_kept(out, occurrences)
    require_outputs(out, occurrences, f"the right side uses the indices {index_set(sorted(occurrences))}")
    return output


def check_output_refs(refs: Sequence[ast.IndexRef]) -> None:
    seen: dict[str, ast.IndexRef] = {}
    for ref in refs:
        if ref.name in seen:
            raise E.RepeatedOutputIndexError(
                f"output index {ref.name} is repeated: each output index names one axis of the result",
                [ref.span, seen[ref.name].span],
                hint="to take a diagonal write it on the right side: d_i = A_ii",
            )
        seen[ref.name] = ref


def check_batch_kept(out: Sequence[ast.IndexRef], labels: Any) -> None:
    """An explicit output must keep the batch axes with '...' (numpy refuses to sum them silently)."""
    if any(batch.is_batch(label) for label in labels) and all(r.name != ast.ELLIPSIS for r in out):
        raise E.OutputIndexError(
            "the right side has batch dimensions ('...') but the output does not keep them",
            [r.span for r in out][:1] or None,
            hint="write '...' in the output too, e.g. C_{...ik} = A_{...ij} B_{...jk}",
        )


def require_outputs(out: Sequence[ast.IndexRef], available: Any, hint: str) -> None:
    """Every explicit output index must be used on the right side (the error names the index, so a
    sum can report it against the term that lacks it)."""
    for ref in out:
        if ref.name not in available and ref.name != ast.ELLIPSIS:
            raise E.OutputIndexError(f"output index {ref.name} does not appear on the right side", [ref.span],
                                     hint=hint, index=ref.name)

