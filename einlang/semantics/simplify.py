"""Simplifying index expressions (:mod:`.symbolic`) the way one does by hand after differentiating.

- sums of one term used as a factor are multiplied out; numbers fold into the coefficient;
- a sum holding a Kronecker delta is distributed, so the delta meets the other factors;
- a delta with a summed index is eliminated by renaming (``A_ij δ_jk`` is ``A_ik``); summed alone it
  is 1, or the size n when both indices are summed;
- ``1/u`` times ``u`` cancels for a scalar ``u``;
- like terms (equal up to the names of summed indices) are collected, zero terms dropped.

>>> import numpy as np
>>> from einlang.semantics import ir
>>> from einlang.semantics.symbolic import Access, Kron, Mono, Names, SymSum
>>> A = ir.Input("A", (3, 3), np.dtype(float))
>>> s = SymSum((Mono(1, (Access(A, ("i", "j")), Kron("j", "k"))), Mono(1, (Access(A, ("i", "k")),))), ("i", "k"))
>>> simplify(s, Names()).terms
(Mono(coef=2, factors=(Access(node=Input(name='A', shape=(3, 3), dtype=dtype('float64')), indices=('i', 'k')),)),)
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np

from . import ir
from .symbolic import (
    SOFTMAX,
    Access,
    Factor,
    Fn,
    Kron,
    Mono,
    Names,
    Red,
    SymSum,
    factor_free,
    mono_indices,
    rename_apart,
    subst_factor,
    summed,
)

RECIPROCAL = "reciprocal"


def simplify(s: SymSum, names: Names) -> SymSum:
    """``s`` simplified (every nested sum and function argument too)."""
    terms: list[Mono] = []
    for mono in s.terms:
        terms.extend(simplify_mono(mono, s.free, names))
    return collect(terms, s.free)


def _simplify_factor(factor: Factor, names: Names) -> Factor:
    if isinstance(factor, Fn):
        return Fn(factor.name, simplify(factor.arg, names))
    if isinstance(factor, SymSum):
        return simplify(factor, names)
    if isinstance(factor, Red):
        return Red(factor.kind, factor.reduced, simplify(factor.arg, names))
    return factor


def _shown(factors: list[Factor] | tuple[Factor, ...]) -> set[str]:
    return {name for f in factors for name in factor_free(f)}


def _flatten(factors: list[Factor], coef: Any, free: tuple[str, ...], names: Names) -> tuple[list[Factor], Any]:
    """Multiply out sums of one term; ``coef`` becomes 0 when a factor is an empty (zero) sum."""
    flat: list[Factor] = []
    for k, factor in enumerate(factors):
        if isinstance(factor, SymSum) and len(factor.terms) <= 1:
            if not factor.terms:
                return [], 0
            avoid = _shown(flat) | _shown(factors[k + 1:]) | set(free)
            mono = rename_apart(factor.terms[0], factor.free, avoid, names)
            coef = coef * mono.coef
            flat.extend(mono.factors)
        else:
            flat.append(factor)
    return flat, coef


def simplify_mono(mono: Mono, free: tuple[str, ...], names: Names) -> list[Mono]:
    """One term simplified: usually one term back, several when a sum with a delta was distributed."""
    factors = [_simplify_factor(f, names) for f in mono.factors]
    flat, coef = _flatten(factors, mono.coef, free, names)
    if coef == 0:
        return []
    for k, factor in enumerate(flat):
        if isinstance(factor, SymSum) and any(isinstance(g, Kron) for m in factor.terms for g in m.factors):
            out: list[Mono] = []
            avoid = _shown(flat) | set(free)
            for term in factor.terms:
                term = rename_apart(term, factor.free, avoid, names)
                spread = Mono(coef * term.coef, tuple(flat[:k]) + term.factors + tuple(flat[k + 1:]))
                out.extend(simplify_mono(spread, free, names))
            return out
    result = _cancel(_eliminate(Mono(coef, tuple(flat)), free, names))
    return [result] if result.coef != 0 else []


def _eliminate(mono: Mono, free: tuple[str, ...], names: Names) -> Mono:
    """Remove every delta that a summed index lets go (renaming it away)."""
    changed = True
    while changed:
        changed = False
        for k, factor in enumerate(mono.factors):
            if not isinstance(factor, Kron):
                continue
            rest = mono.factors[:k] + mono.factors[k + 1:]
            replaced = _without_delta(factor, rest, mono.coef, free, names)
            if replaced is not None:
                mono, changed = replaced, True
                break
    return mono


def _without_delta(delta: Kron, rest: tuple[Factor, ...], coef: Any, free: tuple[str, ...],
                   names: Names) -> Mono | None:
    """The term with ``delta`` eliminated, or ``None`` when it must stay (both indices free)."""
    counts = mono_indices(Mono(coef, rest))
    a, b = delta.a, delta.b
    if a == b:
        if a in free:
            return Mono(coef, rest) if a in counts else None
        if a in counts:
            return Mono(coef, rest)  # δ_aa is 1 for every a
        return Mono(coef * names.sizes[a], rest) if a in names.sizes else None  # the trace: n
    if a in free and b in free:
        return None
    source, target = (a, b) if a not in free else (b, a)
    if source in counts:
        return Mono(coef, tuple(subst_factor(f, {source: target}, names) for f in rest))
    if target in counts:
        return Mono(coef, rest)  # the sum over source of δ is 1
    if target in free:  # the sum over source of δ is 1 for every value of target: a vector of ones
        return Mono(coef, rest + (Access(ones(names.sizes[target]), (target,)),)) if target in names.sizes else None
    return Mono(coef * names.sizes[source], rest) if source in names.sizes else None


@functools.lru_cache(maxsize=64)
def ones(n: int) -> ir.Constant:
    """A vector of n ones (one node per size, so terms holding it are recognised as like terms)."""
    value = np.broadcast_to(np.ones((), dtype=np.int64), (n,))  # a view: no memory however large n is
    return ir.Constant(value, (n,), value.dtype)


def _cancel(mono: Mono) -> Mono:
    """``1/u`` times ``u`` is 1 when ``u`` is a scalar (with free indices the product carries them)."""
    factors = list(mono.factors)
    for k, factor in enumerate(factors):
        if not (isinstance(factor, Fn) and factor.name == RECIPROCAL and not factor.arg.free):
            continue
        arg = factor.arg
        if len(arg.terms) != 1 or arg.terms[0].coef != 1 or len(arg.terms[0].factors) != 1:
            continue
        wanted = factor_key(arg.terms[0].factors[0], {}, 0)
        for j, other in enumerate(factors):
            if j != k and factor_key(other, {}, 0) == wanted:
                rest = [f for n, f in enumerate(factors) if n not in (j, k)]
                return _cancel(Mono(mono.coef, tuple(rest)))
    return mono


def collect(terms: list[Mono], free: tuple[str, ...]) -> SymSum:
    """Like terms added (the first one's spelling kept); zero terms dropped."""
    found: dict[str, list[Any]] = {}
    for mono in terms:
        key = mono_key(mono, free, {}, 0)
        if key in found:
            found[key][0] = found[key][0] + mono.coef
        else:
            found[key] = [mono.coef, mono]
    kept = tuple(Mono(coef, mono.factors) for coef, mono in found.values() if coef != 0)
    return SymSum(kept, free)


# -- keys: equal for terms that differ only in the names of summed indices ----------------------------


def mono_key(mono: Mono, free: tuple[str, ...], outer: dict[str, str], depth: int) -> str:
    """A text equal for two terms that are the same up to renaming their summed indices (a heuristic
    canonical form: factors sorted with summed names blanked, then summed names numbered in that order)."""
    bound = summed(mono, free)
    blank = {**outer, **dict.fromkeys(bound, "_")}
    order = sorted(range(len(mono.factors)), key=lambda k: factor_key(mono.factors[k], blank, depth))
    canon = dict(outer)
    for k in order:
        for name in factor_free(mono.factors[k]):
            if name in bound and name not in canon:
                canon[name] = f"#{depth}.{len(canon)}"
    return "*".join(factor_key(mono.factors[k], canon, depth) for k in order)


def factor_key(factor: Factor, rename: dict[str, str], depth: int) -> str:
    if isinstance(factor, Access):
        return f"T{id(factor.node)}[{','.join(rename.get(n, n) for n in factor.indices)}]"
    if isinstance(factor, Kron):
        return "δ[" + ",".join(sorted((rename.get(factor.a, factor.a), rename.get(factor.b, factor.b)))) + "]"
    if isinstance(factor, Fn):
        return f"{factor.name}({sum_key(factor.arg, rename, depth + 1)})"
    if isinstance(factor, Red):
        if factor.kind == SOFTMAX:  # its indices are free: named as the term names them
            shown = ",".join(rename.get(n, n) for n in factor.reduced)
            return f"{factor.kind}[{shown}]({sum_key(factor.arg, rename, depth + 1)})"
        bound = {n: f"#r{depth}.{k}" for k, n in enumerate(factor.reduced)}
        return f"{factor.kind}({sum_key(factor.arg, {**rename, **bound}, depth + 1)})"
    return f"({sum_key(factor, rename, depth + 1)})"


def sum_key(s: SymSum, rename: dict[str, str], depth: int) -> str:
    inner = {name: value for name, value in rename.items() if name in s.free}
    return "+".join(sorted(f"{m.coef!r}:{mono_key(m, s.free, inner, depth)}" for m in s.terms))
