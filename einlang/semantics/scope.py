"""Stage 1 of checking: what a name means.

A :class:`Scope` holds the tensors and functions a program can see. A written word such as ``bear_ij``
is resolved against it into a :class:`WholeName` (one tensor, used whole) or an :class:`IndexedName`
(a tensor with one index per letter); words that could be read both ways are refused, never guessed.

>>> import numpy as np
>>> from einlang.syntax import ast
>>> scope = Scope.from_arrays({"bear": np.ones((2, 2)), "alpha": 2.0})
>>> scope.resolve(ast.Word("bear_ij")).name, scope.resolve(ast.Word("alpha"))
('bear', WholeName(name='alpha'))
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Mapping, MutableMapping
from typing import Any, NoReturn

import numpy as np

from .. import errors as E
from ..config import advice
from ..functions import ELEMENTWISE
from ..records import field, record
from ..source import Span
from ..syntax import ast
from . import ir, messages
from .callables import EinFunction, PyFunction
from .sizes import DELTA_NAMES, EPSILON_NAMES

SPECIAL_NAMES = DELTA_NAMES | EPSILON_NAMES
# Mathematical constants, visible wherever no tensor of the same name is bound (a bound name wins).
CONSTANTS = {"pi": math.pi, "π": math.pi, "tau": math.tau, "τ": math.tau}


@record
class Binding:
    """A tensor in scope: its node and how messages should call it."""

    node: ir.Node
    description: str


_CONSTANT_BINDINGS = {
    name: Binding(ir.Constant(np.asarray(value), (), np.dtype(float)), f"the constant {name}")
    for name, value in CONSTANTS.items()
}


@record
class WholeName:
    """A word naming one tensor used whole: ``alpha``, ``bear_basis`` (when that name is bound)."""

    name: str


@record
class IndexedName:
    """A word read as a tensor (or δ, ε) with one index per letter: ``A_ij`` -> ``A`` with ``i, j``."""

    name: str
    indices: tuple[ast.IndexRef, ...]


@record(frozen=False)
class Scope:
    """Names visible to a program: tensors (by name) and callables (by name)."""

    tensors: dict[str, Binding] = field(default_factory=dict)
    functions: MutableMapping[str, EinFunction | PyFunction] = field(default_factory=dict)

    @classmethod
    def from_arrays(cls, arrays: Mapping[str, Any], functions: Mapping[str, Any] | None = None) -> Scope:
        """A scope for these tensors; definitions made while lowering go in a layer over ``functions``,
        which is read only for the names looked up (so a lazily loaded library stays unloaded)."""
        tensors = {name: Binding(ir.Input(name, tuple(np.shape(a)), _dtype_of(a)), name) for name, a in arrays.items()}
        return cls(tensors, ChainMap({}, functions) if functions is not None else {})

    def lookup(self, name: str, span: Span | None) -> Binding:
        """The tensor (or constant such as ``pi``) bound to ``name``; an error naming close matches if none."""
        binding = self.tensors.get(name) or _CONSTANT_BINDINGS.get(name)
        if binding is None:
            self.undefined(name, span)
        return binding  # type: ignore[return-value]

    def is_function(self, name: str) -> bool:
        return name in self.functions or name in ELEMENTWISE

    def undefined(self, name: str, span: Span | None, whole_word: str | None = None) -> NoReturn:
        """Refuse an unbound name (``whole_word``: the word it was split from, ``my_xi`` for ``my``)."""
        known = list(self.tensors)
        hint = messages.suggest(name, known)
        message = f"{name} is not defined"
        if whole_word and whole_word != name:
            message += f" (in {whole_word}, read as {name} with indices " + ", ".join(whole_word[len(name) + 1 :]) + ")"
        if not hint:
            if known:
                hint = "defined here: " + ", ".join(sorted(known)[:8]) + (", …" if len(known) > 8 else "")
            else:
                hint = advice(
                    "pass it as a keyword argument (einlang.evaluate(..., A=array)) or bind it first (A = [[1, 2], [3, 4]])",
                    'bind it first (A = [[1, 2], [3, 4]]), or load it from a file (A = load("a.npy"))',
                )
        if self.is_function(name):
            hint = f"{name} is a function: call it with parentheses, {name}(...)"
        raise E.UndefinedNameError(message, [span], hint=hint)

    def resolve(self, word: ast.Word) -> WholeName | IndexedName:
        """What a word means here.

        A word with an underscore is split at its last underscore when the part before it is bound
        (``bear_basis_ij``); it is a whole name when that whole name is bound (``bear_basis``). When
        both readings exist the word is ambiguous and refused, never guessed.
        """
        text = word.text
        if text in SPECIAL_NAMES:
            raise E.RankMismatchError(
                f"{text} needs indices: write {'delta_ij' if text in DELTA_NAMES else 'eps_ijk'}", [word.span]
            )
        split = word.split()
        split_bound = split is not None and (split.name in self.tensors or split.name in SPECIAL_NAMES)
        whole_bound = text in self.tensors or text in _CONSTANT_BINDINGS
        if split_bound and whole_bound:
            head, tail = split.name, text[len(split.name) + 1 :]  # type: ignore[union-attr]
            raise E.AmbiguousNameError(
                f"{text} could be the tensor {text} or {head} with indices {', '.join(tail)}",
                [word.span],
                hint=f"write `{text}` for the whole tensor, or {head}_{{{tail}}} for the indexed one",
            )
        if split_bound:
            return IndexedName(split.name, split.indices)  # type: ignore[union-attr]
        if whole_bound:
            return WholeName(text)
        self._unresolved(word, split)

    def _unresolved(self, word: ast.Word, split: ast.Access | None) -> NoReturn:
        text = word.text
        if split is not None:
            head = split.name
            if self.is_function(head):
                raise E.UndefinedNameError(
                    f"{head} is a function, not a tensor", [word.span], hint=f"call it: {head}(...)_{text[len(head) + 1:]}"
                )
            self.undefined(head, word.span.sub(0, len(head)) if word.span else None, text)
        if text.rfind("_") > 0:  # an underscore after a name, but no letters after it: A_1, x_
            raise E.UndefinedNameError(
                f"{text} is not defined", [word.span],
                hint="indices are letters: A_ij, or A_{i j}; names with '_' can be quoted: `my_name`",
            )
        self.undefined(text, word.span)


def _dtype_of(value: Any) -> np.dtype:
    dtype = getattr(value, "dtype", None)
    return dtype if isinstance(dtype, np.dtype) else np.asarray(value).dtype
