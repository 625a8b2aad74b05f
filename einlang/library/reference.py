"""The library reference page, generated from the library itself: each einlang definition's own ``##``
comments and source, each Python-written function's description and docstrings.

The docs site builds ``library.md`` from :func:`markdown` at build time (``mkdocs_hooks.py``), so the
page cannot drift from the code; ``einlang docs library`` prints it for an installed user::

    python -m einlang.library.reference        # the page, as Markdown

>>> row("dot")
'| [`dot`](#dot) | the dot product u·v = Σ_i u_i v_i |'
>>> print(entry("dot"))
### `dot`
<BLANKLINE>
```einlang
def dot(u, v) = u_i v_i
```
<BLANKLINE>
the dot product u·v = Σ_i u_i v_i
<BLANKLINE>
Example: `dot([1, 2, 3], [4, 5, 6])  # 32`
<BLANKLINE>
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from ..semantics.callables import EinFunction
from . import _PYTHON_API, names, registry
from . import signature as library_signature

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
`einlang.library.<name>(...)`. `einlang.library.help(name)` (or `:help name` in the REPL) prints its
description; `einlang.library.names()` lists them all. This page is generated from the library itself
when the site is built: for a function written in einlang it shows the whole definition in index
notation and the `##` comments above it (the files are `einlang/library/*.ein`); for one written in
Python, its description and its docstrings. The course algorithms among the Python ones run every step
as an einlang expression (print `einlang.library.algorithms.PAGERANK_STEPS`, `GRAM_SCHMIDT_STEPS`,
`POWER_STEPS` or `REFLECTION_STEPS` to see them, and run them yourself in the REPL).

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


def signature(name: str) -> str:
    """The whole definition of an einlang function (``dot(u, v) = u_i v_i``), else ``name(params)``."""
    function = registry()[name]
    if isinstance(function, EinFunction) and function.definition.span is not None:
        text = function.definition.span.text.replace("\\\n", " ")
        return " ".join(text.removeprefix("def ").split())
    return library_signature(name)


def row(name: str) -> str:
    """One row of a section's summary table: the name (linking to its entry) and the description."""
    return f"| [`{name}`](#{name}) | {_cell(registry()[name].description)} |"


_DIRECTIVE = re.compile(r"\s*# doctest:.*$")


def docstring_markdown(doc: str) -> str:
    """A docstring, dedented, with its doctest lines fenced as Python.

    >>> docstring_markdown(">>> 2 * 2\\n4\\n\\nTwice two.").splitlines()
    ['```python', '>>> 2 * 2', '4', '```', '', 'Twice two.']
    """
    text = inspect.cleandoc(doc)
    out: list[str] = []
    in_code = False
    for line in text.splitlines():
        code = line.startswith(">>>") or (in_code and line.strip() != "")
        if line.startswith(">>>"):
            line = _DIRECTIVE.sub("", line)  # doctest's own options are not for readers
        if code and not in_code:
            out.append("```python")
        elif not code and in_code:
            out.append("```")
        out.append(line)
        in_code = code
    if in_code:
        out.append("```")
    return "\n".join(out).strip()


def entry(name: str) -> str:
    """A function's section: definition or signature, description, example, Python-side docstrings."""
    function = registry()[name]
    written_in = "einlang" if isinstance(function, EinFunction) else "text"
    parts = [f"### `{name}`", "", f"```{written_in}", f"{'def ' if written_in == 'einlang' else ''}{signature(name)}", "```", ""]
    parts += [function.description, ""]
    if function.example:
        parts += [f"Example: `{function.example}`", ""]
    if not isinstance(function, EinFunction):
        notes = docstring_markdown(function.impl.__doc__ or "").split("\n\n", 1)[0] if function.impl.__doc__ else ""
        if notes and "```" not in notes:
            parts += [f"How: {notes}", ""]
        python = _PYTHON_API.get(name)
        if python is not None:
            doc = docstring_markdown(python.__doc__ or "")
            parts += [f"From Python: `einlang.library.{name}{inspect.signature(python)}` returns {doc}", ""]
    return "\n".join(parts)


def markdown() -> str:
    """The whole library reference page."""
    by_section: dict[str, list[str]] = {}
    for name in names():
        by_section.setdefault(section_of(registry()[name]), []).append(name)
    parts = [INTRO]
    known = [key for key, _ in SECTIONS]
    titles = list(SECTIONS) + [(key, key.capitalize()) for key in sorted(by_section) if key not in known]
    for key, title in titles:
        if key not in by_section:
            continue
        parts.append(f"\n## {title}\n\n| name | description |\n|---|---|")
        parts.extend(row(name) for name in by_section[key])
        parts.append("")
        parts.extend(entry(name) for name in by_section[key])
    return "\n".join(parts).rstrip("\n") + "\n"


if __name__ == "__main__":  # pragma: no cover
    print(markdown(), end="")
