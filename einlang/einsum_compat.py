"""``einlang.einsum``: a drop-in for ``numpy.einsum`` on every einlang backend.

It accepts numpy's equation strings (implicit and explicit mode, ``...``, upper- and lower-case
letters) and the interleaved form ``einsum(A, [0, 1], B, [1, 2], [0, 2])``, and gives numpy's results
(values, shape, dtype). Like numpy it broadcasts size-1 axes; ``strict=True`` refuses that instead.
Plans are cached per (equation, shapes, dtypes), so repeated calls cost little more than numpy's own.

>>> import numpy as np
>>> A, B = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
>>> bool((einsum("ij,jk->ik", A, B) == A @ B).all())
True
>>> einsum("ii", np.eye(3))
np.float64(3.0)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from . import errors as E
from .config import get_options
from .program import BoundedCache, BoundProgram, as_array
from .semantics import ir

_VALID = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")
_LETTERS = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
_CACHE = BoundedCache(1024)


class EinsumError(E.EinlangError):
    """An equation or operands that numpy.einsum would also refuse (still a ValueError)."""

    code = "E110"


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
        elif isinstance(entry, (int, np.integer)) and not isinstance(entry, bool) and 0 <= entry < 52:
            out.append(_LETTERS[int(entry)])
        else:
            raise EinsumError(f"subscript {entry!r} in an interleaved einsum must be an integer in [0, 52) or ...")
    return "".join(out)


def _split_term(term: str, where: str) -> list[str]:
    """``"a...b"`` -> ``["a", "...", "b"]``; anything else numpy refuses, we refuse with its position."""
    items: list[str] = []
    k = 0
    while k < len(term):
        if term.startswith("...", k):
            if "..." in items:
                raise EinsumError(f"{where} has more than one '...'")
            items.append("...")
            k += 3
        elif term[k] in _VALID:
            items.append(term[k])
            k += 1
        else:
            raise EinsumError(
                f"invalid subscript {term[k]!r} in {where}: einsum subscripts are letters a-z, A-Z and '...'"
            )
    return items


def parse_equation(equation: str, shapes: Sequence[tuple[int, ...]], strict: bool = False):
    """Turn a numpy equation and operand shapes into (operand labels, output labels, sizes)."""
    if not isinstance(equation, str):
        raise E.InputTypeError(f"the einsum equation must be a str, not {type(equation).__name__}")
    eq = equation.replace(" ", "")
    if eq.count("->") > 1 or ("-" in eq.replace("->", "")) or (">" in eq.replace("->", "")):
        raise EinsumError(f"malformed einsum equation {equation!r}: use at most one '->'")
    explicit = "->" in eq
    lhs, _, rhs = eq.partition("->")
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise EinsumError(
            f"the equation {equation!r} has {len(terms)} operand term{'s' if len(terms) != 1 else ''} "
            f"but {len(shapes)} operand{'s were' if len(shapes) != 1 else ' was'} given"
        )
    parsed = [_split_term(t, f"operand {k} ('{t}')") for k, t in enumerate(terms)]
    batch_rank = 0
    for k, (items, shape) in enumerate(zip(parsed, shapes)):
        named = len(items) - ("..." in items)
        if "..." in items:
            if len(shape) < named:
                raise EinsumError(
                    f"operand {k} has {len(shape)} dimensions but its subscripts '{terms[k]}' name {named}"
                )
            batch_rank = max(batch_rank, len(shape) - named)
        elif len(shape) != named:
            raise EinsumError(
                f"operand {k} has {len(shape)} dimension{'s' if len(shape) != 1 else ''} but its subscripts "
                f"'{terms[k]}' name {named}"
            )
    batch_labels = [f"…{p}" for p in range(batch_rank)]
    labels: list[list[str]] = []
    for items, shape in zip(parsed, shapes):
        out: list[str] = []
        for item in items:
            if item == "...":
                rank = len(shape) - (len(items) - 1)
                out.extend(batch_labels[batch_rank - rank :])
            else:
                out.append(item)
        labels.append(out)
    # sizes, with numpy's broadcasting of size-1 axes (refused when strict)
    sizes: dict[str, int] = {}
    for k, (lab, shape) in enumerate(zip(labels, shapes)):
        for label, size in zip(lab, shape):
            known = sizes.get(label)
            if known is None or known == 1:
                if known == 1 and size != 1 and strict:
                    raise E.SizeMismatchError(f"index {_shown(label)} is 1 in one operand but {size} in operand {k}"
                                              " (strict=True refuses size-1 broadcasting)")
                sizes[label] = size
            elif size != known and size != 1:
                raise E.SizeMismatchError(
                    f"index {_shown(label)} is {known} in one operand but {size} in operand {k}: "
                    f"operands could not be broadcast together"
                )
            elif size == 1 and known != 1 and strict:
                raise E.SizeMismatchError(f"index {_shown(label)} is {known} in one operand but 1 in operand {k}"
                                          " (strict=True refuses size-1 broadcasting)")
    if explicit:
        out_items = _split_term(rhs, "the output")
        output: list[str] = []
        for item in out_items:
            if item == "...":
                output.extend(batch_labels)
            else:
                if item in output:
                    raise E.RepeatedOutputIndexError(f"output subscript {item!r} appears more than once")
                if item not in sizes:
                    raise E.OutputIndexError(f"output subscript {item!r} does not appear in any input")
                output.append(item)
        if batch_rank and "..." not in out_items:
            raise EinsumError(
                "output has more dimensions than subscripts given in einstein sum, but no '...' ellipsis "
                "provided to broadcast the extra dimensions"
            )
    else:
        counts: dict[str, int] = {}
        for lab in labels:
            for label in lab:
                if not label.startswith("…"):
                    counts[label] = counts.get(label, 0) + 1
        output = batch_labels + sorted(label for label, c in counts.items() if c == 1)
    # a size-1 axis facing a larger one gets a label of its own, summed away (numpy's broadcasting)
    final_labels: list[tuple[str, ...]] = []
    for k, (lab, shape) in enumerate(zip(labels, shapes)):
        renamed = []
        for axis, (label, size) in enumerate(zip(lab, shape)):
            if size == 1 and sizes[label] != 1:
                renamed.append(f"{label}·{k}·{axis}")
            else:
                renamed.append(label)
        final_labels.append(tuple(renamed))
    for k, lab in enumerate(final_labels):
        for label, size in zip(lab, shapes[k]):
            sizes.setdefault(label, size)
    return final_labels, tuple(output), sizes


def _shown(label: str) -> str:
    return "'...'" if label.startswith("…") else repr(label)


def build_program(equation: str, arrays: Sequence[np.ndarray], strict: bool = False) -> ir.LoweredProgram:
    shapes = [a.shape for a in arrays]
    labels, output, sizes = parse_equation(equation, shapes, strict)
    inputs = tuple(ir.Input(f"operand{k}", a.shape, a.dtype) for k, a in enumerate(arrays))
    operands = tuple(ir.Operand(node, lab, f"operand{k}") for k, (node, lab) in enumerate(zip(inputs, labels)))
    dtype = np.result_type(*[a.dtype for a in arrays]) if arrays else np.dtype(float)
    shape = tuple(sizes[label] for label in output)
    node = ir.Contract(operands, output, 1, shape, dtype, dict(sizes))
    return ir.LoweredProgram(inputs, (*inputs, node), node, output)


def einsum(*args: Any, backend: str | None = None, optimize: Any = None, dtype: Any = None, out: Any = None,
           order: str = "K", casting: str = "safe", strict: bool = False) -> Any:
    """Evaluate an einsum equation like ``numpy.einsum``, on any einlang backend.

    ``optimize`` is accepted for compatibility (the ``opt`` backend always optimises the path;
    ``numpy`` never does). ``dtype``/``casting`` convert the operands first, as numpy does; ``out``
    receives the result.
    """
    if not args:
        raise E.InputTypeError("einsum() needs an equation and operands")
    if isinstance(args[0], str):
        equation, operands = args[0], list(args[1:])
    else:
        equation, operands = _interleaved(args)
    arrays = [as_array(f"operand {k}", op) for k, op in enumerate(operands)]
    if dtype is not None:
        try:
            arrays = [a.astype(dtype, casting=casting) for a in arrays]
        except TypeError as exc:
            raise E.InputTypeError(str(exc)) from None
    name = backend or get_options().backend
    key = (equation, strict, name, tuple([(a.shape, a.dtype) for a in arrays]))
    run = _CACHE.get(key)
    if run is None:
        bound = BoundProgram(build_program(equation, arrays, strict))
        if math.prod(bound.lowered.result.shape) < 0:  # pragma: no cover
            raise EinsumError("negative size")
        run = _CACHE.put(key, bound.runner(name))
    try:
        result = run(arrays)
    except E.EinlangError:
        raise
    except (ArithmeticError, TypeError, ValueError) as exc:
        raise E.InputValueError(f"cannot compute with these values: {exc}") from None
    if out is not None:
        np.copyto(out, result, casting="same_kind")
        return out
    return result
