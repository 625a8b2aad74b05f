"""What one evaluation may spend while it is checked, counted *before* each thing is built.

Checking a program builds things whose size the text does not show: the bodies of definitions are
inlined at every call (``def f1(x) = f0(x) + f0(x)`` doubles with each level) and array literals of
constants are stacked while checking (``def f(x) = [x, x, x]`` nested multiplies). A :class:`Budget`
belongs to one evaluation (one statement of a session, one compiled program, shared by every inlined
body) and refuses, naming the option that would allow more, before the node or the array exists.

>>> import einlang
>>> with einlang.options(inline_limit=10):
...     budget = Budget()
>>> budget.inline(10, "f", None)
>>> try:
...     budget.inline(1, "f", None)
... except einlang.EinlangError as err:
...     print(err.code, err.message)
E503 inlining f would make 11 syntax nodes from definitions, above the inline_limit of 10
"""

from __future__ import annotations

import math

from .. import errors as E
from ..config import Options, get_options, raise_hint
from ..source import Span
from ..syntax import ast


class Budget:
    """The inlined syntax nodes and the bytes of constants one evaluation has used so far."""

    __slots__ = ("options", "inlined", "constant_bytes", "_sizes")

    def __init__(self, options: Options | None = None) -> None:
        self.options = options or get_options()
        self.inlined = 0
        self.constant_bytes = 0
        self._sizes: dict[int, int] = {}  # syntax nodes of each definition's body, by id of the definition

    def body_size(self, definition: ast.Definition) -> int:
        """The syntax nodes in a definition's body (counted once per definition and evaluation)."""
        size = self._sizes.get(id(definition))
        if size is None:
            size = self._sizes[id(definition)] = sum(1 for _ in ast.walk(definition.body))
        return size

    def inline(self, nodes: int, name: str, span: Span | None) -> None:
        """Count ``nodes`` more syntax nodes about to be lowered from the body of ``name``."""
        self.inlined += nodes
        limit = self.options.inline_limit
        if self.inlined > limit:
            raise E.ComplexityLimitError(
                f"inlining {name} would make {self.inlined:,} syntax nodes from definitions, above the inline_limit "
                f"of {limit:,}",
                span,
                hint="each call of a definition copies its body (two calls per level double it); "
                + raise_hint("inline_limit"),
            )

    def constant(self, shape: tuple[int, ...], itemsize: int, span: Span | None) -> None:
        """Count a constant array of ``shape`` about to be built while checking (an array literal)."""
        elements = math.prod(shape)
        self.constant_bytes += elements * itemsize
        limit = self.options.memory_limit
        if self.constant_bytes > limit:
            dims = "×".join(str(n) for n in shape)
            raise E.MemoryLimitError(
                f"this array literal is {dims} ({elements:,} elements); with the constants before it that is "
                f"{self.constant_bytes:,} bytes, above the memory limit of {limit:,} bytes",
                span,
                hint="build large arrays in Python and pass them in, or " + raise_hint("memory_limit"),
            )
