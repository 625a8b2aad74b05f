"""``diff(expr, x_k)``: the derivative of an expression with respect to the entries of a tensor.

The expression is lowered first (library calls inlined), read as an index expression
(:mod:`.symbolic_ir`), differentiated by the rules below, simplified (:mod:`.simplify`) and built back
into IR nodes, so the derivative is planned and run like any other expression. The rules:

- d x_ij / d x_kl = δ_ik δ_jl (one delta per index of the variable); anything else is constant: 0;
- the product rule over the factors of a term, the sum rule over terms;
- the chain rule through every elementwise function (:data:`DERIVATIVES`); ``abs`` gives ``sign``, a
  subgradient at 0. Piecewise-constant and non-holomorphic functions are refused (E223).

An expression that does not use the variable has derivative 0 (not an error: the maths says so).

>>> import numpy as np, einlang
>>> einlang.evaluate("diff(x_i x_i, x_k)", x=np.array([1.0, 2.0]))
array([2., 4.])
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..syntax import ast
from . import ir, messages
from .labeled import Labeled
from .scope import SPECIAL_NAMES, WholeName
from .simplify import simplify
from .symbolic import (
    MAX_DERIVATIVE_SIZE,
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
    single,
    size_of_sum,
    subst_factor,
    subst_mono,
)
from .symbolic_ir import NotExpandable, Reader, build
from .symbolic_text import Printer

if TYPE_CHECKING:
    from .lower import Lowerer



TIE = 1e-9  # relative: entries of softmax_j(u) this close to the largest are ties for max_j(u)


def _f(name: str, u: SymSum) -> SymSum:
    return single(Fn(name, u), u.free)


def _recip(s: SymSum) -> Fn:
    return Fn("reciprocal", s)


# f'(u) as (coefficient, factors), each factor showing u's free indices. No rule adds a number to u:
# "1 + u" is not einlang when u has free indices, so 1/(1 + u²) is written cos²(arctan u).
DERIVATIVES: dict[str, Callable[[SymSum], tuple[Any, tuple[Factor, ...]]]] = {
    "sqrt": lambda u: (Fraction(1, 2), (_recip(_f("sqrt", u)),)),
    "exp": lambda u: (1, (Fn("exp", u),)),
    "expm1": lambda u: (1, (Fn("exp", u),)),
    "log": lambda u: (1, (_recip(u),)),
    "log2": lambda u: (1 / math.log(2), (_recip(u),)),
    "log10": lambda u: (1 / math.log(10), (_recip(u),)),
    "log1p": lambda u: (1, (_recip(_f("exp", _f("log1p", u))),)),
    "sin": lambda u: (1, (Fn("cos", u),)),
    "cos": lambda u: (-1, (Fn("sin", u),)),
    "tan": lambda u: (1, (_recip(_f("square", _f("cos", u))),)),
    "arcsin": lambda u: (1, (_recip(_f("cos", _f("arcsin", u))),)),
    "arccos": lambda u: (-1, (_recip(_f("sin", _f("arccos", u))),)),
    "arctan": lambda u: (1, (Fn("square", _f("cos", _f("arctan", u))),)),
    "sinh": lambda u: (1, (Fn("cosh", u),)),
    "cosh": lambda u: (1, (Fn("sinh", u),)),
    "tanh": lambda u: (1, (_recip(_f("square", _f("cosh", u))),)),
    "arcsinh": lambda u: (1, (_recip(_f("cosh", _f("arcsinh", u))),)),
    "arccosh": lambda u: (1, (_recip(_f("sinh", _f("arccosh", u))),)),
    "arctanh": lambda u: (1, (Fn("square", _f("cosh", _f("arctanh", u))),)),
    "abs": lambda u: (1, (Fn("sign", u),)),
    "square": lambda u: (2, (u,)),
    "reciprocal": lambda u: (-1, (_recip(_f("square", u)),)),
}

NOT_DIFFERENTIABLE = {
    "sign": "is piecewise constant: its derivative is 0 where it exists and undefined at 0",
    "floor": "is piecewise constant: its derivative is 0 where it exists and undefined at the integers",
    "ceil": "is piecewise constant: its derivative is 0 where it exists and undefined at the integers",
    "conj": "is not complex-differentiable",
    "real": "is not complex-differentiable",
    "imag": "is not complex-differentiable",
}


@dataclass
class _Rules:
    """Differentiation against ``target`` read with the new indices ``new``."""

    target: ir.Node
    new: tuple[str, ...]
    names: Names
    where: Any  # the span errors point at (the expression differentiated)
    size: int = 0

    def sum(self, s: SymSum) -> SymSum:
        terms: list[Mono] = []
        for mono in s.terms:
            terms.extend(self.mono(mono, s.free))
        result = SymSum(tuple(terms), s.free + self.new)
        self.size += size_of_sum(result)
        if self.size > MAX_DERIVATIVE_SIZE:
            raise E.DerivativeTooLargeError(
                f"the derivative grew past {MAX_DERIVATIVE_SIZE} factors before simplifying", [self.where],
                hint="differentiate a smaller expression, or name intermediate results and apply the chain rule by hand",
            )
        return result

    def mono(self, mono: Mono, free: tuple[str, ...]) -> list[Mono]:
        """The product rule: one term per factor that depends on the variable."""
        out: list[Mono] = []
        avoid = set(mono_indices(mono)) | set(free) | set(self.new)
        for k, factor in enumerate(mono.factors):
            derivative = self.factor(factor)
            for term in derivative.terms:
                term = rename_apart(term, derivative.free, avoid, self.names)
                factors = mono.factors[:k] + term.factors + mono.factors[k + 1:]
                out.append(Mono(mono.coef * term.coef, factors))
        return out

    def factor(self, factor: Factor) -> SymSum:
        free = tuple(dict.fromkeys(factor_free(factor))) + self.new
        if isinstance(factor, Access):
            if factor.node is not self.target:
                return SymSum((), free)
            deltas = tuple(Kron(a, b) for a, b in zip(factor.indices, self.new))
            return SymSum((Mono(1, deltas),), free)
        if isinstance(factor, Kron):
            return SymSum((), free)
        if isinstance(factor, SymSum):
            return self.sum(factor)
        if isinstance(factor, Red):
            return self.reduction(factor)
        return self.chain(factor)

    def reduction(self, r: Red) -> SymSum:
        """d of a reduction: a weight on each reduced entry times the entry's derivative, summed over them."""
        inner = self.sum(r.arg)
        free = factor_free(r) + self.new
        if not inner.terms:
            return SymSum((), free)
        if r.kind == SOFTMAX:
            return self._softmax(r, inner, free)
        if r.kind == "logsumexp":
            weight: tuple[Factor, ...] = (Red(SOFTMAX, r.reduced, r.arg),)
        elif r.kind == "prod":  # prod_j u_j / u_k: where no entry is 0
            weight = (r, _recip(r.arg))
        else:
            weight = self._arg_peak(r)
        return SymSum(tuple(Mono(t.coef, weight + t.factors) for t in inner.terms), free)

    def _softmax(self, r: Red, inner: SymSum, free: tuple[str, ...]) -> SymSum:
        """d s_j = s_j (du_j - Σ_l s_l du_l), s = softmax_j(u)."""
        other = {j: self.names.fresh(j) for j in r.reduced}
        shifted = subst_factor(r, other, self.names)
        terms: list[Mono] = []
        for t in inner.terms:
            terms.append(Mono(t.coef, (r,) + t.factors))
            moved = subst_mono(t, other, self.names)
            terms.append(Mono(-t.coef, (r, shifted) + moved.factors))
        return SymSum(tuple(terms), free)

    def _arg_peak(self, r: Red) -> tuple[Factor, ...]:
        """The indicator of the arg-max (arg-min) of u over the reduced indices, shared equally among ties:
        a subgradient. Written with what the language has: softmax_j(u) / max_l(softmax_l(u)) is 1 at the
        largest entries and below 1 elsewhere (it is exp(u_j - max u)), so floor() of it is the indicator."""
        arg = r.arg if r.kind == "max" else SymSum(tuple(Mono(-m.coef, m.factors) for m in r.arg.terms), r.arg.free)
        soft = Red(SOFTMAX, r.reduced, arg)
        peak_names = {j: self.names.fresh(j) for j in r.reduced}
        peak_arg = subst_factor(soft, peak_names, self.names)
        peak = Red("max", tuple(peak_names.values()), single(peak_arg, factor_free(peak_arg)))
        # s / max(s) is s times 1/max(s), which can round to just below 1 at the peak: 1 + 1e-9 lifts it
        # (entries within 1e-9 of the largest count as ties)
        ratio = SymSum((Mono(1 + TIE, (soft, _recip(single(peak, factor_free(peak))))),), soft.arg.free)
        indicator = Fn("floor", ratio)
        count_names = {j: self.names.fresh(j) for j in r.reduced}
        counted = subst_factor(indicator, count_names, self.names)
        count = SymSum((Mono(1, (counted,)),), factor_free(r))
        return (indicator, _recip(count))

    def chain(self, factor: Fn) -> SymSum:
        """d f(u) = f'(u) du, entry by entry of u."""
        inner = self.sum(factor.arg)
        free = factor.arg.free + self.new
        if not inner.terms:
            return SymSum((), free)
        if factor.name in NOT_DIFFERENTIABLE:
            raise E.NotDifferentiableError(
                f"{factor.name} {NOT_DIFFERENTIABLE[factor.name]}, so diff cannot go through it", [self.where],
                hint=f"differentiate the expression without {factor.name}, or where its argument is constant",
            )
        coef, outer = DERIVATIVES[factor.name](factor.arg)
        return SymSum(tuple(Mono(coef * t.coef, outer + t.factors) for t in inner.terms), free)


