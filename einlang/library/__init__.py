"""The standard library: definitions written in einlang (``*.ein`` files here) and in Python.

>>> import einlang
>>> "dot" in einlang.library.names()
True
"""

from __future__ import annotations

import functools
import threading
from importlib import resources
from typing import Any

from ..semantics.callables import EinFunction, PyFunction
from ..syntax import ast
from ..syntax.parser import parse

_LOCK = threading.Lock()
_PYTHON: dict[str, PyFunction] = {}


def register_python(function: PyFunction) -> PyFunction:
    """Make a Python function callable from einlang by name."""
    _PYTHON[function.name] = function
    registry.cache_clear()
    return function


def _docs_for(source_text: str) -> dict[str, tuple[str, str]]:
    """``## description`` and ``## example: ...`` comment lines right above each ``def``."""
    docs: dict[str, tuple[str, str]] = {}
    pending: list[str] = []
    for line in source_text.splitlines():
        stripped = line.strip()
        if stripped.startswith("##"):
            pending.append(stripped[2:].strip())
        elif stripped.startswith("def "):
            name = stripped[4:].split("(", 1)[0].strip()
            description = " ".join(p for p in pending if not p.startswith("example:"))
            example = next((p[len("example:"):].strip() for p in pending if p.startswith("example:")), "")
            docs[name] = (description, example)
            pending = []
        elif stripped and not stripped.startswith("#"):
            pending = []
    return docs


def _load_ein_files() -> dict[str, EinFunction]:
    functions: dict[str, EinFunction] = {}
    folder = resources.files(__name__)
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".ein"):
            continue
        text = entry.read_text(encoding="utf-8")
        program = parse(text, f"einlang/library/{entry.name}")
        docs = _docs_for(text)
        for stmt in program.statements:
            if isinstance(stmt, ast.Definition):
                description, example = docs.get(stmt.name, ("", ""))
                functions[stmt.name] = EinFunction(stmt, program.source, description, example)
    return functions


@functools.cache
def registry() -> dict[str, Any]:
    """Every library function by name (einlang definitions and Python functions)."""
    with _LOCK:
        _import_python_modules()
        functions: dict[str, Any] = dict(_load_ein_files())
        functions.update(_PYTHON)
        return functions


def _import_python_modules() -> None:
    """Python-written library modules register themselves on import."""
    from importlib import import_module

    for module in _PYTHON_MODULES:
        import_module(f"{__name__}.{module}")


_PYTHON_MODULES: tuple[str, ...] = ()


def names() -> tuple[str, ...]:
    """The names of every library function, sorted."""
    return tuple(sorted(registry()))


def help(name: str) -> str:  # noqa: A001 - mirrors the REPL's :help
    """A one-line description and an example for a library function."""
    from ..errors import UnknownFunctionError

    function = registry().get(name)
    if function is None:
        raise UnknownFunctionError(f"no library function called {name!r}")
    params = ", ".join(function.params)
    text = f"{name}({params})"
    if function.description:
        text += f": {function.description}"
    if function.example:
        text += f"\n  example: {function.example}"
    return text
