"""Run numpy's and opt_einsum's own einsum test suites against ``einlang.einsum`` (a maintainer's tool).

Not part of the normal test run: it needs nothing from the network, only the copies of the two suites
that come installed with numpy (``numpy/_core/tests/test_einsum.py``) and opt_einsum
(``opt_einsum/tests/test_contract.py``)::

    python tests/peer/run_peer_suites.py                    # both suites; numpy's on opt and numpy
    python tests/peer/run_peer_suites.py --suite numpy --backend naive -- -x -k object

In each run the suite's ``np.einsum`` (numpy's) or ``contract`` (opt_einsum's) is ``einlang.einsum`` on the
chosen backend, and every call is cross-checked against the real library's: einlang must give the same
values (to rounding), shape and dtype, and refuse what it refuses. A test "calls einsum" when it went
through the redirected function at least once; the summary counts those apart from the tests that
exercise something else (``einsum_path``, opt_einsum's expressions and parsers).
Exit status 0 when every test that calls einsum passes.
"""

from __future__ import annotations

import argparse
import copy
import importlib.util
import subprocess
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

SUITES = {"numpy": ("numpy", "_core/tests/test_einsum.py"), "opt_einsum": ("opt_einsum", "tests/test_contract.py")}
BACKENDS = {"numpy": ("opt", "numpy"), "opt_einsum": ("opt",)}


def suite_path(suite: str) -> Path:
    """Where the installed package keeps the suite (an error saying so when it is absent)."""
    package, relative = SUITES[suite]
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise SystemExit(f"{package} is not installed: pip install {package}")
    path = Path(spec.origin).parent / relative
    if not path.exists():
        raise SystemExit(f"{path} is missing: this {package} was installed without its tests")
    return path


class Mismatch(AssertionError):
    """einlang.einsum and the real library disagreed on one call."""


def _same(ours: Any, theirs: Any) -> str | None:
    """Why two results differ (``None`` when they agree: shape, dtype, values to rounding). A bare Python
    object (numpy's scalar result of an object einsum) counts as an object array."""
    import numpy as np

    a, b = (np.asarray(x) if hasattr(x, "dtype") else np.asarray(x, dtype=object) for x in (ours, theirs))
    if a.shape != b.shape:
        return f"shape {a.shape} != {b.shape}"
    if a.dtype != b.dtype and object not in (a.dtype, b.dtype):
        return f"dtype {a.dtype} != {b.dtype}"
    if object in (a.dtype, b.dtype):
        try:
            a, b = a.astype(complex), b.astype(complex)
        except (TypeError, ValueError):
            return None if a.tolist() == b.tolist() else "values differ"
    if a.dtype.kind in "biuSUmM":
        return None if a.tolist() == b.tolist() else "values differ"
    scale = np.abs(b).max(initial=0) if b.size else 0
    tol = 1e3 * np.finfo(a.dtype).eps
    return None if np.allclose(a, b, rtol=tol, atol=tol * scale, equal_nan=True) else "values differ"


