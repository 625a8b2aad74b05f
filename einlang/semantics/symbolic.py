"""Index expressions for differentiation: sums of monomials over globally named indices.

The IR (:mod:`.ir`) names labels per contraction; differentiating and simplifying is easier on one
namespace. A :class:`SymSum` is a sum of :class:`Mono` terms with the free indices ``free``; a term's
every other index is summed (the Einstein convention with an explicit output, so ``x_k y_k`` keeping
k is a term too). A factor is a tensor read with indices (:class:`Access`), a Kronecker delta
(:class:`Kron`), an elementwise function of a sum (:class:`Fn`) or a sum used as a factor
(:class:`SymSum` itself: a closed unit whose own summed indices are local to it).

Names are managed by a :class:`Names` supply: every summed index gets a name not used elsewhere, so
renaming never captures a name (:func:`subst_sum` renames bound indices out of the way when it would).

>>> import numpy as np
>>> from einlang.semantics import ir
>>> x = ir.Input("x", (3,), np.dtype(float))
>>> s = SymSum((Mono(1, (Access(x, ("i",)), Access(x, ("i",)))),), ())
>>> sorted(mono_indices(s.terms[0]))
['i']
>>> subst_sum(SymSum((Mono(2, (Access(x, ("i",)),)),), ("i",)), {"i": "k"}, Names()).free
('k',)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from . import ir

MAX_DERIVATIVE_SIZE = 20_000  # factors: what diff reads, and what it builds before simplifying
SOFTMAX = "softmax"
Scalar = Any  # int, float, complex or Fraction: a term's exact coefficient


@dataclass(frozen=True, slots=True)
class Access:
    """``node`` read with ``indices`` (repeats take a diagonal)."""

    node: ir.Node
    indices: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Kron:
    """The Kronecker delta δ_ab."""

    a: str
    b: str


@dataclass(frozen=True, slots=True)
class Fn:
    """An elementwise function of a sum; its free indices are the argument's."""

    name: str
    arg: SymSum


@dataclass(frozen=True, slots=True)
class Red:
    """A reduction (``max``, ``min``, ``prod``, ``logsumexp``, ``softmax``) of a sum over ``reduced``: those
    indices are bound inside it, except for ``softmax``, which keeps them (it normalises along them)."""

    kind: str
    reduced: tuple[str, ...]
    arg: SymSum


@dataclass(frozen=True, slots=True)
class Mono:
    """``coef`` times the product of ``factors``."""

    coef: Scalar
    factors: tuple[Factor, ...]


@dataclass(frozen=True, slots=True)
class SymSum:
    """A sum of terms keeping ``free``; as a factor it is a closed unit (parenthesised when printed)."""

    terms: tuple[Mono, ...]
    free: tuple[str, ...]


Factor = Access | Kron | Fn | SymSum | Red


@dataclass(slots=True)
class Names:
    """Index names in use and their sizes; :meth:`fresh` gives a name used nowhere yet."""

    used: set[str] = field(default_factory=set)
    sizes: dict[str, int] = field(default_factory=dict)
    counters: dict[str, int] = field(default_factory=dict)

    def take(self, name: str, size: int | None = None) -> str:
        """``name`` itself when it is not used yet, else a fresh name (recorded with ``size``)."""
        chosen = name if name not in self.used else self.fresh(name)
        self.used.add(chosen)
        if size is None and name in self.sizes:
            size = self.sizes[name]
        if size is not None:
            self.sizes[chosen] = size
        return chosen

    def fresh(self, like: str) -> str:
        """A single letter where one is free (a learner reads ``A_ij x_j``), else ``like`` with a number."""
        size = self.sizes.get(like)
        for letter in "ijklmnpqrstuvwabcdefgh":
            if letter not in self.used:
                return self._record(letter, size)
        base = like.rstrip("0123456789") or "i"
        k = self.counters.get(base, 1)
        while f"{base}{k}" in self.used:
            k += 1
        self.counters[base] = k + 1  # the next search starts here: no rescanning of taken names
        return self._record(f"{base}{k}", size)

    def _record(self, name: str, size: int | None) -> str:
        self.used.add(name)
        if size is not None:
            self.sizes[name] = size
        return name


