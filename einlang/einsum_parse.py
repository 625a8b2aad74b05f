"""Reading a numpy einsum call: the equation (or the interleaved form) against the operands' shapes.

Subscripts are numpy's letters a-z, A-Z and ``...``; like opt_einsum, any non-ASCII letter or symbol
(``"αβ,βγ->αγ"``) is a subscript too.

>>> parse_equation("αβ,βγ->αγ", [(2, 3), (3, 4)]).output
('α', 'γ')
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import errors as E
from .errors import EinsumError
from .plan import EINSUM_LETTERS
from .semantics import batch, ir

_VALID = frozenset(EINSUM_LETTERS)
_RESERVED = frozenset(",.->" + batch.PREFIX + batch.PRIVATE)


def is_subscript(char: str) -> bool:
    """numpy's letters, and (as opt_einsum allows) any printable non-ASCII character but einlang's own
    batch-label marks.

    >>> is_subscript("a"), is_subscript("β"), is_subscript("1"), is_subscript("…")
    (True, True, False, False)
    """
    return char in _VALID or (not char.isascii() and char.isprintable() and not char.isspace()
                               and char not in _RESERVED)


def _interleaved(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``(A, [0, 1], B, [1, 2], [0, 2])`` -> ``("ab,bc->ac", [A, B])``."""
    operands, terms = [], []
    items = list(args)
    output = None
    if len(items) % 2 == 1:
        output = items.pop()
    for k in range(0, len(items), 2):
        operands.append(items[k])
        terms.append(_sublist(items[k + 1]))
    equation = ",".join(terms)
    if output is not None:
        equation += "->" + _sublist(output)
    return equation, operands


def _sublist(sub: Any) -> str:
    out = []
    try:
        entries = list(sub)
    except TypeError:
        raise E.InputTypeError(f"an interleaved einsum needs lists of axis numbers, not {type(sub).__name__}") from None
    for entry in entries:
        if entry is Ellipsis:
            out.append("...")
        elif not isinstance(entry, (int, np.integer)) or isinstance(entry, (bool, np.bool_)):
            raise E.InputTypeError(f"subscript {entry!r} in an interleaved einsum must be an integer in [0, 52) or ...")
        elif 0 <= entry < 52:
            out.append(EINSUM_LETTERS[int(entry)])
        else:
            raise EinsumError(f"subscript {entry!r} in an interleaved einsum is out of range: use integers in [0, 52)")
    return "".join(out)


def split_term(term: str, where: str) -> list[str]:
    """``"a...b"`` -> ``["a", "...", "b"]``; anything else numpy refuses, we refuse with its position."""
    items: list[str] = []
    k = 0
    while k < len(term):
        if term.startswith("...", k):
            if "..." in items:
                raise EinsumError(f"{where} has more than one '...'")
            items.append("...")
            k += 3
        elif is_subscript(term[k]):
            items.append(term[k])
            k += 1
        else:
            raise EinsumError(
                f"invalid subscript {term[k]!r} in {where}: einsum subscripts are letters a-z, A-Z, "
                "non-ASCII letters and '...'"
            )
    return items


@dataclass(frozen=True, slots=True)
class EinsumLabels:
    """An equation read against operand shapes: each operand's axis labels, the output's, every size.

    Batch axes (``...``) get :mod:`einlang.semantics.batch`'s labels, counted from the right as numpy
    aligns them; a size-1 axis facing a larger one gets a private label, summed away (numpy's broadcasting).
    """

    operands: tuple[tuple[str, ...], ...]
    output: tuple[str, ...]
    sizes: dict[str, int]


def parse_equation(equation: str, shapes: Sequence[tuple[int, ...]], strict: bool = False) -> EinsumLabels:
    """Read a numpy equation against the operands' shapes.

    >>> parse_equation("...ij,jk", [(5, 2, 3), (3, 4)]).output
    ('…0', 'i', 'k')
    """
    lhs, rhs = _sides(equation)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise EinsumError(
            f"the equation {equation!r} has {len(terms)} operand term{'s' if len(terms) != 1 else ''} "
            f"but {len(shapes)} operand{'s were' if len(shapes) != 1 else ' was'} given"
        )
    labels = [_operand_labels(term, shape, k) for k, (term, shape) in enumerate(zip(terms, shapes))]
    batch_rank = max((sum(map(batch.is_batch, lab)) for lab in labels), default=0)
    sizes = _sizes(labels, shapes, strict)
    output = _implicit_output(labels, batch_rank) if rhs is None else _explicit_output(rhs, sizes, batch_rank)
    final = tuple(_broadcast(lab, shape, sizes, k) for k, (lab, shape) in enumerate(zip(labels, shapes)))
    return EinsumLabels(final, output, sizes)


def _sides(equation: str) -> tuple[str, str | None]:
    """The operands' side and the output's (``None`` in implicit mode), spaces removed."""
    if not isinstance(equation, str):
        raise E.InputTypeError(f"the einsum equation must be a str, not {type(equation).__name__}")
    eq = equation.replace(" ", "")
    if eq.count("->") > 1 or ("-" in eq.replace("->", "")) or (">" in eq.replace("->", "")):
        raise EinsumError(f"malformed einsum equation {equation!r}: use at most one '->'")
    lhs, arrow, rhs = eq.partition("->")
    return lhs, rhs if arrow else None


