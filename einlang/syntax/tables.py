"""The grammar's LALR tables, built by lark once per machine and kept in a per-user cache.

Building the tables from ``grammar/einlang.lark`` takes lark a few hundred milliseconds; loading them
takes a few. The cache file's name is a hash of the grammar text, lark's version and Python's version,
and lark checks the same hash inside the file, so an edited grammar or an upgraded lark never meets old
tables: the grammar file stays the single source of truth.

Where: ``$EINLANG_CACHE_DIR``, else ``$XDG_CACHE_HOME/einlang``, else ``~/.cache/einlang``. The tables
are a pickle, so a cache is only read from a directory that nobody but its owner (you, or root for a
shared read-only cache) can write to; a read-only cache is read and never written; with no usable
cache directory the tables are built in memory each time, as before.

>>> build_parser() is build_parser()  # once per process, too
True
"""

from __future__ import annotations

import functools
import hashlib
import os
import stat
import sys

import lark

from .grammar import grammar_text
from .lexer import NewlinePostLexer

_OPTIONS = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True)


def cache_key(grammar: str) -> str:
    """What the tables depend on: the grammar, lark's version, Python's version and the options."""
    parts = (grammar, lark.__version__, "{}.{}".format(*sys.version_info[:2]), repr(sorted(_OPTIONS.items())))
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()[:24]


def cache_dir() -> str | None:
    """The per-user cache directory (created private if missing), or ``None`` when there is none to use."""
    chosen = os.environ.get("EINLANG_CACHE_DIR")
    if not chosen:
        base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
        chosen = os.path.join(base, "einlang")
    try:
        os.makedirs(chosen, mode=0o700, exist_ok=True)
    except OSError:
        return None if not os.path.isdir(chosen) else (chosen if _trusted(chosen) else None)
    return chosen if _trusted(chosen) else None


def _trusted(path: str) -> bool:
    """Only its owner (this user, or root) can write to ``path``: a pickle from elsewhere could run code."""
    try:
        info = os.stat(path)
    except OSError:
        return False
    if hasattr(os, "getuid") and info.st_uid not in (os.getuid(), 0):
        return False
    return not info.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def cache_file(grammar: str) -> str | None:
    """Where the tables for ``grammar`` are (or will be) kept; ``None``: build them in memory."""
    directory = cache_dir()
    if directory is None:
        return None
    path = os.path.join(directory, f"parser-{cache_key(grammar)}.lark")
    if os.path.exists(path) and not _trusted(path):
        return None
    return path


@functools.cache
def build_parser(strict: bool = False) -> lark.Lark:
    """The lark parser for the grammar, once per process; its tables come from the cache when they can.

    ``strict=True`` (tests) builds from the grammar, refusing shift/reduce conflicts and terminal collisions.
    Sharing one parser is safe: a parse keeps its state in locals, not on the parser.
    """
    grammar = grammar_text()
    if strict:
        return lark.Lark(grammar, postlex=NewlinePostLexer(), strict=True, **_OPTIONS)
    path = cache_file(grammar)
    fresh = path is not None and not os.path.exists(path)
    parser = lark.Lark(grammar, postlex=NewlinePostLexer(), cache=path or False, **_OPTIONS)
    if fresh and os.path.exists(path):  # type: ignore[arg-type]
        try:
            os.chmod(path, 0o600)  # type: ignore[arg-type]  # private whatever the umask
        except OSError:  # pragma: no cover - another process replaced it meanwhile
            pass
    return parser
