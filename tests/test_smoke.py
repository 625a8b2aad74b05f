"""End-to-end smoke tests of the public API (the detailed suites live beside this file)."""

import numpy as np

import einlang


def test_matrix_product_every_backend():
    rng = np.random.default_rng(0)
    A, B = rng.random((3, 4)), rng.random((4, 5))
    for backend in einlang.backends():
        np.testing.assert_allclose(einlang.evaluate("A_ij B_jk", A=A, B=B, backend=backend), A @ B)


def test_explicit_output_orders_the_result():
    A, B = np.arange(6.0).reshape(2, 3), np.arange(12.0).reshape(3, 4)
    np.testing.assert_allclose(einlang.evaluate("C_ki = A_ij B_jk", A=A, B=B), (A @ B).T)
