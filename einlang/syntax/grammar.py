"""Load the grammar file: from the installed package, or from the checkout's ``grammar/`` folder."""

from __future__ import annotations

import functools
import os


@functools.cache
def grammar_text() -> str:
    """The text of ``einlang.lark``.

    The wheel ships it as ``einlang/grammar/einlang.lark``; an editable install or a plain checkout
    reads the top-level ``grammar/einlang.lark``. Plain file paths first (importlib.resources costs more
    to import than the read itself); importlib.resources for a package that is not in files (a zip).
    """
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for path in (os.path.join(package, "grammar", "einlang.lark"),
                 os.path.join(os.path.dirname(package), "grammar", "einlang.lark")):
        if os.path.isfile(path):
            with open(path, encoding="utf-8") as file:
                return file.read()
    from importlib import resources  # pragma: no cover - zipped installs only

    return resources.files("einlang").joinpath("grammar/einlang.lark").read_text(encoding="utf-8")  # pragma: no cover