@dataclass(eq=False)  # pytest keeps its plugins in sets: hashed by identity
class Redirect:
    """A pytest plugin: the suite's einsum becomes ``einlang.einsum``, cross-checked call by call."""

    suite: str
    backend: str
    called: bool = False
    outcomes: dict[str, set[str]] = field(default_factory=dict)

    def real(self, *args: Any, **kwargs: Any) -> Any:
        if self.suite == "numpy":
            import numpy as np

            return _REAL_EINSUM(*args, **kwargs) if _REAL_EINSUM else np.einsum(*args, **kwargs)
        import opt_einsum

        return opt_einsum.contract(*args, **kwargs)

    def einsum(self, *args: Any, **kwargs: Any) -> Any:
        """The suite's einsum: einlang's result, after checking it against the real library's."""
        import einlang

        self.called = True
        theirs_kwargs = dict(kwargs)
        if kwargs.get("out") is not None:
            theirs_kwargs["out"] = copy.copy(kwargs["out"])
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs, refused = self.real(*args, **theirs_kwargs), None
        except Exception as exc:  # noqa: BLE001 - whatever it refuses, einlang must refuse too
            theirs, refused = None, exc
        ours = einlang.einsum(*args, **{"backend": self.backend, **kwargs})
        if refused is not None:
            raise Mismatch(f"einlang gave a result where the real einsum raised {refused!r}")
        why = _same(ours, theirs)
        if why is not None:
            raise Mismatch(f"einlang.einsum{_show(args)} disagrees with the real einsum: {why}")
        return ours

    @pytest.hookimpl(wrapper=True)
    def pytest_make_collect_report(self, collector: Any) -> Any:
        """While the suite's module is imported, numpy.einsum is ours (parametrize lists capture it);
        afterwards numpy's own is back and the module's ``np`` is a proxy whose einsum is ours."""
        import numpy as np

        global _REAL_EINSUM
        target = getattr(collector, "path", None)
        if target is None or Path(target) != suite_path(self.suite):
            return (yield)
        if self.suite == "numpy":
            _REAL_EINSUM = np.einsum
            np.einsum = self.einsum
        try:
            report = yield
        finally:
            if self.suite == "numpy":
                np.einsum = _REAL_EINSUM
        if self.suite == "numpy":
            collector.obj.np = _Proxy(np, self.einsum)
        else:
            collector.obj.contract = self.einsum
        return report

    def pytest_runtest_setup(self, item: Any) -> None:
        self.called = False

    def pytest_runtest_logreport(self, report: Any) -> None:
        if report.when == "call" or report.outcome != "passed":
            kind = ("calls einsum" if self.called else "other") + ": " + report.outcome
            self.outcomes.setdefault(kind, set()).add(report.nodeid)


_REAL_EINSUM: Any = None


class _Proxy:
    """numpy, except that ``einsum`` is einlang's."""

    def __init__(self, module: Any, einsum: Any) -> None:
        self._module, self.einsum = module, einsum

    def __getattr__(self, name: str) -> Any:
        return getattr(self._module, name)


def _show(args: tuple[Any, ...]) -> str:
    return "(" + ", ".join(repr(a) if isinstance(a, str) else type(a).__name__ for a in args) + ")"


def run_one(suite: str, backend: str, pytest_args: list[str]) -> int:
    """One suite on one backend, in this process; prints the counts and returns the exit status."""
    plugin = Redirect(suite, backend)
    args = [str(suite_path(suite)), "-q", "-p", "no:cacheprovider", "--rootdir", str(suite_path(suite).parent),
            "-o", "addopts=", *pytest_args]
    pytest.main(args, plugins=[plugin])
    counts = {kind: len(ids) for kind, ids in sorted(plugin.outcomes.items())}
    print(f"\n{suite} suite on backend {backend}: " + ", ".join(f"{n} {kind}" for kind, n in counts.items()))
    failed = plugin.outcomes.get("calls einsum: failed", set())
    for nodeid in sorted(failed)[:50]:
        print("  FAILED", nodeid)
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--suite", choices=[*SUITES, "all"], default="all")
    parser.add_argument("--backend", help="one einlang backend (default: opt and numpy for numpy's suite, opt for "
                                          "opt_einsum's)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("pytest_args", nargs="*", help="passed to pytest (after --)")
    options = parser.parse_args(argv)
    if options.one:
        return run_one(options.suite, options.backend, options.pytest_args)
    status = 0
    for suite in (SUITES if options.suite == "all" else [options.suite]):
        for backend in ([options.backend] if options.backend else BACKENDS[suite]):
            # a process per run: each imports the suite afresh with its own redirection
            command = [sys.executable, __file__, "--one", "--suite", suite, "--backend", backend, "--",
                       *options.pytest_args]
            status |= subprocess.call(command)
    return status


if __name__ == "__main__":
    sys.exit(main())
