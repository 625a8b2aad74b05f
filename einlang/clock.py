"""The wall-clock budget of one evaluation, for work no other limit bounds.

Every other limit is counted before the work starts, or (library iterations, exact elimination) step by
step, refusing the step that would pass it. What remains is work whose cost the shapes do not show:
exact fractions whose numerators grow at each step, a library function's iterations, the naive
backend's loops on slow numbers. For those the ``time_limit`` option (seconds; none by default, 5 in a
sandbox) is checked cooperatively: between iterations, never by interrupting a thread. The clock starts
when an evaluation starts (a statement, a compiled program's first call, a naive run, a library
function); work nested inside it, such as a library function's steps, shares the outer clock.

>>> import time, einlang
>>> with einlang.options(time_limit=0.01), evaluation():
...     time.sleep(0.02)
...     try:
...         check_time("the doctest's loop")
...     except einlang.EinlangError as err:
...         print(err.code, err.message.split(",")[0])
E505 the doctest's loop ran past the time_limit of 0.01 seconds
"""

from __future__ import annotations

import contextvars
import math
import time
from types import TracebackType

from .config import Options, get_options, raise_hint
from .errors import TimeLimitError
from .records import record


@record
class Deadline:
    """When the running evaluation must stop (``time.monotonic()`` seconds) and the limit that set it."""

    at: float
    seconds: float


_deadline: contextvars.ContextVar[Deadline | None] = contextvars.ContextVar("einlang_deadline", default=None)


class evaluation:  # noqa: N801 - used as a ``with`` block, like contextlib's helpers
    """Start the clock of one evaluation under the options in force, unless an enclosing evaluation's
    clock is running (then this one is part of it)."""

    __slots__ = ("_options", "_token")

    def __init__(self, options: Options | None = None) -> None:
        self._options = options
        self._token: contextvars.Token | None = None

    def __enter__(self) -> Deadline | None:
        running = _deadline.get()
        if running is not None:
            return running
        seconds = (self._options or get_options()).time_limit
        if seconds == math.inf:
            return None
        deadline = Deadline(time.monotonic() + seconds, seconds)
        self._token = _deadline.set(deadline)
        return deadline

    def __exit__(self, kind: type[BaseException] | None, value: BaseException | None,
                 traceback: TracebackType | None) -> None:
        if self._token is not None:
            _deadline.reset(self._token)
            self._token = None


def check_time(where: str) -> None:
    """Refuse to go on once the running evaluation is past its time limit (nothing when none is set)."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline.at:
        raise TimeLimitError(
            f"{where} ran past the time_limit of {deadline.seconds:g} seconds, so this evaluation was stopped",
            hint="use smaller inputs or fewer iterations, or " + raise_hint("time_limit"),
        )
