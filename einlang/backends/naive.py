"""``naive``: the teaching reference. It generates Python loops that sum over every index combination,
exactly as the convention reads, and runs them on Python numbers (ints, floats, complex, Fractions,
any objects in an object array).

The generated source is what ``explain()`` shows. It contains no user text except validated
identifiers (tensor names and index names that are plain ASCII identifiers; anything else gets a
generated name) and integers; constants and helpers are passed in the namespace, never spliced in.

>>> import numpy as np
>>> from einlang.syntax.parser import parse
>>> from einlang.semantics.lower import lower_program, Scope
>>> prog = lower_program(parse("A_ij B_jk"), Scope.from_arrays({"A": np.ones((2, 3)), "B": np.ones((3, 2))}))
>>> print(generate(prog).source)  # doctest: +NORMALIZE_WHITESPACE
def einlang_program(A, B):
    # T1_ik = Σ_j A_ij B_jk
    T1 = [[None] * 2 for _ in range(2)]
    for i in range(2):
        A_i = A[i]
        T1_i = T1[i]
        for k in range(2):
            acc = 0
            for j in range(3):
                acc += A_i[j] * B[j][k]
            T1_i[k] = acc
    return T1

Past 128 float terms (numpy's pairwise block) a sum collects its terms and adds them exactly
(:mod:`einlang.backends.exact_sums`): ``acc.append(...)``, then ``fsum(acc)``.
"""

from __future__ import annotations

import builtins
import functools
import itertools
import keyword
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..clock import check_time, evaluation
from ..config import backend_hint, get_options, raise_hint
from ..errors import NaiveIterationLimitError, UnsupportedByBackendError
from ..functions import ELEMENTWISE
from ..plan import eliminate_deltas, format_indices, unused_deltas
from ..semantics import ir
from . import Runner
from .exact_sums import FOLD_TERMS, exact_total, fold
from .executor import KEPT_DELTA, coefficient_for, inner_dtype, kronecker, levi_civita
from .lists import as_array, check_lists
from .naive_reduce import PASSES, emit_reduce

_SAFE = re.compile(r"[A-Za-z][A-Za-z0-9]*(?:_[A-Za-z0-9]+)*\Z")
_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins)) | {
    "acc", "np", "fsum", "csum"}


class _Namer:
    """Allocates Python names: a user's name only when it is a plain ASCII identifier, else a fresh one."""

    def __init__(self, used: set[str] | None = None) -> None:
        self.used: set[str] = set(_RESERVED) if used is None else set(used)

    def fresh(self, wanted: str, fallback: str) -> str:
        base = wanted if _SAFE.fullmatch(wanted) and wanted not in _RESERVED else fallback
        name, k = base, 2
        while name in self.used:
            name, k = f"{base}{k}", k + 1
        self.used.add(name)
        return name

    def child(self) -> _Namer:
        return _Namer(self.used)


@dataclass(slots=True)
class GeneratedProgram:
    source: str
    function: Callable[..., Any]
    iterations: int
    namespace: dict[str, Any] = field(repr=False)


def _literal(value: Any, namespace: dict[str, Any], namer: _Namer) -> str:
    """Integers and finite floats are written as literals; anything else goes through the namespace."""
    # (an int past Python's 4,300-digit limit for int -> text goes through the namespace too)
    if (type(value) is int and value.bit_length() < 14_000) or (type(value) is float and math.isfinite(value)):
        return repr(value)
    name = namer.fresh("_const", "_const")
    namespace[name] = value
    return name


def _iterations(node: ir.Node) -> int:
    if isinstance(node, ir.Contract):
        return math.prod(node.sizes[label] for label in node.labels) if node.labels else 1
    if isinstance(node, (ir.Combine, ir.Apply, ir.Stack)):
        return max(1, math.prod(node.shape))
    if isinstance(node, ir.Reduce):
        return max(1, math.prod(node.arg.shape)) * PASSES[node.kind]
    return 0


