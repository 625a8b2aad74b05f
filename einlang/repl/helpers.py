"""The REPL's binding helpers (``rand(3)``, ``eye(3)``, ``arange(6)``) and the session that has them.

>>> s = ReplSession()
>>> s.run("I = eye(2)")
array([[1., 0.],
       [0., 1.]])
>>> s.run("v = arange(2, 5)")
array([2, 3, 4])
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any

import numpy as np

from .. import errors as E
from ..backends import Runner
from ..config import get_options
from ..semantics.callables import PyFunction
from ..session import Session
from .progress import ProgressBar


def _literal_sizes(function: str, shapes: tuple, constants: tuple, at_least: int = 0) -> tuple[int, ...]:
    """The sizes a helper was called with, which must be whole numbers written in the call (the shape
    of the result is known before anything runs)."""
    sizes = []
    for k, (shape, value) in enumerate(zip(shapes, constants)):
        ok = shape == () and value is not None and not isinstance(value, complex) and float(value).is_integer()
        if not ok or int(value) < at_least:
            raise E.InputValueError(
                f"{function}: argument {k + 1} must be a whole number written in the call "
                f"(like {function}(3){'' if function != 'rand' else ' or rand(3, 3)'})"
                + (f", at least {at_least}" if at_least else ""),
            )
        sizes.append(int(value))
    return tuple(sizes)


@functools.cache
def _rng() -> np.random.Generator:
    """Made on the first ``rand``: importing numpy.random costs a REPL start tens of milliseconds."""
    return np.random.default_rng()


def _rand_infer(shapes, dtypes, constants):
    return _literal_sizes("rand", shapes, constants), np.dtype(np.float64)


def _eye_infer(shapes, dtypes, constants):
    (n,) = _literal_sizes("eye", shapes, constants)
    return (n, n), np.dtype(np.float64)


def _arange_infer(shapes, dtypes, constants):
    bounds = _literal_sizes("arange", shapes, constants)
    start, stop = (0, bounds[0]) if len(bounds) == 1 else bounds
    return (max(0, stop - start),), np.dtype(np.int64)


def _ints(args: tuple) -> tuple[int, ...]:
    return tuple(int(np.asarray(a)) for a in args)


HELPERS: dict[str, PyFunction] = {
    "rand": PyFunction(
        "rand", ("n1", "n2", "n3", "n4", "n5", "n6"), lambda *a: _rng().random(_ints(a)), _rand_infer,
        "a tensor of the given sizes with random entries, uniform in [0, 1)", "x = rand(3); R = rand(3, 3)", min_args=1,
    ),
    "eye": PyFunction(
        "eye", ("n",), lambda n: np.eye(int(np.asarray(n))), _eye_infer, "the n×n identity matrix", "I = eye(3)",
    ),
    "arange": PyFunction(
        "arange", ("start", "stop"), lambda *a: np.arange(*_ints(a)), _arange_infer,
        "the integers 0, 1, ..., n-1 (or start, ..., stop-1)", "v = arange(6)", min_args=1,
    ),
}

#: ``load`` and ``save`` are lines of their own (see :mod:`einlang.repl.script`), not functions
FILE_HELPERS = {
    "load": ('x = load("file.npy")', "read a tensor from .npy, .npz or .csv, or an image from .png/.jpg (values 0 to 1); "
             "without a name, .npy/.csv/.png bind to the file's stem and .npz binds every array under its own name"),
    "save": ('save(x, "file.npy")', "write a tensor to .npy, .npz or .csv (rank ≤ 2), or an image to .png/.jpg; "
             "save(\"file.npz\") writes every bound tensor"),
    "symbols": ("symbols a b θ", "bind each name to a SymPy symbol (needs einlang[symbolic]), so results are formulas: "
                "rotation(θ) is [[cos(θ), -sin(θ)], [sin(θ), cos(θ)]]; det, inv and solve simplify them"),
}


class ReplSession(Session):
    """A :class:`Session` with the REPL's helpers bound, and a progress bar around long naive runs."""

    def __init__(self, backend: str | None = None, progress: ProgressBar | None = None, *, sandbox: bool = False,
                 **tensors: Any) -> None:
        super().__init__(backend, helpers=HELPERS, sandbox=sandbox, **tensors)
        self.progress = progress

    @property
    def current_backend(self) -> str:
        options = get_options()
        return self.backend or ("naive" if options.exact else options.backend)  # exact fractions run on naive

    def evaluating(self, run: Runner, backend: str) -> contextlib.AbstractContextManager[None]:
        if self.progress is None or backend != "naive":
            return contextlib.nullcontext()
        return self.progress(run.iterations)
