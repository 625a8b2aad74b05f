"""einlang: Einstein-summation expressions, checked, planned and evaluated.

>>> import numpy as np, einlang
>>> A, B = np.array([[1, 2], [3, 4]]), np.array([[0, 1], [1, 0]])
>>> einlang.evaluate("A_ij B_jk", A=A, B=B)
array([[2, 1],
       [4, 3]])
>>> einlang.evaluate("C_ki = A_ij B_jk", A=A, B=B)
array([[2, 4],
       [1, 3]])
>>> einlang.evaluate("A_ii", A=A, backend="naive")
np.int64(5)
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any

from . import errors
from .backends import available_backends, get_backend, register_backend
from .catalog import set_default_functions
from .config import Options, get_options, options, set_options
from .errors import EinlangError
from .program import Program, compile_cached
from .symbolic import symbols

if TYPE_CHECKING:  # loaded by __getattr__ on first use
    from . import library  # noqa: F401
    from .einsum_compat import einsum
    from .plan import Plan
    from .session import Session

__version__ = "0.1.0"


def _registry() -> dict[str, Any]:
    from .library import registry

    return registry()  # cached by the library until a registration changes it


class _Library(Mapping[str, Any]):
    """The standard library's functions by name, loaded when the first name is looked up: a program that
    calls no function never loads it (parsing its .ein files is most of a small program's first run).

    >>> "dot" in _LIBRARY and _LIBRARY["dot"].params
    ('u', 'v')
    """

    def __getitem__(self, name: str) -> Any:
        return _registry()[name]

    def __contains__(self, name: object) -> bool:
        return name in _registry()

    def __iter__(self) -> Iterator[str]:
        return iter(_registry())

    def __len__(self) -> int:
        return len(_registry())


_LIBRARY = _Library()


def _library_functions() -> Mapping[str, Any]:
    return _LIBRARY


# the package's top wires the library in: the layers below it (programs, sessions) never import it
set_default_functions(_library_functions)


def compile(source: str) -> Program:  # noqa: A001 - the natural name, as in re.compile
    """Parse a program once; call the result with tensors (plans are cached per shapes).

    >>> import numpy as np
    >>> prog = compile("x_i x_i")
    >>> prog(x=np.array([3.0, 4.0]))
    np.float64(25.0)
    """
    return compile_cached(source)


def evaluate(source: str, tensors: dict[str, Any] | None = None, /, *, backend: str | None = None, **kwargs: Any) -> Any:
    """Evaluate a program with the given tensors and return the value of its last statement.

    >>> import numpy as np
    >>> evaluate("d_i = A_ii", A=np.array([[1, 2], [3, 4]]))
    array([1, 4])
    """
    # Program.__call__ named, not program(...): a call through the instance costs a second dict of tensors
    return Program.__call__(compile_cached(source), tensors, backend=backend, **kwargs)


def diff(source: str, variable: str, /, **tensors: Any) -> str:
    """The derivative of the expression ``source`` with respect to ``variable`` (a tensor with its new
    indices, ``"x_k"``), simplified and printed as einlang source; ``diff(source, x_k)`` in a program
    evaluates the same derivative.

    Without tensors every indexed name is a tensor of its written rank (axes of size 3); pass tensors
    to use their shapes. Library calls are differentiated through (``norm(x)``).

    >>> print(diff("x_i A_ij x_j", "x_k"))
    A_kj x_j + x_i A_ik
    >>> print(diff("sqrt(x_i x_i)", "x_k"))
    x_k / sqrt(x_i x_i)
    >>> import numpy as np
    >>> evaluate("diff(x_i x_i, x_k)", x=np.array([3.0, 4.0]))
    array([6., 8.])
    """
    from .derivatives import diff_text

    return diff_text(source, variable, tensors)


def backends() -> tuple[str, ...]:
    """The names of the available backends: ``("naive", "numpy", "opt", ...)``.

    >>> {"naive", "numpy", "opt"} <= set(backends())
    True
    """
    return available_backends()


# imported on first use, to keep ``import einlang`` fast (#14): the library (its Python algorithms) and the
# numpy.einsum drop-in are not needed to parse and run a program; sessions and plans bring the checker and
# the planner, which a compiled program loads at its first binding
_LAZY = {"library": None, "einsum": "einsum_compat", "Plan": "plan", "Session": "session"}


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module 'einlang' has no attribute {name!r}")
    import importlib

    if name == "library":
        return importlib.import_module(".library", __name__)
    value = getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    globals()[name] = value  # found directly from now on: einlang.einsum is on the per-call path
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "EinlangError",
    "Options",
    "Plan",
    "Program",
    "Session",
    "backends",
    "compile",
    "diff",
    "einsum",
    "errors",
    "evaluate",
    "get_backend",
    "get_options",
    "options",
    "register_backend",
    "set_options",
    "symbols",
]
