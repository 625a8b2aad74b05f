"""The einlang REPL: type index notation, see the result with its indices and shape.

Everything runs through an :class:`einlang.Session`; this package adds what an interactive user needs,
one part per module:

- :mod:`~einlang.repl.core`: the :class:`Repl`, which runs input and prints results and errors;
- :mod:`~einlang.repl.commands`: the ``:commands`` table (``:plan``, ``:compare``, ...);
- :mod:`~einlang.repl.helpers`: binding helpers (``rand``, ``eye``, ``arange``) and the session;
- :mod:`~einlang.repl.script` and :mod:`~einlang.repl.files`: multi-line input, scripts, ``load``/``save``;
- :mod:`~einlang.repl.display`, :mod:`~einlang.repl.help`: what is printed;
- :mod:`~einlang.repl.progress`: a progress bar for long naive runs (Ctrl-C keeps the session);
- :mod:`~einlang.repl.terminal` and :mod:`~einlang.repl.completion`: line editing with prompt_toolkit
  (history, completion, highlighting), plain ``input()``, or piped input.

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

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .commands import ALIASES, COMMANDS, Command
    from .core import Repl
    from .display import format_result, shape_text, value_text
    from .files import load_file, save_file
    from .help import INTRO, SYNTAX_HELP, help_text
    from .helpers import FILE_HELPERS, HELPERS, ReplSession
    from .progress import PROGRESS_THRESHOLD_SECONDS, ProgressBar
    from .script import CommandError, needs_more_input, split_script
    from .terminal import CONTINUATION, HISTORY_ENV, PROMPT, history_path, main, run_plain, run_prompt_toolkit, run_stream
    from .words import completion_words

# each name is loaded from its module on first use: ``einlang -c`` needs the Repl, not the commands'
# table, the help texts, completion or the terminal (#14, start-up)
_MODULE_OF = {
    **dict.fromkeys(("ALIASES", "COMMANDS", "Command"), "commands"),
    "Repl": "core",
    **dict.fromkeys(("format_result", "shape_text", "value_text"), "display"),
    **dict.fromkeys(("load_file", "save_file"), "files"),
    **dict.fromkeys(("INTRO", "SYNTAX_HELP", "help_text"), "help"),
    **dict.fromkeys(("FILE_HELPERS", "HELPERS", "ReplSession"), "helpers"),
    **dict.fromkeys(("PROGRESS_THRESHOLD_SECONDS", "ProgressBar"), "progress"),
    **dict.fromkeys(("CommandError", "needs_more_input", "split_script"), "script"),
    **dict.fromkeys(("CONTINUATION", "HISTORY_ENV", "PROMPT", "history_path", "main", "run_plain",
                     "run_prompt_toolkit", "run_stream"), "terminal"),
    "completion_words": "words",
}


def __getattr__(name: str) -> Any:
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_MODULE_OF))


__all__ = [
    "ALIASES", "COMMANDS", "CONTINUATION", "FILE_HELPERS", "HELPERS", "HISTORY_ENV", "INTRO", "PROGRESS_THRESHOLD_SECONDS",
    "PROMPT", "SYNTAX_HELP", "Command", "CommandError", "ProgressBar", "Repl", "ReplSession", "completion_words",
    "format_result", "help_text", "history_path", "load_file", "main", "needs_more_input", "run_plain",
    "run_prompt_toolkit", "run_stream", "save_file", "shape_text", "split_script", "value_text",
]
