"""Index expressions (:mod:`.symbolic`) printed back as einlang source a learner reads.

A term prints its factors by juxtaposition, reciprocals as ``/ u``, a fraction's denominator last
(``x_k / 2``); a sum used as a factor is parenthesised. When the Einstein convention read from the text
would not keep exactly the free indices (``exp(x_k) y_k`` keeps k), an explicit output ``-> k`` follows.

>>> import numpy as np
>>> from fractions import Fraction
>>> from einlang.semantics import ir
>>> from einlang.semantics.symbolic import Access, Fn, Mono, SymSum, single
>>> x = ir.Input("x", (3,), np.dtype(float))
>>> norm = single(Fn("sqrt", SymSum((Mono(1, (Access(x, ("i",)), Access(x, ("i",)))),), ())), ())
>>> to_source(SymSum((Mono(1, (Access(x, ("k",)), Fn("reciprocal", norm))),), ("k",)))
'x_k / sqrt(x_i x_i)'
>>> to_source(SymSum((Mono(Fraction(-3, 2), (Access(x, ("k",)), Access(x, ("k",)))),), ("k",)))
'-3 x_k x_k / 2 -> k'
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from . import ir
from .symbolic import Access, Factor, Fn, Kron, Mono, Red, SymSum, mono_indices

RECIPROCAL = "reciprocal"


def to_source(s: SymSum, names: Mapping[int, str] | None = None) -> str:
    """``s`` as einlang source; ``names`` gives the names of computed tensors kept whole (by node id)."""
    printer = Printer(names or {})
    body = printer.sum(s)
    if _needs_output(s):
        body += " ->" + (" " + _braces(s.free) if s.free else "")
    return body


def _needs_output(s: SymSum) -> bool:
    """Whether the convention would not read the free indices right (a summed index written once is
    printed inside ``sum_j(...)``, so only the free ones and thrice-written ones matter)."""
    for mono in s.terms:
        counts = mono_indices(mono)
        if any(c > 2 for c in counts.values()) or any(counts.get(name) != 1 for name in s.free):
            return True
    return False


def _lonely(mono: Mono, free: tuple[str, ...]) -> tuple[str, ...]:
    """Summed indices written once in the term: the convention would keep them, so ``sum_j`` says it."""
    return tuple(name for name, c in mono_indices(mono).items() if c == 1 and name not in free)


def _braces(names: tuple[str, ...]) -> str:
    if all(len(n) == 1 for n in names):
        return "".join(names)
    return "{" + ",".join(names) + ",}"


def _subscript(names: tuple[str, ...]) -> str:
    return "_" + _braces(names) if names else ""


def _number(value: Any) -> str:
    if isinstance(value, Fraction):
        return f"{value.numerator}" if value.denominator == 1 else f"{value.numerator}/{value.denominator}"
    if isinstance(value, complex):
        return f"({value.real!r} + {value.imag!r}j)" if value.real else f"{value.imag!r}j"
    return repr(value)


def _negative(value: Any) -> bool:
    return not isinstance(value, complex) and value < 0


class Printer:
    """Prints sums, terms and factors; ``names`` names computed tensors kept whole (by node id)."""

    def __init__(self, names: Mapping[int, str]) -> None:
        self.names = names

    def sum(self, s: SymSum) -> str:
        if not s.terms:
            return "0"
        parts: list[str] = []
        for k, mono in enumerate(s.terms):
            negative = _negative(mono.coef)
            text = self.mono(Mono(-mono.coef if negative else mono.coef, mono.factors))
            lonely = _lonely(mono, s.free)
            if lonely:
                text = f"sum_{_braces(lonely)}({text})"
            if k == 0:
                parts.append(("-" if negative else "") + text)
            else:
                parts.append(("- " if negative else "+ ") + text)
        return " ".join(parts)

    def mono(self, mono: Mono) -> str:
        coef = mono.coef
        numerator = [self.factor(f) for f in mono.factors if not _is_reciprocal(f)]
        denominators = [self.denominator(f.arg) for f in mono.factors if _is_reciprocal(f)]  # type: ignore[union-attr]
        if isinstance(coef, Fraction) and coef.denominator != 1:
            denominators.append(str(coef.denominator))
            coef = coef.numerator
        if coef != 1 or not numerator:
            numerator.insert(0, _number(coef))
        return " / ".join([" ".join(numerator)] + denominators)

    def denominator(self, s: SymSum) -> str:
        if len(s.terms) == 1 and s.terms[0].coef == 1:
            if _lonely(s.terms[0], s.free):
                return self.sum(s)  # sum_l(...): one unit already
            only = s.terms[0].factors[0] if len(s.terms[0].factors) == 1 else None
            if only is not None and not _is_reciprocal(only):
                return self.factor(only)
        return f"({self.sum(s)})"

    def factor(self, factor: Factor) -> str:
        if isinstance(factor, Access):
            return self.tensor(factor.node) + _subscript(factor.indices)
        if isinstance(factor, Kron):
            return "delta" + _subscript((factor.a, factor.b))
        if isinstance(factor, Fn):
            return f"{factor.name}({self.sum(factor.arg)})"
        if isinstance(factor, Red):
            return f"{factor.kind}_{_braces(factor.reduced)}({self.sum(factor.arg)})"
        return f"({self.sum(factor)})"

    def tensor(self, node: ir.Node) -> str:
        """How a leaf is written: its name, a literal, a special symbol, a call of a Python function."""
        if id(node) in self.names:
            return _quoted(self.names[id(node)])
        if isinstance(node, ir.Input):
            return _quoted(node.name)
        if isinstance(node, ir.Constant) and node.shape and node.value.strides == (0,) and node.value[0] == 1:
            return f"[{', '.join(['1'] * node.shape[0])}]"  # a vector of ones (a sum of deltas)
        if isinstance(node, ir.Constant):
            return "[" + ", ".join(_literal(v) for v in np.asarray(node.value)) + "]" if node.shape else _literal(node.value)
        if isinstance(node, ir.Delta):
            return "delta"
        if isinstance(node, ir.LeviCivita):
            return "eps"
        if isinstance(node, ir.External):
            return f"{node.name}({', '.join(self.tensor(arg) for arg in node.args)})"
        return "(...)"


def _literal(value: Any) -> str:
    array = np.asarray(value)
    if array.ndim:
        return "[" + ", ".join(_literal(v) for v in array) + "]"
    return _number(array.item())


def _quoted(name: str) -> str:
    return name if name.isidentifier() and "_" not in name else f"`{name}`"


def _is_reciprocal(factor: Factor) -> bool:
    return isinstance(factor, Fn) and factor.name == RECIPROCAL
