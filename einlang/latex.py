"""Programs as typeset index notation: ``einlang.latex.latex(source)``, with the Einstein sums explicit.

An index written twice in a product (and not kept by the statement's output) is summed, so the LaTeX
shows the ``\\sum`` the convention leaves out; Greek names are Greek letters, δ and ε their symbols.

>>> print(latex("C_ki = A_ij B_jk"))
C_{ki} = \\sum_{j} A_{ij} B_{jk}
>>> print(latex("n = sqrt(v_i v_i)"))
n = \\sqrt{\\sum_{i} v_{i} v_{i}}
>>> print(latex("y_α = delta_αβ x_β / 2"))
y_{\\alpha} = \\sum_{\\beta} \\frac{\\delta_{\\alpha\\beta} x_{\\beta}}{2}
>>> print(latex("T_ij = eps_ijk w_k"))
T_{ij} = \\sum_{k} \\varepsilon_{ijk} w_{k}
>>> print(latex("vals, vecs = eig(A)\\nr = pagerank(L, d=0.5)"))
\\mathrm{vals}, \\mathrm{vecs} = \\operatorname{eig}\\left(A\\right) \\\\
r = \\operatorname{pagerank}\\left(L, d=0.5\\right)
"""

from __future__ import annotations

from collections import Counter

from .syntax import ast
from .syntax.parser import parse

GREEK = ("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi "
         "chi psi omega").split()
GREEK_LETTERS = dict(zip("αβγδεζηθικλμνξπρστυφχψω", GREEK))
SYMBOLS = {"delta": "\\delta", "eps": "\\varepsilon", "pi": "\\pi"}
FUNCTIONS = {"sqrt": None, "exp": "\\exp", "log": "\\log", "sin": "\\sin", "cos": "\\cos", "tan": "\\tan",
             "abs": None}
REDUCTIONS = {"sum": "\\sum", "max": "\\max", "min": "\\min", "prod": "\\prod"}  # the others: \operatorname*


def latex(source: str) -> str:
    """The LaTeX of every statement of ``source``, one per line (``\\\\`` between them)."""
    program = parse(source)
    lines: list[str] = []
    for stmt in program.statements:
        call = getattr(stmt, "expr", None)
        if isinstance(call, ast.Call) and call.part:  # "vals, vecs = eig(A)" is one line: the first part's
            lines[-1] = lines[-1].replace(" = ", f", {_atom(stmt.target)} = ", 1)  # type: ignore[union-attr]
            continue
        lines.append(_statement(stmt))
    return " \\\\\n".join(lines)


def _name(text: str) -> str:
    """A tensor or index name as LaTeX: Greek words and letters as Greek, δ and ε as symbols."""
    if text in SYMBOLS:
        return SYMBOLS[text]
    if text in GREEK_LETTERS:
        return "\\" + GREEK_LETTERS[text]
    if text in GREEK:
        return "\\" + text
    return text if len(text) == 1 else f"\\mathrm{{{text}}}"


def typeset_name(text: str) -> str:
    """A tensor or index name as LaTeX (public: result displays typeset their indices with it).

    >>> typeset_name("α"), typeset_name("in"), typeset_name("eps")
    ('\\\\alpha', '\\\\mathrm{in}', '\\\\varepsilon')
    """
    return _name(text)


def _split(word: str) -> tuple[str, list[str]]:
    """``A_ij`` -> ("A", ["i", "j"]): the name, then one letter per index (the REPL resolves words
    against what is bound; typesetting reads the last ``_`` as the start of the indices)."""
    name, sep, letters = word.rpartition("_")
    if not sep or not name or not letters.isalpha():
        return word, []
    return name, list(letters)


def _indices(e: ast.Expr) -> list[str]:
    """The indices a factor contributes to its product (a call's or a bracket's free ones)."""
    if isinstance(e, ast.Word):
        return _split(e.text)[1]
    if isinstance(e, ast.Access):
        return [r.name for r in e.indices]
    if isinstance(e, (ast.Call, ast.Array)) and e.indices is not None:
        return [r.name for r in e.indices]
    if isinstance(e, ast.Paren):
        return _free(e.expr)
    if isinstance(e, ast.Neg):
        return _indices(e.operand)
    if isinstance(e, ast.Product):
        return [i for f in e.factors for i in _indices(f)]
    if isinstance(e, ast.Div):
        return _indices(e.numerator) + _indices(e.denominator)
    if isinstance(e, ast.Sum):
        return _free(e.terms[0][1])
    return []


