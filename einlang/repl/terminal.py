"""Where REPL input comes from: a terminal with prompt_toolkit (history, completion, highlighting,
multi-line input), plain ``input()`` when prompt_toolkit cannot be imported, or a pipe."""

from __future__ import annotations

import contextlib
import os
import sys
from typing import TYPE_CHECKING, Any, TextIO

from .core import Repl
from .help import INTRO
from .helpers import ReplSession
from .script import needs_more_input

if TYPE_CHECKING:
    from pathlib import Path

PROMPT = "ein> "
CONTINUATION = "...  "
HISTORY_ENV = "EINLANG_HISTORY"


def history_path() -> Path:
    """``$EINLANG_HISTORY``, else ``~/.einlang_history``."""
    from pathlib import Path  # here: pathlib costs the REPL's start several ms

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


def _read_entry() -> str:
    """One entry from ``input()``: continuation lines while the statement is unfinished."""
    text = input(PROMPT)
    while needs_more_input(text):
        more = input(CONTINUATION)
        text += "\n" + more
        if not more.strip():
            break
    return text


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
                text = _read_entry()
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


def _prompt_session(repl: Repl) -> Any:
    """prompt_toolkit's session: history file, completion, einlang highlighting, Enter that continues an
    unfinished statement."""
    from prompt_toolkit import PromptSession
    from prompt_toolkit.history import FileHistory
    from prompt_toolkit.key_binding import KeyBindings
    from prompt_toolkit.lexers import PygmentsLexer

    from ..highlight import EinlangLexer
    from .completion import EinlangCompleter

    bindings = KeyBindings()

    @bindings.add("enter")
    def _enter(event: Any) -> None:
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
    return PromptSession(
        history=FileHistory(str(path)),
        completer=EinlangCompleter(repl),
        complete_while_typing=False,
        lexer=PygmentsLexer(EinlangLexer),
        multiline=True,
        key_bindings=bindings,
        prompt_continuation=lambda width, line_number, wrap_count: CONTINUATION.rjust(width),
    )


def run_prompt_toolkit(repl: Repl) -> int:
    """The full REPL: history file, Tab completion, highlighting, multi-line input."""
    prompt = _prompt_session(repl)
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
