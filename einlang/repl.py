"""The einlang REPL: type index notation, see the result with its indices and shape.

Everything runs through an :class:`einlang.Session`; this module adds what an interactive user needs:
binding helpers (``rand``, ``eye``, ``arange``, ``load``, ``save``), ``:commands`` (``:plan``,
``:compare``, ...), result printing, a progress bar for long naive runs, Ctrl-C that keeps the session,
and line editing with prompt_toolkit (history, completion, highlighting, multi-line input) when stdin
is a terminal.

>>> import io
>>> out = io.StringIO()
>>> repl = Repl(out=out, err=out)
>>> repl.handle("A = [[1, 2], [3, 4]]")
True
>>> repl.handle("A_ij A_jk")
True
>>> print(out.getvalue())
A  (2×2)
[[1 2]
 [3 4]]
result_ik  (2×2)
[[ 7 10]
 [15 22]]
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

import numpy as np

from . import errors as E
from .backends import available_backends, get_backend
from .bench_cli import format_comparison, format_seconds, format_table, measure, time_backends
from .config import get_options, set_options
from .functions import ELEMENTWISE
from .plan import format_indices
from .program import BoundProgram
from .semantics.callables import EinFunction, PyFunction
from .session import Session, StatementResult
from .syntax.parser import parse

PROMPT = "ein> "
CONTINUATION = "...  "
HISTORY_ENV = "EINLANG_HISTORY"
#: a naive evaluation expected to take longer than this shows a progress bar
PROGRESS_THRESHOLD_SECONDS = 1.0


class CommandError(Exception):
    """A ``:command`` used wrongly, or a file that cannot be read: printed as ``error: message``."""


# -- binding helpers: rand(3), eye(3), arange(6) --------------------------------------------------------
def _literal_sizes(function: str, shapes: tuple, constants: tuple, at_least: int = 0) -> tuple[int, ...]:
    sizes = []
    for k, (shape, value) in enumerate(zip(shapes, constants)):
        ok = shape == () and value is not None and not isinstance(value, complex) and float(value).is_integer()
        if not ok or int(value) < at_least:
            raise E.InputValueError(
                f"{function}: argument {k + 1} must be a whole number written in the call "
                f"(like {function}(3){'' if function != 'rand' else ' or rand(3, 3)'})"
                + (f", at least {at_least}" if at_least else ""),
            )
        sizes.append(int(value))
    return tuple(sizes)


_RNG = np.random.default_rng()


def _rand_infer(shapes, dtypes, constants):
    return _literal_sizes("rand", shapes, constants), np.dtype(np.float64)


def _eye_infer(shapes, dtypes, constants):
    (n,) = _literal_sizes("eye", shapes, constants)
    return (n, n), np.dtype(np.float64)


def _arange_infer(shapes, dtypes, constants):
    bounds = _literal_sizes("arange", shapes, constants)
    start, stop = (0, bounds[0]) if len(bounds) == 1 else bounds
    return (max(0, stop - start),), np.dtype(np.int64)


def _ints(args: tuple) -> tuple[int, ...]:
    return tuple(int(np.asarray(a)) for a in args)


HELPERS: dict[str, PyFunction] = {
    "rand": PyFunction(
        "rand", ("n1", "n2", "n3", "n4", "n5", "n6"), lambda *a: _RNG.random(_ints(a)), _rand_infer,
        "a tensor of the given sizes with random entries, uniform in [0, 1)", "x = rand(3); R = rand(3, 3)", min_args=1,
    ),
    "eye": PyFunction(
        "eye", ("n",), lambda n: np.eye(int(np.asarray(n))), _eye_infer, "the n×n identity matrix", "I = eye(3)",
    ),
    "arange": PyFunction(
        "arange", ("start", "stop"), lambda *a: np.arange(*_ints(a)), _arange_infer,
        "the integers 0, 1, ..., n-1 (or start, ..., stop-1)", "v = arange(6)", min_args=1,
    ),
}

FILE_HELPERS = {
    "load": ('x = load("file.npy")', "read a tensor from .npy, .npz or .csv; without a name, .npy/.csv bind to the "
             "file's stem and .npz binds every array under its own name"),
    "save": ('save(x, "file.npy")', "write a tensor to .npy, .npz or .csv (rank ≤ 2); save(\"file.npz\") writes every "
             "bound tensor"),
}

_NAME = r"[^\W\d]\w*"
_STRING = r"""(?:"([^"\n]*)"|'([^'\n]*)')"""
_LOAD = re.compile(rf"\s*(?:({_NAME})\s*=\s*)?load\(\s*{_STRING}\s*\)\s*;?\s*(?:#.*)?")
_SAVE = re.compile(rf"\s*save\(\s*(?:({_NAME})\s*,\s*)?{_STRING}\s*\)\s*;?\s*(?:#.*)?")


