"""Keeps the documentation true: every example in docs/ that shows its output is run and compared.

Markup convention (docs/language.md, docs/backends.md, docs/errors.md)
---------------------------------------------------------------------

An *example* is a fenced code block whose language is ``einlang`` or ``python``, followed (only blank
lines between) by a fenced ``text`` block: the text block is the exact output. Code blocks that are not
followed by a ``text`` block are illustrations and are not run.

* ``einlang`` block: its text (without the final newline) is run in a fresh :class:`einlang.Session`
  with ``Session.execute``. Every expression statement (not an assignment, not a ``def``) prints its
  value with ``print()``, as the REPL does; the output is those lines. If the block raises an
  :class:`einlang.EinlangError`, the output is ``str(err)`` alone (so an error example holds only the
  statements the error needs).
* ``python`` block: executed with ``exec``; the ``python`` examples of one document share one
  namespace and run in document order (an example may use names an earlier one defined). The output is
  what the block prints; if it raises an ``EinlangError``, ``str(err)`` is appended.
* Lines are compared exactly, except trailing spaces and trailing blank lines.
* A ``python`` block whose first line is ``# requires: torch, jax`` needs those optional libraries: where
  one is missing it is not run (CI installs them all and sets EINLANG_REQUIRE_EXTRAS=1, and then a
  missing one fails the example).

docs/errors.md in addition: each error class has a section headed ``## E301 RankMismatchError``
(code, then class name). Every example in a section must raise an error of exactly that class, and
its ``text`` block must be ``str(err)``. Every class in :mod:`einlang.errors` (and
``einlang.einsum_compat.EinsumError``) must have its section.

After an intended change of messages, refresh the outputs and review the diff::

    python tests/test_docs.py --update docs/errors.md docs/language.md docs/backends.md

docs/tutorial.md is tested by its own test file, not here.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import re
import sys
from pathlib import Path

import pytest

import einlang
from einlang import config
from einlang import errors as E
from einlang.backends import _FACTORIES, _INSTANCES
from einlang.einsum_compat import EinsumError
from einlang.syntax import ast
from einlang.syntax.parser import parse

DOCS = Path(__file__).resolve().parent.parent / "docs"
CHECKED = ("language.md", "backends.md", "errors.md")
_FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```[ \t]*$", re.M | re.S)
_HEADING = re.compile(r"^## (E\d{3}) (\w+)\s*$", re.M)


@dataclasses.dataclass
class Example:
    document: str
    line: int  # 1-based line of the code fence, for messages
    language: str
    code: str
    expected: str
    output_span: tuple[int, int]  # character range of the text block's body, for --update
    section_code: str | None  # the E-code of the errors.md section it sits in


def examples(document: str) -> list[Example]:
    """The examples of one document, in order."""
    text = (DOCS / document).read_text(encoding="utf-8")
    blocks = list(_FENCE.finditer(text))
    headings = [(m.start(), m.group(1)) for m in _HEADING.finditer(text)]
    found: list[Example] = []
    for first, second in zip(blocks, blocks[1:]):
        if first.group(1) not in ("einlang", "python") or second.group(1) != "text":
            continue
        if text[first.end() : second.start()].strip():
            continue  # prose between the blocks: not an example
        section = None
        for start, code in headings:
            if start < first.start():
                section = code
        found.append(
            Example(
                document,
                text.count("\n", 0, first.start()) + 1,
                first.group(1),
                first.group(2),
                second.group(2),
                second.span(2),
                section,
            )
        )
    return found


def run_einlang(code: str) -> tuple[str, E.EinlangError | None]:
    session = einlang.Session()
    try:
        results = session.execute(code.removesuffix("\n"))  # the text as typed, without the fence's newline
    except E.EinlangError as err:
        return str(err), err
    lines = [str(r.value) for r in results if r.kind == "expression"]
    return "\n".join(lines), None


def run_python(code: str, namespace: dict) -> tuple[str, E.EinlangError | None]:
    out = io.StringIO()
    error = None
    with contextlib.redirect_stdout(out):
        try:
            exec(compile(code, "<doc example>", "exec"), namespace)
        except E.EinlangError as err:
            error = err
    text = out.getvalue()
    if error is not None:
        text += str(error)
    return text, error


def _normal(text: str) -> str:
    return "\n".join(line.rstrip() for line in text.strip("\n").splitlines()).rstrip()


@contextlib.contextmanager
def _saved_state():
    """Examples may change the global options or register a backend: undo that for the other tests."""
    saved = config._global[0]
    factories, instances = dict(_FACTORIES), dict(_INSTANCES)
    try:
        yield
    finally:
        config._global[0] = saved
        for table, old in ((_FACTORIES, factories), (_INSTANCES, instances)):
            table.clear()
            table.update(old)


def _missing_libraries(code: str) -> list[str]:
    """The optional libraries a ``# requires: a, b`` first line names that are not installed."""
    import importlib.util
    import os

    first = code.split("\n", 1)[0]
    if not first.startswith("# requires:"):
        return []
    missing = [name.strip() for name in first.removeprefix("# requires:").split(",")
               if importlib.util.find_spec(name.strip()) is None]
    if missing and os.environ.get("EINLANG_REQUIRE_EXTRAS") == "1":
        raise AssertionError(f"EINLANG_REQUIRE_EXTRAS=1 but a docs example needs {', '.join(missing)}")
    return missing