def factor_free(factor: Factor) -> tuple[str, ...]:
    """The indices a factor shows to the term it is in."""
    if isinstance(factor, Access):
        return factor.indices
    if isinstance(factor, Kron):
        return (factor.a, factor.b)
    if isinstance(factor, Fn):
        return factor.arg.free
    if isinstance(factor, Red):
        return factor.arg.free if factor.kind == SOFTMAX else tuple(n for n in factor.arg.free if n not in factor.reduced)
    return factor.free


def mono_indices(mono: Mono) -> dict[str, int]:
    """Every index of a term with how many of its factors show it, in order of first appearance."""
    counts: dict[str, int] = {}
    for factor in mono.factors:
        for name in factor_free(factor):
            counts[name] = counts.get(name, 0) + 1
    return counts


def summed(mono: Mono, free: tuple[str, ...]) -> list[str]:
    """The indices a term sums over inside a sum keeping ``free``."""
    return [name for name in mono_indices(mono) if name not in free]


def subst_factor(factor: Factor, mapping: dict[str, str], names: Names) -> Factor:
    """``factor`` with its shown indices renamed by ``mapping`` (bound indices inside are kept apart)."""
    if isinstance(factor, Access):
        return Access(factor.node, tuple(mapping.get(n, n) for n in factor.indices))
    if isinstance(factor, Kron):
        return Kron(mapping.get(factor.a, factor.a), mapping.get(factor.b, factor.b))
    if isinstance(factor, Fn):
        return Fn(factor.name, subst_sum(factor.arg, mapping, names))
    if isinstance(factor, Red):
        return _subst_reduction(factor, mapping, names)
    return subst_sum(factor, mapping, names)


def _subst_reduction(factor: Red, mapping: dict[str, str], names: Names) -> Red:
    """A softmax's indices are free (renamed like any); another reduction's are bound: kept, and renamed
    out of the way of a new name that would be captured."""
    if factor.kind == SOFTMAX:
        return Red(factor.kind, tuple(mapping.get(n, n) for n in factor.reduced), subst_sum(factor.arg, mapping, names))
    local = {k: v for k, v in mapping.items() if k not in factor.reduced}
    clash = {b: names.fresh(b) for b in factor.reduced if b in local.values()}
    arg = subst_sum(factor.arg, clash, names) if clash else factor.arg
    return Red(factor.kind, tuple(clash.get(n, n) for n in factor.reduced), subst_sum(arg, local, names))


def subst_sum(s: SymSum, mapping: dict[str, str], names: Names) -> SymSum:
    """Rename the free indices of ``s``; a summed index that a new name would capture is renamed first."""
    relevant = {k: v for k, v in mapping.items() if k in s.free}
    if not relevant:
        return s
    targets = set(relevant.values())
    terms = []
    for mono in s.terms:
        local = dict(relevant)
        for name in summed(mono, s.free):
            if name in targets:
                local[name] = names.fresh(name)
        terms.append(subst_mono(mono, local, names))
    return SymSum(tuple(terms), tuple(relevant.get(n, n) for n in s.free))


def subst_mono(mono: Mono, mapping: dict[str, str], names: Names) -> Mono:
    return Mono(mono.coef, tuple(subst_factor(f, mapping, names) for f in mono.factors))


def rename_apart(mono: Mono, free: tuple[str, ...], avoid: set[str], names: Names) -> Mono:
    """``mono`` with its summed indices renamed where they clash with ``avoid`` (before merging it
    into another term)."""
    clash = {name: names.fresh(name) for name in summed(mono, free) if name in avoid}
    return subst_mono(mono, clash, names) if clash else mono


def number(value: Scalar, free: tuple[str, ...] = ()) -> SymSum:
    """A constant as a sum (zero is the empty sum)."""
    return SymSum((Mono(value, ()),) if value != 0 else (), free)


def single(factor: Factor, free: tuple[str, ...] | None = None) -> SymSum:
    """One factor as a sum keeping its shown indices (each once, in order)."""
    return SymSum((Mono(1, (factor,)),), tuple(dict.fromkeys(factor_free(factor))) if free is None else free)


def fn(name: str, arg: SymSum) -> Fn:
    return Fn(name, arg)


def size_of_sum(s: SymSum) -> int:
    """How many factors the sum holds, nested ones included (the derivative's budget counts these)."""
    total = 0
    stack: list[Any] = [s]
    while stack:
        item = stack.pop()
        if isinstance(item, SymSum):
            for mono in item.terms:
                total += 1 + len(mono.factors)
                stack.extend(mono.factors)
        elif isinstance(item, (Fn, Red)):
            stack.append(item.arg)
    return total