def _alloc(shape: Sequence[int]) -> str:
    expr = f"[None] * {shape[-1]}"
    for n in reversed(shape[:-1]):
        expr = f"[{expr} for _ in range({n})]"
    return expr


class _Emitter:
    def __init__(self, clock: bool = False) -> None:
        # ``clock``: each loop but the innermost checks the time limit (the innermost too for objects,
        # such as fractions, whose arithmetic no iteration count bounds)
        self.clock, self.clock_inner = clock, False
        self.lines: list[str] = []
        self.namespace: dict[str, Any] = {}
        self.globals = _Namer()
        self.var: dict[int, str] = {}
        self.deferred: frozenset[int] = frozenset()

    def emit(self, depth: int, text: str) -> None:
        # Comments quote tensor and index names; a line break (or any unprintable character) in a name
        # given through the Python API must never end a comment and start code.
        if not text.isprintable():
            text = "".join(ch if ch.isprintable() else "\ufffd" for ch in text)
        self.lines.append("    " * depth + text)

    # An empty sum leaves ``acc = 0``, a Python int: functions read their argument as numpy's dtype
    # (``scalar_for``) and the result is built with the node's dtype, so it acts as numpy's typed zero.
    def cast(self, depth: int, target: str, node: ir.Node, rank: int, dtype: np.dtype | None = None,
             before: Callable[[Any], Any] | None = None, note: str = "") -> None:
        """``target = as_<dtype>(target)``: every entry becomes the value numpy's ``dtype`` (the node's
        by default) holds — booleans OR, integers wrap around, float32 rounds; nothing where Python's
        arithmetic already is numpy's, or where the cast can wait (see ``_deferred_casts``)."""
        dtype = node.dtype if dtype is None else dtype
        convert = caster(dtype)
        if before is None and (convert is None or (dtype == node.dtype and id(node) in self.deferred)):
            return
        if before is not None:
            convert = before if convert is None else (lambda v, f=before, g=convert: g(f(v)))
        name = self.globals.fresh(f"scale_to_{dtype}" if before else f"as_{dtype}", "as_dtype")
        self.namespace[name] = _nested(convert, rank)
        self.emit(depth, f"{target} = {name}({target})  # {note + ' ' if note else ''}as numpy's {dtype} holds it")

    def shown(self, node: ir.Node, labels: Sequence[str], names: dict[int, str]) -> str:
        return names[id(node)] + format_indices(tuple(labels))

    def _loop_header(self, indent: int, group: Sequence[str], loop_var: dict[str, str], sizes: dict[str, int],
                     innermost: bool = False) -> None:
        if len(group) == 1:
            self.emit(indent, f"for {loop_var[group[0]]} in range({sizes[group[0]]}):")
        else:  # Python nests at most 20 blocks: the innermost indices share one loop over their product
            names = ", ".join(loop_var[x] for x in group)
            ranges = ", ".join(f"range({sizes[x]})" for x in group)
            self.namespace["_product"] = itertools.product
            self.emit(indent, f"for {names} in _product({ranges}):")
        if self.clock and (self.clock_inner or not innermost):  # the time limit, checked once per iteration
            self.emit(indent + 1, "_clock()")

    def _store(self, indent: int, value: str, target: str, out_current: str, out_var: Any, coefficient: str | None) -> None:
        """``out[i] = value`` (or ``target = value`` for a scalar), times the coefficient."""
        if coefficient is not None:
            value = f"{coefficient} * {value}"
        self.emit(indent, f"{out_current}[{out_var}] = {value}" if out_var else f"{target} = {value}")

    def _add_term(self, indent: int, term: str, total: str | None, terms: int) -> None:
        """``acc += term``, or, for an exact float sum (``total``), collect it (folded past FOLD_TERMS)."""
        self.emit(indent, f"acc.append({term})" if total else f"acc += {term}")
        if total and terms > FOLD_TERMS:  # bounded memory for long sums
            self.namespace["fold"] = fold
            self.emit(indent, f"if len(acc) > {FOLD_TERMS}: acc = fold(acc, {total})")

    # The nested helpers share the generator's running state (read prefixes, hoisted rows, bound labels).
    def loop_nest(self, depth: int, target: str, out_labels: Sequence[str], sum_labels: Sequence[str],
                  sizes: dict[str, int], reads: list[tuple[str, tuple[str, ...]]],
                  scalar: Callable[[list[str]], str], coefficient: str | None, total: str | None = None) -> None:
        """Loops over the output labels, then the summed labels; rows and entries are hoisted out of
        inner loops (the same thing a careful hand-written loop does). ``total`` (``"fsum"``/``"csum"``)
        collects a float sum's terms and adds them exactly (math.fsum) instead of one ``+=`` at a time."""
        local = self.globals.child()
        loop_var = {
            label: local.fresh(label, "b" if label.startswith("…") else "i")
            for label in dict.fromkeys([*out_labels, *sum_labels])
        }
        order = list(out_labels) + [s for s in sum_labels if s not in out_labels]
        current = [name for name, _ in reads]
        position = [0] * len(reads)
        bound: set[str] = set()
        out_current, out_position = target, 0

        groups = _loop_groups(list(out_labels), [x for x in order if x not in out_labels])

        def advance(level: int, indent: int) -> None:
            nonlocal out_current, out_position
            more_loops = level < len(groups) - 1
            for k, (name, labels) in enumerate(reads):
                moved = False
                while position[k] < len(labels) and labels[position[k]] in bound:
                    current[k] += f"[{loop_var[labels[position[k]]]}]"
                    position[k] += 1
                    moved = True
                if moved and more_loops:
                    suffix = "".join(labels[: position[k]])
                    hoisted = local.fresh(f"{name}_{suffix}" if suffix.isascii() else name, f"{name}_row")
                    self.emit(indent, f"{hoisted} = {current[k]}")
                    current[k] = hoisted
            while out_position < len(out_labels) - 1 and out_labels[out_position] in bound:
                row = out_labels[out_position]
                out_position += 1
                hoisted = local.fresh(f"{target}_{''.join(out_labels[:out_position])}", f"{target}_row")
                self.emit(indent, f"{hoisted} = {out_current}[{loop_var[row]}]")
                out_current = hoisted

        if out_labels:
            self.emit(depth, f"{target} = {_alloc([sizes[x] for x in out_labels])}")
        indent = depth
        summing = [s for s in order if s not in out_labels]
        for level, group in enumerate(groups):
            if summing and group[0] == summing[0]:
                self.emit(indent, "acc = []" if total else "acc = 0")
            self._loop_header(indent, group, loop_var, sizes, innermost=level == len(groups) - 1)
            indent += 1
            bound.update(group)
            advance(level, indent)
        if not order:
            advance(-1, indent)
        if summing:
            self._add_term(indent, scalar(current), total, math.prod(sizes[s] for s in summing))
            self._store(depth + sum(1 for g in groups if g[0] in out_labels), f"{total}(acc)" if total else "acc",
                        target, out_current, out_labels and loop_var[out_labels[-1]], coefficient)
        else:
            self._store(indent, scalar(current), target, out_current, out_labels and loop_var[out_labels[-1]], coefficient)


