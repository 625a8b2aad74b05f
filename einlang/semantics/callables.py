"""What a call can name: an einlang definition (inlined) or a library function written in Python."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from ..records import field, record
from ..source import Source
from ..syntax import ast


@record
class EinFunction:
    """``def name(params)_out = body``: inlined at every call, its indices renamed apart."""

    definition: ast.Definition
    source: Source | None = None
    description: str = ""
    example: str = ""
    # the functions its body calls by name, looked up when it is inlined; None: the caller's. The library's
    # definitions see the library (lexical scope), so a user's own def norm(v) cannot change cos_angle.
    sees: Callable[[], Mapping[str, Any]] | None = field(default=None, compare=False, repr=False)

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def params(self) -> tuple[str, ...]:
        return self.definition.params


Shapes = tuple[tuple[int, ...], ...]
DTypes = tuple[np.dtype, ...]


@record
class PyFunction:
    """A library function written in Python, callable from einlang.

    ``infer(shapes, dtypes, constants)`` returns the result's shape and dtype before anything runs
    (``constants[k]`` is the value of argument k when it is a literal, else ``None``); it raises an
    :class:`~einlang.errors.EinlangError` for arguments that cannot work. ``impl`` computes the value
    from numpy arrays.
    """

    name: str
    params: tuple[str, ...]
    impl: Callable[..., Any] = field(repr=False)
    infer: Callable[[Shapes, DTypes, tuple[Any, ...]], tuple[tuple[int, ...], np.dtype]] = field(repr=False)
    description: str = ""
    example: str = ""
    min_args: int | None = None  # defaults: fewer arguments than params are allowed down to this
    # a function with several results (eig: the eigenvalues, the eigenvectors): what each is and the
    # function computing it from the same arguments; "vals, vecs = eig(A)" assigns them
    results: tuple[tuple[str, PyFunction], ...] = field(default=(), repr=False)

    @property
    def required(self) -> int:
        return len(self.params) if self.min_args is None else self.min_args