class ReplSession(Session):
    """A :class:`Session` with the REPL's helpers bound, and a progress bar around long naive runs."""

    def __init__(self, backend: str | None = None, progress: ProgressBar | None = None, **tensors: Any) -> None:
        super().__init__(backend, helpers=HELPERS, **tensors)
        self.progress = progress

    @property
    def current_backend(self) -> str:
        return self.backend or get_options().backend

    def evaluating(self, run: Any, backend: str) -> contextlib.AbstractContextManager[None]:
        if self.progress is None or backend != "naive":
            return contextlib.nullcontext()
        return self.progress(getattr(run, "iterations", 0))


# -- progress -------------------------------------------------------------------------------------------
class ProgressBar:
    """Shows an estimated progress bar while a long naive evaluation runs.

    The naive loops have no hooks, so progress is estimated from the iteration count and the loop
    rate measured on earlier runs (a first guess until then); the bar stops at 99% until the run ends.
    """

    def __init__(self, stream: TextIO, rate: float = 20e6, threshold: float = PROGRESS_THRESHOLD_SECONDS) -> None:
        self.stream = stream
        self.rate = rate  # loop iterations per second
        self.threshold = threshold

    @contextlib.contextmanager
    def __call__(self, iterations: int) -> Iterator[None]:
        estimate = iterations / self.rate
        if estimate < self.threshold or iterations > get_options().naive_iteration_limit:
            start = time.perf_counter()
            yield
            self._learn(iterations, time.perf_counter() - start)
            return
        stop = threading.Event()
        start = time.perf_counter()
        width = 30

        def draw() -> None:
            while True:
                fraction = min((time.perf_counter() - start) / estimate, 0.99)
                filled = int(width * fraction)
                self.stream.write(
                    f"\rnaive [{'#' * filled}{'.' * (width - filled)}] {fraction:4.0%}  "
                    f"{iterations:,} loop iterations, about {_seconds(estimate)} (Ctrl-C stops) "
                )
                self.stream.flush()
                if stop.wait(0.25):
                    return

        thread = threading.Thread(target=draw, daemon=True)
        thread.start()
        finished = False
        try:
            yield
            finished = True
        finally:
            stop.set()
            thread.join()
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()
            if finished:
                self._learn(iterations, time.perf_counter() - start)

    def _learn(self, iterations: int, seconds: float) -> None:
        if seconds > 0.02 and iterations > 0:  # shorter runs are dominated by set-up, not loops
            self.rate = iterations / seconds


def _seconds(seconds: float) -> str:
    return format_seconds(seconds) if seconds < 120 else f"{seconds / 60:.0f} min"


# -- printing results -----------------------------------------------------------------------------------
def dims_text(shape: tuple[int, ...]) -> str:
    """``3×2``; ``scalar`` for rank 0 (the compact form for headers and tables; error messages use
    :func:`einlang.semantics.describe.shape_words`, "a 3×2 matrix")."""
    return "×".join(map(str, shape)) or "scalar"


def shape_text(value: Any) -> str:
    """``(3×2)``; ``(scalar)`` for a number.

    >>> shape_text(np.zeros((3, 2)))
    '(3×2)'
    """
    return f"({dims_text(np.shape(value))})"