def run_document(document: str) -> list[tuple[Example, str, E.EinlangError | None]]:
    namespace: dict = {"__name__": "__doc_example__"}
    results = []
    with _saved_state():
        for example in examples(document):
            if example.language == "python" and _missing_libraries(example.code):
                continue
            if example.language == "einlang":
                output, error = run_einlang(example.code)
            else:
                output, error = run_python(example.code, namespace)
            results.append((example, output, error))
    return results


def _where(example: Example) -> str:
    return f"docs/{example.document}:{example.line}"


# -- tests -----------------------------------------------------------------------------------------


# errors.md runs every error's example, a library iteration to its limit among them (about 0.8 s): the
# full run checks it, the quick run (-m "not slow") the other documents.
_SLOW_DOCUMENTS = ("errors.md",)


@pytest.mark.parametrize("document", [pytest.param(d, marks=pytest.mark.slow) if d in _SLOW_DOCUMENTS else d
                                      for d in CHECKED])
def test_examples_print_what_the_docs_show(document):
    results = run_document(document)
    assert results, f"docs/{document} has no checked examples"
    mismatches = []
    for example, output, _ in results:
        if _normal(output) != _normal(example.expected):
            mismatches.append(f"{_where(example)}\n--- documented\n{example.expected}\n--- actual\n{output}\n")
    assert not mismatches, "\n".join(mismatches)


def _error_classes() -> list[type[E.EinlangError]]:
    classes = [getattr(E, name) for name in E.__all__]
    return sorted({*classes, EinsumError}, key=lambda cls: cls.code)


def test_every_error_class_has_a_section():
    text = (DOCS / "errors.md").read_text(encoding="utf-8")
    sections = dict((name, code) for code, name in _HEADING.findall(text))
    missing = [f"## {cls.code} {cls.__name__}" for cls in _error_classes() if sections.get(cls.__name__) != cls.code]
    assert not missing, "docs/errors.md lacks the headings: " + ", ".join(missing)


def test_error_codes_are_unique():
    codes = [cls.code for cls in _error_classes()]
    assert len(codes) == len(set(codes))


@pytest.mark.slow  # every example of errors.md again (see _SLOW_DOCUMENTS)
def test_error_examples_raise_the_class_of_their_section():
    wrong = []
    for example, _, error in run_document("errors.md"):
        if not example.expected.startswith("error["):
            continue
        if error is None:
            wrong.append(f"{_where(example)}: raised nothing (section {example.section_code})")
        elif error.code != example.section_code:
            wrong.append(f"{_where(example)}: raised {type(error).__name__} {error.code}, section {example.section_code}")
    assert not wrong, "\n".join(wrong)


def test_every_concrete_error_has_an_example():
    """Each class raised somewhere has at least one rendered example in its section."""
    shown = {example.section_code for example in examples("errors.md") if example.expected.startswith("error[")}
    # category classes are never raised themselves; they exist to be caught
    categories = {"E000", "E200", "E400", "E500", "E600"}
    not_raised = {"E503"}  # reserved: documented, raised by nothing yet
    missing = [cls.code for cls in _error_classes() if cls.code not in shown | categories | not_raised]
    assert not missing, "docs/errors.md has no example for " + ", ".join(missing)


def test_language_reference_lists_every_elementwise_function():
    from einlang.functions import ALIASES, ELEMENTWISE

    text = (DOCS / "language.md").read_text(encoding="utf-8")
    missing = [name for name in ELEMENTWISE if f"`{name}`" not in text]
    assert not missing, "docs/language.md does not list " + ", ".join(missing)
    assert all(f"`{alias}`" in text for alias in ALIASES)


def test_examples_parse_as_programs():
    """Every einlang example is at least valid syntax unless it documents a syntax error."""
    for document in CHECKED:
        for example in examples(document):
            if example.language == "einlang" and not example.expected.startswith("error[E1"):
                assert isinstance(parse(example.code), ast.Program), _where(example)


def test_index_links_every_page():
    text = (DOCS / "index.md").read_text(encoding="utf-8")
    for page in ("language.md", "errors.md", "backends.md", "tutorial.md", "library.md", "repl.md", "guarantees.md"):
        assert f"({page})" in text, f"docs/index.md does not link {page}"


# -- refreshing the outputs ------------------------------------------------------------------------


def update(document: str) -> int:
    """Rewrite the text block of every example of ``document`` with its actual output."""
    path = DOCS / document
    text = path.read_text(encoding="utf-8")
    changed = 0
    for example, output, _ in reversed(run_document(document)):
        start, end = example.output_span
        new = _normal(output) + "\n"
        if text[start:end] != new:
            text = text[:start] + new + text[end:]
            changed += 1
    path.write_text(text, encoding="utf-8")
    return changed


if __name__ == "__main__":  # python tests/test_docs.py --update docs/errors.md ...
    if len(sys.argv) < 3 or sys.argv[1] != "--update":
        sys.exit(__doc__)
    for arg in sys.argv[2:]:
        print(f"{arg}: {update(Path(arg).name)} outputs updated")


def test_the_readme_error_example_is_what_einlang_prints():
    import numpy as np

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    block = re.search(r"```text\n>>> (.*?)\n(.*?)```", readme, re.S)
    assert block is not None
    shown = block.group(2).split(": ", 1)[1].rstrip("\n")
    with pytest.raises(einlang.errors.SizeMismatchError) as info:
        einlang.evaluate("A_ij B_jk", A=np.ones((3, 4)), B=np.ones((5, 2)))
    assert str(info.value) == shown
