"""Registries that cannot go stale: functions and backends registered after a program was compiled
and run are the ones that program uses next (issue 8's two registry bugs)."""

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang import library as lib
from einlang.backends import get_backend, register_backend
from einlang.backends.numpy_backend import NumpyBackend
from einlang.semantics.callables import PyFunction

A = np.arange(9.0).reshape(3, 3)
B = np.arange(9.0).reshape(3, 3)[::-1].copy()


def scaled_copy(name: str, factor: float) -> PyFunction:
    """``name(v)``: ``factor · v``, same shape and dtype."""
    return PyFunction(name, ("v",), lambda v: factor * v, lambda shapes, dtypes, constants: (shapes[0], dtypes[0]))


@pytest.fixture
def late_function():
    """A function name no one has registered yet; the library forgets it afterwards."""
    name = "late_registered_scale"
    assert name not in lib.registry()
    yield name
    lib.unregister_python(name)
    assert name not in lib.registry()


def test_a_function_registered_after_compiling_is_found(late_function):
    prog = einlang.compile(f"{late_function}(x)")
    with pytest.raises(E.UnknownFunctionError):
        prog(x=np.ones(2))
    with pytest.raises(E.UnknownFunctionError):
        einlang.evaluate(f"{late_function}(x)", x=np.ones(2))
    lib.register_python(scaled_copy(late_function, 2.0))
    assert prog(x=np.ones(2)).tolist() == [2.0, 2.0]  # the same text, no space appended
    assert einlang.evaluate(f"{late_function}(x)", x=np.ones(2)).tolist() == [2.0, 2.0]
    assert einlang.Session(x=np.ones(2)).run(f"{late_function}(x)").tolist() == [2.0, 2.0]


def test_a_function_replaced_after_running_is_replaced_everywhere(late_function):
    prog = einlang.compile(f"{late_function}(x)")
    session = einlang.Session(x=np.ones(2))
    lib.register_python(scaled_copy(late_function, 2.0))
    assert prog(x=np.ones(2)).tolist() == [2.0, 2.0]
    assert session.run(f"{late_function}(x)").tolist() == [2.0, 2.0]
    lib.register_python(scaled_copy(late_function, 3.0))
    assert prog(x=np.ones(2)).tolist() == [3.0, 3.0]  # the binding cached for these shapes is not reused
    assert session.run(f"{late_function}(x)").tolist() == [3.0, 3.0]
    assert getattr(lib, late_function)(np.ones(2)).tolist() == [3.0, 3.0]


class CountingNumpy(NumpyBackend):
    """numpy's backend, counting the runs of what it prepares."""

    calls = 0

    def prepare(self, program, plan=None):
        inner = super().prepare(program, plan)

        def run(inputs):
            CountingNumpy.calls += 1
            return inner(inputs)

        return run


@pytest.fixture
def restore_numpy_backend():
    original = type(get_backend("numpy"))
    yield
    register_backend("numpy", original, replace=True)
    assert type(get_backend("numpy")) is original


def test_register_backend_refuses_a_name_already_taken():
    with pytest.raises(E.DuplicateBackendError, match="'numpy' is already registered") as info:
        register_backend("numpy", CountingNumpy)
    assert "replace=True" in info.value.hint
    assert type(get_backend("numpy")) is NumpyBackend


def test_replacing_a_backend_after_first_use_drops_the_old_instance(restore_numpy_backend):
    prog = einlang.compile("A_ij B_jk")
    expected = prog(A=A, B=B, backend="numpy")  # the old backend is instantiated and its runner cached
    einlang.einsum("ij,jk", A, B, backend="numpy")
    CountingNumpy.calls = 0
    register_backend("numpy", CountingNumpy, replace=True)
    assert isinstance(get_backend("numpy"), CountingNumpy)
    np.testing.assert_array_equal(prog(A=A, B=B, backend="numpy"), expected)
    np.testing.assert_array_equal(einlang.einsum("ij,jk", A, B, backend="numpy"), expected)
    np.testing.assert_array_equal(einlang.Session(A=A, B=B, backend="numpy").run("A_ij B_jk"), expected)
    assert CountingNumpy.calls == 3
