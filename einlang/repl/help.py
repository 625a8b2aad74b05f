"""The REPL's help texts: ``:help``, ``:help syntax``, ``:help functions``, ``:help backends``,
``:help COMMAND`` and ``:help NAME``.

>>> print(help_text("eye"))
eye(...): the n×n identity matrix
  example: I = eye(3)
"""

from __future__ import annotations

from ..backends import available_backends, get_backend
from ..docs_cli import SITE_URL
from ..functions import ELEMENTWISE
from ..session import Session
from .helpers import FILE_HELPERS, HELPERS
from .script import CommandError

INTRO = """\
einlang — Einstein summation, checked and planned.  :help for help, Ctrl-D to quit.
"""

SYNTAX_HELP = """\
Index notation: a repeated index is summed, the others are the result's indices.
  A = [[1, 2], [3, 4]]      bind a tensor (also: x = rand(3), R = rand(3, 3), I = eye(3), v = arange(6))
  x = load("x.npy")         read .npy, .npz or .csv;  save(x, "x.npy") writes one
  symbols a b θ             SymPy symbols: rotation(θ), A_ij x_j with symbolic entries give formulas
  vals, vecs = eig(A)       several results of one call;  pagerank(L, d=0.85) gives an argument by name
  A_ij x_j                  matrix times vector: j is summed, the result has index i
  x_i x_i                   dot product (a scalar)
  A_ii                      trace;   d_i = A_ii  the diagonal
  C_ki = A_ij B_jk          name the result and order its indices;   A_ij B_jk -> ki  the same, unnamed
  eps_ijk a_j b_k           cross product with the Levi-Civita symbol; delta_ij is the identity
  sqrt(x_i x_i)             elementwise functions: sqrt, exp, log, abs, sin, cos, ...
  max_j(A_ij)               reductions over j: sum (Σ), max, min, prod, mean, logsumexp; max_{jk}(…) over two
  softmax_j(S_ij)           normalise along j;  softmax_j(Q_id K_jd / sqrt(size(d))) V_jk  attention
  def f(u, v) = u_i v_i     define a function; f(x, x) calls it
  A_{in,out}, `my name`_ij  multi-letter indices in braces; backquotes for names with underscores
The last result is bound to _ .  Unfinished lines (open brackets, trailing operator) continue on the next line."""


DOCS_HELP = f"Docs: {SITE_URL}  (in a shell, `einlang docs` serves or opens them locally, `einlang docs PAGE` prints one)"


def help_text(topic: str, session: Session | None = None) -> str:
    """The help for ``topic``; an empty topic gives the overview with every command."""
    from .commands import ALIASES, COMMANDS  # here, not at the top: the :help command calls this function

    topic = topic.strip()
    if not topic:
        lines = [SYNTAX_HELP, "", "Commands:"]
        lines += [f"  {c.usage:24} {c.summary}" for c in COMMANDS.values()]
        lines.append("Tab completes names, functions and :commands; ↑/↓ browse the history.")
        lines.append(DOCS_HELP)
        return "\n".join(lines)
    if topic == "docs":
        return DOCS_HELP
    if topic == "syntax":
        return SYNTAX_HELP
    if topic in ("functions", "library"):
        return _functions_help(session)
    if topic == "backends":
        return "\n".join(f"  {name:6} {get_backend(name).description}" for name in available_backends())
    command = ALIASES.get(topic, topic if topic.startswith(":") else ":" + topic)
    if command in COMMANDS:
        return f"{COMMANDS[command].usage}\n  {COMMANDS[command].summary}"
    return _function_help(topic, session)


#: the named numbers (einlang.semantics.scope.CONSTANTS), for :help pi
CONSTANT_HELP = {
    "pi": "pi (or π): the number 3.14159…, half a turn in radians; pi / 6 is 30°",
    "π": "π (or pi): the number 3.14159…, half a turn in radians; π / 6 is 30°",
    "tau": "tau (or τ): 2π = 6.28318…, a whole turn in radians",
    "τ": "τ (or tau): 2π = 6.28318…, a whole turn in radians",
}

#: the reductions (einlang.semantics.reductions), for :help max
REDUCTION_HELP = {
    "sum": "sum_j(expr) (or Σ_j): the sum over j, like a repeated index; sum_{jk}(…) over two indices",
    "Σ": "Σ_j(expr) (or sum_j): the sum over j, like a repeated index; Σ_{jk}(…) over two indices",
    "max": "max_j(expr): the largest entry along j (max_k(A_ij B_jk): each row's maximum of the product); "
    "max_{jk}(…) over two indices",
    "min": "min_j(expr): the smallest entry along j; min_{jk}(…) over two indices",
    "prod": "prod_j(expr): the product of the entries along j (1 over none)",
    "mean": "mean_j(expr): the average along j",
    "logsumexp": "logsumexp_j(expr): log Σ_j exp(expr), computed without overflow",
    "softmax": "softmax_j(expr): exp(expr) / Σ_j exp(expr), keeping j: weights along j that add up to 1",
    "size": "size(d): the size of index d in the product around it, as in x_d / size(d)",
}


def _function_help(name: str, session: Session | None) -> str:
    if name in FILE_HELPERS:
        usage, summary = FILE_HELPERS[name]
        return f"{usage}\n  {summary}"
    if name in HELPERS:
        helper = HELPERS[name]
        return f"{name}(...): {helper.description}\n  example: {helper.example}"
    from .. import library

    if session is not None and name in session.definitions:
        if name in library.names():  # lexical scope: the library's own definitions still call its version
            return (f"{session.definitions[name]}\n  (yours: it shadows the library function {name} in your own "
                    f"statements; the library's functions keep calling theirs)\n\nthe library's:\n{library.help(name)}")
        return session.definitions[name]
    if name in ELEMENTWISE:
        return f"{name}(x): elementwise {name}, applied to every entry"
    if name in CONSTANT_HELP:
        return CONSTANT_HELP[name]
    if name.rstrip("_") in REDUCTION_HELP:
        return REDUCTION_HELP[name.rstrip("_")]
    if name in library.names():
        return library.help(name)
    raise CommandError(f"no help for {name!r}: try :help, :help functions or :help syntax")


def _functions_help(session: Session | None) -> str:
    from .. import library

    lines = ["Library functions (:help NAME for one):"]
    for name in library.names():
        function = library.registry()[name]
        description = getattr(function, "description", "") or ""
        lines.append(f"  {library.signature(name)}" + (f"  {description}" if description else ""))
    lines.append("Elementwise: " + ", ".join(sorted(ELEMENTWISE)))
    lines.append("Constants: " + ", ".join(name for name in CONSTANT_HELP if name.isascii()) + " (π and τ too)")
    lines.append("REPL helpers: rand(3), rand(3, 3), eye(3), arange(6), load(\"f.npy\"), save(x, \"f.npy\")")
    if session is not None and session.definitions:
        lines.append("Yours: " + ", ".join(session.definitions))
    return "\n".join(lines)
