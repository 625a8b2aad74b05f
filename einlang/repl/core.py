"""The :class:`Repl`: runs REPL input (statements, ``load``/``save`` lines and ``:commands``) against a
session and prints what happened. Errors are printed, never raised: the session survives them.

>>> import io
>>> out = io.StringIO()
>>> repl = Repl(out=out, err=out)
>>> repl.handle("x = [3, 4]; sqrt(x_i x_i)"), repl.handle(":del y")
(True, True)
>>> print(out.getvalue().strip())
x  (2)
[3 4]
result  (scalar)
5
error[E201]: y is not bound in this session
"""

from __future__ import annotations

import sys
import warnings
from typing import TextIO

from .. import errors as E
from ..config import speaking_to
from ..symbolic import symbols
from .display import format_result, shape_text
from .files import load_file, save_file
from .helpers import ReplSession
from .progress import ProgressBar
from .script import LOAD_LINE, SAVE_LINE, SYMBOLS_LINE, CommandError, file_line, split_script


class Repl:
    """Runs REPL input against a session and prints results on ``out``, errors on ``err``.

    ``show_assignments`` prints what assignments bound (off for scripts, where only bare expressions
    print); ``progress`` shows a progress bar during long naive runs (on a terminal).
    """

    def __init__(
        self,
        session: ReplSession | None = None,
        out: TextIO | None = None,
        err: TextIO | None = None,
        show_assignments: bool = True,
        progress: bool = False,
    ) -> None:
        self.out = out if out is not None else sys.stdout
        self.err = err if err is not None else self.out
        self.session = session if session is not None else ReplSession()
        if progress:
            self.session.progress = ProgressBar(self.out)
        self.show_assignments = show_assignments
        self.errors = 0  # errors printed so far (scripts exit with 1 when there were any)
        self.quit = False
        self.load_depth = 0  # scripts being run by :load inside each other

    # -- output -----------------------------------------------------------------------------------
    def print(self, text: str = "") -> None:
        print(text, file=self.out, flush=True)

    def error(self, err: BaseException) -> None:
        self.errors += 1
        text = str(err) if isinstance(err, E.EinlangError) else f"error: {err}"
        print(text, file=self.err, flush=True)

    # -- input ------------------------------------------------------------------------------------
    def handle(self, text: str, name: str = "<input>") -> bool:
        """Run one REPL entry; print results and errors. False once the user asked to quit."""
        try:
            self.run_script(text, name)
        except (E.EinlangError, CommandError, OSError) as err:
            self.error(err)
        except KeyboardInterrupt:
            self.errors += 1
            self.print("\ninterrupted — everything bound before is kept")
        except Exception as exc:  # a bug in einlang must not cost the user their session
            self.errors += 1
            print(f"internal error (please report it): {type(exc).__name__}: {exc}", file=self.err, flush=True)
        return not self.quit

    def run_script(self, text: str, name: str = "<input>") -> None:
        """Run statements, ``load``/``save`` lines and ``:command`` lines in order. Errors propagate."""
        # a sandbox's limits, for :time and :compare too; hints speak REPL (:set, :backend), not Python
        with self.session.limits(), speaking_to("repl"):
            for piece in split_script(text):
                if self.quit:
                    return
                if piece.kind == "command":
                    from .commands import run_command  # here: `einlang -c` with no command never loads the table

                    run_command(self, piece.text)
                elif piece.kind == "load":
                    self.load_line(piece.text)
                elif piece.kind == "save":
                    self.save_line(piece.text)
                elif piece.kind == "symbols":
                    self.symbols_line(piece.text)
                else:
                    self.statements(piece.text, name)

    def statements(self, text: str, name: str) -> None:
        """Run einlang statements, printing each as it finishes (a syntax error anywhere stops them all
        before anything runs)."""
        with warnings.catch_warnings(record=True) as caught:  # a def that shadows the library: said as a note
            warnings.simplefilter("always", E.ShadowWarning)
            for result in self.session.execute_each(text, name):
                self._notes(caught)
                if result.kind == "expression":
                    self.session["_"] = result.value  # binding makes a number an array
                    self.print(format_result(result))
                elif self.show_assignments:
                    self.print(format_result(result))
            self._notes(caught)

    def _notes(self, caught: list[warnings.WarningMessage]) -> None:
        """Print shadowing notes; show any other warning as Python would have."""
        for warning in caught:
            if issubclass(warning.category, E.ShadowWarning):
                self.print(f"note: {warning.message}")
            else:
                warnings.showwarning(warning.message, warning.category, warning.filename, warning.lineno)
        caught.clear()

    # -- load / save ------------------------------------------------------------------------------
    def load_line(self, line: str) -> None:
        self.session.refuse_in_sandbox("load")
        target, path = file_line(LOAD_LINE, line)
        for array_name, array in load_file(path, target).items():
            self.session[array_name] = array
            if self.show_assignments:
                self.print(f"{array_name}  {shape_text(array)}  {array.dtype}  from {path}")
        self.session.history.append(line.strip())

    def symbols_line(self, line: str) -> None:
        """``symbols a b θ``: bind each name to a SymPy symbol, so formulas come out (``rotation(θ)``)."""
        names = SYMBOLS_LINE.fullmatch(line).group(1)  # type: ignore[union-attr]  # split_script matched it
        for symbol in symbols(names):
            self.session[symbol.name] = symbol
        if self.show_assignments:
            self.print(f"symbols {' '.join(s.name for s in symbols(names))}: entries of formulas (SymPy)")
        self.session.history.append(line.strip())

    def save_line(self, line: str) -> None:
        self.session.refuse_in_sandbox("save")
        name, path = file_line(SAVE_LINE, line)
        if name:
            tensors = {name: self.session[name]}
        else:  # every tensor the user bound; _ is only the last result
            tensors = {key: value for key, value in self.session.tensors.items() if key != "_"}
        save_file(path, tensors)
        if self.show_assignments:
            self.print(f"saved {', '.join(tensors)} to {path}")
