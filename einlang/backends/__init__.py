"""Backends by name. Each turns a checked program and its plan into a function of the input arrays.

>>> from einlang.backends import available_backends
>>> available_backends()[:3]
('naive', 'numpy', 'opt')
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from ..catalog import registered
from ..config import set_backend_check
from ..errors import DuplicateBackendError, UnknownBackendError
from ..records import record


@record
class Runner:
    """A program prepared for one backend and one set of shapes and dtypes.

    ``call(inputs)`` takes the inputs in ``program.inputs`` order and returns the result. The facts a
    front end shows beside it travel with it: the generated source ``explain`` prints (naive backend),
    the loop iterations a progress bar counts, and the bytes of the largest array it creates (compared
    with the memory limit on every call, so a lower limit set later is still honoured).

    >>> run = Runner(lambda inputs: inputs[0] * 2, iterations=3)
    >>> run([21]), run.iterations, run.memory_needed
    (42, 3, 0)
    """

    call: Callable[[Sequence[Any]], Any]
    explain_source: str | None = None
    iterations: int = 0
    memory_needed: int = 0
    # the kernel itself, taking the inputs as positional arguments, when the program is one kernel call
    # (numpy.dot for a matrix product): callers holding the operands skip building a list
    direct: Callable[..., Any] | None = None

    def __call__(self, inputs: Sequence[Any]) -> Any:
        return self.call(inputs)


class Backend(Protocol):
    name: str
    description: str

    def prepare(self, program: Any, plan: Any) -> Runner | Callable[[Sequence[Any]], Any]:
        """Return a :class:`Runner`, or just its ``call``: inputs in ``program.inputs`` order, the result out."""


def as_runner(prepared: Runner | Callable[[Sequence[Any]], Any]) -> Runner:
    """What a backend's ``prepare`` returned, as a :class:`Runner` (a bare callable has no facts to add)."""
    return prepared if isinstance(prepared, Runner) else Runner(prepared)


_FACTORIES: dict[str, Callable[[], Backend]] = {}
_INSTANCES: dict[str, Backend] = {}
_LOCK = threading.Lock()


def register_backend(name: str, factory: Callable[[], Backend], *, replace: bool = False) -> None:
    """Add a backend: ``factory()`` is called once, the first time the backend is used.

    A name already taken is refused unless ``replace=True``; replacing drops the old instance, and
    programs bound before run on the new backend from their next call.

    >>> register_backend("numpy", object)
    Traceback (most recent call last):
    ...
    einlang.errors.DuplicateBackendError: error[E603]: a backend called 'numpy' is already registered
      hint: pass replace=True to replace it
    """
    with _LOCK:
        if name in _FACTORIES and not replace:
            raise DuplicateBackendError(f"a backend called {name!r} is already registered",
                                        hint="pass replace=True to replace it")
        _FACTORIES[name] = factory
        _INSTANCES.pop(name, None)
    registered()


def _lazy(module: str, cls: str) -> Callable[[], Backend]:
    def factory() -> Backend:
        return getattr(importlib.import_module(module, __name__), cls)()

    return factory


register_backend("naive", _lazy(".naive", "NaiveBackend"))
register_backend("numpy", _lazy(".numpy_backend", "NumpyBackend"))
register_backend("opt", _lazy(".opt", "OptBackend"))


def available_backends() -> tuple[str, ...]:
    return tuple(_FACTORIES)


def get_backend(name: str) -> Backend:
    """The backend called ``name``; an unknown name lists the available ones."""
    backend = _INSTANCES.get(name)
    if backend is not None:
        return backend
    if not isinstance(name, str) or name not in _FACTORIES:
        raise UnknownBackendError(
            f"unknown backend {name!r}; available backends: {', '.join(_FACTORIES)}",
            hint="the default is 'opt' (opt_einsum paths and BLAS); 'naive' shows every loop",
        )
    with _LOCK:
        if name not in _INSTANCES:
            _INSTANCES[name] = _FACTORIES[name]()
    return _INSTANCES[name]


set_backend_check(get_backend)  # set_options(backend=...) refuses an unknown name at once
