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

import itertools
import re
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

import numpy as np

from . import ir
from .symbolic import Access, Factor, Fn, Kron, Mono, Red, SymSum, factor_free, mono_indices

RECIPROCAL = "reciprocal"


def to_source(s: SymSum, names: Mapping[int, str] | None = None, avoid: Iterable[str] = (),
              sizes: Mapping[str, int] | None = None) -> str:
    """``s`` as einlang source; ``names`` gives the names of computed tensors kept whole (by node id).
    ``sizes`` gives index sizes: a delta no tensor of the text sizes is printed ``identity(n)_ik``
    (``delta_ik`` alone cannot be evaluated).

    A sum inside parentheses, a function's argument or a reduction's is read by the convention alone,
    which cannot keep an index written twice in one term (``x_i / max_j(x_j) u_i`` keeping i): such a
    sum is assigned first, with its free indices as an explicit output, to a new name (t1, t2, … — none
    the text or ``avoid`` uses), so that the printed program evaluates to ``s``.
    """
    printer = Printer(names or {}, hoist=True)
    printer.square = _unsized_deltas(s, sizes or {})
    body = printer.sum(s)
    if _needs_output(s):
        body += " ->" + (" " + _braces(s.free) if s.free else "")
    if not printer.statements:
        return body
    text = "\n".join([*printer.statements, body])
    used = set(re.findall(r"[A-Za-z][A-Za-z0-9]*", text)) | set(avoid)
    fresh = (name for name in (f"t{n}" for n in itertools.count(1)) if name not in used)
    for k in range(len(printer.statements)):
        text = text.replace(_placeholder(k), next(fresh))
    return text


def _unsized_deltas(s: SymSum, sizes: Mapping[str, int]) -> dict[str, int]:
    """The sizes of the indices of the deltas in ``s`` that no other factor of any term sizes (through
    other deltas too): the lowering could not tell their size."""
    sized = {name for mono in s.terms for f in mono.factors if not isinstance(f, Kron) for name in factor_free(f)}
    deltas = [f for mono in s.terms for f in mono.factors if isinstance(f, Kron)]
    grown = True
    while grown:
        grown = False
        for delta in deltas:
            if (delta.a in sized) != (delta.b in sized):
                sized |= {delta.a, delta.b}
                grown = True
    return {delta.a: sizes[delta.a] for delta in deltas if delta.a not in sized and delta.a in sizes}


def _placeholder(k: int) -> str:
    return f"\x00{k}\x00"  # no identifier contains it: replaced by a fresh name once the text is known


def _needs_output(s: SymSum) -> bool:
    """Whether the convention would not read the free indices right (a summed index written once is
    printed inside ``sum_j(...)``, so only the free ones and thrice-written ones matter)."""
    return any(_term_needs_output(mono, s.free) for mono in s.terms)


def _term_needs_output(mono: Mono, free: Iterable[str]) -> bool:
    counts = mono_indices(mono)
    return any(c > 2 for c in counts.values()) or any(counts.get(name) != 1 for name in free)


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
    """Prints sums, terms and factors; ``names`` names computed tensors kept whole (by node id). With
    ``hoist``, a nested sum the convention would misread is assigned first (see :func:`to_source`):
    ``statements`` collects the assignments, its names as placeholders."""

    def __init__(self, names: Mapping[int, str], hoist: bool = False) -> None:
        self.names = names
        self.hoist = hoist
        self.statements: list[str] = []
        self.square: dict[str, int] = {}  # a delta with this first index is printed identity(n)

    def nested(self, s: SymSum, term: str | None = None) -> str | None:
        """``s`` as a name with its free indices, assigned first, when the convention would misread it
        inside parentheses (``term``: the text of its one term, already printed); else ``None``."""
        if not (self.hoist and _needs_output(s)):
            return None
        name = _placeholder(len(self.statements))
        free = _subscript(s.free) if s.free else "_{}"  # t_{} = …: an explicit scalar output
        self.statements.append(f"{name}{free} = {term if term is not None else self.sum(s)}")
        return name + _subscript(s.free)

    def inner(self, s: SymSum) -> str:
        """A sum inside a function's or reduction's parentheses."""
        return self.nested(s) or self.sum(s)

    def sum(self, s: SymSum) -> str:
        if not s.terms:
            return "0"
        parts: list[str] = []
        for k, mono in enumerate(s.terms):
            negative = _negative(mono.coef)
            text = self.mono(Mono(-mono.coef if negative else mono.coef, mono.factors))
            lonely = _lonely(mono, s.free)
            if lonely:  # inside sum_j(...) the convention reads the term: a kept index twice is said first
                inside = SymSum((Mono(1, mono.factors),), tuple(sorted({*s.free, *lonely})))
                body = self.nested(inside, self.mono(inside.terms[0])) if _term_needs_output(mono, inside.free) else None
                text = f"sum_{_braces(lonely)}({body or text})"
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
        hoisted = self.nested(s)
        if hoisted is not None:
            return hoisted
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
            n = self.square.get(factor.a)
            return ("delta" if n is None else f"identity({n})") + _subscript((factor.a, factor.b))
        if isinstance(factor, Fn):
            return f"{factor.name}({self.inner(factor.arg)})"
        if isinstance(factor, Red):
            return f"{factor.kind}_{_braces(factor.reduced)}({self.inner(factor.arg)})"
        return self.nested(factor) or f"({self.sum(factor)})"

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
