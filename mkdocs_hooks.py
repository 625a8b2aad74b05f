"""mkdocs hooks (named in mkdocs.yml): the pages generated from the code when the site is built.

* ``library.md`` from :func:`einlang.library.reference.markdown`: the ``##`` comments and source of the
  ``.ein`` definitions, the Python-written functions' descriptions and docstrings.
* ``api.md`` from the docstrings of everything in ``einlang.__all__`` (:func:`api_markdown`).

Both are made afresh on every build, so they cannot go stale; ``tests/test_site.py`` checks that they
list every library function and every public name.
"""

from __future__ import annotations

import inspect
import re
from typing import Any

API_INTRO = """\
# Python API

The public functions and classes of `import einlang`, generated from their docstrings when the site is
built (the examples in them run as doctests in the test suite). The [home page](index.md) has the same
API on one screen; the [library reference](library.md) lists the functions callable by name in einlang
programs, which Python reaches as `einlang.library.<name>`.
"""

_QUOTED_ANNOTATION = re.compile(r"(: |-> )'([^']*)'")
_ROLE = re.compile(r":(?:class|func|meth|attr|mod|exc|data):`~?([\w.]+)`")


def _text(doc: str) -> str:
    """A docstring as Markdown: doctests fenced, Sphinx roles (``:class:`~a.B```) as code."""
    from einlang.library.reference import docstring_markdown

    return _ROLE.sub(lambda m: f"`{m.group(1).rsplit('.', 1)[-1]}`", docstring_markdown(doc))


def _signature(name: str, obj: Any) -> str:
    try:
        text = f"{name}{inspect.signature(obj)}"
    except (TypeError, ValueError):
        return name
    return _QUOTED_ANNOTATION.sub(r"\1\2", text)  # postponed annotations are strings: show them as written


def _members(cls: type) -> list[tuple[str, Any]]:
    """A class's public methods and properties that have docstrings, in source order."""
    found = []
    for name, value in vars(cls).items():
        if name.startswith("_") or not getattr(value, "__doc__", None):
            continue
        if inspect.isfunction(value) or isinstance(value, (property, classmethod, staticmethod)):
            found.append((name, value))
    return found


# functions of submodules that Python users call directly, after everything in einlang.__all__
MORE = (("einlang.library", ("names", "help")), ("einlang.images", ("load", "save", "show")))


def api_entry(name: str, module: str = "einlang") -> str:
    import importlib

    obj = getattr(importlib.import_module(module), name)
    name = name if module == "einlang" else f"{module.removeprefix('einlang.')}.{name}"
    if inspect.ismodule(obj):
        return f"## `einlang.{name}`\n\n{_text(obj.__doc__ or '')}\n"
    kind = "class" if inspect.isclass(obj) else "function"
    parts = [f"## `einlang.{name}`", "", "```python", f"{kind} {_signature(name, obj)}", "```", "", _text(obj.__doc__ or ""), ""]
    if inspect.isclass(obj):
        for member, value in _members(obj):
            if isinstance(value, property):
                parts += [f"### `{name}.{member}` (property)", "", _text(value.__doc__), ""]
            else:
                function = value.__func__ if isinstance(value, (classmethod, staticmethod)) else value
                parts += [f"### `{name}.{member}`", "", "```python", _signature(member, function), "```", "",
                          _text(function.__doc__), ""]
    return "\n".join(parts)


def api_markdown() -> str:
    """The Python API page: one section per name in ``einlang.__all__``, in that order."""
    import einlang

    more = [api_entry(name, module) for module, names in MORE for name in names]
    return API_INTRO + "\n" + "\n".join([api_entry(name) for name in einlang.__all__] + more)


def on_files(files, config):
    from mkdocs.structure.files import File

    from einlang.library import reference

    files.append(File.generated(config, "library.md", content=reference.markdown()))
    files.append(File.generated(config, "api.md", content=api_markdown()))
    return files
