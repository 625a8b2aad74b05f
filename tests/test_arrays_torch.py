"""torch tensors through einlang's checked plans: type, dtype, device and autograd kept (issue 9)."""

from __future__ import annotations

import numpy as np
import pytest

import einlang

torch = pytest.importorskip("torch")

# (program, shapes, the numpy.einsum equation, its operands in order: a tensor may be read twice)
PROGRAMS = [
    ("A_ij B_jk", {"A": (3, 4), "B": (4, 5)}, "ij,jk->ik", "AB"),
    ("A_ii", {"A": (4, 4)}, "ii->", "A"),
    ("d_i = A_ii", {"A": (4, 4)}, "ii->i", "A"),
    ("x_i M_ij x_j", {"x": (3,), "M": (3, 3)}, "i,ij,j->", "xMx"),
    ("A_ij B_jk C_kl", {"A": (2, 3), "B": (3, 4), "C": (4, 5)}, "ij,jk,kl->il", "ABC"),
    ("C_ki = A_ij B_jk", {"A": (2, 3), "B": (3, 4)}, "ij,jk->ki", "AB"),
    ("u_i v_j", {"u": (3,), "v": (4,)}, "i,j->ij", "uv"),
    ("C_bik = A_bij B_bjk", {"A": (2, 3, 4), "B": (2, 4, 5)}, "bij,bjk->bik", "AB"),
    ("A_bij B_bjk", {"A": (2, 3, 4), "B": (2, 4, 5)}, "bij,bjk->ik", "AB"),
    ("A_ij A_ij", {"A": (3, 3)}, "ij,ij->", "AA"),
]


def _tensors(shapes, dtype=torch.float64, seed=0, requires_grad=False):
    g = torch.Generator().manual_seed(seed)
    return {n: torch.rand(s, generator=g, dtype=dtype, requires_grad=requires_grad) for n, s in shapes.items()}


@pytest.mark.parametrize("text, shapes, equation, order", PROGRAMS)
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_values_type_and_dtype_match_numpy_einsum(text, shapes, equation, order, dtype):
    tensors = _tensors(shapes, dtype)
    result = einlang.evaluate(text, **tensors)
    assert isinstance(result, torch.Tensor) and result.dtype == dtype and result.device == next(iter(tensors.values())).device
    expected = np.einsum(equation, *[tensors[n].numpy() for n in order])
    np.testing.assert_allclose(result.numpy(), expected, rtol=1e-5 if dtype == torch.float32 else 1e-12)


@pytest.mark.parametrize("text, shapes, equation, order", PROGRAMS)
def test_gradients_equal_torch_einsum(text, shapes, equation, order):
    ours = _tensors(shapes, requires_grad=True)
    ref = _tensors(shapes, requires_grad=True)
    result = einlang.evaluate(text, **ours)
    assert result.grad_fn is not None
    result.sum().backward()
    torch.einsum(equation, *[ref[n] for n in order]).sum().backward()
    for name in shapes:
        torch.testing.assert_close(ours[name].grad, ref[name].grad, atol=1e-6, rtol=1e-6)


def test_compiled_program_and_sums_functions_and_special_tensors():
    A = torch.rand(3, 3, dtype=torch.float64, requires_grad=True)
    prog = einlang.compile("C_ij = 2 A_ij - A_ji / 3 + exp(A_ij) + delta_ij A_kk")
    result = prog(A=A)
    a = A.detach().numpy()
    expected = 2 * a - a.T / 3 + np.exp(a) + np.eye(3) * np.trace(a)
    np.testing.assert_allclose(result.detach().numpy(), expected, rtol=1e-12)
    result.sum().backward()
    ref = A.detach().clone().requires_grad_(True)
    (2 * ref - ref.T / 3 + torch.exp(ref) + torch.eye(3, dtype=ref.dtype) * torch.trace(ref)).sum().backward()
    torch.testing.assert_close(A.grad, ref.grad)
    cross = einlang.evaluate("eps_ijk u_j v_k", u=torch.tensor([1.0, 0, 0]), v=torch.tensor([0.0, 1, 0]))
    assert cross.tolist() == [0.0, 0.0, 1.0]


def test_mixed_dtypes_promote_as_numpy_does():
    A = torch.ones(2, 3, dtype=torch.int32)
    B = torch.full((3, 2), 0.5, dtype=torch.float64)
    result = einlang.evaluate("A_ij B_jk", A=A, B=B)
    assert result.dtype == torch.float64 and result.tolist() == [[1.5, 1.5], [1.5, 1.5]]


