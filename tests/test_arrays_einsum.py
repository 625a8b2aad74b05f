"""einlang.einsum on other array libraries, and opt_einsum's backend names next to einlang's (issue 9)."""

from __future__ import annotations

import numpy as np
import opt_einsum
import pytest

import einlang

A, B = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)


@pytest.mark.parametrize("library, array_type", [("torch", "Tensor"), ("jax", "Array"), ("dask", "Array")])
def test_a_library_name_computes_with_that_library_numpy_operands_joining_it(library, array_type):
    module = pytest.importorskip({"torch": "torch", "jax": "jax", "dask": "dask.array"}[library])
    result = einlang.einsum("ij,jk->ik", A, B, backend=library)
    assert isinstance(result, getattr(module, array_type))
    values = result.compute() if library == "dask" else np.asarray(result)
    np.testing.assert_allclose(values, np.asarray(opt_einsum.contract("ij,jk->ik", A, B)), rtol=1e-6)


def test_auto_lets_the_operands_decide_as_opt_einsum_does():
    torch = pytest.importorskip("torch")
    assert isinstance(einlang.einsum("ij,jk->ik", A, B, backend="auto"), np.ndarray)
    x = torch.rand(2, 3, requires_grad=True)
    result = einlang.einsum("ij,jk->ik", x, B, backend="auto")
    assert isinstance(result, torch.Tensor) and result.grad_fn is not None
    result.sum().backward()
    ref = x.detach().clone().requires_grad_(True)
    torch.einsum("ij,jk->ik", ref.double(), torch.as_tensor(B)).sum().backward()  # numpy's promotion, as ours
    torch.testing.assert_close(x.grad, ref.grad, atol=1e-6, rtol=1e-6)


def test_numpy_keeps_einlangs_meaning_and_refuses_to_drop_autograd():
    torch = pytest.importorskip("torch")
    np.testing.assert_allclose(einlang.einsum("ij,jk->ik", A, B, backend="numpy"), A @ B)
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError):
        einlang.einsum("ij,jk->ik", torch.ones(2, 3, requires_grad=True), B, backend="numpy")


def test_a_library_name_with_another_librarys_operand_is_an_error():
    torch = pytest.importorskip("torch")
    pytest.importorskip("dask.array")
    with pytest.raises(einlang.errors.ArrayLibraryMixError, match="operand 0 is a torch.Tensor"):
        einlang.einsum("ij,jk->ik", torch.ones(2, 3), B, backend="dask")


def test_numpy_keywords_with_library_operands_are_refused():
    torch = pytest.importorskip("torch")
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError, match="dtype= and out="):
        einlang.einsum("ij,jk->ik", torch.ones(2, 3), torch.ones(3, 4), dtype=np.float32)
