"""Tab completion for the terminal REPL (prompt_toolkit): names in expressions, ``:commands``, and each
command's argument (paths, backends, help topics, bound names, options)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from prompt_toolkit.completion import CompleteEvent, Completer, Completion, PathCompleter
from prompt_toolkit.document import Document

from ..backends import available_backends
from .commands import ALIASES, COMMANDS
from .core import Repl
from .words import HELP_TOPICS, OPTIONS, completion_words

_WORD_AT_END = re.compile(r"[^\W\d]\w*$")


def _starting(word: str, candidates: Iterable[str]) -> Iterator[Completion]:
    """A completion for each candidate that continues ``word`` (not ``word`` itself)."""
    return (Completion(c, -len(word)) for c in candidates if c.startswith(word) and c != word)


class EinlangCompleter(Completer):
    """Completes what the line so far asks for; reads the REPL's session on every Tab."""

    paths = PathCompleter(expanduser=True)

    def __init__(self, repl: Repl) -> None:
        self.repl = repl

    def get_completions(self, document: Document, complete_event: CompleteEvent) -> Iterator[Completion]:
        line = document.current_line_before_cursor
        if not line.lstrip().startswith(":"):
            yield from self._names(line)
        elif " " not in line.lstrip():
            word = line.lstrip()
            for name, command in COMMANDS.items():
                if name.startswith(word):
                    yield Completion(name, -len(word), display_meta=command.summary[:40])
        else:
            yield from self._argument(line.lstrip(), complete_event)

    def _names(self, line: str) -> Iterator[Completion]:
        match = _WORD_AT_END.search(line)
        if not match:
            return
        prefix = match.group(0)
        for word, meta in sorted(completion_words(self.repl.session).items()):
            if word.startswith(prefix) and word != prefix:
                yield Completion(word, -len(prefix), display_meta=meta)

    def _argument(self, line: str, complete_event: CompleteEvent) -> Iterator[Completion]:
        command, _, rest = line.partition(" ")
        command = ALIASES.get(command, command)
        word = rest.split(" ")[-1]
        session = self.repl.session
        if command in (":load", ":save"):
            yield from self.paths.get_completions(Document(rest.lstrip(), len(rest.lstrip())), complete_event)
        elif command == ":backend":
            yield from (Completion(b, -len(word)) for b in available_backends() if b.startswith(word))
        elif command == ":help":
            topics = [*HELP_TOPICS, *(c[1:] for c in COMMANDS), *completion_words(session)]
            yield from _starting(word, sorted(set(topics)))
        elif command == ":del":
            yield from _starting(word, [*session.tensors, *session.definitions])
        elif command == ":set":
            yield from _starting(word, OPTIONS)
        else:
            yield from self._names(line)