def test_numpy_arrays_and_numbers_join_torch():
    A = torch.rand(2, 3, requires_grad=True)
    B = np.ones((3, 2), dtype=np.float32)
    result = einlang.evaluate("A_ij B_jk", A=A, B=B)
    assert isinstance(result, torch.Tensor) and result.grad_fn is not None
    listed = einlang.evaluate("A_ij x_j", A=A, x=[1, 2, 3])
    assert isinstance(listed, torch.Tensor)
    np.testing.assert_allclose(listed.detach().numpy(), A.detach().numpy() @ [1, 2, 3], rtol=1e-6)


def test_library_functions_in_einlang_and_in_torch_linalg():
    u, v = torch.tensor([1.0, 2.0]), torch.tensor([3.0, 4.0, 5.0])
    outer = einlang.evaluate("outer(u, v)", u=u, v=v)
    assert isinstance(outer, torch.Tensor) and outer.tolist() == torch.outer(u, v).tolist()
    A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], dtype=torch.float64, requires_grad=True)
    inverse = einlang.evaluate("inv(A)", A=A)
    torch.testing.assert_close(inverse, torch.linalg.inv(A))
    inverse.sum().backward()
    assert A.grad is not None
    assert einlang.evaluate("det(A)", A=A).item() == pytest.approx(5.0)
    x = einlang.evaluate("solve(A, b)", A=A, b=torch.tensor([3.0, 4.0], dtype=torch.float64))
    torch.testing.assert_close(A.detach() @ x.detach(), torch.tensor([3.0, 4.0], dtype=torch.float64))


def test_python_written_function_without_a_torch_version_is_a_clear_error():
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError) as info:
        einlang.evaluate("gram_schmidt(A)", A=torch.eye(2))
    assert info.value.code == "E606" and "gram_schmidt" in str(info.value) and "torch" in str(info.value)


@pytest.mark.parametrize("backend", ["naive", "numpy"])
def test_backends_over_numpy_refuse_rather_than_drop_autograd(backend):
    A = torch.rand(2, 2, requires_grad=True)
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError) as info:
        einlang.evaluate("A_ij A_jk", A=A, backend=backend)
    assert info.value.code == "E606" and "backend='opt'" in str(info.value)


def test_tensors_on_two_devices_are_an_error_naming_both():
    with pytest.raises(einlang.errors.DeviceMixError) as info:
        einlang.evaluate("A_ij B_jk", A=torch.ones(2, 2), B=torch.ones(2, 2, device="meta"))
    text = str(info.value)
    assert info.value.code == "E605" and "A is on cpu" in text and "B is on meta" in text


def test_two_libraries_are_an_error_naming_both():
    jnp = pytest.importorskip("jax.numpy")
    with pytest.raises(einlang.errors.ArrayLibraryMixError) as info:
        einlang.evaluate("A_ij B_jk", A=torch.ones(2, 2), B=jnp.ones((2, 2)))
    text = str(info.value)
    assert info.value.code == "E604" and "torch.Tensor" in text and "jax.Array" in text


def test_checks_still_name_tensors_and_indices():
    with pytest.raises(einlang.errors.SizeMismatchError):
        einlang.evaluate("A_ij B_jk", A=torch.ones(2, 3), B=torch.ones(4, 2))


def test_the_plan_is_cached_per_shape_dtype_and_type():
    prog = einlang.compile("A_ij B_jk")
    A = torch.ones(2, 2)
    prog(A=A, B=A)
    assert isinstance(prog(A=A.numpy(), B=A.numpy()), np.ndarray)
    assert isinstance(prog(A=A, B=A), torch.Tensor)


def test_python_callers_of_library_functions_get_the_torch_version():
    A = torch.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
    inverse = einlang.library.inv(A)
    assert isinstance(inverse, torch.Tensor) and inverse.grad_fn is not None
    torch.testing.assert_close(inverse, torch.linalg.inv(A))
    assert einlang.library.outer(torch.ones(2), torch.ones(3)).shape == (2, 3)
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError, match="gram_schmidt"):
        einlang.library.gram_schmidt(A)


def test_plans_read_shapes_and_sessions_say_they_need_numpy():
    assert einlang.compile("A_ij B_jk").plan(A=torch.ones(2, 3), B=(3, 4)).opt_flops == 48
    with pytest.raises(einlang.errors.UnsupportedArrayLibraryError, match="A is a torch.Tensor"):
        einlang.Session(A=torch.ones(2, 2, requires_grad=True))
