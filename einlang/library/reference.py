"""docs/library.md, generated from the registry: one table row per library function, grouped by topic.

Regenerate after changing a definition (a test checks the file is up to date)::

    python -m einlang.library.reference > docs/library.md

>>> row("dot")
'| `dot` | `dot(u, v) = u_i v_i` | the dot product u·v = Σ_i u_i v_i | `dot([1, 2, 3], [4, 5, 6])  # 32` |'
>>> row("det").split(" | ")[:2]
['| `det`', '`det(A)`']
"""

from __future__ import annotations

from typing import Any

from ..semantics.callables import EinFunction
from . import names, registry

# section by the file (.ein) or module (.py) a definition lives in, in the course's order
SECTIONS = (
    ("vectors", "Vectors"),
    ("matrices", "Matrices"),
    ("linalg", "Matrices: determinant, inverse, solving, rank"),
    ("transforms", "Transforms"),
    ("basis", "Basis change"),
    ("algorithms", "Course algorithms"),
    ("images", "Images"),
)

INTRO = """\
# Library reference

Every function below is callable by name in einlang programs and the REPL, and from Python as
`einlang.library.<name>(...)`. `einlang.library.help(name)` prints a row of this table;
`einlang.library.names()` lists them all. For a function written in einlang the signature column
shows its whole definition in index notation (the files are `einlang/library/*.ein`); the others are
written in Python, and the course algorithms among them run every step as an einlang expression
(print `einlang.library.algorithms.PAGERANK_STEPS`, `GRAM_SCHMIDT_STEPS`, `POWER_STEPS` or
`REFLECTION_STEPS` to see them, and run them yourself in the REPL).

From Python, `pagerank(L, d=1.0, tol=0.01)` returns `(ranks, iterations)`, `power_iteration(M)` returns
`(eigenvector, eigenvalue, iterations)`, `eig(A)` returns `(eigenvalues, eigenvectors)` and
`transform_image(T, image, method="nearest")` takes `"bilinear"` too; inside einlang each of them gives
one tensor (the ranks, the eigenvector, the eigenvalues, the image).

The determinant is also a contraction with the Levi-Civita symbol: for a 2×2 matrix
`det(A) = eps_ij eps_kl A_ik A_jl / 2`, for a 3×3 matrix `det(A) = eps_ijk eps_lmn A_il A_jm A_kn / 6`.

In each example, the comment after `#` is the result (checked by the tests).
"""


def section_of(function: Any) -> str:
    """The file or module a library function was written in (``vectors``, ``linalg``, …)."""
    if isinstance(function, EinFunction):
        name = function.source.name if function.source is not None else ""
        return name.rsplit("/", 1)[-1].removesuffix(".ein")
    return function.impl.__module__.rsplit(".", 1)[-1]


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def row(name: str) -> str:
    """One table row: name, signature (the whole definition for an einlang one), description, example."""
    function = registry()[name]
    signature = f"{name}({', '.join(function.params)})"
    if isinstance(function, EinFunction) and function.definition.span is not None:
        text = function.definition.span.text.replace("\\\n", " ")
        signature = " ".join(text.removeprefix("def ").split())
    return f"| `{name}` | `{_cell(signature)}` | {_cell(function.description)} | `{_cell(function.example)}` |"


def markdown() -> str:
    """The whole of docs/library.md."""
    by_section: dict[str, list[str]] = {}
    for name in names():
        by_section.setdefault(section_of(registry()[name]), []).append(name)
    parts = [INTRO]
    known = [key for key, _ in SECTIONS]
    titles = list(SECTIONS) + [(key, key.capitalize()) for key in sorted(by_section) if key not in known]
    for key, title in titles:
        if key not in by_section:
            continue
        parts.append(f"\n## {title}\n\n| name | signature | description | example |\n|---|---|---|---|")
        parts.extend(row(name) for name in by_section[key])
    return "\n".join(parts) + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
