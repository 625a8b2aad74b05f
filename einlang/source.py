"""Source text and spans: where things are in what the user typed.

No third-party imports: every stage (and every error) can use this module.

>>> src = Source("A_ij B_jk\\nx_i", name="<demo>")
>>> span = src.span(10, 13)
>>> (span.line, span.column, span.text)
(2, 1, 'x_i')
"""

from __future__ import annotations

import bisect

from .records import field, record


@record
class Source:
    """A piece of einlang text with a display name (``<input>``, a file, a library module)."""

    text: str
    name: str = "<input>"
    _line_starts: tuple[int, ...] = field(default=(), compare=False, repr=False, init=False)  # a cache: never copied

    def _starts(self) -> tuple[int, ...]:
        """Where each line starts: found the first time a line or column is asked for (most texts parse
        without a message, and a span is two offsets: finding them costs nothing then)."""
        if not self._line_starts:
            starts = [0]
            found = self.text.find("\n")
            while found >= 0:
                starts.append(found + 1)
                found = self.text.find("\n", found + 1)
            object.__setattr__(self, "_line_starts", tuple(starts))  # frozen: set once, same value in any thread
        return self._line_starts

    def span(self, start: int, end: int) -> Span:
        """The span covering ``text[start:end]``."""
        return Span(self, max(0, start), max(start, end))

    def line_col(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a character offset."""
        starts = self._starts()
        line_index = bisect.bisect_right(starts, offset) - 1
        return line_index + 1, offset - starts[line_index] + 1

    def line_text(self, line: int) -> str:
        """The text of a 1-based line, without its newline."""
        start = self._starts()[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:] if end < 0 else self.text[start:end]


@record
class Span:
    """A half-open character range ``[start, end)`` in a :class:`Source`."""

    source: Source = field(compare=False, repr=False)
    start: int
    end: int

    @property
    def line(self) -> int:
        return self.source.line_col(self.start)[0]

    @property
    def column(self) -> int:
        return self.source.line_col(self.start)[1]

    @property
    def text(self) -> str:
        return self.source.text[self.start : self.end]

    def sub(self, start: int, end: int) -> Span:
        """A span relative to this one's start (used for one index inside ``A_ij``)."""
        return Span(self.source, self.start + start, self.start + end)

    def __str__(self) -> str:
        return f"{self.source.name}:{self.line}:{self.column}"
