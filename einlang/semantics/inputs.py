"""The tensors a program reads, from its text alone (before any tensor is bound).

``einlang bench`` uses this to make random inputs of the right ranks.

>>> from einlang.syntax.parser import parse
>>> input_ranks(parse("C = A_ij B_jk + delta_ik; C_ii s"))
{'A': 2, 'B': 2, 's': 0}
"""

from __future__ import annotations

from .. import errors as E
from ..syntax import ast
from .scope import SPECIAL_NAMES


def input_ranks(program: ast.Program) -> dict[str, int]:
    """Each tensor the expressions read and how many indices it is written with (``A_ij`` -> A: 2; a
    bare word is a scalar). δ and ε, definitions and the names assignments bind are not inputs; a name
    written with two different numbers of indices is refused (:class:`~einlang.errors.RankMismatchError`)."""
    ranks: dict[str, int] = {}
    targets: set[str] = set()
    for stmt in program.statements:
        if isinstance(stmt, ast.Definition):
            continue
        for node in ast.walk(stmt.expr):
            access = _as_access(node)
            if access is None or access.name in SPECIAL_NAMES:
                continue
            rank = len(access.indices)
            if ranks.setdefault(access.name, rank) != rank:
                raise E.RankMismatchError(f"{access.name} is used with {ranks[access.name]} and with {rank} indices",
                                          [node.span])
        if isinstance(stmt, ast.Assignment):  # the name being assigned is not an input
            target = _as_access(stmt.target)
            if target is not None:
                targets.add(target.name)
    return {name: rank for name, rank in ranks.items() if name not in targets}


def _as_access(node: object) -> ast.Access | None:
    """A word, name or access read as a tensor with its indices (a bare name has none)."""
    if isinstance(node, ast.Word):
        return node.split() or ast.Access(node.text, (), node.span)  # A_ij: A with 2 indices; alpha: a scalar
    if isinstance(node, ast.Name):
        return ast.Access(node.name, (), node.span)
    return node if isinstance(node, ast.Access) else None
