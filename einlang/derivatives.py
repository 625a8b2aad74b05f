"""``einlang.diff(source, "x_k")``: a derivative printed as einlang source (what ``:diff`` shows).

Without tensors, every name the source indexes is taken to be a tensor of its written rank with
axes of size 3 (the shapes only decide which derivative is built, not how it is written); pass
tensors to differentiate with their shapes.

>>> print(diff_text("x_i A_ij x_j", "x_k"))
A_kj x_j + x_i A_ik
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np

from . import errors as E
from .catalog import lookup
from .semantics.diff import derivative
from .semantics.lower import SPECIAL_NAMES, Lowerer, Scope
from .semantics.scope import CONSTANTS
from .semantics.symbolic_text import to_source
from .syntax import ast
from .syntax.parser import parse

PLACEHOLDER_SIZE = 3  # the size of every axis of a tensor the caller did not give


def _ranks(trees: list[ast.Node]) -> dict[str, int]:
    """Each indexed name with the number of indices it is written with."""
    ranks: dict[str, int] = {}
    bare: set[str] = set()  # a name written without indices: a scalar unless indexed somewhere
    for tree in trees:
        for node in ast.walk(tree):
            access = node.split() if isinstance(node, ast.Word) else node if isinstance(node, ast.Access) else None
            if access is not None:
                if access.name not in SPECIAL_NAMES and all(r.name != ast.ELLIPSIS for r in access.indices):
                    ranks.setdefault(access.name, len(access.indices))
            elif isinstance(node, (ast.Word, ast.Name)):
                bare.add(node.text if isinstance(node, ast.Word) else node.name)
    return {**dict.fromkeys(bare, 0), **ranks}


def _placeholders(trees: list[ast.Node], given: Mapping[str, Any], program: ast.Program) -> dict[str, Any]:
    """The caller's tensors, and a placeholder for every other name the source reads."""
    bound = {s.target.text if isinstance(s.target, ast.Word) else s.target.name
             for s in program.statements if isinstance(s, ast.Assignment)}
    params = {p for s in program.statements if isinstance(s, ast.Definition) for p in s.params}
    tensors = dict(given)
    for name, rank in _ranks(trees).items():
        if name not in tensors and name not in bound and name not in params and name not in CONSTANTS:
            tensors[name] = np.zeros((PLACEHOLDER_SIZE,) * rank)
    return tensors


def _wrt(text: str) -> ast.Expr:
    program = parse(text, "<variable>")
    if len(program.statements) != 1 or not isinstance(program.statements[0], ast.ExprStatement):
        raise E.DiffTargetError(f"{text!r} is not a variable with its new indices", [],
                                hint='write it like "x_k" or "W_{kl}"')
    return program.statements[0].expr


def diff_text(source: str, wrt: str, tensors: Mapping[str, Any] | None = None,
              functions: Mapping[str, Any] | None = None) -> str:
    """The simplified derivative of the last expression of ``source`` with respect to ``wrt`` ("x_k"),
    as einlang source. Earlier statements (definitions, assignments) are run first."""
    program = parse(source)
    last = program.statements[-1] if program.statements else None
    if not isinstance(last, ast.ExprStatement) or last.output is not None:
        raise E.DiffTargetError("diff needs an expression to differentiate (without '->')",
                                [last.span] if last is not None and last.span else [],
                                hint='for example einlang.diff("x_i A_ij x_j", "x_k")')
    variable = _wrt(wrt)
    arrays = _placeholders([program, variable], tensors or {}, program)
    scope = Scope.from_arrays(arrays, lookup(functions)())
    lowerer = Lowerer(scope)
    for statement in program.statements[:-1]:
        lowerer.statement(statement)
    lowerer.tree = last  # what E213 searches for the reduction that binds an index
    result = derivative(lowerer, ast.Call("diff", (last.expr, variable), span=last.span))
    sizes = {**result.names.sizes, **dict(zip(result.value.labels or (), result.value.node.shape))}
    return to_source(result.expression, result.display, avoid=arrays, sizes=sizes)