def caster(dtype: np.dtype) -> Callable[[Any], Any] | None:
    """Python number -> the value numpy's ``dtype`` holds (None where Python's arithmetic already is numpy's).

    >>> caster(np.dtype(np.int8))(200), caster(np.dtype(bool))(2), caster(np.dtype(float)) is None
    (-56, True, True)
    """
    if dtype == bool:
        return bool
    if dtype.kind in "iu":
        bits = 8 * dtype.itemsize
        mask, half = (1 << bits) - 1, (1 << (bits - 1)) if dtype.kind == "i" else 0
        return lambda v: ((int(v) + half) & mask) - half
    if dtype.kind in "fc" and dtype not in (np.dtype(np.float64), np.dtype(np.complex128)):
        make = dtype.type
        return lambda v: make(v).item()
    return None


def _nested(convert: Callable[[Any], Any], rank: int) -> Callable[[Any], Any]:
    """``convert`` applied to every entry of nested lists ``rank`` deep."""
    for _ in range(rank):
        convert = (lambda inner: lambda rows: [inner(row) for row in rows])(convert)
    return convert


MAX_LOOP_NEST = 16
"""Loops nested deeper than this share one ``for`` over ``itertools.product`` (CPython allows 20 blocks)."""


def _loop_groups(out_labels: list[str], sum_labels: list[str]) -> list[list[str]]:
    """One loop per index, except that past MAX_LOOP_NEST the innermost output indices, or the innermost
    summed indices, share one loop (a loop never mixes the two: the sum restarts for each output entry)."""
    if len(out_labels) + len(sum_labels) <= MAX_LOOP_NEST:
        return [[x] for x in out_labels + sum_labels]
    sum_groups = min(len(sum_labels), max(1, MAX_LOOP_NEST - len(out_labels))) if sum_labels else 0
    out_groups = min(len(out_labels), MAX_LOOP_NEST - sum_groups)

    def split(labels: list[str], k: int) -> list[list[str]]:
        return [[x] for x in labels[: k - 1]] + [labels[k - 1 :]] if k else []

    return split(out_labels, out_groups) + split(sum_labels, sum_groups)


