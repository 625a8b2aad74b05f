"""The REPL's ``:commands``: one table of :class:`Command` entries (usage, summary, handler).

A handler takes the :class:`~einlang.repl.core.Repl` and the text after the command word.

>>> COMMANDS[":plan"].usage
':plan EXPR'
>>> resolve(":q") is COMMANDS[":quit"]
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from difflib import get_close_matches
from functools import partial
from typing import TYPE_CHECKING, Any

from .. import errors as E
from ..backends import available_backends, get_backend
from ..config import LIMITS, get_options, set_options
from ..program import BoundProgram
from ..semantics.describe import dims
from ..session import SANDBOX_BACKENDS
from ..timing import format_comparison, format_seconds, format_table, measure, time_backends
from .help import help_text
from .script import CommandError
from .words import OPTIONS

if TYPE_CHECKING:
    from .core import Repl

#: how deep ``:load`` may nest (a script that loads itself stops here)
MAX_LOAD_DEPTH = 8


@dataclass(frozen=True, slots=True)
class Command:
    """One ``:command``: how it is written, what it does (for ``:help``) and the function that does it."""

    usage: str
    summary: str
    handler: Callable[[Repl, str], None]


def _need(arg: str, command: str) -> str:
    """``arg``, or the command's usage as an error when it was left out."""
    if not arg:
        raise CommandError(f"usage: {COMMANDS[command].usage}")
    return arg


# -- the session ------------------------------------------------------------------------------------------
def _help(repl: Repl, arg: str) -> None:
    repl.print(help_text(arg, repl.session))


def _quit(repl: Repl, arg: str) -> None:
    repl.quit = True


def _vars(repl: Repl, arg: str) -> None:
    tensors = repl.session.tensors
    rows = [("name", "shape", "dtype")] + [(name, dims(a.shape), str(a.dtype)) for name, a in tensors.items()]
    if len(rows) == 1 and not repl.session.definitions:
        repl.print("nothing bound yet (try  x = rand(3))")
        return
    if len(rows) > 1:
        repl.print(format_table(rows))
    for text in repl.session.definitions.values():
        repl.print(text)


def _del(repl: Repl, arg: str) -> None:
    session = repl.session
    for name in _need(arg, ":del").replace(",", " ").split():
        if name in session:
            del session[name]
        elif name in session.definitions:
            session.undefine(name)  # a library function or helper it shadowed comes back
        else:
            raise E.UndefinedNameError(f"{name} is not bound in this session")
        repl.print(f"deleted {name}")


def _reset(repl: Repl, arg: str) -> None:
    repl.session.reset()
    repl.print("session reset: nothing bound")


def _backend(repl: Repl, arg: str) -> None:
    if arg:
        get_backend(arg)  # unknown names raise an error that lists the available ones
        if arg not in SANDBOX_BACKENDS:
            repl.session.refuse_in_sandbox(f"the backend {arg}")
        repl.session.backend = arg
    current = repl.session.current_backend
    for name in available_backends():
        marker = "*" if name == current else " "
        repl.print(f"{marker} {name:6}  {get_backend(name).description}")


def _set(repl: Repl, arg: str) -> None:
    if arg:
        option, _, value = arg.partition(" ")
        if option == "backend":
            _backend(repl, value.strip())
            return
        if option not in OPTIONS:
            raise CommandError(f"unknown option {option}; the options are {', '.join(OPTIONS)}")
        repl.session.refuse_in_sandbox(":set")
        if option == "exact":
            _set_exact(value.strip())
            _show_options(repl)
            return
        set_options(**{option: _option_value(option, value)})
    _show_options(repl)


def _option_value(option: str, value: str) -> float:
    """``:set`` OPTION's value: a whole number (``1e9``), or seconds for ``time_limit`` (``inf``: none)."""
    try:
        number = float(value.replace("_", "")) if value.strip() else None
        if number is not None and option != "time_limit":
            number = int(number)
    except (ValueError, OverflowError):  # 1e400 is inf as a float: no whole number
        number = None
    if number is None or (option == "time_limit" and not number > 0):
        usage = "SECONDS   (a positive number, like 2.5; inf for none)" if option == "time_limit" else \
            "N   (a whole number, like 1e9)"
        raise CommandError(f"usage: :set {option} {usage}")
    return number


def _set_exact(value: str) -> None:
    """``:set exact on``: number literals are fractions, evaluated on naive; ``off`` goes back to floats."""
    words = {"on": True, "true": True, "1": True, "off": False, "false": False, "0": False}
    if value.lower() not in words:
        raise CommandError("usage: :set exact on   (or off): on makes numbers exact fractions")
    set_options(exact=words[value.lower()])


def _show_options(repl: Repl) -> None:
    options = get_options()
    repl.print(f"{'backend':22} {repl.session.current_backend}")
    for option in LIMITS:
        repl.print(f"{option:22} {getattr(options, option):,}" + (" bytes" if option == "memory_limit" else ""))
    repl.print(f"{'time_limit':22} {options.time_limit:g} seconds")
    repl.print(f"{'precision':22} {options.precision} decimals")
    repl.print(f"{'exact':22} {'on: numbers are fractions, run on naive' if options.exact else 'off'}")


# -- one expression ---------------------------------------------------------------------------------------
def _plan(repl: Repl, arg: str) -> None:
    repl.print(str(repl.session.plan(_need(arg, ":plan"))))


def _explain(repl: Repl, arg: str) -> None:
    repl.print(repl.session.explain(_need(arg, ":explain")).rstrip())


def _latex(repl: Repl, arg: str) -> None:
    from ..latex import latex

    repl.print(latex(_need(arg, ":latex")))


