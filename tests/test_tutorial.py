"""docs/tutorial.md stays true: every snippet runs and prints exactly the output shown under it.

Markup: a fenced ``einlang`` block is run, in document order, in ONE :class:`einlang.Session` (a later
snippet may use what an earlier one bound). Every expression statement (not an assignment, not a
``def``) prints its value formatted by :func:`show`. A fenced ``python`` block is executed with
``exec`` in one namespace shared by all python blocks, printing what it prints. The fenced ``text``
block right after a snippet (only blank lines between) is its exact output; a snippet with no
``text`` block must print nothing. Trailing spaces and trailing blank lines are ignored.

After an intended change, refresh the outputs and review the diff::

    python tests/test_tutorial.py --update
"""

from __future__ import annotations

import contextlib
import io
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

import einlang
from einlang.display import format_value

TUTORIAL = Path(__file__).resolve().parent.parent / "docs" / "tutorial.md"
FENCE = re.compile(r"^```(\w*)[ \t]*\n(.*?)^```[ \t]*$", re.MULTILINE | re.DOTALL)
COURSE_ORDER = ["vectors", "projections", "basis", "matrices as transforms", "einstein summation",
                "gram–schmidt and reflection", "eigenvectors and pagerank"]


@dataclass
class Snippet:
    language: str
    code: str
    line: int
    output: str | None  # the text block after it, if any
    output_span: tuple[int, int] | None  # where that text block's body is in the file


def show(value) -> str:
    """How the tutorial prints a value: as the REPL does (4 decimals, rounding noise shown as 0, whole
    numbers as integers)."""
    return format_value(value)


def snippets(text: str) -> list[Snippet]:
    blocks = [(m.group(1), m.group(2), m.start(), m.start(2), m.end(2), m.end()) for m in FENCE.finditer(text)]
    found: list[Snippet] = []
    for k, (language, body, start, _, _, end) in enumerate(blocks):
        if language not in ("einlang", "python"):
            continue
        output, span = None, None
        if k + 1 < len(blocks):
            nxt = blocks[k + 1]
            if nxt[0] == "text" and text[end : nxt[2]].strip() == "":
                output, span = nxt[1], (nxt[3], nxt[4])
        found.append(Snippet(language, body, text.count("\n", 0, start) + 1, output, span))
    return found


def run_all(items: list[Snippet]) -> list[str]:
    """The output each snippet prints, running them in order."""
    session = einlang.Session()
    namespace: dict = {"np": np, "einlang": einlang}
    outputs = []
    for snippet in items:
        if snippet.language == "einlang":
            lines = [show(r.value) for r in session.execute(snippet.code, name=f"tutorial.md:{snippet.line}")
                     if r.kind == "expression"]
            outputs.append("\n".join(lines))
        else:
            buffer = io.StringIO()
            with contextlib.redirect_stdout(buffer):
                exec(compile(snippet.code, f"tutorial.md:{snippet.line}", "exec"), namespace)  # noqa: S102
            outputs.append(buffer.getvalue())
    return outputs


def _normal(text: str | None) -> str:
    return "\n".join(line.rstrip() for line in (text or "").splitlines()).rstrip("\n")


def test_every_snippet_prints_what_the_tutorial_shows():
    items = snippets(TUTORIAL.read_text(encoding="utf-8"))
    assert len(items) >= 25
    for snippet, got in zip(items, run_all(items)):
        assert _normal(got) == _normal(snippet.output), f"snippet at tutorial.md line {snippet.line} printed:\n{got}"


def test_tutorial_follows_the_course_in_order():
    text = TUTORIAL.read_text(encoding="utf-8")
    headings = [h.lower() for h in re.findall(r"^## (.+)$", text, re.MULTILINE)]
    positions = [next(k for k, h in enumerate(headings) if module in h) for module in COURSE_ORDER]
    assert positions == sorted(positions), headings


def test_tutorial_uses_every_library_function():
    code = "\n".join(s.code for s in snippets(TUTORIAL.read_text(encoding="utf-8")))
    missing = [name for name in einlang.library.names() if not re.search(rf"\b{name}\(", code)]
    assert not missing, f"the tutorial never calls {missing}"


def test_snippet_extraction():
    doc = "x\n```einlang\n1 + 1\n```\n\n```text\n2\n```\n```einlang\nA = [1]\n```\n```python\nprint(1)\n```\n"
    items = snippets(doc)
    assert [(s.language, s.code, s.output, s.line) for s in items] == [
        ("einlang", "1 + 1\n", "2\n", 2), ("einlang", "A = [1]\n", None, 9), ("python", "print(1)\n", None, 12)
    ]
    assert run_all(items) == ["2", "", "1\n"]


def _update() -> None:  # pragma: no cover - a maintenance command
    text = TUTORIAL.read_text(encoding="utf-8")
    items = snippets(text)
    outputs = run_all(items)
    for snippet, got in reversed(list(zip(items, outputs))):
        body = _normal(got) + "\n"
        if snippet.output_span is not None:
            a, b = snippet.output_span
            text = text[:a] + body + text[b:]
        elif _normal(got):
            print(f"line {snippet.line}: prints output but has no text block", file=sys.stderr)
    TUTORIAL.write_text(text, encoding="utf-8")


if __name__ == "__main__":  # pragma: no cover
    if sys.argv[1:] == ["--update"]:
        _update()
