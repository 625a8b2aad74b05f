"""Syntax tree -> einlang text. ``parse(to_text(tree)) == tree`` for every tree the parser can build.

The printer adds nothing the tree does not say: parentheses are :class:`~einlang.syntax.ast.Paren`
nodes, so they are printed exactly where the tree has them (spans are not compared, so positions may
differ). Indices are printed in braces (``A_{ij}``, ``W_{in,out}``, ``x_{...j}``) because braces say
unambiguously where a name ends and its indices begin.

>>> from einlang.syntax.parser import parse
>>> tree = parse("C_{...ik} = A_{...ij} B_jk / (2 + x)\\nsqrt(x_i x_i) -> {}")
>>> print(to_text(tree))
C_{...ik} = A_{...ij} B_jk / (2 + x)
sqrt(x_i x_i) ->
>>> parse(to_text(tree)) == tree
True
>>> print(to_text(parse("vals, vecs = eig(A)\\nr = pagerank(L, d=0.5)")))
vals, vecs = eig(A)
r = pagerank(L, d=0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

from ..records import replace
from . import ast


def to_text(node: ast.Program | ast.Statement | ast.Expr) -> str:
    """The einlang text of a program, a statement or an expression."""
    if isinstance(node, ast.Program):
        return "\n".join(_statement_texts(node.statements))
    if isinstance(node, (ast.ExprStatement, ast.Assignment, ast.Definition)):
        return statement_text(node)
    return expr_text(node)


def _statement_texts(statements: Sequence[ast.Statement]) -> list[str]:
    """One line per statement; the assignments an unpacking became are one line again (``a, b = eig(A)``)."""
    lines: list[str] = []
    k = 0
    while k < len(statements):
        stmt = statements[k]
        expr = getattr(stmt, "expr", None)
        if isinstance(stmt, ast.Assignment) and isinstance(expr, ast.Call) and expr.part == 0:
            group = statements[k : k + expr.parts]
            whole = replace(expr, part=None, parts=0)
            lines.append(f"{', '.join(expr_text(s.target) for s in group)} = {expr_text(whole)}")  # type: ignore[union-attr]
            k += expr.parts
            continue
        lines.append(statement_text(stmt))
        k += 1
    return lines


def statement_text(stmt: ast.Statement) -> str:
    if isinstance(stmt, ast.Assignment):
        return f"{expr_text(stmt.target)} = {expr_text(stmt.expr)}"
    if isinstance(stmt, ast.Definition):
        sub = "" if stmt.output is None else "_" + _braces(stmt.output)
        return f"def {stmt.name}({', '.join(stmt.params)}){sub} = {expr_text(stmt.body)}"
    if isinstance(stmt, ast.ExprStatement):
        text = expr_text(stmt.expr)
        if stmt.output is None:
            return text
        return f"{text} ->" + (f" {_braces(stmt.output)}" if stmt.output else "")
    raise TypeError(f"not a statement: {stmt!r}")


def _braces(refs: Sequence[ast.IndexRef]) -> str:
    """``{ij}`` for one-letter indices, else ``{in,out,}`` (the trailing comma keeps ``{in,}`` one index)."""
    names = [r.name for r in refs]
    if all(len(n) == 1 or n == ast.ELLIPSIS for n in names):
        return "{" + "".join(names) + "}"
    return "{" + ",".join(names) + ",}"


def _subscript(refs: Sequence[ast.IndexRef] | None) -> str:
    return "" if refs is None else "_" + _braces(refs)


def _number(value: int | float | complex) -> str:
    if isinstance(value, complex):
        return f"{value.imag!r}j"
    return repr(value)


def expr_text(e: ast.Expr) -> str:
    """The text of one expression (recursive: the parser never builds a tree deeper than MAX_NESTING)."""
    if isinstance(e, ast.Word):
        return e.text
    if isinstance(e, ast.Access):
        return e.name + _subscript(e.indices)
    if isinstance(e, ast.Name):
        return f"`{e.name}`"
    if isinstance(e, ast.Number):
        return _number(e.value)
    if isinstance(e, ast.Call):
        args = [expr_text(a) for a in e.args] + [f"{k.name}={expr_text(k.value)}" for k in e.keywords]
        return f"{e.function}({', '.join(args)}){_subscript(e.indices)}"
    if isinstance(e, ast.Reduce):
        names = [r.name for r in e.indices]
        indices = "".join(names) if all(len(n) == 1 for n in names) else _braces(e.indices)
        args = ", ".join(expr_text(a) for a in (e.arg, *e.extra))  # extra and after: errors the checker says
        return f"{e.written or e.kind}_{indices}({args}){_subscript(e.after)}"
    if isinstance(e, ast.Array):
        return f"[{', '.join(expr_text(i) for i in e.items)}]{_subscript(e.indices)}"
    if isinstance(e, ast.Paren):
        return f"({expr_text(e.expr)})"
    if isinstance(e, ast.Neg):
        return "-" + expr_text(e.operand)
    if isinstance(e, ast.Product):
        parts = [expr_text(e.factors[0])]
        for factor in e.factors[1:]:
            # juxtaposition takes an atom; '*' also takes a negated factor (A * -B)
            parts.append(("* " if isinstance(factor, ast.Neg) else "") + expr_text(factor))
        return " ".join(parts)
    if isinstance(e, ast.Div):
        return f"{expr_text(e.numerator)} / {expr_text(e.denominator)}"
    if isinstance(e, ast.Sum):
        out = [expr_text(e.terms[0][1]) if e.terms[0][0] == 1 else "-" + expr_text(e.terms[0][1])]
        for sign, term in e.terms[1:]:
            out.append(("+ " if sign == 1 else "- ") + expr_text(term))
        return " ".join(out)
    raise TypeError(f"not an expression: {e!r}")
