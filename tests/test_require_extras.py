"""CI installs every optional library; EINLANG_REQUIRE_EXTRAS=1 turns a skip for a missing one into a failure."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["pytester"]

CONFTEST = (Path(__file__).parent / "conftest.py").read_text(encoding="utf-8")
PROBE = """
import pytest


def test_needs_a_library_that_is_not_installed():
    pytest.importorskip("einlang_no_such_library")


def test_skipped_for_another_reason():
    pytest.skip("no CUDA device on this machine")
"""


def _run(pytester, monkeypatch, required: bool):
    monkeypatch.delenv("EINLANG_REQUIRE_EXTRAS", raising=False)
    if required:
        monkeypatch.setenv("EINLANG_REQUIRE_EXTRAS", "1")
    pytester.makeconftest(CONFTEST)
    pytester.makepyfile(test_probe=PROBE, test_module_probe='import pytest\npytest.importorskip("einlang_no_such_library")\n')
    return pytester.runpytest_subprocess("-p", "no:cacheprovider", "--continue-on-collection-errors")


@pytest.mark.slow  # runs pytest in a subprocess
def test_locally_a_missing_library_is_a_skip_with_its_reason(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, required=False)
    result.assert_outcomes(skipped=3)


@pytest.mark.slow  # runs pytest in a subprocess
def test_in_ci_a_missing_library_fails_but_other_skips_stay(pytester, monkeypatch):
    result = _run(pytester, monkeypatch, required=True)
    outcomes = result.parseoutcomes()
    assert outcomes.get("failed") == 1 and outcomes.get("errors", outcomes.get("error")) == 1, outcomes
    assert outcomes.get("skipped") == 1
    result.stdout.fnmatch_lines(["*EINLANG_REQUIRE_EXTRAS=1 and an optional library is missing*"])
