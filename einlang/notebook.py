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

A result is shown as a LaTeX matrix with its indices and shape when it is small (at most two axes and
64 entries), as numpy's text otherwise; it stays an ordinary numpy array (``y = %einlang A_ij x_j``).

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

from .display import latex_value
from .errors import EinlangError
from .session import Session
from .symbolic import is_symbolic

_SESSIONS: dict[int, Session] = {}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="%%einlang", add_help=False)
    parser.add_argument("--backend", default=None)
    parser.add_argument("--plan", action="store_true")
    parser.add_argument("--explain", action="store_true")
    return parser


def _is_tensor(value: Any) -> bool:
    """Arrays of numbers and numbers (bool and Fraction are Numbers; numpy scalars are np.generic), and
    SymPy formulas (``θ, = symbols("θ")``)."""
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "biufcO"
    if is_symbolic(value):
        return True
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
    return shown(last.value, last.labels)


class Shown(np.ndarray):
    """A ``%einlang`` result: a numpy array like any other, which a notebook shows as a LaTeX matrix with
    its indices and shape when it is small (text otherwise). Arrays computed from it forget the indices.

    >>> value = shown(np.array([3, 7]), ("i",))
    >>> value._repr_latex_(), repr(value)
    ('$$\\\\begin{bmatrix}3 \\\\\\\\ 7\\\\end{bmatrix}_{i} \\\\qquad 2$$', 'array([3, 7])')
    >>> (value * 2).labels is None, isinstance(value, np.ndarray)
    (True, True)
    """

    labels: tuple[str, ...] | None = None

    def __array_finalize__(self, obj: Any) -> None:
        self.labels = None  # a view or a computed array: its axes need not be these indices

    def _repr_latex_(self) -> str | None:
        return latex_value(self.view(np.ndarray), self.labels)

    def __repr__(self) -> str:
        return repr(self.view(np.ndarray))


def shown(value: Any, labels: tuple[str, ...] | None) -> Any:
    """The value a magic returns: an array as :class:`Shown` (LaTeX in a notebook); a number as it is."""
    if not isinstance(value, np.ndarray) or value.ndim == 0:
        return value
    result = value.view(Shown)
    result.labels = labels
    return result


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
