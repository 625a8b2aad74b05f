"""JAX arrays through einlang's checked plans: jax.grad and jax.jit trace through (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

import einlang

jax = pytest.importorskip("jax")
jnp = pytest.importorskip("jax.numpy")


def _arrays(*shapes, seed=0):
    keys = jax.random.split(jax.random.PRNGKey(seed), len(shapes))
    return [jax.random.uniform(k, s) for k, s in zip(keys, shapes)]


def test_result_is_a_jax_array_with_the_inputs_dtype_and_numpy_values():
    A, B = _arrays((3, 4), (4, 5))
    result = einlang.evaluate("A_ij B_jk", A=A, B=B)
    assert isinstance(result, jax.Array) and result.dtype == A.dtype
    assert result.devices() == A.devices()
    np.testing.assert_allclose(np.asarray(result), np.einsum("ij,jk->ik", np.asarray(A), np.asarray(B)), rtol=1e-5)


@pytest.mark.parametrize("text, equation", [("A_ij A_ij", "ij,ij->"), ("A_ii", "ii->"), ("x_i A_ij x_j", "i,ij,j->")])
def test_grad_of_evaluate_equals_grad_of_jnp_einsum(text, equation):
    A, x = _arrays((3, 3), (3,))

    def ours(a):
        return einlang.evaluate(text, A=a, x=x)

    def reference(a):
        operands = {"ij,ij->": (a, a), "ii->": (a,), "i,ij,j->": (x, a, x)}[equation]
        return jnp.einsum(equation, *operands)

    np.testing.assert_allclose(jax.grad(ours)(A), jax.grad(reference)(A), atol=1e-6)


def test_jit_and_grad_of_a_compiled_program_trace_once():
    prog = einlang.compile("r_i = W_ij x_j - y_i; loss = sqrt(r_i r_i) + 0.5 W_ij W_ij")
    W, x, y = _arrays((3, 4), (4,), (3,))
    traces = []

    def loss(w):
        traces.append(1)  # runs once per trace, never per call: no Python branch reads a value
        return prog(W=w, x=x, y=y)

    jitted = jax.jit(jax.value_and_grad(loss))
    value, grad = jitted(W)
    value2, _ = jitted(W * 2)
    assert len(traces) == 1

    def reference(w):
        r = w @ x - y
        return jnp.sqrt(r @ r) + 0.5 * jnp.sum(w * w)

    ref_value, ref_grad = jax.value_and_grad(reference)(W)
    np.testing.assert_allclose(value, ref_value, rtol=1e-6)
    np.testing.assert_allclose(grad, ref_grad, atol=1e-6)
    np.testing.assert_allclose(value2, reference(W * 2), rtol=1e-6)


def test_numpy_operands_join_jax_and_library_functions_work():
    (A,) = _arrays((3, 3))
    result = einlang.evaluate("A_ij x_j", A=A, x=np.ones(3, dtype=np.float32))
    assert isinstance(result, jax.Array)
    outer = einlang.evaluate("outer(u, v)", u=jnp.arange(2.0), v=jnp.arange(3.0))
    assert isinstance(outer, jax.Array) and outer.tolist() == [[0, 0, 0], [0, 1, 2]]
    spd = A @ A.T + 3 * jnp.eye(3)
    np.testing.assert_allclose(einlang.evaluate("inv(A)", A=spd), jnp.linalg.inv(spd), rtol=1e-5)
    grad = jax.grad(lambda a: einlang.evaluate("det(A)", A=a))(spd)
    np.testing.assert_allclose(grad, jax.grad(jnp.linalg.det)(spd), rtol=1e-4)


def test_python_written_function_without_a_jax_version_is_a_clear_error():
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError, match="pagerank.*jax"):
        einlang.evaluate("pagerank(L)", L=jnp.ones((2, 2)))