def value_text(value: Any) -> str:
    """The value as numpy prints it; arrays of more than 64 entries show their corners only."""
    array = np.asarray(value)
    if array.shape == ():
        return str(array[()])
    with np.printoptions(threshold=64, edgeitems=3):
        return str(array)


def format_result(result: StatementResult) -> str:
    """A result as the REPL prints it: the name with its index labels and shape, then the value."""
    if result.kind == "definition":
        function = result.name or "?"
        return f"defined {function}"
    name = result.name if result.name is not None else "result"
    labels = format_indices(result.labels) if result.labels else ""
    return f"{name}{labels}  {shape_text(result.value)}\n{value_text(result.value)}"


# -- multi-line input -----------------------------------------------------------------------------------
def needs_more_input(text: str) -> bool:
    """True when ``text`` is an unfinished statement: open brackets, a trailing operator or ``=``.

    >>> needs_more_input("A = [[1, 2],")
    True
    >>> needs_more_input("A = [[1, 2], [3, 4]]")
    False
    >>> needs_more_input(":plan A_ij")
    False
    """
    stripped = text.strip()
    if not stripped or stripped.startswith(":") or _LOAD.fullmatch(text) or _SAVE.fullmatch(text):
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


# -- the REPL proper ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Command:
    usage: str
    summary: str


COMMANDS: dict[str, Command] = {
    ":help": Command(":help [topic|function]", "this help; :help syntax, :help functions, :help backends, :help NAME"),
    ":vars": Command(":vars", "bound tensors (name, shape, dtype) and your definitions"),
    ":del": Command(":del NAME ...", "forget tensors or definitions"),
    ":reset": Command(":reset", "forget everything bound and defined"),
    ":backend": Command(":backend [NAME]", "show the backend, or switch to NAME (naive, numpy, opt)"),
    ":plan": Command(":plan EXPR", "the contraction plan: steps, FLOPs naive vs optimised, largest intermediate"),
    ":explain": Command(":explain EXPR", "the naive loop program for EXPR, then its plan"),
    ":time": Command(":time EXPR", "time EXPR on the current backend (median of repeats)"),
    ":compare": Command(":compare EXPR", "run EXPR on every backend: time, speedup over naive, do results agree"),
    ":load": Command(":load FILE.ein", "run a script into the session"),
    ":save": Command(":save FILE.ein", "write the statements of this session to a script"),
    ":set": Command(":set [OPTION VALUE]", "show or change options (naive_iteration_limit, memory_limit)"),
    ":quit": Command(":quit", "leave (Ctrl-D does too)"),
}
ALIASES = {":q": ":quit", ":exit": ":quit", ":h": ":help", ":?": ":help"}

INTRO = """\
einlang — Einstein summation, checked and planned.  :help for help, Ctrl-D to quit.
"""

SYNTAX_HELP = """\
Index notation: a repeated index is summed, the others are the result's indices.
  A = [[1, 2], [3, 4]]      bind a tensor (also: x = rand(3), R = rand(3, 3), I = eye(3), v = arange(6))
  x = load("x.npy")         read .npy, .npz or .csv;  save(x, "x.npy") writes one
  A_ij x_j                  matrix times vector: j is summed, the result has index i
  x_i x_i                   dot product (a scalar)
  A_ii                      trace;   d_i = A_ii  the diagonal
  C_ki = A_ij B_jk          name the result and order its indices;   A_ij B_jk -> ki  the same, unnamed
  eps_ijk a_j b_k           cross product with the Levi-Civita symbol; delta_ij is the identity
  sqrt(x_i x_i)             elementwise functions: sqrt, exp, log, abs, sin, cos, ...
  def f(u, v) = u_i v_i     define a function; f(x, x) calls it
  A_{in,out}, `my name`_ij  multi-letter indices in braces; backquotes for names with underscores
The last result is bound to _ .  Unfinished lines (open brackets, trailing operator) continue on the next line."""