def _operand_labels(term: str, shape: tuple[int, ...], k: int) -> tuple[str, ...]:
    """One operand's axis labels, ``...`` expanded to as many batch labels as its shape has extra axes."""
    items = split_term(term, f"operand {k} ('{term}')")
    named = len(items) - ("..." in items)
    if "..." not in items:
        if len(shape) != named:
            raise EinsumError(
                f"operand {k} has {len(shape)} dimension{'s' if len(shape) != 1 else ''} but its subscripts "
                f"'{term}' name {named}"
            )
        return tuple(items)
    if len(shape) < named:
        raise EinsumError(f"operand {k} has {len(shape)} dimensions but its subscripts '{term}' name {named}")
    at = items.index("...")
    return (*items[:at], *batch.batch_labels(len(shape) - named), *items[at + 1:])


def _sizes(labels: Sequence[tuple[str, ...]], shapes: Sequence[tuple[int, ...]], strict: bool) -> dict[str, int]:
    """Every label's size, with numpy's broadcasting of size-1 axes (refused when ``strict``)."""
    sizes: dict[str, int] = {}
    for k, (lab, shape) in enumerate(zip(labels, shapes)):
        for label, size in zip(lab, shape):
            known = sizes.get(label)
            if known is None or (known == 1 and not strict):
                sizes[label] = size
            elif size != known and (strict or size != 1):
                if strict and 1 in (known, size):
                    raise E.SizeMismatchError(f"index {_shown(label)} is {known} in one operand but {size} in operand "
                                              f"{k} (strict=True refuses size-1 broadcasting)")
                raise E.SizeMismatchError(
                    f"index {_shown(label)} is {known} in one operand but {size} in operand {k}: "
                    f"operands could not be broadcast together"
                )
    return sizes


def _implicit_output(labels: Sequence[tuple[str, ...]], batch_rank: int) -> tuple[str, ...]:
    """numpy's implicit output: the batch axes, then the letters that appear once, sorted."""
    counts: dict[str, int] = {}
    for label in (label for lab in labels for label in lab if not batch.is_batch(label)):
        counts[label] = counts.get(label, 0) + 1
    return batch.batch_labels(batch_rank) + tuple(sorted(label for label, c in counts.items() if c == 1))


def _explicit_output(rhs: str, sizes: dict[str, int], batch_rank: int) -> tuple[str, ...]:
    items = split_term(rhs, "the output")
    output: list[str] = []
    for item in items:
        if item == "...":
            output.extend(batch.batch_labels(batch_rank))
        elif item in output:
            raise E.RepeatedOutputIndexError(f"output subscript {item!r} appears more than once")
        elif item not in sizes:
            raise E.OutputIndexError(f"output subscript {item!r} does not appear in any input")
        else:
            output.append(item)
    if batch_rank and "..." not in items:
        raise EinsumError(
            "output has more dimensions than subscripts given in einstein sum, but no '...' ellipsis "
            "provided to broadcast the extra dimensions"
        )
    return tuple(output)


def _broadcast(labels: tuple[str, ...], shape: tuple[int, ...], sizes: dict[str, int], k: int) -> tuple[str, ...]:
    """A size-1 axis facing a larger one gets a label of its own (entered in ``sizes``), summed away."""
    out = []
    for axis, (label, size) in enumerate(zip(labels, shape)):
        if size == 1 and sizes[label] != 1:
            label = f"{label}{batch.PRIVATE}{k}{batch.PRIVATE}{axis}"
            sizes[label] = 1
        out.append(label)
    return tuple(out)


def _shown(label: str) -> str:
    return "'...'" if label.startswith(batch.PREFIX) else repr(label)


def build_program(equation: str, arrays: Sequence[np.ndarray], strict: bool = False,
                  dtype: np.dtype | None = None) -> ir.LoweredProgram:
    """The einsum as einlang IR: one :class:`~einlang.semantics.ir.Contract` over the operands.

    ``dtype`` overrides the result dtype (numpy's, of the operands, by default).
    """
    parsed = parse_equation(equation, [a.shape for a in arrays], strict)
    inputs = tuple(ir.Input(f"operand{k}", a.shape, a.dtype) for k, a in enumerate(arrays))
    operands = tuple(ir.Operand(node, lab, f"operand{k}") for k, (node, lab) in enumerate(zip(inputs, parsed.operands)))
    if dtype is None:
        dtype = result_dtype(arrays)
    shape = tuple(parsed.sizes[label] for label in parsed.output)
    node = ir.Contract(operands, parsed.output, 1, shape, dtype, dict(parsed.sizes))
    return ir.LoweredProgram(inputs, (*inputs, node), node, parsed.output)



def split_arguments(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``("ij,jk", A, B)`` or the interleaved ``(A, [0, 1], B, [1, 2])`` -> equation and operands."""
    if not args:
        raise EinsumError("einsum() needs an equation and at least one operand: einsum('ij,jk', A, B)")
    first = args[0]
    if isinstance(first, bytes):  # numpy accepts a bytes equation
        try:
            first = first.decode("ascii")
        except UnicodeDecodeError:
            raise EinsumError(f"the einsum equation {first!r} is not ASCII") from None
    if isinstance(first, str):
        return first, list(args[1:])
    if len(args) < 2:
        raise EinsumError("einsum() needs an equation, or operands each followed by its list of axis numbers")
    return _interleaved(args)


def result_dtype(arrays: Sequence[np.ndarray]) -> np.dtype:
    """numpy's: the operands' common dtype (float64 when there are none)."""
    return np.result_type(*[a.dtype for a in arrays]) if arrays else np.dtype(float)
