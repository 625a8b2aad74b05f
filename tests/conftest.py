"""Shared fixtures and helpers for the core-engine test suites."""

from __future__ import annotations

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
settings.load_profile("einlang")


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(20240611)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


def assert_same(actual, expected, *, exact: bool = False) -> None:
    """Compare an einlang result with a reference: shape always, dtype kind and value exactly when asked."""
    actual_arr, expected_arr = np.asarray(actual), np.asarray(expected)
    assert actual_arr.shape == expected_arr.shape, f"shape {actual_arr.shape} != {expected_arr.shape}"
    if exact or actual_arr.dtype == object or expected_arr.dtype == object:
        assert actual_arr.tolist() == expected_arr.tolist()
    else:
        np.testing.assert_allclose(actual_arr, expected_arr, rtol=1e-9, atol=1e-9)
