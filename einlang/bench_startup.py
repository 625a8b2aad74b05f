"""Start-up benchmark: whole new processes, timed in the same run as their numpy references.

``python -m einlang.bench --startup`` times, best of several rounds (each round runs every case once, each
einlang case right after its reference, so a noisy shared machine hurts both alike). A ratio is the median
over the rounds of the case's time over its reference's in the same round: on a shared machine whose load
moves between rounds that is steadier than the ratio of the two best times (which may come from rounds
under different loads).

- ``import einlang`` against ``import numpy``;
- the first ``einlang.compile`` in a new process (measured inside it, after ``import einlang``);
- ``einlang -c "…"`` against a numpy + opt_einsum one-liner computing the same product;
- the REPL reaching its prompt in a pseudo-terminal.

The children run with bytecode caching on and one warm-up round first, so they measure what a user sees
after the first run on the machine (compiled modules, the generated parser in the per-user cache).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

PROGRAM = "[[1,2]]_ij [[3],[4]]_jk"
ONE_LINER = ("import numpy, opt_einsum; "
             "print(opt_einsum.contract('ij,jk->ik', numpy.array([[1, 2]]), numpy.array([[3], [4]])))")
FIRST_COMPILE = ("import time, einlang; t = time.perf_counter(); einlang.compile('A_ij B_jk'); "
                 "print(time.perf_counter() - t)")
PROMPT = "ein> "


@dataclass(frozen=True, slots=True)
class Case:
    """One way to start a process; ``reports_time``: the child prints the seconds to count itself."""

    name: str
    argv: tuple[str, ...]
    reports_time: bool = False
    until_prompt: bool = False


@dataclass(frozen=True, slots=True)
class StartupRow:
    """A measured case, its reference and the target ratio (or absolute seconds when ``reference`` is empty)."""

    name: str
    seconds: float
    reference: str
    reference_seconds: float | None
    limit: float  # the ratio to the reference, or seconds when there is no reference
    paired: float | None = None  # the median of the rounds' ratios, when measured (see the module's doc)

    @property
    def ratio(self) -> float | None:
        if self.paired is not None:
            return self.paired
        return None if self.reference_seconds is None else self.seconds / self.reference_seconds

    @property
    def ok(self) -> bool:
        return (self.ratio if self.ratio is not None else self.seconds) <= self.limit


def _einlang_command() -> tuple[str, ...]:
    """The installed ``einlang`` script next to this Python, else ``python -m einlang``."""
    script = os.path.join(os.path.dirname(sys.executable), "einlang")
    return (script,) if os.access(script, os.X_OK) else (sys.executable, "-m", "einlang")


def cases() -> list[Case]:
    python = sys.executable
    return [  # each einlang case right after its reference (see the module's doc)
        Case("import numpy", (python, "-c", "import numpy")),
        Case("import einlang", (python, "-c", "import einlang")),
        Case("numpy + opt_einsum one-liner", (python, "-c", ONE_LINER)),
        Case("einlang -c", (*_einlang_command(), "-c", PROGRAM)),
        Case("first compile in a new process", (python, "-c", FIRST_COMPILE), reports_time=True),
        Case("REPL shows its prompt", _einlang_command(), until_prompt=True),
    ]


def _environment() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # a user's install has its modules compiled
    env.setdefault("TERM", "xterm")
    return env


def _run(case: Case, env: dict[str, str]) -> float:
    if case.until_prompt:
        return _until_prompt(case.argv, env)
    start = time.perf_counter()
    done = subprocess.run(case.argv, env=env, capture_output=True, text=True, timeout=120, check=True)
    elapsed = time.perf_counter() - start
    return float(done.stdout.split()[-1]) if case.reports_time else elapsed


def _until_prompt(argv: Sequence[str], env: dict[str, str], timeout: float = 30.0) -> float:
    """Seconds from spawning a REPL in a pseudo-terminal until its prompt is drawn."""
    import pty
    import select

    main, child = pty.openpty()
    start = time.perf_counter()
    process = subprocess.Popen(argv, stdin=child, stdout=child, stderr=child, env=env, close_fds=True)
    os.close(child)
    seen = b""
    try:
        while time.perf_counter() - start < timeout:
            ready, _, _ = select.select([main], [], [], 0.05)
            if not ready:
                continue
            try:
                chunk = os.read(main, 4096)
            except OSError:
                break
            if b"\x1b[6n" in chunk:  # a cursor-position query: answer it as a terminal would
                os.write(main, b"\x1b[1;1R")
            seen += chunk
            if PROMPT.strip().encode() in seen:  # prompt_toolkit draws the space as a cursor move
                return time.perf_counter() - start
        raise RuntimeError(f"no prompt from {' '.join(argv)} within {timeout:.0f} s: {seen[-200:]!r}")
    finally:
        process.kill()
        process.wait()
        os.close(main)


def measure(rounds: int = 7) -> dict[str, list[float]]:
    """The times of each case in each of ``rounds`` rounds (after one warm-up round)."""
    env = _environment()
    everything = cases()
    times: dict[str, list[float]] = {case.name: [] for case in everything}
    for round_ in range(rounds + 1):
        for case in everything:
            seconds = _run(case, env)
            if round_:  # round 0 warms caches: compiled modules, the generated parser
                times[case.name].append(seconds)
    return times


PAIRS = {"import einlang": "import numpy", "einlang -c": "numpy + opt_einsum one-liner"}


def paired_ratios(times: dict[str, list[float]]) -> dict[str, float]:
    """Each einlang case's median ratio to its reference over the rounds (see the module's doc).

    >>> paired_ratios({"import numpy": [1.0, 2.0, 1.0], "import einlang": [1.2, 2.2, 1.3],
    ...                "numpy + opt_einsum one-liner": [1.0], "einlang -c": [1.5]})
    {'import einlang': 1.2, 'einlang -c': 1.5}
    """
    return {case: statistics.median(a / b for a, b in zip(times[case], times[reference]))
            for case, reference in PAIRS.items()}


def rows(best: dict[str, float], ratios: dict[str, float] | None = None) -> list[StartupRow]:
    """The figures against the targets of the start-up issue; ``ratios``: the paired ones, else the
    ratio of the best times."""
    numpy_s, one_liner_s = best["import numpy"], best["numpy + opt_einsum one-liner"]
    ratios = ratios or {}
    return [
        StartupRow("import einlang", best["import einlang"], "import numpy", numpy_s, 1.5, ratios.get("import einlang")),
        StartupRow("first compile in a new process", best["first compile in a new process"], "", None, 0.030),
        StartupRow("einlang -c", best["einlang -c"], "numpy + opt_einsum one-liner", one_liner_s, 2.0,
                   ratios.get("einlang -c")),
        StartupRow("REPL shows its prompt", best["REPL shows its prompt"], "", None, 0.5),
    ]


def report(rows_: Sequence[StartupRow], best: dict[str, float]) -> str:
    lines = [f"{'start-up (new processes)':<34} {'einlang':>9} {'reference':>9}  {'ratio':>6}  target",
             "-" * 78]
    for row in rows_:
        if row.ratio is None:
            shown, target = "", f"≤ {row.limit * 1000:.0f} ms"
            ref = ""
        else:
            shown, target = f"{row.ratio:5.2f}×", f"≤ {row.limit:g}× {row.reference}"
            ref = f"{row.reference_seconds * 1000:7.0f} ms"
        lines.append(f"{row.name:<34} {row.seconds * 1000:6.0f} ms {ref:>9}  {shown:>6}  {target}"
                     f"  [{'ok' if row.ok else 'MISS'}]")
    lines.append(f"(times: the best round; references: import numpy {best['import numpy'] * 1000:.0f} ms, "
                 f"numpy + opt_einsum one-liner {best['numpy + opt_einsum one-liner'] * 1000:.0f} ms"
                 + ("; ratios: the median of the rounds' own" if any(r.paired is not None for r in rows_) else "") + ")")
    return "\n".join(lines)


def main(rounds: int = 7) -> int:
    if os.name != "posix":  # pragma: no cover
        print("the start-up benchmark needs a POSIX system (pseudo-terminals)", file=sys.stderr)
        return 1
    times = measure(rounds)
    best = {name: min(seconds) for name, seconds in times.items()}
    print(report(rows(best, paired_ratios(times)), best))
    return 0


if __name__ == "__main__":
    sys.exit(main())
