"""The names Tab completes in an expression, each with what it is (shown beside the completion).

>>> from einlang.repl.helpers import ReplSession
>>> words = completion_words(ReplSession(v=[1, 2]))
>>> words["v"], words["rand"], words["sqrt"], words["softmax_"]
('tensor 2', 'helper', 'elementwise', 'reduction: softmax_j(…), softmax_{jk}(…)')
"""

from __future__ import annotations

from ..config import LIMITS
from ..functions import ELEMENTWISE
from ..semantics.callables import EinFunction, PyFunction
from ..semantics.describe import dims
from ..session import Session
from ..syntax.ast import REDUCTION_SPELLINGS
from .helpers import FILE_HELPERS, HELPERS

#: what ``:set`` can change
OPTIONS = ("backend", *LIMITS, "time_limit", "precision", "exact")
#: ``:help`` topics beside commands and names
HELP_TOPICS = ("syntax", "functions", "backends")


def completion_words(session: Session) -> dict[str, str]:
    """Every name Tab can complete in an expression, with what it is."""
    words: dict[str, str] = {}
    for name in ELEMENTWISE:
        words[name] = "elementwise"
    for kind in REDUCTION_SPELLINGS:
        words[f"{kind}_"] = f"reduction: {kind}_j(…), {kind}_{{jk}}(…)"
    words["size"] = "size(d): the size of index d"
    for name in FILE_HELPERS:
        words[name] = "helper"
    for name, function in session.functions.items():
        if name in session.definitions:
            words[name] = "your def"
        elif isinstance(function, (EinFunction, PyFunction)):
            words[name] = "helper" if name in HELPERS else "library"
    for name, array in session.tensors.items():
        words[name] = f"tensor {dims(array.shape)}"
    return words
