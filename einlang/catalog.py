"""Where programs find the functions they call by name, and how cached bindings notice registrations.

A program caches its checked, planned bindings per shapes and dtypes. A binding made before a function
or a backend was registered (or replaced) would be stale, so every registration counts itself here and
the count is part of every cache key: the next call binds afresh, once.

The layers below the library never import it: a program receives its functions from its caller, and
when the caller gives none it uses the default source, which the package's top (``einlang/__init__``)
sets to the standard library.

>>> before = registrations()
>>> registered()
>>> registrations() == before + 1
True
>>> lookup({"f": 1})()["f"]
1
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

# a function that returns the current table of functions by name (looked up at bind time, never frozen)
FunctionSource = Callable[[], Mapping[str, Any]]


class _Count:
    """A counter read on every call (one attribute lookup); changed only by registrations."""

    __slots__ = ("value",)

    def __init__(self) -> None:
        self.value = 0


REGISTRATIONS = _Count()
_listeners: list[Callable[[], None]] = []


def registered() -> None:
    """Record that a function or a backend was added or replaced: cached bindings are stale."""
    REGISTRATIONS.value += 1
    for forget in _listeners:
        forget()


def on_registration(forget: Callable[[], None]) -> None:
    """Call ``forget()`` at every registration (the per-call caches empty themselves rather than
    read the count on every call)."""
    _listeners.append(forget)


def registrations() -> int:
    """How many registrations there have been (part of every binding cache key)."""
    return REGISTRATIONS.value


def _no_functions() -> Mapping[str, Any]:
    return {}


_default: list[FunctionSource] = [_no_functions]


def set_default_functions(source: FunctionSource) -> None:
    """The functions a program or session uses when its caller gives none (``einlang/__init__``
    installs the standard library here)."""
    _default[0] = source


def lookup(functions: Mapping[str, Any] | FunctionSource | None) -> FunctionSource:
    """A caller's functions as a source: a fixed mapping, a function returning the current table, or
    ``None`` for the default."""
    if functions is None:
        return lambda: _default[0]()
    if isinstance(functions, Mapping):
        return lambda: functions
    return functions
