"""GPU cases (issue 9): torch-CUDA and CuPy operands stay on their device. Skipped, saying why, without one."""

from __future__ import annotations

import os

import numpy as np
import pytest

import einlang


def _cuda_device() -> bool:
    """A CUDA device is present (asked of torch when installed; else the driver's device file)."""
    try:
        import torch
    except ImportError:
        return os.path.exists("/dev/nvidia0")
    return torch.cuda.is_available()


pytestmark = [pytest.mark.gpu, pytest.mark.skipif(not _cuda_device(), reason="no CUDA device on this machine")]


def test_cuda_tensors_stay_on_their_device():  # pragma: no cover - needs a GPU
    torch = pytest.importorskip("torch")
    A = torch.rand(3, 3, device="cuda", requires_grad=True)
    result = einlang.evaluate("A_ij A_jk", A=A)
    assert result.device == A.device and result.grad_fn is not None
    torch.testing.assert_close(result, A @ A)
    mixed = einlang.evaluate("A_ij B_jk", A=A, B=np.eye(3, dtype=np.float32))
    assert mixed.device == A.device
    with pytest.raises(einlang.errors.DeviceMixError):
        einlang.evaluate("A_ij B_jk", A=A, B=torch.eye(3))


def test_cupy_arrays_stay_on_their_device():  # pragma: no cover - needs a GPU
    cupy = pytest.importorskip("cupy")
    A = cupy.random.rand(3, 3)
    result = einlang.evaluate("A_ij A_jk x_k", A=A, x=np.ones(3))
    assert isinstance(result, cupy.ndarray) and result.device == A.device
    np.testing.assert_allclose(result.get(), A.get() @ A.get() @ np.ones(3), rtol=1e-12)
