"""``Program.to_einsum``: a program that is one product of tensors, as a ``numpy.einsum`` equation.

It reads the syntax tree only (no shapes): multi-letter and non-ASCII indices get free einsum letters.

>>> from einlang.syntax.parser import parse
>>> to_einsum(parse("C_ki = A_ij B_jk"))
'ij,jk->ki'
"""

from __future__ import annotations

from . import errors as E
from .plan import EINSUM_LETTERS, symbol
from .syntax import ast


def _product_accesses(expr: ast.Expr, out: list[tuple[str, tuple[str, ...]]]) -> bool:
    if isinstance(expr, ast.Product):
        return all(_product_accesses(f, out) for f in expr.factors)
    if isinstance(expr, ast.Paren):
        return _product_accesses(expr.expr, out)
    if isinstance(expr, ast.Word):
        split = expr.split()
        out.append((split.name, tuple(r.name for r in split.indices)) if split is not None else (expr.text, ()))
        return True
    if isinstance(expr, ast.Access):
        out.append((expr.name, tuple(r.name for r in expr.indices)))
        return ast.ELLIPSIS not in (r.name for r in expr.indices)
    if isinstance(expr, ast.Name):
        out.append((expr.name, ()))
        return True
    return False


def to_einsum(program: ast.Program) -> str:
    statements = [s for s in program.statements if not isinstance(s, ast.Definition)]
    if len(statements) != 1:
        raise E.NotAnEinsumError("to_einsum() needs a program of exactly one product statement")
    stmt = statements[0]
    out_refs: tuple[ast.IndexRef, ...] | None
    if isinstance(stmt, ast.Assignment):
        expr = stmt.expr
        target = stmt.target
        if isinstance(target, ast.Access):
            out_refs = target.indices
        elif isinstance(target, ast.Word) and (split := target.split()) is not None:
            # the checker's reading: indexed when the product has free indices or uses the letters
            out_refs = split.indices
        else:
            out_refs = None
    else:
        expr, out_refs = stmt.expr, stmt.output
    accesses: list[tuple[str, tuple[str, ...]]] = []
    if not _product_accesses(expr, accesses):
        raise E.NotAnEinsumError(
            "to_einsum() needs a single product of tensors (no sums, functions, numbers or calls)",
            [getattr(expr, "span", None)],
        )
    counts: dict[str, int] = {}
    for _, labels in accesses:
        for label in labels:
            counts[label] = counts.get(label, 0) + 1
    implicit = sorted(k for k, c in counts.items() if c == 1)
    if out_refs is not None and not implicit and not any(r.name in counts for r in out_refs):
        out_refs = None  # "total_sum = x_i x_i" binds the whole name total_sum
    output = [r.name for r in out_refs] if out_refs is not None else implicit
    symbols: dict[str, str] = {}
    letters = iter(EINSUM_LETTERS)
    for label in list(counts) + output:
        if label not in symbols:
            if len(label) == 1 and label.isascii() and label.isalpha():
                symbols[label] = label
    used = set(symbols.values())
    for label in list(counts) + output:
        if label not in symbols:
            chosen = next(ch for ch in letters if ch not in used) if len(used) < 52 else symbol(len(used))
            symbols[label] = chosen
            used.add(chosen)
    inputs = ",".join("".join(symbols[x] for x in labels) for _, labels in accesses)
    return inputs + "->" + "".join(symbols[x] for x in output)
