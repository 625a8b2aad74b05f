"""Matching a call's arguments to the function's parameters: positional ones in order, then keyword ones
by name (``pagerank(L, d=0.5)``); and picking one result of a function with several (``vals, vecs = eig(A)``).

>>> from einlang.syntax.parser import parse
>>> from einlang.library import registry
>>> call = parse("pagerank(L, d=0.5)").statements[0].expr
>>> [getattr(a, "text", None) for a in bind(registry()["pagerank"], call)]
['L', '0.5']
>>> bind(registry()["pagerank"], parse("pagerank(L, damping=0.5)").statements[0].expr)
Traceback (most recent call last):
...
einlang.errors.KeywordArgumentError: error[E230] at <input>:1:13: pagerank has no parameter damping: it takes pagerank(L, d, tol)
  1 | pagerank(L, damping=0.5)
    |             ^^^^^^^
  hint: did you mean d?
"""

from __future__ import annotations

import inspect
from typing import Any

from .. import errors as E
from ..records import record
from ..syntax import ast
from .callables import EinFunction, PyFunction

Function = EinFunction | PyFunction


def _least(function: Function) -> int:
    return function.required if isinstance(function, PyFunction) else len(function.params)


def _signature(name: str, function: Function) -> str:
    return f"{name}({', '.join(function.params)})"


def bind(function: Function, e: ast.Call) -> tuple[ast.Expr | None, ...]:
    """The argument for each parameter, in the parameters' order, up to the last one given; ``None`` for
    an optional parameter left out before a later one given by keyword."""
    params, given = function.params, len(e.args) + len(e.keywords)
    least, most = _least(function), len(params)
    if len(e.args) > most or (not e.keywords and not least <= given <= most):
        expected = str(most) if least == most else f"{least} to {most}"
        raise E.ArgumentCountError(
            f"{_signature(e.function, function)} takes {expected} argument{'s' if most != 1 else ''} but was given {given}",
            [e.span],
        )
    slots: list[ast.Expr | None] = [*e.args, *([None] * (most - len(e.args)))]
    for keyword in e.keywords:
        slots[_position(function, e, keyword, slots)] = keyword.value
    missing = [p for p, s in zip(params[:least], slots) if s is None]
    if missing:
        raise E.ArgumentCountError(
            f"{_signature(e.function, function)} needs {', '.join(missing)}, "
            f"which {'is' if len(missing) == 1 else 'are'} not given",
            [e.span],
            hint=f"give every required argument, in order or by name: {e.function}({', '.join(params[:least])})",
        )
    while slots and slots[-1] is None:
        slots.pop()
    for position, slot in enumerate(slots):
        if slot is None and not _may_leave_out(function, position):
            raise E.KeywordArgumentError(
                f"{e.function} needs {params[position]} when a later argument is given by name",
                [e.span],
                hint=f"give {params[position]} too: {_signature(e.function, function)}",
            )
    return tuple(slots)


def _position(function: Function, e: ast.Call, keyword: ast.Keyword, slots: list[ast.Expr | None]) -> int:
    params = function.params
    if keyword.name not in params:
        raise E.KeywordArgumentError(
            f"{e.function} has no parameter {keyword.name}: it takes {_signature(e.function, function)}",
            [keyword.name_span or keyword.span],
            hint=_close(keyword.name, params) or f"its parameters are {', '.join(params)}",
        )
    position = params.index(keyword.name)
    if slots[position] is not None:
        raise E.KeywordArgumentError(
            f"{e.function} is given {keyword.name} twice: argument {position + 1} is {keyword.name} already",
            [keyword.name_span or keyword.span, slots[position].span],  # type: ignore[union-attr]
            hint=f"give each parameter once: {_signature(e.function, function)}",
        )
    return position


def _close(name: str, params: tuple[str, ...]) -> str | None:
    """``did you mean d?`` for a close spelling or a parameter the word starts with (damping -> d,
    tolerance -> tol)."""
    import difflib  # here: only a mistake needs it (#14, start-up)

    close = difflib.get_close_matches(name, list(params), n=3, cutoff=0.6)
    close += [p for p in params if p not in close and (name.startswith(p) or p.startswith(name))]
    return "did you mean " + " or ".join(close[:3]) + "?" if close else None


def _may_leave_out(function: Function, position: int) -> bool:
    """A Python function's optional parameter whose implementation takes None for "not given"."""
    if not isinstance(function, PyFunction) or position < function.required:
        return False
    try:
        parameters = list(inspect.signature(function.impl).parameters.values())
    except (TypeError, ValueError):  # pragma: no cover - builtins without a signature
        return False
    return position < len(parameters) and parameters[position].default is None


@record
class LeftOut:
    """A Python function called with some optional parameters left out between given ones: the given
    arrays are passed on with ``None`` where the left-out ones go (equal wrappers of one function compare
    equal, so plans stay cacheable)."""

    function: Any
    given: tuple[bool, ...]

    def __call__(self, *arrays: Any) -> Any:
        values = iter(arrays)
        return self.function(*(next(values) if present else None for present in self.given))


def part(function: Function, e: ast.Call) -> Function:
    """The function computing result ``e.part`` of a call that several names are assigned from."""
    if e.part is None:
        return function
    results = function.results if isinstance(function, PyFunction) else ()
    if len(results) != e.parts:
        gives = f"{len(results)} results ({', '.join(r for r, _ in results)})" if results else "one result"
        raise E.UnpackingError(
            f"{e.parts} names left of '=' but {e.function} gives {gives}",
            [e.span],
            hint=(f"write {', '.join(r for r, _ in results)} = {e.function}(...)" if results
                  else f"assign it to one name: x = {e.function}(...)"),
        )
    return results[e.part][1]


def elementwise_only(e: ast.Call) -> None:
    """An elementwise function (``exp``, ``sqrt``) takes one argument, by position, and has one result."""
    if e.keywords:
        keyword = e.keywords[0]
        raise E.KeywordArgumentError(
            f"{e.function} takes its one argument by position, not as {keyword.name}=…",
            [keyword.name_span or keyword.span], hint=f"write {e.function}(x)",
        )
    raise E.UnpackingError(f"{e.parts} names left of '=' but {e.function} gives one result", [e.span],
                           hint=f"assign it to one name: y = {e.function}(x)")
