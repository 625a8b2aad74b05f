"""Load the grammar file: from the installed package, or from the checkout's ``grammar/`` folder."""

from __future__ import annotations

import functools
from importlib import resources
from pathlib import Path


@functools.cache
def grammar_text() -> str:
    """The text of ``einlang.lark``.

    The wheel ships it as ``einlang/grammar/einlang.lark``; an editable install or a plain checkout
    reads the top-level ``grammar/einlang.lark``.
    """
    try:
        packaged = resources.files("einlang").joinpath("grammar/einlang.lark")
        if packaged.is_file():
            return packaged.read_text(encoding="utf-8")
    except (ModuleNotFoundError, FileNotFoundError, NotADirectoryError):  # pragma: no cover
        pass
    checkout = Path(__file__).resolve().parents[2] / "grammar" / "einlang.lark"
    return checkout.read_text(encoding="utf-8")
