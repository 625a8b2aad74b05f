"""REPL input: where a statement ends, and a script cut into statements, ``load``/``save`` lines and
``:command`` lines.

>>> needs_more_input("A = [[1, 2],")
True
>>> [piece.kind for piece in split_script('x = rand(3)\\n:vars\\nsave(x, "x.npy")\\ny = x_i x_i\\nsymbols a b θ')]
['einlang', 'command', 'save', 'einlang', 'symbols']
"""

from __future__ import annotations

import re
from typing import NamedTuple

from .. import errors as E
from ..syntax.parser import parse


class CommandError(Exception):
    """A ``:command`` used wrongly, or a file that cannot be read: printed as ``error: message``."""


_NAME = r"[^\W\d]\w*"
_STRING = r"""(?:"([^"\n]*)"|'([^'\n]*)')"""
LOAD_LINE = re.compile(rf"\s*(?:({_NAME})\s*=\s*)?load\(\s*{_STRING}\s*\)\s*;?\s*(?:#.*)?")
SAVE_LINE = re.compile(rf"\s*save\(\s*(?:({_NAME})\s*,\s*)?{_STRING}\s*\)\s*;?\s*(?:#.*)?")
# "symbols a b θ": names for SymPy symbols (an einlang product of three words would need a tensor "symbols")
SYMBOLS_LINE = re.compile(rf"\s*symbols((?:\s*,?\s*{_NAME})+)\s*;?\s*(?:#.*)?")


class FileLine(NamedTuple):
    """A ``load``/``save`` line: the tensor name (``None`` when not written) and the path."""

    name: str | None
    path: str


def file_line(pattern: re.Pattern[str], line: str) -> FileLine:
    """The name and path of a line that ``pattern`` (:data:`LOAD_LINE` or :data:`SAVE_LINE`) matches.

    >>> file_line(LOAD_LINE, "x = load('x.npy')")
    FileLine(name='x', path='x.npy')
    """
    match = pattern.fullmatch(line)
    assert match is not None, line  # split_script only sends lines that match
    return FileLine(match.group(1), match.group(2) if match.group(2) is not None else match.group(3))


def needs_more_input(text: str) -> bool:
    """True when ``text`` is an unfinished statement: open brackets, a trailing operator or ``=``.

    >>> needs_more_input("A = [[1, 2], [3, 4]]")
    False
    >>> needs_more_input(":plan A_ij")
    False
    """
    stripped = text.strip()
    if not stripped or stripped.startswith(":") or any(p.fullmatch(text) for p in (LOAD_LINE, SAVE_LINE, SYMBOLS_LINE)):
        return False
    if text.rstrip(" \t").endswith("\\"):
        return True
    try:
        parse(text)
    except E.EinlangSyntaxError as err:
        return err.incomplete
    except E.EinlangError:  # a complete statement with another mistake: submit it, the error shows
        pass
    return False


class ScriptPiece(NamedTuple):
    """One piece of a script: ``kind`` is ``"einlang"``, ``"load"``, ``"save"``, ``"symbols"`` or ``"command"``."""

    kind: str
    text: str


def _special(line: str) -> str | None:
    """The kind of a line that is not einlang (at bracket depth 0), else ``None``."""
    if line.lstrip().startswith(":"):
        return "command"
    if LOAD_LINE.fullmatch(line):
        return "load"
    if SAVE_LINE.fullmatch(line):
        return "save"
    if SYMBOLS_LINE.fullmatch(line) and line.split()[0] == "symbols":
        return "symbols"
    return None


def split_script(text: str) -> list[ScriptPiece]:
    """Cut a script into einlang, ``load``, ``save`` and ``:command`` pieces, in order. An einlang piece
    keeps every line of the script, with the lines outside it blanked, so error messages give the
    script's own line numbers."""
    lines = text.split("\n")
    pieces: list[ScriptPiece] = []
    chunk: list[int] = []
    depth = 0  # open brackets: a line starting with ':' inside a bracket is not a command

    def flush() -> None:
        if chunk and any(lines[k].strip() for k in chunk):
            keep = set(chunk)
            pieces.append(ScriptPiece("einlang", "\n".join(line if k in keep else "" for k, line in enumerate(lines))))
        chunk.clear()

    for k, line in enumerate(lines):
        special = _special(line) if depth == 0 else None
        if special:
            flush()
            pieces.append(ScriptPiece(special, line))
            continue
        chunk.append(k)
        code = line.split("#", 1)[0]
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
    flush()
    return pieces
