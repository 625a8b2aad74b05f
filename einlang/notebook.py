"""IPython / Jupyter integration: ``%load_ext einlang.notebook``, then ``%einlang`` and ``%%einlang``.

Names in the notebook's namespace that hold arrays or numbers are visible to einlang; names an einlang
statement assigns are written back, so einlang and Python cells share one set of variables::

    In [1]: %load_ext einlang.notebook
    In [2]: A = np.array([[1, 2], [3, 4]])
    In [3]: %einlang C_ki = A_ij A_jk
    In [4]: C
    Out[4]: array([[ 7, 15], [10, 22]])

    In [5]: %%einlang --backend naive --explain
       ...: def sq(M)_ik = M_ij M_jk
       ...: sq(A)_ik

``--plan`` prints the contraction plan of the last statement and ``--explain`` its naive loops. A
mistake prints the rendered error (caret under the culprit), never a traceback from inside einlang.
Definitions made in a cell stay available to later cells.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from numbers import Number
from typing import Any

import numpy as np

from .errors import EinlangError
from .session import Session

_SESSIONS: dict[int, Session] = {}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%einlang", add_help=False)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--plan", action="store_true")
    parser.add_argument("--explain", action="store_true")
    return parser


def _is_tensor(value: Any) -> bool:
    """Arrays of numbers and numbers (bool and Fraction are Numbers; numpy scalars are np.generic)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufcO"
    return isinstance(value, (Number, np.generic)) and not isinstance(value, np.datetime64)


def run_magic(shell: Any, line: str, cell: str | None = None) -> Any:
    """Run einlang source against ``shell.user_ns``; assignments are written back into it."""
    if cell is None:
        options, source = argparse.Namespace(backend=None, plan=False, explain=False), line
    else:
        try:
            options = _parser().parse_args(shlex.split(line))
        except SystemExit:
            print("usage: %%einlang [--backend NAME] [--plan] [--explain]", file=sys.stderr)
            return None
        source = cell
    session = _SESSIONS.setdefault(id(shell), Session())
    namespace = shell.user_ns
    for name in list(session.names()):
        del session[name]
    for name, value in list(namespace.items()):
        if not name.startswith("_") and name.isidentifier() and _is_tensor(value):
            try:
                session[name] = value
            except EinlangError:
                continue  # reserved names (delta, eps) stay Python-only
    try:
        results = session.execute(source, name="<cell>", backend=options.backend)
        for result in results:
            if result.name is not None and result.kind == "assignment":
                namespace[result.name] = session[result.name]
        last = next((r for r in reversed(results) if r.kind != "definition"), None)
        if last is not None and (options.plan or options.explain):
            text = last.text
            if last.kind == "assignment":
                text = text.split("=", 1)[1]
            print(session.explain(text) if options.explain else session.plan(text))
    except EinlangError as err:
        print(str(err), file=sys.stderr)
        return None
    if last is None or last.kind == "assignment":
        return None
    return last.value


def load_ipython_extension(ipython: Any) -> None:
    """Register ``%einlang`` (one line) and ``%%einlang`` (a cell)."""

    def einlang_magic(line: str, cell: str | None = None) -> Any:
        return run_magic(ipython, line, cell)

    einlang_magic.__doc__ = __doc__
    ipython.register_magic_function(einlang_magic, magic_kind="line_cell", magic_name="einlang")
    ipython.set_custom_exc((EinlangError,), show_einlang_error)


def show_einlang_error(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> None:
    """A mistake made through the Python API shows einlang's message (caret and hint), not a traceback
    through einlang's internals: the error is displayed (HTML in Jupyter, text in a terminal)."""
    from IPython.display import display

    display({"text/plain": str(value), "text/html": value._repr_html_()}, raw=True)  # type: ignore[attr-defined]


def unload_ipython_extension(ipython: Any) -> None:
    _SESSIONS.pop(id(ipython), None)