def _diff(repl: Repl, arg: str) -> None:
    from ..derivatives import diff_text

    expr, variable = _split_last_argument(_need(arg, ":diff"))
    if not expr:
        raise CommandError(f"usage: {COMMANDS[':diff'].usage}")
    repl.print(diff_text(expr, variable, repl.session.tensors, repl.session.functions))


def _split_last_argument(text: str) -> tuple[str, str]:
    """``"x_i A_ij x_j, x_k"`` -> the expression and the variable (the last comma outside brackets)."""
    depth = 0
    for k in range(len(text) - 1, -1, -1):
        ch = text[k]
        depth += ch in ")]}"
        depth -= ch in "([{"
        if ch == "," and depth == 0:
            return text[:k].strip(), text[k + 1:].strip()
    return "", text


def _bound(repl: Repl, arg: str, command: str) -> tuple[BoundProgram, list[Any]]:
    bound = repl.session.bound(_need(arg, command))
    return bound, [repl.session[name] for name in bound.input_names]


def _time(repl: Repl, arg: str) -> None:
    bound, inputs = _bound(repl, arg, ":time")
    backend = repl.session.current_backend
    try:
        seconds, _ = measure(partial(bound.runner(backend), inputs))  # over a limit, runner() raises first
    except E.NaiveIterationLimitError as err:
        err.hint = "try :backend opt, or :set naive_iteration_limit N"  # the REPL's words for the remedy
        raise
    repl.print(f"{backend}: {format_seconds(seconds)} per evaluation (median of repeats)")


def _compare(repl: Repl, arg: str) -> None:
    bound, inputs = _bound(repl, arg, ":compare")
    repl.print(format_comparison(time_backends(bound, inputs, available_backends())))


# -- scripts ----------------------------------------------------------------------------------------------
def _load(repl: Repl, arg: str) -> None:
    from pathlib import Path  # here: pathlib costs every REPL start several ms

    repl.session.refuse_in_sandbox(":load")
    path = Path(_need(arg, ":load")).expanduser()
    if repl.load_depth >= MAX_LOAD_DEPTH:
        raise CommandError(f":load nested more than {MAX_LOAD_DEPTH} deep (does {path} load itself?)")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise E.FileAccessError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:  # its lines are never shown: the file may not be meant to be read
        raise E.FileAccessError(f"cannot read {path}: it is not UTF-8 text (byte {exc.start:,})") from None
    before = set(repl.session.tensors)
    shown, repl.show_assignments = repl.show_assignments, False
    repl.load_depth += 1
    try:
        repl.run_script(text, str(path))
    finally:
        repl.show_assignments = shown
        repl.load_depth -= 1
    new = [name for name in repl.session.tensors if name not in before and name != "_"]
    repl.print(f"loaded {path}" + (f": bound {', '.join(new)}" if new else ""))


def _save(repl: Repl, arg: str) -> None:
    from pathlib import Path

    repl.session.refuse_in_sandbox(":save")
    path = Path(_need(arg, ":save")).expanduser()
    history = repl.session.history
    text = "".join(stmt.rstrip("\n") + "\n" for stmt in history)
    try:
        path.write_text(f"# einlang session saved by :save\n{text}", encoding="utf-8")
    except OSError as exc:
        raise E.FileAccessError(f"cannot write {path}: {exc.strerror or exc}") from None
    repl.print(f"saved {len(history)} statements to {path}")


COMMANDS: dict[str, Command] = {
    ":help": Command(":help [topic|function]", "this help; :help syntax, :help functions, :help backends, :help NAME",
                     _help),
    ":vars": Command(":vars", "bound tensors (name, shape, dtype) and your definitions", _vars),
    ":del": Command(":del NAME ...", "forget tensors or definitions", _del),
    ":reset": Command(":reset", "forget everything bound and defined", _reset),
    ":backend": Command(":backend [NAME]", "show the backend, or switch to NAME (naive, numpy, opt)", _backend),
    ":plan": Command(":plan EXPR", "the contraction plan: steps, FLOPs naive vs optimised, largest intermediate", _plan),
    ":explain": Command(":explain EXPR", "the naive loop program for EXPR, then its plan", _explain),
    ":latex": Command(":latex STATEMENT", "the statement as LaTeX, its Einstein sums written out", _latex),
    ":diff": Command(":diff EXPR, x_k", "the derivative of EXPR with respect to x (new index k), simplified", _diff),
    ":time": Command(":time EXPR", "time EXPR on the current backend (median of repeats)", _time),
    ":compare": Command(":compare EXPR", "run EXPR on every backend: time, speedup over naive, do results agree", _compare),
    ":load": Command(":load FILE.ein", "run a script into the session", _load),
    ":save": Command(":save FILE.ein", "write the statements of this session to a script", _save),
    ":set": Command(":set [OPTION VALUE]", "show or change options (limits, precision, exact on/off)", _set),
    ":quit": Command(":quit", "leave (Ctrl-D does too)", _quit),
}
ALIASES = {":q": ":quit", ":exit": ":quit", ":h": ":help", ":?": ":help"}


def resolve(word: str) -> Command:
    """The command a word names (aliases included); an unknown word is refused with the closest match."""
    word = ALIASES.get(word, word)
    if word in COMMANDS:
        return COMMANDS[word]
    close = get_close_matches(word, list(COMMANDS), n=1)
    raise CommandError(f"unknown command {word}" + (f" — did you mean {close[0]}?" if close else "; :help lists them"))


def run_command(repl: Repl, text: str) -> None:
    """Run one ``:command`` line."""
    word, _, arg = text.strip().partition(" ")
    resolve(word).handler(repl, arg.strip())