def _free(e: ast.Expr) -> list[str]:
    counts = Counter(_indices(e))
    return [i for i in counts if counts[i] == 1]


def _subscript(indices: list[str]) -> str:
    return "_{" + "".join(_name(i) for i in indices) + "}" if indices else ""


def _statement(stmt: ast.Statement) -> str:
    if isinstance(stmt, ast.Definition):
        out = [r.name for r in stmt.output] if stmt.output is not None else None
        head = f"\\mathrm{{{stmt.name}}}({', '.join(_name(p) for p in stmt.params)}){_subscript(out or [])}"
        return f"{head} = {_summed(stmt.body, out)}"
    if isinstance(stmt, ast.Assignment):
        kept = _indices(stmt.target)
        return f"{_atom(stmt.target)} = {_summed(stmt.expr, kept)}"
    kept = [r.name for r in stmt.output] if stmt.output is not None else None
    return _summed(stmt.expr, kept)


def _summed(e: ast.Expr, kept: list[str] | None) -> str:
    """``e`` with a ``\\sum`` in front of each product over the indices it repeats and does not keep."""
    if isinstance(e, ast.Sum):
        parts = []
        for k, (sign, term) in enumerate(e.terms):
            text = _summed(term, kept)
            parts.append(("- " if sign < 0 else "") + text if k == 0 else (" - " if sign < 0 else " + ") + text)
        return "".join(parts)
    counts = Counter(_indices(e)) if isinstance(e, (ast.Product, ast.Div)) else Counter()
    summed = [i for i, n in counts.items() if n > 1 and (kept is None or i not in kept)]
    body = _expr(e)
    return f"\\sum_{{{''.join(_name(i) for i in summed)}}} {body}" if summed else body


def _atom(e: ast.Expr) -> str:
    if isinstance(e, ast.Word):
        name, indices = _split(e.text)
        return _name(name) + _subscript(indices)
    if isinstance(e, ast.Access):
        return _name(e.name) + _subscript([r.name for r in e.indices])
    if isinstance(e, ast.Name):
        return _name(e.name)
    raise TypeError(type(e).__name__)


def _expr(e: ast.Expr) -> str:
    if isinstance(e, (ast.Word, ast.Access, ast.Name)):
        return _atom(e)
    if isinstance(e, ast.Number):
        return e.text or str(e.value)
    if isinstance(e, ast.Paren):
        return f"\\left({_summed(e.expr, None)}\\right)"
    if isinstance(e, ast.Neg):
        return f"-{_expr(e.operand)}"
    if isinstance(e, ast.Product):
        return " ".join(_expr(f) for f in e.factors)
    if isinstance(e, ast.Div):
        return f"\\frac{{{_expr(e.numerator)}}}{{{_expr(e.denominator)}}}"
    if isinstance(e, ast.Sum):
        return _summed(e, None)
    if isinstance(e, ast.Array):
        return _matrix(e)
    if isinstance(e, ast.Call):
        return _call(e)
    if isinstance(e, ast.Reduce):
        operator = REDUCTIONS.get(e.kind) or f"\\operatorname*{{{e.kind}}}"
        return f"{operator}{_subscript([r.name for r in e.indices])} \\left({_summed(e.arg, None)}\\right)"
    raise TypeError(type(e).__name__)


def _call(e: ast.Call) -> str:
    args = [_summed(a, None) for a in e.args] + [f"{_name(k.name)}={_summed(k.value, None)}" for k in e.keywords]
    sub = _subscript([r.name for r in e.indices]) if e.indices is not None else ""
    if e.function == "sqrt" and len(args) == 1:
        return f"\\sqrt{{{args[0]}}}{sub}"
    if e.function == "abs" and len(args) == 1:
        return f"\\left|{args[0]}\\right|{sub}"
    name = FUNCTIONS.get(e.function) or f"\\operatorname{{{e.function}}}"
    return f"{name}\\left({', '.join(args)}\\right){sub}"


def _matrix(e: ast.Array) -> str:
    sub = _subscript([r.name for r in e.indices]) if e.indices is not None else ""
    if all(isinstance(item, ast.Array) and item.indices is None for item in e.items):
        rows = [" & ".join(_expr(x) for x in item.items) for item in e.items]  # type: ignore[attr-defined]
    else:
        rows = [_expr(x) for x in e.items]  # a vector: a column, as the course writes it
    return "\\begin{bmatrix}" + " \\\\ ".join(rows) + "\\end{bmatrix}" + sub
