"""Shared fixtures and helpers for the core-engine test suites."""

from __future__ import annotations

import os

import numpy as np
import pytest
from hypothesis import HealthCheck, settings

import einlang

BACKENDS = einlang.backends()

# One profile for every Hypothesis test: bounded examples and deadlines so the suites stay quick on 2 cores.
settings.register_profile(
    "einlang",
    max_examples=60,
    deadline=2000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,
)
# `--hypothesis-profile=einlang-random` draws fresh examples each run (with EINLANG_HYPOTHESIS_SCALE, a bug hunt).
settings.register_profile("einlang-random", parent=settings.get_profile("einlang"), derandomize=False, deadline=None)
# The quick run (`-m "not slow"`, for iterating) draws at most QUICK_EXAMPLES examples per property, also
# where a test asks for more; the full run (the README's test command, CI) draws what each test asks for.
QUICK_EXAMPLES = 30
settings.register_profile("einlang-quick", parent=settings.get_profile("einlang"), max_examples=QUICK_EXAMPLES)
settings.load_profile("einlang")


def _quick_run(config) -> bool:
    return "not slow" in (config.option.markexpr or "") and config.getoption("hypothesis_profile", None) is None


def pytest_configure(config) -> None:
    if _quick_run(config):
        settings.load_profile("einlang-quick")


def pytest_collection_modifyitems(config, items) -> None:
    if not _quick_run(config):
        return
    for item in items:
        test = getattr(item, "obj", None)
        # where @given keeps a test's @settings (Hypothesis reads it on each run); absent: nothing to cap
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)
        if chosen is not None and chosen.max_examples > QUICK_EXAMPLES:
            test._hypothesis_internal_use_settings = settings(chosen, max_examples=QUICK_EXAMPLES)


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def assert_same(actual, expected, *, exact: bool = False, strict: bool = False) -> None:
    """Compare an einlang result with a reference: shape always, dtype kind and value exactly when asked.

    ``strict`` (the numpy drop-in promise) also asks for the same kind of object (an array, or a numpy
    scalar for a rank-0 result) and the same dtype, with a tolerance that suits single precision.
    """
    if strict:
        assert type(actual) is type(expected), (type(actual), type(expected))
    actual_arr, expected_arr = np.asarray(actual), np.asarray(expected)
    assert actual_arr.shape == expected_arr.shape, f"shape {actual_arr.shape} != {expected_arr.shape}"
    if strict:
        assert actual_arr.dtype == expected_arr.dtype, f"dtype {actual_arr.dtype} != {expected_arr.dtype}"
    if exact or actual_arr.dtype == object or expected_arr.dtype == object:
        assert actual_arr.tolist() == expected_arr.tolist()  # Fractions and Python ints stay exact
    elif strict and expected_arr.dtype.kind not in "fc":
        np.testing.assert_array_equal(actual_arr, expected_arr)  # integers and booleans: no tolerance
    else:
        tolerance = 1e-9
        if strict:
            tolerance = 1e-4 if expected_arr.dtype in (np.float32, np.complex64) else 1e-10
        np.testing.assert_allclose(actual_arr, expected_arr, rtol=tolerance, atol=tolerance)


def assert_only_einlang_errors(text, tensors: dict, backend: str = "opt") -> None:
    """Compile and run ``text``: it may answer or raise an EinlangError (whose rendering must work too),
    never any other exception."""
    try:
        program = einlang.compile(text)
        with np.errstate(all="ignore"):
            program(tensors, backend=backend)
    except einlang.EinlangError as err:
        str(err)  # rendering the message must not fail either
    except RecursionError as err:  # pragma: no cover - the failure being tested for
        raise AssertionError(f"RecursionError for {text!r}") from err


TOLERANCE = {"e": 2e-2, "f": 1e-4, "d": 1e-9, "g": 1e-9, "F": 1e-4, "D": 1e-9, "G": 1e-9}


def assert_values(actual, expected) -> None:
    """The value rule's comparison (tests/test_values.py): the same dtype and shape; integers, booleans and
    objects (Fractions) exactly; floats to a tolerance that suits their precision, nan where nan, inf where inf."""
    actual_arr, expected_arr = np.asarray(actual), np.asarray(expected)
    assert actual_arr.shape == expected_arr.shape, f"shape {actual_arr.shape} != {expected_arr.shape}"
    assert actual_arr.dtype == expected_arr.dtype, f"dtype {actual_arr.dtype} != {expected_arr.dtype}"
    if expected_arr.dtype == object:
        assert actual_arr.tolist() == expected_arr.tolist()
        assert [type(v) for v in actual_arr.reshape(-1)] == [type(v) for v in expected_arr.reshape(-1)]
    elif expected_arr.dtype.kind in "fc":
        tol = TOLERANCE[expected_arr.dtype.char]
        np.testing.assert_allclose(actual_arr, expected_arr, rtol=tol, atol=tol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual_arr, expected_arr)


# --- optional libraries ------------------------------------------------------------------------------
# Tests that need an optional library (torch, jax, dask, IPython, matplotlib, ...) use pytest.importorskip:
# locally a missing library is a skip with its reason. CI installs every extra and sets
# EINLANG_REQUIRE_EXTRAS=1, which turns such a skip into a failure, so CI never passes by skipping them.
REQUIRE_EXTRAS = os.environ.get("EINLANG_REQUIRE_EXTRAS") == "1"


def _missing_library(report) -> str | None:
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason if "could not import" in reason else None


def _require(report) -> None:
    reason = _missing_library(report) if REQUIRE_EXTRAS and report.skipped else None
    if reason is not None:
        report.outcome = "failed"
        report.longrepr = f"EINLANG_REQUIRE_EXTRAS=1 and an optional library is missing: {reason}"


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    _require(outcome.get_result())


@pytest.hookimpl(hookwrapper=True)
def pytest_make_collect_report(collector):
    outcome = yield
    _require(outcome.get_result())