def generate(program: ir.LoweredProgram, clock: bool = False) -> GeneratedProgram:
    """Python source (and the compiled function) that computes ``program`` with explicit loops
    (``clock``: with checks of the time limit in them, the variant run while a time limit is in force)."""
    from ..plan.plan import node_names

    names = node_names(program)
    em = _Emitter(clock)
    em.namespace["_clock"] = functools.partial(check_time, "the naive backend's loops")
    params = []
    for node in program.inputs:
        var = em.globals.fresh(node.name, "t")
        em.var[id(node)] = var
        params.append(var)
    body_start = len(em.lines)
    iterations = 0
    unused = unused_deltas(program)
    em.deferred = _deferred_casts(program)
    for node in program.nodes:
        if isinstance(node, ir.Input) or id(node) in unused:
            continue
        iterations += _iterations(node)
        target = em.globals.fresh(names[id(node)], "T")
        em.var[id(node)] = target
        em.clock_inner = node.dtype == object
        _emit_node(em, node, target, names)
    em.lines.insert(body_start, f"def einlang_program({', '.join(params)}):")
    em.emit(1, f"return {em.var[id(program.result)]}")
    source = "\n".join(em.lines) + "\n"
    namespace = dict(em.namespace)
    try:
        code = compile(source, "<einlang naive program>", "exec")
    except (RecursionError, MemoryError):
        # loops never nest past MAX_LOOP_NEST, but CPython's compiler recurses over long expressions
        # (a sum of thousands of terms)
        raise UnsupportedByBackendError(
            "the naive backend cannot run this program: its generated Python is too long for Python's compiler",
            hint="use backend='opt' (the default) or backend='numpy'",
        ) from None
    exec(code, namespace)  # the source is built from validated identifiers and integers only
    return GeneratedProgram(source, namespace["einlang_program"], iterations, namespace)


