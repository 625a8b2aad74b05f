"""How a product's contraction path is chosen, with numpy's and opt_einsum's ``optimize=`` meanings.

``einlang.einsum(..., optimize=...)`` reaches the plan through a :class:`PathChoice`: einlang's default
(opt_einsum's ``'auto'``, greedy above :data:`~einlang.plan.plan.GREEDY_ABOVE` operands), one of
opt_einsum's algorithms by name (``'greedy'``, ``'optimal'``, ``'dp'``, ``'branch-2'``, …), or an
explicit path: numpy's ``['einsum_path', (0, 1), (0, 1)]`` or opt_einsum's ``[(0, 1), (0, 1)]``.
``memory_limit`` is opt_einsum's: the largest intermediate (in elements) the search may choose, or
``'max_input'`` (the largest operand); numpy's ``(name, limit)`` pair means the same.

>>> path_choice("Greedy", memory_limit="max_input")
PathChoice(algorithm='greedy', path=(), memory_limit='max_input', use_blas=True)
>>> path_choice(["einsum_path", (1, 2), (0, 1)]).path
((1, 2), (0, 1))
>>> check_path(((0, 1),), 3)
Traceback (most recent call last):
einlang.errors.ContractionPathError: error[E410]: invalid einsum_path: 1 more operand has to be contracted
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any

from .. import errors as E
from ..records import record

DEFAULT = "default"
EXPLICIT = "explicit path"
EXHAUSTIVE = ("optimal", "branch-all", "auto-hq")
EXHAUSTIVE_UP_TO = 16
"""Operands beyond which an exhaustive search is refused: its time grows factorially (never a hang)."""


@record
class PathChoice:
    """``algorithm``: ``'default'``, an opt_einsum algorithm's name, or ``'explicit path'`` (then ``path``
    holds it); ``memory_limit``: opt_einsum's (elements, ``'max_input'`` or ``None``); ``use_blas``: pairwise
    steps on BLAS where they can be (``False``: every step is a ``numpy.einsum`` call)."""

    algorithm: str = DEFAULT
    path: tuple[tuple[int, ...], ...] = ()
    memory_limit: int | str | None = None
    use_blas: bool = True

    def describe(self) -> str:
        """How the path was chosen, for the plan's report (empty for einlang's default)."""
        if self.algorithm == EXPLICIT:
            text = "explicit path " + ", ".join(map(str, self.path))
        elif self.algorithm == DEFAULT and self.memory_limit is None:
            text = ""
        else:
            text = f"path search {self.algorithm if self.algorithm != DEFAULT else 'auto'}"
        if self.memory_limit is not None and self.algorithm != EXPLICIT:
            limit = self.memory_limit if isinstance(self.memory_limit, str) else f"{self.memory_limit:,} elements"
            text += f", memory limit {limit}"
        if not self.use_blas:
            text += ("; " if text else "") + "use_blas=False: every step is an einsum call"
        return text


DEFAULT_PATH = PathChoice()


def path_choice(optimize: Any = False, memory_limit: Any = None, use_blas: Any = True) -> PathChoice:
    """``optimize``, ``memory_limit`` and ``use_blas`` as numpy and opt_einsum read them, checked."""
    if not isinstance(use_blas, (bool, int)):
        raise E.InputTypeError(f"use_blas must be True or False, not {use_blas!r:.40}")
    limit = _memory_limit(memory_limit)
    if optimize is None or isinstance(optimize, bool):  # False, True, None: einlang's own choice
        return PathChoice(DEFAULT, (), limit, bool(use_blas))
    if isinstance(optimize, str):
        return PathChoice(_algorithm(optimize), (), limit, bool(use_blas))
    entries = _entries(optimize)
    if entries and isinstance(entries[0], str) and entries[0] == "einsum_path":
        return PathChoice(EXPLICIT, _explicit(entries[1:]), None, bool(use_blas))
    if len(entries) == 2 and isinstance(entries[0], str) and isinstance(entries[1], Real):
        # numpy's pair; its limit 0 (no intermediate at all) is opt_einsum's smallest, 1
        return PathChoice(_algorithm(entries[0]), (), max(1, int(entries[1])), bool(use_blas))
    if entries and all(isinstance(entry, (tuple, list)) for entry in entries):
        return PathChoice(EXPLICIT, _explicit(entries), None, bool(use_blas))  # opt_einsum's bare list
    raise E.InputTypeError(
        f"optimize={optimize!r:.60} is not understood: give True/False, an algorithm's name ('greedy', "
        "'optimal', …) or a path ['einsum_path', (0, 1), …]"
    )


def _entries(optimize: Any) -> list[Any]:
    try:
        return list(optimize)
    except TypeError:
        raise E.InputTypeError(f"optimize must be a bool, a name or a path, not {type(optimize).__name__}") from None


def _algorithm(name: str) -> str:
    try:
        from opt_einsum.paths import get_path_fn  # here: `import einlang` does without opt_einsum

        get_path_fn(name)
    except KeyError:
        from opt_einsum.paths import _PATH_OPTIONS

        raise E.UnknownPathAlgorithmError(
            f"optimize={name!r:.40} is not a path algorithm; the algorithms are {', '.join(sorted(_PATH_OPTIONS))}"
        ) from None
    return name.lower()


def _memory_limit(limit: Any) -> int | str | None:
    if limit is None or limit == "max_input":
        return limit
    if isinstance(limit, Integral) and not isinstance(limit, bool):
        if limit == -1:  # opt_einsum's "no limit"
            return None
        if limit < 1:
            raise E.InputValueError(f"memory_limit must be at least 1 element, or -1 for none, not {limit}")
        return int(limit)
    raise E.InputTypeError(f"memory_limit must be a number of elements, 'max_input' or None, not {limit!r:.40}")


def _explicit(entries: Sequence[Any]) -> tuple[tuple[int, ...], ...]:
    path = []
    for entry in entries:
        if not isinstance(entry, (tuple, list)) or not all(
            isinstance(p, Integral) and not isinstance(p, bool) for p in entry
        ):
            raise E.ContractionPathError(f"invalid einsum_path: {entry!r:.40} is not a tuple of operand positions")
        path.append(tuple(int(p) for p in entry))
    return tuple(path)


def check_path(path: Sequence[tuple[int, ...]], operands: int) -> None:
    """Refuse a path that names a missing operand, one twice, or leaves operands uncontracted
    (numpy refuses the last with ``RuntimeError``; :class:`~einlang.errors.ContractionPathError` is one)."""
    remaining = operands
    for step, entry in enumerate(path):
        if not entry or len(set(entry)) != len(entry) or not all(0 <= p < remaining for p in entry):
            raise E.ContractionPathError(
                f"invalid einsum_path: step {step + 1} {entry} must name distinct operands among the "
                f"{remaining} there are then (positions 0 to {remaining - 1})"
            )
        remaining -= len(entry) - 1
    if remaining != 1:
        more = remaining - 1
        raise E.ContractionPathError(
            f"invalid einsum_path: {more} more operand{'s' if more != 1 else ''} has to be contracted"
        )


def check_search(choice: PathChoice, operands: int) -> None:
    """Refuse an exhaustive search over too many operands (it would not finish)."""
    if choice.algorithm in EXHAUSTIVE and operands > EXHAUSTIVE_UP_TO:
        raise E.ComplexityLimitError(
            f"optimize={choice.algorithm!r} searches every order of {operands} operands, which does not finish",
            hint=f"use optimize='greedy' or 'auto' (exhaustive searches up to {EXHAUSTIVE_UP_TO} operands)",
        )