@dataclass(frozen=True, slots=True)
class Derivative:
    """A simplified derivative: the index expression, its names, and the lowered value."""

    expression: SymSum
    names: Names
    display: dict[int, str]  # names of computed tensors kept whole, by node id (for printing)
    value: Labeled


@dataclass(frozen=True, slots=True)
class _Variable:
    name: str
    node: ir.Node
    indices: tuple[str, ...]


def _variable(lowerer: Lowerer, arg: ast.Expr, value: Labeled) -> _Variable:
    """The tensor and new indices of diff's second argument, checked."""
    span = getattr(arg, "span", None)
    if isinstance(arg, ast.Word):
        meaning = lowerer.scope.resolve(arg)
        name = meaning.name
        refs = () if isinstance(meaning, WholeName) else meaning.indices
    elif isinstance(arg, ast.Access):
        name, refs = arg.name, arg.indices
    else:
        shown = f"{span.text} is not" if span is not None else "this is not"
        raise E.DiffTargetError(f"the second argument of diff is the variable with its new indices: {shown} a tensor",
                                [span], hint="write diff(expr, x_k): the derivative with respect to x, new index k")
    if name in SPECIAL_NAMES:
        raise E.DiffTargetError(f"{name} is a constant symbol: diff needs a tensor variable", [span])
    binding = lowerer.scope.lookup(name, span)
    if isinstance(binding.node, ir.Constant):
        raise E.DiffTargetError(f"{name} is a constant: diff needs a tensor variable", [span])
    indices = tuple(ref.name for ref in refs)
    if ast.ELLIPSIS in indices:
        raise E.DiffTargetError("diff needs every new index named ('...' is not supported here)", [span],
                                hint=f"write {name} with one letter per axis")
    rank = len(binding.node.shape)
    if len(indices) != rank:
        letters = "".join("klmnpq"[: max(rank, 0)]) if rank <= 6 else ""
        raise E.DiffTargetError(
            f"{name} has {rank} ax{'is' if rank == 1 else 'es'} but diff's second argument gives it {len(indices)} "
            f"new ind{'ex' if len(indices) == 1 else 'ices'}", [span],
            hint=f"write diff(expr, {name}_{letters})" if rank else f"write diff(expr, {name})",
        )
    for k, index in enumerate(indices):
        clash = index in indices[:k]
        if clash or index in (value.labels or ()):
            why = "is written twice" if clash else "is already a free index of the expression"
            also = None if clash else value.label_spans.get(index)
            raise E.DiffIndexClashError(
                f"new index {index} {why}: each new index names one axis of {name}", [refs[k].span or span, also],
                hint="pick a letter the expression does not keep free",
            )
    return _Variable(name, binding.node, indices)