def _emit_contract(em: _Emitter, node: ir.Contract, target: str, names: dict[int, str]) -> None:
    """Loops over a product with its Kronecker deltas renamed away (δ is exact: Σ_j δ_ij x_j is x_i, inf
    included); the sum runs in Python numbers, then takes numpy's value in the product's dtype (booleans
    OR, integers wrap), then the number factors multiply it."""
    depth = 1
    gone = eliminate_deltas(node)
    operands = [node.operands[p] for p in gone.kept]
    reads = [(em.var[id(op.node)], labels) for op, labels in zip(operands, gone.labels)]
    written = set(node.output)
    summed = tuple(dict.fromkeys(label for labels in gone.labels for label in labels if label not in written))
    shown = " ".join(em.shown(op.node, labels, names) for op, labels in zip(operands, gone.labels))
    sigma = f"Σ_{''.join(summed) if all(len(s) == 1 for s in summed) else '{' + ','.join(summed) + '}'} " if summed else ""
    coef = None if node.coefficient == 1 else _literal(node.coefficient, em.namespace, em.globals)
    for renamed in gone.renamed:
        em.emit(depth, f"# δ{format_indices(renamed.delta)} removed: {renamed.dropped} renamed to {renamed.kept}")
    em.emit(depth, f"# {target}{format_indices(node.output)} = {sigma}{(coef + ' ') if coef else ''}{shown}")
    inner = inner_dtype(node)
    ring = node.dtype == inner and (coef is None or (type(node.coefficient) is int and inner.kind in "iu"))
    in_loop = ring or caster(inner) is None  # float64, complex128, objects: Python's arithmetic is numpy's

    def product(exprs: list[str]) -> str:
        return " * ".join(exprs) if exprs else "1"

    total = exact_total(em.namespace, inner, math.prod(node.sizes[s] for s in summed)) if summed else None
    if total:
        em.emit(depth, f"# floats: {total} adds the terms exactly and rounds once (numpy's accuracy or better)")
    em.loop_nest(depth, target, node.output, summed, node.sizes, reads, product, coef if in_loop else None, total)
    if in_loop:
        em.cast(depth, target, node, len(node.shape))
    else:
        copy = len(operands) == 1 and not summed and operands[0].node.dtype == inner
        if not copy or id(operands[0].node) in em.deferred:  # a copy of a value already cast is exact
            em.cast(depth, target, node, len(node.shape), inner)
        if coef is None:
            em.cast(depth, target, node, len(node.shape))
        else:
            factor = coefficient_for(node.coefficient, node.dtype)
            em.cast(depth, target, node, len(node.shape), before=lambda v, c=factor: v * c, note=f"times {coef}, then")


def _deferred_casts(program: ir.LoweredProgram) -> frozenset[int]:
    """Integer and boolean nodes whose cast can wait: +, - and × commute with reduction modulo 2**bits
    (and with "is nonzero" for booleans), so exact Python integers are cast only where a function, a
    division or another dtype reads them, and the result at the end."""
    deferred = {id(n) for n in program.nodes if n.dtype.kind in "biu"}
    for node in program.nodes:
        for child in node.inputs:
            if isinstance(node, ir.Contract):
                same = inner_dtype(node) == child.dtype
            else:
                same = isinstance(node, ir.Combine) and node.dtype == child.dtype
            if not same:
                deferred.discard(id(child))
    return frozenset(deferred)


def _emit_constant(em: _Emitter, node: ir.Node, target: str, names: dict[int, str]) -> None:
    """A constant, δ or ε as a nested list bound in the generated program's namespace (a big δ as the
    function that makes it at each run: a cached program keeps no n² numbers)."""
    call = ""
    if isinstance(node, ir.Delta) and node.shape[0] > KEPT_DELTA:
        value, call = lambda n=node.shape[0]: kronecker(n).tolist(), "()"
    elif isinstance(node, ir.Delta):
        value = kronecker(node.shape[0]).tolist()
    elif isinstance(node, ir.LeviCivita):
        value = levi_civita(len(node.shape)).tolist()
    else:
        value = node.value.tolist()
    const = em.globals.fresh(f"_{target}", "_k")
    em.namespace[const] = value
    em.emit(1, f"{target} = {const}{call}  # {names[id(node)]} {'×'.join(map(str, node.shape)) or 'scalar'}")


