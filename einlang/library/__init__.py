"""The standard library: definitions written in einlang (``*.ein`` files here) and in Python.

Every definition is callable by name inside einlang programs and as a Python function
``einlang.library.<name>`` (einlang definitions are evaluated through einlang with the arguments bound).

>>> import einlang
>>> "dot" in einlang.library.names()
True
>>> einlang.library.dot([1, 2, 3], [4, 5, 6])
np.int64(32)
>>> print(einlang.library.help("norm"))
norm(v): the modulus (length) |v| = sqrt(v·v)
  example: norm([3, 4])  # 5
"""

from __future__ import annotations

import functools
import sys
import threading
from collections.abc import Callable
from typing import Any

from ..catalog import registered
from ..semantics.callables import EinFunction, PyFunction
from ..syntax import ast
from ..syntax.parser import parse

_LOCK = threading.Lock()
_PYTHON: dict[str, PyFunction] = {}
_PYTHON_API: dict[str, Callable[..., Any]] = {}  # Python-facing versions that return more (pagerank: ranks, iterations)


def register_python(function: PyFunction, python: Callable[..., Any] | None = None) -> PyFunction:
    """Make a Python function callable from einlang by name.

    ``python``, when given, is what ``einlang.library.<name>`` gives Python callers instead of a
    wrapper around ``function`` (``pagerank`` returns the ranks and the iteration count, for example).
    """
    _PYTHON[function.name] = function
    if python is not None:
        _PYTHON_API[function.name] = python
    _changed()
    return function


def unregister_python(name: str) -> None:
    """Remove a function added with :func:`register_python` (programs stop seeing it at once).

    >>> unregister_python("no such function")
    Traceback (most recent call last):
    ...
    einlang.errors.UnknownFunctionError: error[E204]: no Python library function called 'no such function'
    """
    from ..errors import UnknownFunctionError

    if name not in _PYTHON:
        raise UnknownFunctionError(f"no Python library function called {name!r}")
    del _PYTHON[name]
    _PYTHON_API.pop(name, None)
    _changed()


def _changed() -> None:
    """The library's table changed: rebuild it on next use, and tell cached bindings they are stale."""
    registry.cache_clear()
    wrappers = sys.modules.get(f"{__name__}._python")
    if wrappers is not None:  # a Python wrapper made before this registration would be stale
        wrappers.python_function.cache_clear()
    registered()


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
    from importlib import resources  # here: the package is imported by every session's first statement

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
                functions[stmt.name] = EinFunction(stmt, program.source, description, example, sees=registry)
    return functions


@functools.cache
def registry() -> dict[str, Any]:
    """Every library function by name (einlang definitions and Python functions).

    >>> registry()["dot"].params
    ('u', 'v')
    """
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


_PYTHON_MODULES: tuple[str, ...] = ("linalg", "basis", "algorithms", "images")


def names() -> tuple[str, ...]:
    """The names of every library function, sorted.

    >>> "pagerank" in names() and "gram_schmidt" in names()
    True
    """
    return tuple(sorted(registry()))


def signature(name: str) -> str:
    """``name(params)``; a function taking any number of vectors shows ``columns(b1, b2, …)``.

    >>> signature("dot"), signature("columns")
    ('dot(u, v)', 'columns(b1, b2, …)')
    """
    params = registry()[name].params
    shown = params if len(params) <= 6 else (*params[:2], "…")
    return f"{name}({', '.join(shown)})"


def help(name: str) -> str:  # noqa: A001 - mirrors the REPL's :help
    """A one-line description and an example for a library function.

    >>> print(help("outer"))  # doctest: +ELLIPSIS
    outer(u, v): ...
      example: outer(...
    """
    from ..errors import UnknownFunctionError

    function = registry().get(name)
    if function is None:
        raise UnknownFunctionError(f"no library function called {name!r}")
    text = signature(name)
    if function.description:
        text += f": {function.description}"
    if function.example:
        text += f"\n  example: {function.example}"
    return text


def __getattr__(name: str) -> Any:
    """``einlang.library.dot`` and friends: a Python function for every library definition."""
    if name.startswith("_") or name in _PYTHON_MODULES:  # submodules and internals: let the import system look
        raise AttributeError(name)
    if name in registry():
        from ._python import python_function

        return python_function(name)
    raise AttributeError(f"einlang.library has no function {name!r}; einlang.library.names() lists them")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(registry()))