class Repl:
    """Runs REPL input (statements and ``:commands``) against a session and prints what happened."""

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

    def run_script(self, text: str, name: str = "<input>", depth: int = 0) -> None:
        """Run statements, ``load``/``save`` lines and ``:command`` lines in order. Errors propagate."""
        for kind, payload in split_script(text):
            if self.quit:
                return
            if kind == "command":
                self.command(payload.strip(), depth)
            elif kind == "load":
                self.load_line(payload)
            elif kind == "save":
                self.save_line(payload)
            else:
                self.statements(payload, name)

    def statements(self, text: str, name: str) -> None:
        # one statement at a time, printed as it finishes; a syntax error anywhere stops before anything runs
        for result in self.session.execute_each(text, name):
            if result.kind == "expression":
                self.session["_"] = result.value  # binding makes a number an array
                self.print(format_result(result))
            elif self.show_assignments:
                self.print(format_result(result))

    # -- load / save ------------------------------------------------------------------------------
    def load_line(self, line: str) -> None:
        match = _LOAD.fullmatch(line)
        assert match is not None
        target, path = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        arrays = load_file(path, target)
        for array_name, array in arrays.items():
            self.session[array_name] = array
            if self.show_assignments:
                self.print(f"{array_name}  {shape_text(array)}  {array.dtype}  from {path}")
        self.session.history.append(line.strip())

    def save_line(self, line: str) -> None:
        match = _SAVE.fullmatch(line)
        assert match is not None
        name, path = match.group(1), match.group(2) if match.group(2) is not None else match.group(3)
        if name:
            tensors = {name: self.session[name]}
        else:  # every tensor the user bound; _ is only the last result
            tensors = {key: value for key, value in self.session.tensors.items() if key != "_"}
        save_file(path, tensors)
        if self.show_assignments:
            self.print(f"saved {', '.join(tensors)} to {path}")

    # -- commands ---------------------------------------------------------------------------------
    def command(self, text: str, depth: int = 0) -> None:
        word, _, arg = text.partition(" ")
        word = ALIASES.get(word, word)
        arg = arg.strip()
        handler = getattr(self, "cmd_" + word[1:], None) if word in COMMANDS else None
        if handler is None:
            from difflib import get_close_matches

            close = get_close_matches(word, list(COMMANDS), n=1)
            raise CommandError(f"unknown command {word}" + (f" — did you mean {close[0]}?" if close else "; :help lists them"))
        if word == ":load":
            handler(arg, depth)
        else:
            handler(arg)

    def _need(self, arg: str, command: str) -> str:
        if not arg:
            raise CommandError(f"usage: {COMMANDS[command].usage}")
        return arg

    def cmd_help(self, arg: str) -> None:
        self.print(help_text(arg, self.session))

    def cmd_quit(self, arg: str) -> None:
        self.quit = True

    def cmd_vars(self, arg: str) -> None:
        tensors = self.session.tensors
        rows = [("name", "shape", "dtype")] + [
            (name, dims_text(a.shape), str(a.dtype)) for name, a in tensors.items()
        ]
        if len(rows) == 1 and not self.session.definitions:
            self.print("nothing bound yet (try  x = rand(3))")
            return
        if len(rows) > 1:
            self.print(format_table(rows))
        for text in self.session.definitions.values():
            self.print(text)

    def cmd_del(self, arg: str) -> None:
        for name in self._need(arg, ":del").replace(",", " ").split():
            if name in self.session:
                del self.session[name]
            elif name in self.session.definitions:
                self.session.undefine(name)  # a library function or helper it shadowed comes back
            else:
                raise E.UndefinedNameError(f"{name} is not bound in this session")
            self.print(f"deleted {name}")

    def cmd_reset(self, arg: str) -> None:
        self.session.reset()
        self.print("session reset: nothing bound")

    def cmd_backend(self, arg: str) -> None:
        if arg:
            get_backend(arg)  # unknown names raise an error that lists the available ones
            self.session.backend = arg
        current = self.session.current_backend
        for name in available_backends():
            marker = "*" if name == current else " "
            self.print(f"{marker} {name:6}  {get_backend(name).description}")

    def cmd_plan(self, arg: str) -> None:
        self.print(str(self.session.plan(self._need(arg, ":plan"))))

    def cmd_explain(self, arg: str) -> None:
        self.print(self.session.explain(self._need(arg, ":explain")).rstrip())

    def _bound(self, arg: str, command: str) -> tuple[BoundProgram, list[Any]]:
        bound = self.session.bound(self._need(arg, command))
        return bound, [self.session[name] for name in bound.input_names]

    def cmd_time(self, arg: str) -> None:
        bound, inputs = self._bound(arg, ":time")
        backend = self.session.current_backend
        try:  # over a limit, the runner (or its first call) raises before any loop runs
            run = bound.runner(backend)
            seconds, _ = measure(lambda: run(inputs))
        except E.NaiveIterationLimitError as err:
            err.hint = "try :backend opt, or :set naive_iteration_limit N"  # the REPL's words for the remedy
            raise
        self.print(f"{backend}: {format_seconds(seconds)} per evaluation (median of repeats)")

    def cmd_compare(self, arg: str) -> None:
        bound, inputs = self._bound(arg, ":compare")
        self.print(format_comparison(time_backends(bound, inputs)))

    def cmd_load(self, arg: str, depth: int = 0) -> None:
        path = Path(self._need(arg, ":load")).expanduser()
        if depth > 8:
            raise CommandError(f":load nested more than 8 deep (does {path} load itself?)")
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot read {path}: {exc.strerror or exc}") from None
        before = set(self.session.tensors)
        shown, self.show_assignments = self.show_assignments, False
        try:
            self.run_script(text, str(path), depth + 1)
        finally:
            self.show_assignments = shown
        new = [name for name in self.session.tensors if name not in before and name != "_"]
        self.print(f"loaded {path}" + (f": bound {', '.join(new)}" if new else ""))

    def cmd_save(self, arg: str) -> None:
        path = Path(self._need(arg, ":save")).expanduser()
        text = "".join(stmt.rstrip("\n") + "\n" for stmt in self.session.history)
        try:
            path.write_text(f"# einlang session saved by :save\n{text}", encoding="utf-8")
        except OSError as exc:
            raise CommandError(f"cannot write {path}: {exc.strerror or exc}") from None
        self.print(f"saved {len(self.session.history)} statements to {path}")

    def cmd_set(self, arg: str) -> None:
        if arg:
            option, _, value = arg.partition(" ")
            if option == "backend":
                self.cmd_backend(value.strip())
                return
            if option not in ("naive_iteration_limit", "memory_limit"):
                raise CommandError(f"unknown option {option}; the options are backend, naive_iteration_limit, memory_limit")
            try:
                number = int(float(value.replace("_", ""))) if value.strip() else None
            except ValueError:
                number = None
            if number is None:
                raise CommandError(f"usage: :set {option} N   (a whole number, like 1e9)")
            set_options(**{option: number})
        options = get_options()
        self.print(f"backend                {self.session.current_backend}")
        self.print(f"naive_iteration_limit  {options.naive_iteration_limit:,}")
        self.print(f"memory_limit           {options.memory_limit:,} bytes")


