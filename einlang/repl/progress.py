"""A progress bar for long naive evaluations (the REPL shows it; Ctrl-C stops the run).

The naive loops have no hooks, so progress is estimated from the iteration count and the loop rate
measured on earlier runs (a first guess until then); the bar stops at 99% until the run ends.

>>> import io
>>> stream = io.StringIO()
>>> bar = ProgressBar(stream, rate=1e6, threshold=1.0)
>>> with bar(1_000):  # a thousandth of a second: no bar
...     pass
>>> stream.getvalue()
''
>>> bar.line(0.5, 5_000_000, 5.0, columns=200)
'naive [###############...............]  50%  5,000,000 loop iterations, about 5.00 s (Ctrl-C stops)'
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from typing import TextIO

from ..config import get_options
from ..timing import format_duration

#: a naive evaluation expected to take longer than this shows a progress bar
PROGRESS_THRESHOLD_SECONDS = 1.0
BAR_WIDTH = 30
#: columns kept free at the end of the line: the terminal echoes Ctrl-C there as ``^C``
ECHO_ROOM = 3


class ProgressBar:
    """Shows an estimated progress bar on ``stream`` while a long naive evaluation runs.

    ``columns`` is the terminal's width (asked of the terminal when ``None``): the line is cut to fit,
    so it never wraps, and the line is cleared whole afterwards, even when Ctrl-C's ``^C`` was echoed
    after it.
    """

    def __init__(self, stream: TextIO, rate: float = 20e6, threshold: float = PROGRESS_THRESHOLD_SECONDS,
                 columns: int | None = None) -> None:
        self.stream = stream
        self.rate = rate  # loop iterations per second
        self.threshold = threshold
        self.columns = columns

    @contextlib.contextmanager
    def __call__(self, iterations: int) -> Iterator[None]:
        estimate = iterations / self.rate
        start = time.perf_counter()
        if estimate < self.threshold or iterations > get_options().naive_iteration_limit:
            yield
            self._learn(iterations, time.perf_counter() - start)
            return
        stop = threading.Event()
        thread = threading.Thread(target=self._draw, args=(stop, start, iterations, estimate), daemon=True)
        thread.start()
        finished = False
        try:
            yield
            finished = True
        finally:
            stop.set()
            thread.join()
            # blank the bar and a ^C echoed after it; one column short of the edge, so the cursor never wraps
            self.stream.write("\r" + " " * (self._columns() - 1) + "\r")
            self.stream.flush()
            if finished:
                self._learn(iterations, time.perf_counter() - start)

    def line(self, fraction: float, iterations: int, estimate: float, columns: int) -> str:
        """The bar's text, cut to leave :data:`ECHO_ROOM` of ``columns`` free."""
        filled = int(BAR_WIDTH * fraction)
        text = (f"naive [{'#' * filled}{'.' * (BAR_WIDTH - filled)}] {fraction:4.0%}  "
                f"{iterations:,} loop iterations, about {format_duration(estimate)} (Ctrl-C stops)")
        return text[: max(0, columns - ECHO_ROOM)]

    def _draw(self, stop: threading.Event, start: float, iterations: int, estimate: float) -> None:
        while True:
            fraction = min((time.perf_counter() - start) / estimate, 0.99)
            self.stream.write("\r" + self.line(fraction, iterations, estimate, self._columns()))
            self.stream.flush()
            if stop.wait(0.25):
                return

    def _columns(self) -> int:
        import shutil  # here: with bz2 and lzma it costs each REPL start several ms

        return self.columns or shutil.get_terminal_size((100, 24)).columns

    def _learn(self, iterations: int, seconds: float) -> None:
        if seconds > 0.02 and iterations > 0:  # shorter runs are dominated by set-up, not loops
            self.rate = iterations / seconds