def _emit_node(em: _Emitter, node: ir.Node, target: str, names: dict[int, str]) -> None:
    depth = 1
    if isinstance(node, ir.Contract):
        _emit_contract(em, node, target, names)
    elif isinstance(node, ir.Combine):
        reads = [(em.var[id(t.node)], t.labels) for t in node.terms]
        coefs = [t.coefficient for t in node.terms]
        literal = [None if c in (1, -1) else _literal(c, em.namespace, em.globals) for c in coefs]
        terms_shown = " ".join(
            ("- " if c == -1 else "+ " if k else "") + em.shown(t.node, t.labels, names)
            for k, (c, t) in enumerate(zip(coefs, node.terms))
        )
        em.emit(depth, f"# {target}{format_indices(node.output)} = {terms_shown}")

        def combination(exprs: list[str]) -> str:
            parts = []
            for k, (expr, c, lit) in enumerate(zip(exprs, coefs, literal)):
                if lit is not None:
                    parts.append(("+ " if k else "") + f"{lit} * {expr}")
                elif c == -1:
                    parts.append(f"- {expr}" if k else f"-{expr}")
                else:
                    parts.append(("+ " if k else "") + expr)
            return " ".join(parts)

        sizes = dict(zip(node.output, node.shape))
        em.loop_nest(depth, target, node.output, (), sizes, reads, combination, None)
        em.cast(depth, target, node, len(node.shape))
    elif isinstance(node, ir.Apply):
        fn_name = em.globals.fresh(f"_{ELEMENTWISE[node.function].name}", "_f")
        em.namespace[fn_name] = ELEMENTWISE[node.function].scalar_for(node.arg.dtype)
        labels = tuple(f"a{k}" for k in range(len(node.shape)))
        em.emit(depth, f"# {target} = {node.function}({names[id(node.arg)]}) elementwise")
        em.loop_nest(depth, target, labels, (), dict(zip(labels, node.shape)),
                     [(em.var[id(node.arg)], labels)], lambda e: f"{fn_name}({e[0]})", None)
    elif isinstance(node, ir.Stack):
        em.emit(depth, f"{target} = [{', '.join(em.var[id(item)] for item in node.items)}]")
    elif isinstance(node, (ir.Constant, ir.Delta, ir.LeviCivita)):
        _emit_constant(em, node, target, names)
    elif isinstance(node, ir.Reduce):
        emit_reduce(em, node, target, names)
    elif isinstance(node, ir.External):
        fn_name = em.globals.fresh(f"_{node.name}", "_ext")
        kinds = [(arg.dtype, arg.shape) for arg in node.args]

        def call_external(*values, _node=node, _kinds=kinds):
            # back from nested lists to arrays; the reshape restores what lists lose (0×0 becomes [])
            arrays = [np.array(v, dtype=dtype).reshape(shape) for v, (dtype, shape) in zip(values, _kinds)]
            return _node.call(*arrays).tolist()

        em.namespace[fn_name] = call_external
        args = ", ".join(em.var[id(a)] for a in node.args)
        em.emit(depth, f"{target} = {fn_name}({args})  # library function {node.name} (Python, not loops)")
    else:  # pragma: no cover
        raise AssertionError(f"no naive code for {node!r}")


class NaiveBackend:
    name = "naive"
    description = "generated Python loops over every index combination (the teaching reference)"

    memory_needed = staticmethod(check_lists)  # its lists hold more than the plan's largest array

    def prepare(self, program: ir.LoweredProgram, plan=None):
        iterations = sum(_iterations(node) for node in program.nodes)
        _check_iterations(iterations)  # before generating: the loops' constants (deltas) can be big
        generated = generate(program)
        clocked: list[Callable[..., Any]] = []  # the loops with time checks, generated when first needed

        def run(inputs):
            _check_iterations(iterations)
            values = [np.asarray(x).tolist() for x in inputs]  # Python numbers: what the loops add
            # numpy's scalar functions give inf and nan, as numpy's arrays do
            with evaluation() as deadline, np.errstate(all="ignore"):
                if deadline is not None and not clocked:
                    clocked.append(generate(program, clock=True).function)
                out = (generated.function if deadline is None else clocked[0])(*values)
            return as_array(out, program.result.shape, program.result.dtype)

        return Runner(run, generated.source, iterations)


def _check_iterations(iterations: int) -> None:
    limit = get_options().naive_iteration_limit
    if iterations > limit:
        raise NaiveIterationLimitError(
            f"the naive backend would run {iterations:,} loop iterations, above the limit of {limit:,}",
            hint=f"{backend_hint()}, or {raise_hint('naive_iteration_limit')}",
        )
