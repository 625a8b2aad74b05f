"""Every expression of the language, on every backend, against the equivalent numpy computation."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import einlang
from tests.conftest import assert_same

_rng = np.random.default_rng(7)
T = {
    "A": _rng.standard_normal((3, 4)),
    "B": _rng.standard_normal((4, 5)),
    "C": _rng.standard_normal((5, 2)),
    "D": _rng.standard_normal((3, 4)),
    "M": _rng.standard_normal((3, 3)),
    "N": _rng.standard_normal((3, 3)),
    "P": _rng.random((3, 3)) + 0.5,
    "S": _rng.standard_normal((3, 4, 5)),
    "R": _rng.standard_normal((3, 3, 3)),
    "v": _rng.standard_normal(2),
    "u": _rng.standard_normal(4),
    "x": _rng.standard_normal(3),
    "y": _rng.standard_normal(3),
    "w": _rng.random(3) + 0.5,
    "z": _rng.standard_normal(5),
    "alpha": np.float64(_rng.standard_normal()),
    "t": np.float64(0.7),
    "bear_basis": _rng.standard_normal((3, 3)),
}
A, B, C, D, M, N, P, S, R = (T[k] for k in "ABCDMNPSR")
v, u, x, y, w, z, alpha, t = (T[k] for k in ("v", "u", "x", "y", "w", "z", "alpha", "t"))
ein = np.einsum


def eps3() -> np.ndarray:
    e = np.zeros((3, 3, 3))
    for (i, j, k), s in {(0, 1, 2): 1, (1, 2, 0): 1, (2, 0, 1): 1, (0, 2, 1): -1, (2, 1, 0): -1, (1, 0, 2): -1}.items():
        e[i, j, k] = s
    return e


# (source, reference computed with numpy)
TABLE: list[tuple[str, object]] = [
    # matrix products and chains
    ("A_ij B_jk", A @ B),
    ("A_ij * B_jk", A @ B),
    ("A_ij B_jk C_kl", A @ B @ C),
    ("A_ij B_jk C_kl v_l", A @ B @ C @ v),
    ("v_l C_kl B_jk A_ij", A @ B @ C @ v),
    ("A_ij u_j", A @ u),
    ("x_i A_ij", x @ A),
    ("x_i M_ij y_j", x @ M @ y),
    ("M_ij N_jk M_kl", M @ N @ M),
    ("A_ij D_ij", np.sum(A * D)),
    # traces and diagonals
    ("M_ii", np.trace(M)),
    ("d_i = M_ii", np.diag(M)),
    ("M_ii -> i", np.diag(M)),
    ("M_ij N_ji", np.trace(M @ N)),
    ("M_ij N_jk P_ki", np.trace(M @ N @ P)),
    ("R_iii ->", ein("iii", R)),
    ("f_i = R_iii", ein("iii->i", R)),
    ("R_iij", ein("iij->j", R)),
    ("e_ij = R_iij", ein("iij->ij", R)),
    # Hadamard and elementwise products
    ("H_ij = A_ij D_ij", A * D),
    ("A_ij D_ij -> ij", A * D),
    ("x_i y_i -> i", x * y),
    ("q_i = x_i y_i w_i", x * y * w),
    # transposes
    ("A_ji -> ij", A.T),
    ("C_ki = A_ij B_jk", (A @ B).T),
    ("A_ij -> ji", A.T),
    ("S_ijk -> kij", S.transpose(2, 0, 1)),
    ("A_ji", A.T),
    # outer products
    ("x_i y_j", np.outer(x, y)),
    ("x_i u_j z_k", ein("i,j,k->ijk", x, u, z)),
    ("y_j x_i -> ji", np.outer(y, x)),
    ("A_ij v_k", ein("ij,k->ijk", A, v)),
    # explicit outputs and generalised einsum
    ("A_ij B_jk -> ki", (A @ B).T),
    ("A_ij B_jk ->", np.sum(A @ B)),
    ("A_ij ->", np.sum(A)),
    ("A_ij -> i", A.sum(axis=1)),
    ("y_j = M_ij x_i x_i", ein("ij,i,i->j", M, x, x)),
    ("M_ij x_i x_i x_i ->", ein("ij,i,i,i->", M, x, x, x)),
    ("s_i = x_i x_i y_i", x * x * y),
    ("S_ijk A_ij -> k", ein("ijk,ij->k", S, A)),
    ("S_ijk A_ij u_j -> ik", ein("ijk,ij,j->ik", S, A, u)),
    # scalars
    ("2 A_ij", 2 * A),
    ("A_ij 2", 2 * A),
    ("2.5 * A_ij B_jk", 2.5 * A @ B),
    ("alpha x_i", alpha * x),
    ("alpha alpha", alpha * alpha),
    ("alpha", alpha),
    ("2 alpha x_i y_i", 2 * alpha * (x @ y)),
    ("3", 3),
    ("1e-3 x_i", 1e-3 * x),
    # division
    ("A_ij / 2", A / 2),
    ("A_ij / alpha", A / alpha),
    ("x_i / (y_j y_j)", x / (y @ y)),
    ("x_i / sqrt(x_j x_j)", x / np.linalg.norm(x)),
    ("x_i / w_i", np.sum(x / w)),  # the denominator's free i meets x_i: summed by the convention
    ("q_i = x_i / w_i", x / w),
    ("M_ij / w_j", M @ (1 / w)),
    ("Q_ij = M_ij / w_j", M / w),
    ("1 / alpha", 1 / alpha),
    ("A_ij B_jk / 4", A @ B / 4),
    ("x_i / 2 / 4", x / 8),
    # unary minus
    ("-A_ij", -A),
    ("-A_ij B_jk", -(A @ B)),
    ("- -x_i", x),
    ("A_ij (-B_jk)", -(A @ B)),
    ("-alpha x_i", -alpha * x),
    # sums aligned by name
    ("A_ij + D_ij", A + D),
    ("M_ij + N_ji", M + N.T),
    ("M_ij - N_ji", M - N.T),
    ("x_i + y_i - w_i", x + y - w),
    ("A_ij B_jk + D_il B_lk", A @ B + D @ B),
    ("2 x_i - alpha y_i", 2 * x - alpha * y),
    ("(M_ij + N_ij) x_j", (M + N) @ x),
    ("(x_i + y_i) (x_i - y_i)", (x + y) @ (x - y)),
    ("C_ji = M_ij + N_ij", (M + N).T),
    ("x_i x_i + y_j y_j", x @ x + y @ y),
    ("M_ij + delta_ij", M + np.eye(3)),
    ("M_ij + N_ij -> ji", (M + N).T),
    # elementwise functions
    ("sqrt(v_i v_i)", np.linalg.norm(v)),
    ("exp(x_i)", np.exp(x)),
    ("log(w_i)", np.log(w)),
    ("abs(x_i) y_i", np.abs(x) @ y),
    ("sin(x_i) + cos(x_i)", np.sin(x) + np.cos(x)),
    ("tan(t)", np.tan(t)),
    ("arctan(x_i)", np.arctan(x)),
    ("exp(M)_ij x_j", np.exp(M) @ x),
    ("sqrt(P_ij) P_jk", np.sqrt(P) @ P),
    ("exp(alpha)", np.exp(alpha)),
    ("arcsin(0.5)", np.arcsin(0.5)),
    ("cos(x_i y_i)", np.cos(x @ y)),
    # special tensors
    ("delta_ij x_j", x),
    ("δ_ij M_ij", np.trace(M)),
    ("M_ij delta_jk N_kl", M @ N),
    ("eps_ijk x_j y_k", np.cross(x, y)),
    ("ε_ijk x_j y_k", np.cross(x, y)),
    ("eps_ijk M_jk", ein("ijk,jk->i", eps3(), M)),
    ("eps_ijk eps_ijk", 6.0),
    ("eps_ijk x_i y_j w_k", np.linalg.det(np.stack([x, y, w]))),
    ("eps_ij [[1, 2], [5, 4]]_ij", 2 - 5),
    # array literals
    ("[[1, 2], [3, 4]]", np.array([[1, 2], [3, 4]])),
    ("[[1, 2], [3, 4]]_ij v_j", np.array([[1, 2], [3, 4]]) @ v),
    ("[[cos(t), -sin(t)], [sin(t), cos(t)]]", np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]])),
    ("[[cos(t), -sin(t)], [sin(t), cos(t)]]_ij v_j", np.array([[np.cos(t), -np.sin(t)], [np.sin(t), np.cos(t)]]) @ v),
    ("[x_i x_i, alpha, 2]", np.array([x @ x, alpha, 2])),
    ("[1, 2, 3]_i x_i", np.array([1, 2, 3]) @ x),
    ("[2 alpha, -1]_i v_i", np.array([2 * alpha, -1]) @ v),
    # definitions and calls
    ("def mm(A, B)_ik = A_ij B_jk; mm(A, B)_ik C_kl", A @ B @ C),
    ("def matmul2(X, Y)_ik = X_ij Y_jk\nmatmul2(M, N)_ik x_k", M @ N @ x),
    ("def sq(q) = q_i q_i; sq(x) + sq(y)", x @ x + y @ y),
    ("def tr(K) = K_ii\ntr(M) tr(N)", np.trace(M) * np.trace(N)),
    ("def f(K)_ij = K_ji; f(f(A))_ij", A),
    ("def g(a, b)_i = a_i + b_i; g(x, y)_i w_i", (x + y) @ w),
    ("def h(K) = K; h(M)_ij x_j", M @ x),
    ("def sc(K, c)_ij = c K_ij; sc(A, alpha)", alpha * A),
    # library calls
    ("dot(x, y)", x @ y),
    ("norm(x)", np.linalg.norm(x)),
    ("norm(v) v_i", np.linalg.norm(v) * v),
    ("matmul(A, B)", A @ B),
    ("matmul(A, B)_ik C_kl", A @ B @ C),
    ("matvec(M, x)", M @ x),
    ("transpose(A)", A.T),
    ("transpose(A)_ij A_jk", A.T @ A),
    ("trace(M)", np.trace(M)),
    ("trace(matmul(M, N))", np.trace(M @ N)),
    ("outer(x, y)", np.outer(x, y)),
    ("outer(x, u)_ij A_ij", x @ A @ u),
    ("dot(matvec(M, x), y)", (M @ x) @ y),
    # names with underscores
    ("bear_basis_ij x_j", T["bear_basis"] @ x),
    ("`bear_basis`_ji x_j", T["bear_basis"].T @ x),
    ("bear_basis_{ij} y_i", y @ T["bear_basis"]),
    # brace and multi-letter indices
    ("A_{i j} B_{j,k}", A @ B),
    ("A_{in,hid} B_{hid,out} -> {out,in}", (A @ B).T),
    ("A_{row,col} A_{row,col}", np.sum(A * A)),
    # parentheses: products flatten, sums and function arguments are closed units
    ("(A_ij B_jk) C_kl", A @ B @ C),
    ("A_ij (B_jk C_kl)", A @ B @ C),
    ("(x_i)(y_i)", x @ y),
    ("exp(A_ij B_jk)", np.exp(A @ B)),
    ("M_ij (x_j + y_j)", M @ (x + y)),
    ("x_i (M_ij + M_ji) y_j", x @ (M + M.T) @ y),
    ("-(x_i + y_i)", -(x + y)),
    ("x_i - (y_i - x_i)", 2 * x - y),
    ("z_i = M_ij x_j + y_i", M @ x + y),
    ("x_i / (x_j + y_j)", x[:, None] / (x + y)[None, :]),
    ("sqrt(M_ij M_ij) x_k", np.sqrt(np.sum(M * M)) * x),
    ("[x_i y_i, 1]_k [1, 2]_k", x @ y + 2),
    # multi-statement programs
    ("K_ij = M_ik N_kj; K_ij x_j", M @ N @ x),
    ("q = x_i y_i\nr_i = q x_i\nr_i w_i", (x @ y) * (x @ w)),
    ("a = 2; b = 3 a\nb x_i", 6 * x),
    ("E_ij = A_ij + D_ij # sum\n\nF_ji = E_ij\nF_ij F_ij", np.sum((A + D) ** 2)),
    ("n = sqrt(x_i x_i); x_i / n", x / np.linalg.norm(x)),
    ("G_kl = A_ik A_il\nG_kk", np.trace(A.T @ A)),
]


@pytest.mark.parametrize("source, expected", TABLE, ids=[s for s, _ in TABLE])
def test_matches_numpy(source, expected, backend):
    got = einlang.evaluate(source, backend=backend, **T)
    assert_same(got, expected)


def test_table_is_big_enough():
    assert len(TABLE) >= 80


# -- integer, complex and exact inputs --------------------------------------------------------------

IA = np.array([[1, -2, 3], [4, 5, -6]])
IB = np.array([[7, 8], [-9, 10], [11, 12]])
IM = np.array([[2, 1, 0], [1, 3, 1], [0, 1, 4]])
Ix = np.array([1, 2, 3])
INT_TABLE = [
    ("A_ij B_jk", IA @ IB),
    ("M_ii", np.trace(IM)),
    ("d_i = M_ii", np.diag(IM)),
    ("2 A_ij", 2 * IA),
    ("x_i x_i", Ix @ Ix),
    ("M_ij x_j - x_i", IM @ Ix - Ix),
    ("x_i M_ij x_j", Ix @ IM @ Ix),
    ("-A_ij B_jk -> ki", -(IA @ IB).T),
    ("A_ij + A_ij", 2 * IA),
    ("delta_ij M_ij", np.trace(IM)),
]
INTS = dict(A=IA, B=IB, M=IM, x=Ix)


@pytest.mark.parametrize("source, expected", INT_TABLE, ids=[s for s, _ in INT_TABLE])
def test_integer_results_stay_integer(source, expected, backend):
    got = np.asarray(einlang.evaluate(source, backend=backend, **INTS))
    assert got.dtype.kind == "i", f"{source} on {backend} gave {got.dtype}"
    assert_same(got, expected, exact=True)


def test_integer_division_gives_floats(backend):
    got = np.asarray(einlang.evaluate("A_ij / 2", A=IA, backend=backend))
    assert got.dtype.kind == "f"
    np.testing.assert_allclose(got, IA / 2)


CA = A[:, :3] + 1j * M
Cx = x - 2j * y
COMPLEX_TABLE = [
    ("A_ij A_jk", CA @ CA),
    ("A_ij x_j", CA @ Cx),
    ("x_i x_i", Cx @ Cx),
    ("3j x_i", 3j * Cx),
    ("A_ji + A_ij", CA + CA.T),
    ("exp(x_i)", np.exp(Cx)),
    ("A_ii", np.trace(CA)),
]


@pytest.mark.parametrize("source, expected", COMPLEX_TABLE, ids=[s for s, _ in COMPLEX_TABLE])
def test_complex_inputs(source, expected, backend):
    got = np.asarray(einlang.evaluate(source, A=CA, x=Cx, backend=backend))
    assert got.dtype.kind == "c"
    assert_same(got, expected)


def _fractions(values) -> np.ndarray:
    out = np.empty(np.shape(values), dtype=object)
    for index, value in np.ndenumerate(np.asarray(values)):
        out[index] = Fraction(int(value), 7) + Fraction(1, 3)
    return out


FA = _fractions([[1, 2, 3], [4, 5, 6]])
FB = _fractions([[1, 0], [2, 1], [3, 5]])
Fx = _fractions([1, 2, 3])


def _exact_matmul(a, b):
    return [[sum((a[i][j] * b[j][k] for j in range(len(b))), Fraction(0)) for k in range(len(b[0]))] for i in range(len(a))]


FRACTION_TABLE = [
    ("A_ij B_jk", lambda: _exact_matmul(FA.tolist(), FB.tolist())),
    ("x_i x_i", lambda: sum((a * a for a in Fx), Fraction(0))),
    ("A_ij / 3", lambda: [[a / 3 for a in row] for row in FA.tolist()]),
    ("A_ij x_j + A_ij x_j", lambda: [2 * sum((a * b for a, b in zip(row, Fx)), Fraction(0)) for row in FA.tolist()]),
    ("C_ki = A_ij B_jk", lambda: [list(col) for col in zip(*_exact_matmul(FA.tolist(), FB.tolist()))]),
    ("x_i / 2 - x_i", lambda: [a / 2 - a for a in Fx]),
]


@pytest.mark.parametrize("source, expected", FRACTION_TABLE, ids=[s for s, _ in FRACTION_TABLE])
def test_fractions_are_exact_on_naive(source, expected):
    got = einlang.evaluate(source, A=FA, B=FB, x=Fx, backend="naive")
    reference = expected()
    got_list = got.tolist() if isinstance(got, np.ndarray) else got
    assert got_list == reference
    for value in np.asarray(got, dtype=object).ravel():
        assert isinstance(value, Fraction), f"{value!r} is not exact"


# einlang.einsum as a numpy.einsum drop-in is cross-checked case by case in test_einsum_conformance.py.