# -- scripts: statements, load/save lines, command lines ------------------------------------------------
def split_script(text: str) -> list[tuple[str, str]]:
    """Cut a script into ``("einlang", text)``, ``("load", line)``, ``("save", line)`` and
    ``("command", line)`` pieces, in order. An einlang piece keeps every line of the script, with the
    lines outside it blanked, so error messages give the script's own line numbers.

    >>> [kind for kind, _ in split_script('x = rand(3)\\n:vars\\nsave(x, "x.npy")\\ny = x_i x_i')]
    ['einlang', 'command', 'save', 'einlang']
    """
    lines = text.split("\n")
    pieces: list[tuple[str, str]] = []
    chunk: list[int] = []
    depth = 0  # open brackets: a line starting with ':' inside a bracket is not a command

    def flush() -> None:
        if chunk and any(lines[k].strip() for k in chunk):
            keep = set(chunk)
            pieces.append(("einlang", "\n".join(line if k in keep else "" for k, line in enumerate(lines))))
        chunk.clear()

    for k, line in enumerate(lines):
        special = None
        if depth == 0:
            if line.lstrip().startswith(":"):
                special = "command"
            elif _LOAD.fullmatch(line):
                special = "load"
            elif _SAVE.fullmatch(line):
                special = "save"
        if special:
            flush()
            pieces.append((special, line))
            continue
        chunk.append(k)
        code = line.split("#", 1)[0]
        depth = max(0, depth + sum(code.count(c) for c in "([{") - sum(code.count(c) for c in ")]}"))
    flush()
    return pieces


