"""Words for shapes and index sets, used in every message.

>>> shape_words((3, 4))
'a 3×4 matrix'
>>> index_set(("i", "k"))
'{i, k}'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def dims(shape: Sequence[int]) -> str:
    """A shape as the tables show it: ``(3, 4)`` -> ``3×4``; ``()`` -> ``scalar``.

    >>> dims((3, 4)), dims(())
    ('3×4', 'scalar')
    """
    return "×".join(map(str, shape)) or "scalar"


def shape_words(shape: Sequence[int]) -> str:
    if len(shape) == 0:
        return "a scalar"
    if len(shape) == 1:
        return f"a vector of size {shape[0]}"
    shown = dims(shape)
    return f"a {shown} matrix" if len(shape) == 2 else f"a {shown} tensor (rank {len(shape)})"


def index_set(labels: Iterable[str]) -> str:
    items = list(labels)
    return "{" + ", ".join(items) + "}" if items else "{} (a scalar)"


def example_indices(rank: int) -> str:
    letters = "ijklmnpqrs"
    return letters[:rank] if rank <= len(letters) else "{" + ",".join(f"i{k}" for k in range(rank)) + "}"