def derivative(lowerer: Lowerer, e: ast.Call) -> Derivative:
    """Lower ``diff(expr, x_k)``: its simplified derivative, as an index expression and as IR."""
    if len(e.args) != 2:
        raise E.ArgumentCountError(f"diff(expr, x_k) takes 2 arguments but was given {len(e.args)}", [e.span])
    value = lowerer.expr(e.args[0], allow_whole=True)
    if value.labels is None and value.node.shape != ():
        raise messages.bare_tensor(value.display, value.node.shape, value.span)
    value = value.as_scalar()
    labels = value.labels or ()
    variable = _variable(lowerer, e.args[1], value)
    names = Names(set(labels) | set(variable.indices))
    for index, size in zip(variable.indices, variable.node.shape):
        names.sizes[index] = size
    where = getattr(e.args[0], "span", None) or e.span
    try:
        expression = Reader(value.node, variable.node, names).read(value.node, labels)
        rules = _Rules(variable.node, variable.indices, names, where)
        result = simplify(rules.sum(expression), names)
    except NotExpandable as err:
        raise _through_error(err.node, variable.name, where) from None
    except E.DerivativeTooLargeError as err:
        if not err.spans:
            err.spans = (where,) if where is not None else ()
        raise
    display = {id(variable.node): variable.name}
    node = build(result, result.free, names, Printer(display).factor)
    shown = f"diff({value.display}, {variable.name})"
    return Derivative(result, names, display, Labeled(node, result.free, e.span, {}, shown))


def _through_error(node: ir.Node, variable: str, where: Any) -> E.EinlangError:
    if isinstance(node, ir.External):
        what = f"the Python library function {node.name}"
        hint = f"differentiate {node.name}'s formula written in einlang, or treat its result as a new variable"
    elif isinstance(node, ir.Stack):
        what = "an array literal with computed entries"
        hint = "differentiate each entry separately"
    else:
        what = f"a {type(node).__name__.lower()} step"
        hint = "differentiate the parts of the expression separately"
    return E.DiffThroughError(f"the expression reaches {variable} through {what}, which has no derivative rule",
                              [where], hint=hint)


def lower_diff(lowerer: Lowerer, e: ast.Call) -> Labeled:
    """The value of ``diff(expr, x_k)`` in an expression (the lowering's entry point)."""
    return derivative(lowerer, e).value