def load_file(path: str, name: str | None = None) -> dict[str, np.ndarray]:
    """Arrays from a .npy, .npz or .csv file, by the names they bind to."""
    file = Path(path).expanduser()
    suffix = file.suffix.lower()
    if suffix not in (".npy", ".npz", ".csv"):
        raise CommandError(f"load: {path} is not a .npy, .npz or .csv file")
    try:
        if suffix == ".npy":
            arrays = {name or _identifier(file.stem): np.load(file, allow_pickle=False)}
        elif suffix == ".csv":
            arrays = {name or _identifier(file.stem): np.loadtxt(file, delimiter=",", ndmin=1)}
        else:
            with np.load(file, allow_pickle=False) as archive:
                stored = {key: archive[key] for key in archive.files}
            if name is not None:
                if len(stored) != 1:
                    raise CommandError(
                        f"load: {path} holds {len(stored)} arrays ({', '.join(stored)}); "
                        f'write load("{path}") to bind each under its own name'
                    )
                arrays = {name: next(iter(stored.values()))}
            else:
                arrays = stored
    except OSError as exc:
        raise CommandError(f"load: cannot read {path}: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise CommandError(f"load: {path} is not a readable {suffix} file ({exc})") from None
    for array_name in arrays:
        if not array_name.isidentifier():
            raise CommandError(f"load: {array_name!r} is not a valid tensor name; write  name = load(\"{path}\")")
    return arrays


def save_file(path: str, tensors: dict[str, np.ndarray]) -> None:
    """Write tensors to .npy (one), .npz (any number) or .csv (one, rank ≤ 2)."""
    file = Path(path).expanduser()
    suffix = file.suffix.lower()
    if not tensors:
        raise CommandError("save: nothing is bound")
    try:
        if suffix == ".npz":
            np.savez(file, **tensors)
        elif suffix in (".npy", ".csv"):
            if len(tensors) != 1:
                raise CommandError(f'save: a {suffix} file holds one tensor: save(name, "{path}"), or use .npz')
            ((name, array),) = tensors.items()
            if suffix == ".npy":
                np.save(file, array, allow_pickle=False)
            elif array.ndim > 2:
                raise CommandError(f"save: {name} has rank {array.ndim}; a .csv file holds rank 0, 1 or 2 — use .npy")
            else:
                np.savetxt(file, np.atleast_1d(array), delimiter=",", fmt="%.17g" if array.dtype.kind == "f" else "%s")
        else:
            raise CommandError(f"save: {path} must end in .npy, .npz or .csv")
    except OSError as exc:
        raise CommandError(f"save: cannot write {path}: {exc.strerror or exc}") from None


def _identifier(stem: str) -> str:
    name = re.sub(r"\W", "_", stem)
    return name if name and not name[0].isdigit() else "t_" + name


# -- help -----------------------------------------------------------------------------------------------
def help_text(topic: str, session: Session | None = None) -> str:
    """``:help``, ``:help syntax``, ``:help functions``, ``:help backends``, ``:help plan``, ``:help dot``."""
    topic = topic.strip()
    if not topic:
        lines = [SYNTAX_HELP, "", "Commands:"]
        lines += [f"  {c.usage:24} {c.summary}" for c in COMMANDS.values()]
        lines.append("Tab completes names, functions and :commands; ↑/↓ browse the history.")
        return "\n".join(lines)
    if topic == "syntax":
        return SYNTAX_HELP
    if topic in ("functions", "library"):
        return _functions_help(session)
    if topic == "backends":
        return "\n".join(f"  {name:6} {get_backend(name).description}" for name in available_backends())
    command = ALIASES.get(topic, topic if topic.startswith(":") else ":" + topic)
    if command in COMMANDS:
        return f"{COMMANDS[command].usage}\n  {COMMANDS[command].summary}"
    return _function_help(topic, session)


def _function_help(name: str, session: Session | None) -> str:
    if name in FILE_HELPERS:
        usage, summary = FILE_HELPERS[name]
        return f"{usage}\n  {summary}"
    if name in HELPERS:
        helper = HELPERS[name]
        return f"{name}(...): {helper.description}\n  example: {helper.example}"
    if session is not None and name in session.definitions:
        return session.definitions[name]
    if name in ELEMENTWISE:
        return f"{name}(x): elementwise {name}, applied to every entry"
    from . import library

    if name in library.names():
        return library.help(name)
    raise CommandError(f"no help for {name!r}: try :help, :help functions or :help syntax")


def _functions_help(session: Session | None) -> str:
    from . import library

    lines = ["Library functions (:help NAME for one):"]
    for name in library.names():
        function = library.registry()[name]
        description = getattr(function, "description", "") or ""
        lines.append(f"  {name}({', '.join(function.params)})" + (f"  {description.split(';')[0]}" if description else ""))
    lines.append("Elementwise: " + ", ".join(sorted(ELEMENTWISE)))
    lines.append("REPL helpers: rand(3), rand(3, 3), eye(3), arange(6), load(\"f.npy\"), save(x, \"f.npy\")")
    if session is not None and session.definitions:
        lines.append("Yours: " + ", ".join(session.definitions))
    return "\n".join(lines)


def completion_words(session: Session) -> dict[str, str]:
    """Every name Tab can complete in an expression, with what it is (shown beside the completion)."""
    words: dict[str, str] = {}
    for name in ELEMENTWISE:
        words[name] = "elementwise"
    for name in FILE_HELPERS:
        words[name] = "helper"
    for name, function in session.functions.items():
        if name in session.definitions:
            words[name] = "your def"
        elif isinstance(function, (EinFunction, PyFunction)):
            words[name] = "helper" if name in HELPERS else "library"
    for name, array in session.tensors.items():
        words[name] = f"tensor {dims_text(array.shape)}"
    return words


# -- interactive front ends -----------------------------------------------------------------------------
def history_path() -> Path:
    """``$EINLANG_HISTORY``, else ``~/.einlang_history``."""
    configured = os.environ.get(HISTORY_ENV)
    return Path(configured).expanduser() if configured else Path.home() / ".einlang_history"


def run_stream(repl: Repl, stream: TextIO) -> int:
    """Piped input: statements (possibly spanning lines) and commands, run as they complete.
    Returns 0, or 1 when any entry failed."""
    buffer = ""
    for line in stream:
        buffer += line
        if needs_more_input(buffer) and line.strip():
            continue
        if not repl.handle(buffer.rstrip("\n")):
            return 1 if repl.errors else 0
        buffer = ""
    if buffer.strip():
        repl.handle(buffer.rstrip("\n"))
    return 1 if repl.errors else 0


def run_plain(repl: Repl) -> int:
    """A terminal without prompt_toolkit: ``input()`` (with readline history when available)."""
    path = history_path()
    try:
        import readline

        with contextlib.suppress(OSError):
            readline.read_history_file(path)
    except ImportError:  # pragma: no cover - Windows without pyreadline
        readline = None  # type: ignore[assignment]
    # prompt_toolkit is a dependency, so this is a broken install: say what is missing and how to mend it
    repl.print(INTRO.rstrip() + "\n(prompt_toolkit could not be imported: no completion or highlighting; "
               "pip install --force-reinstall prompt_toolkit mends it)")
    try:
        while not repl.quit:
            try:
                text = input(PROMPT)
                while needs_more_input(text):
                    more = input(CONTINUATION)
                    text += "\n" + more
                    if not more.strip():
                        break
            except KeyboardInterrupt:
                repl.print()
                continue
            except EOFError:
                repl.print()
                break
            repl.handle(text)
    finally:
        if readline is not None:
            with contextlib.suppress(OSError):
                readline.write_history_file(path)
    return 0


def run_prompt_toolkit(repl: Repl) -> int:
    """The full REPL: history file, Tab completion, highlighting, multi-line input."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.completion import Completer, Completion, PathCompleter
    from prompt_toolkit.document import Document
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import PygmentsLexer

    from .highlight import EinlangLexer

    class EinlangCompleter(Completer):
        paths = PathCompleter(expanduser=True)

        def get_completions(self, document, complete_event):
            line = document.current_line_before_cursor
            if line.lstrip().startswith(":"):
                yield from self._command(line.lstrip(), document, complete_event)
                return
            yield from self._names(line)

        def _names(self, line: str):
            match = re.search(r"[^\W\d]\w*$", line)
            if not match:
                return
            prefix = match.group(0)
            for word, meta in sorted(completion_words(repl.session).items()):
                if word.startswith(prefix) and word != prefix:
                    yield Completion(word, -len(prefix), display_meta=meta)

        def _command(self, line: str, document, complete_event):
            if " " not in line:
                for name, command in COMMANDS.items():
                    if name.startswith(line):
                        yield Completion(name, -len(line), display_meta=command.summary[:40])
                return
            command, _, rest = line.partition(" ")
            command = ALIASES.get(command, command)
            word = rest.split(" ")[-1]
            if command in (":load", ":save"):
                sub = Document(rest.lstrip(), len(rest.lstrip()))
                yield from self.paths.get_completions(sub, complete_event)
            elif command == ":backend":
                yield from (Completion(b, -len(word)) for b in available_backends() if b.startswith(word))
            elif command == ":help":
                topics = ["syntax", "functions", "backends"] + [c[1:] for c in COMMANDS] + list(completion_words(repl.session))
                yield from (Completion(t, -len(word)) for t in sorted(set(topics)) if t.startswith(word) and t != word)
            elif command == ":del":
                names = list(repl.session.tensors) + list(repl.session.definitions)
                yield from (Completion(n, -len(word)) for n in names if n.startswith(word) and n != word)
            elif command == ":set":
                options = ["naive_iteration_limit", "memory_limit", "backend"]
                yield from (Completion(o, -len(word)) for o in options if o.startswith(word) and o != word)
            else:
                yield from self._names(line)

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event) -> None:
        buffer = event.current_buffer
        if buffer.complete_state is not None and buffer.complete_state.current_completion is not None:
            buffer.apply_completion(buffer.complete_state.current_completion)
            return
        text = buffer.text
        # an empty continuation line submits anyway: the error then says what is missing
        if needs_more_input(text) and not text.endswith("\n"):
            buffer.insert_text("\n")
        else:
            buffer.validate_and_handle()

    path = history_path()
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
    prompt = PromptSession(
        history=FileHistory(str(path)),
        completer=EinlangCompleter(),
        complete_while_typing=False,
        lexer=PygmentsLexer(EinlangLexer),
        multiline=True,
        key_bindings=bindings,
        prompt_continuation=lambda width, line_number, wrap_count: CONTINUATION.rjust(width),
    )
    repl.print(INTRO.rstrip())
    while not repl.quit:
        try:
            text = prompt.prompt(PROMPT)
        except KeyboardInterrupt:
            continue
        except EOFError:
            break
        repl.handle(text)
    return 0


def main(backend: str | None = None) -> int:
    """``einlang`` with no arguments: the interactive REPL, or piped statements when stdin is not a terminal."""
    interactive = sys.stdin.isatty()
    repl = Repl(ReplSession(backend), progress=interactive and sys.stdout.isatty())
    if not interactive:
        repl.err = sys.stderr
        return run_stream(repl, sys.stdin)
    try:
        import prompt_toolkit  # noqa: F401
    except ImportError:
        return run_plain(repl)
    return run_prompt_toolkit(repl)


__all__ = ["Repl", "ReplSession", "ProgressBar", "main", "needs_more_input", "split_script", "format_result"]
