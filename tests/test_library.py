"""The standard library: hand-computed answers on every backend, properties, messages, the Python API.

Answers are integers and simple fractions worked out by hand; each is written as an einlang value (so
``1/sqrt(2)`` and ``[5/2, 5/2]`` read as they would on paper).
"""

from __future__ import annotations

import importlib.resources
import math
import re
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import einlang
import einlang.library as lib
from einlang import errors as E
from einlang.library import algorithms, images
from einlang.semantics.callables import EinFunction, PyFunction

BACKENDS = einlang.backends()
ROOT = Path(__file__).resolve().parent.parent

# (einlang expression, hand-computed answer as an einlang value)
HAND_COMPUTED = [
    # attention: the query matches both keys equally, then only the first
    ("attention([[1, 0]], [[1, 0], [1, 0]], [[1, 2], [3, 4]])", "[[2, 3]]"),
    ("attention([[2, 0]], [[1, 0], [0, 0]], [[1, 0], [0, 1]])",
     "[[exp(sqrt(2)) / (exp(sqrt(2)) + 1), 1 / (exp(sqrt(2)) + 1)]]"),
    # vectors
    ("dot([1, 2], [3, 4])", "11"),
    ("dot([1, -1, 2], [2, 2, 1])", "2"),
    ("norm([1, 2, 2])", "3"),
    ("norm([0, 0, 0])", "0"),
    ("cos_angle([1, 0], [0, 3])", "0"),
    ("cos_angle([1, 2], [2, 4])", "1"),
    ("cos_angle([3, 4], [4, 3])", "24/25"),
    ("angle([1, 0], [-2, 0])", "arccos(-1)"),
    ("angle([1, 1], [1, 0])", "arccos(1/sqrt(2))"),
    ("scalar_proj([2, 1], [3, 4])", "2"),
    ("scalar_proj([1, 1, 1], [0, 0, -2])", "-1"),
    ("vector_proj([2, 1], [3, 4])", "[6/5, 8/5]"),
    ("vector_proj([1, 2, 3], [0, 0, 2])", "[0, 0, 3]"),
    ("outer([1, 2, 3], [1, -1])", "[[1, -1], [2, -2], [3, -3]]"),
    ("cross([0, 1, 0], [1, 0, 0])", "[0, 0, -1]"),
    ("cross([1, 2, 3], [4, 5, 6])", "[-3, 6, -3]"),
    # matrices
    ("matmul([[1, 2, 3]], [[1], [1], [1]])", "[[6]]"),
    ("matmul([[2, 0], [0, 3]], [[1, 1], [1, 1]])", "[[2, 2], [3, 3]]"),
    ("matvec([[1, 0, 2], [0, 1, -1]], [1, 2, 3])", "[7, -1]"),
    ("transpose([[1, 2, 3], [4, 5, 6]])", "[[1, 4], [2, 5], [3, 6]]"),
    ("trace([[1, 2, 3], [4, 5, 6], [7, 8, 9]])", "15"),
    ("diag([[1, 2, 3], [4, 5, 6], [7, 8, 9]])", "[1, 5, 9]"),
    ("gram([[1, 2], [0, 1], [1, 0]])", "[[2, 2], [2, 5]]"),
    ("identity(3)", "[[1, 0, 0], [0, 1, 0], [0, 0, 1]]"),
    ("trace(identity(4))", "4"),
    ("det([[2, 0, 1], [1, 3, 2], [1, 1, 2]])", "6"),
    ("det([[0, 1], [1, 0]])", "-1"),
    ("det([[1, 2], [2, 4]])", "0"),
    ("det([[1/2, 1], [1, 1]])", "-1/2"),
    ("det([[5]])", "5"),
    ("inv([[2, 1], [1, 1]])", "[[1, -1], [-1, 2]]"),
    ("inv([[1, 2], [3, 4]])", "[[-2, 1], [3/2, -1/2]]"),
    ("solve([[2, 1], [1, 3]], [3, 5])", "[4/5, 7/5]"),
    ("solve([[2, 0], [0, 4]], [[2, 4], [4, 8]])", "[[1, 2], [1, 2]]"),
    ("rank([[1, 2, 3], [2, 4, 6], [1, 0, 1]])", "2"),
    ("rank([[1, 0], [0, 1]])", "2"),
    ("rank([[0, 0], [0, 0]])", "0"),
    ("is_singular([[1, 2], [3, 4]])", "0"),
    ("is_singular([[1, 2, 3], [4, 5, 6], [7, 8, 9]])", "1"),
    ("row_echelon([[0, 1], [2, 4]])", "[[1, 2], [0, 1]]"),
    ("row_echelon([[1, 1, 3], [1, 2, 4], [1, 1, 2]])", "[[1, 1, 3], [0, 1, 1], [0, 0, 1]]"),
    ("row_echelon([[1, 2], [2, 4], [3, 7]])", "[[1, 2], [0, 1], [0, 0]]"),
    ("row_echelon([[2, 4, 2], [1, 2, 3]])", "[[1, 2, 1], [0, 0, 1]]"),
    ("linearly_independent([[1, 0], [0, 1], [1, 1]])", "1"),
    ("linearly_independent([[1, 2, 3], [1, 2, 3]])", "0"),
    # transforms
    ("rotation(0)", "[[1, 0], [0, 1]]"),
    ("rotation(arccos(-1))", "[[-1, 0], [0, -1]]"),
    ("matvec(rotation(arccos(0)), [1, 0])", "[0, 1]"),
    ("rotation3([1, 0, 0], arccos(0))", "[[1, 0, 0], [0, 0, -1], [0, 1, 0]]"),
    ("rotation3([0, 3, 0], arccos(-1))", "[[-1, 0, 0], [0, 1, 0], [0, 0, -1]]"),
    ("scaling(2, 3, 4)", "[[2, 0, 0], [0, 3, 0], [0, 0, 4]]"),
    ("scaling([1/2, 2])", "[[1/2, 0], [0, 2]]"),
    ("scaling(5)", "[[5]]"),
    ("shear(1/2)", "[[1, 1/2], [0, 1]]"),
    ("reflection([0, 1])", "[[1, 0], [0, -1]]"),
    ("reflection([1, 0, 0])", "[[-1, 0, 0], [0, 1, 0], [0, 0, 1]]"),
    ("reflection([1, 2])", "[[3/5, -4/5], [-4/5, -3/5]]"),
    ("compose(scaling(2, 1), shear(1))", "[[2, 2], [0, 1]]"),
    ("compose(rotation(arccos(0)), rotation(arccos(0)))", "[[-1, 0], [0, -1]]"),
    ("apply(shear(1), [[0, 1, 1], [0, 0, 1]])", "[[0, 1, 2], [0, 0, 1]]"),
    # basis change
    ("from_basis([[2, 0], [0, 3]], [1, 1])", "[2, 3]"),
    ("from_basis([[1, 0, 1], [0, 1, 1], [0, 0, 1]], [1, 2, 3])", "[4, 5, 3]"),
    ("to_basis([[2, 0], [0, 3]], [2, 3])", "[1, 1]"),
    ("to_basis([[1, 1], [1, -1]], [3, 1])", "[2, 1]"),
    ("to_basis_orthogonal([[2, 0], [0, 3]], [2, 3])", "[1, 1]"),
    ("to_basis_orthogonal([[3, -4], [4, 3]], [5, 10])", "[11/5, 2/5]"),
    ("column_norms_squared([[3, 0], [4, 2]])", "[25, 4]"),
    ("orthogonal([[3, -4], [4, 3]])", "[[3, -4], [4, 3]]"),
    ("transform_in_basis([[1, 1], [0, 1]], [[2, 0], [0, 1]])", "[[1, 1/2], [0, 1]]"),
    ("transform_in_basis(rotation(arccos(0)), identity(2))", "[[0, -1], [1, 0]]"),
    ("is_orthonormal([[3/5, -4/5], [4/5, 3/5]])", "1"),
    ("is_orthonormal([[1, 1], [1, -1]])", "0"),
    ("is_orthonormal([[1], [0], [0]])", "1"),
    # course algorithms
    ("gram_schmidt([[1, 1], [0, 1]])", "[[1, 0], [0, 1]]"),
    ("gram_schmidt([[1, 2, 0], [1, 2, 1], [0, 0, 0]])", "[[1/sqrt(2), 0, -1/sqrt(2)], [1/sqrt(2), 0, 1/sqrt(2)], [0, 0, 0]]"),
    ("dimensions([[1, 2, 0], [1, 2, 1], [0, 0, 0]])", "2"),
    ("dimensions(identity(3))", "3"),
    ("reflection_matrix([[0, 1], [1, 0]])", "[[-1, 0], [0, 1]]"),
    ("reflection_matrix([[1, 0, 0], [0, 1, 0], [0, 0, 2]])", "[[1, 0, 0], [0, 1, 0], [0, 0, -1]]"),
    ("power_iteration([[2, 1], [1, 2]])", "[1/sqrt(2), 1/sqrt(2)]"),
    ("power_iteration([[1, 0], [0, -3]])", "[0, 1]"),
    ("pagerank([[0, 0, 1], [1, 0, 0], [0, 1, 0]])", "[100/3, 100/3, 100/3]"),
    ("pagerank([[0, 1], [1, 0]], 1/2)", "[50, 50]"),
    ("eig([[2, 0], [0, 5]])", "[5, 2]"),
    ("eig([[4, 1], [2, 3]])", "[5, 2]"),
    ("eigenvalues([[2, 1], [1, 2]])", "[3, 1]"),
    ("eigenvectors([[2, 0], [0, 3]])", "[[0, 1], [1, 0]]"),
    ("eigenvectors([[4, 1], [2, 3]])", "[[1/sqrt(2), -1/sqrt(5)], [1/sqrt(2), 2/sqrt(5)]]"),
    ("columns([2, 1], [-2, 4])", "[[2, -2], [1, 4]]"),
    ("ones_like([5, 7, 9])", "[1, 1, 1]"),
    ("to_basis(columns([2, 1], [-2, 4]), [5, -1])", "[9/5, -7/10]"),
    # images
    ("transform_image(rotation(arccos(-1)), [[1, 2], [3, 4]])", "[[4, 3], [2, 1]]"),
    ("transform_image(reflection([0, 1]), [[1, 2], [3, 4]])", "[[3, 4], [1, 2]]"),
    ("transform_image(rotation(arccos(0)), [[1, 2], [3, 4]])", "[[2, 4], [1, 3]]"),
]


def close(got, want) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    return got.shape == want.shape and np.allclose(got.astype(complex), want.astype(complex), rtol=0, atol=1e-9)


def run(text: str, backend: str | None = None):
    return einlang.Session().run(text, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize(("text", "answer"), HAND_COMPUTED, ids=[t for t, _ in HAND_COMPUTED])
def test_hand_computed(text, answer, backend):
    with einlang.options(backend=backend):  # the Python-written ones run their steps on this backend too
        got = run(text, backend)
    assert close(got, run(answer)), f"{text} gave {got}, by hand {answer}"


def test_every_definition_has_a_hand_computed_case():
    called = {name for text, _ in HAND_COMPUTED for name in re.findall(r"([a-z_0-9]+)\(", text)}
    missing = set(lib.names()) - called - {"sample_image"}
    assert not missing, f"no hand-computed case for {sorted(missing)}"


def _example(name: str) -> tuple[str, str]:
    code, _, answer = lib.registry()[name].example.partition("#")
    return code.strip(), answer.strip()


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", [n for n in lib.names() if n != "sample_image"])
def test_every_example_gives_its_stated_result(name, backend):
    code, answer = _example(name)
    assert code.startswith(f"{name}(") and answer, f"{name}'s example must call it and state the result after #"
    with einlang.options(backend=backend):
        got = run(code, backend)
    assert close(got, run(answer)), f"{code} gave {got}, the example says {answer}"


def test_integer_answers_stay_exact():
    assert run("det([[1, 2], [3, 4]])") == -2 and run("det([[1, 2], [3, 4]])").dtype == np.int64
    assert run("identity(2)").dtype == np.int64
    assert lib.det(np.array([[Fraction(1, 2), 1], [1, Fraction(1, 3)]], dtype=object)) == Fraction(-5, 6)
    assert lib.row_echelon(np.array([[3, 1], [1, 1]])).tolist() == [[1, 1 / 3], [0, 1]]
    assert lib.rank(np.array([[1e-20, 0], [0, 1]])) == 1  # floats: numpy's tolerance


def test_the_readable_ones_are_written_in_einlang():
    einlang_written = {
        "dot", "norm", "cos_angle", "angle", "scalar_proj", "vector_proj", "outer", "cross", "matvec", "matmul",
        "transpose", "trace", "diag", "rotation", "rotation3", "shear", "reflection", "compose", "apply",
        "from_basis", "to_basis", "to_basis_orthogonal", "transform_in_basis",
    }
    registry = lib.registry()
    assert {n for n in einlang_written if not isinstance(registry[n], EinFunction)} == set()
    assert all(isinstance(f, (EinFunction, PyFunction)) for f in registry.values())
    assert "arccos" in registry["angle"].definition.span.text
    assert "inv(B)" in registry["transform_in_basis"].definition.span.text


# -- properties --------------------------------------------------------------------------------------

angles = st.floats(-10, 10, allow_nan=False)
small = st.integers(-5, 5)
vectors2 = st.lists(small, min_size=2, max_size=2)
vectors3 = st.lists(small, min_size=3, max_size=3)


@settings(max_examples=30, deadline=None)
@given(theta=angles, v=vectors2, axis=vectors3, w=vectors3)
def test_rotations_preserve_lengths_and_angles(theta, v, axis, w):
    R = lib.rotation(theta)
    assert np.isclose(lib.norm(lib.matvec(R, v)), lib.norm(v))
    assert np.isclose(lib.det(R), 1)
    if any(axis):
        R3 = lib.rotation3(axis, theta)
        assert np.isclose(lib.norm(lib.matvec(R3, w)), lib.norm(w))
        assert np.allclose(lib.matvec(R3, axis), axis)  # the axis stays put
        assert np.allclose(lib.matmul(lib.transpose(R3), R3), np.eye(3))


@settings(max_examples=30, deadline=None)
@given(normal=st.one_of(vectors2, vectors3))
def test_a_reflection_twice_is_the_identity(normal):
    if not any(normal):
        return
    T = lib.reflection(normal)
    assert np.allclose(lib.matmul(T, T), np.eye(len(normal)))
    assert np.allclose(lib.matvec(T, normal), -np.asarray(normal))  # the normal flips
    assert np.isclose(lib.det(T), -1)


@settings(max_examples=30, deadline=None)
@given(basis=st.lists(vectors3, min_size=3, max_size=3))
def test_a_mirror_reflection_twice_is_the_identity(basis):
    B = np.array(basis, dtype=float).T
    if abs(np.linalg.det(B)) < 1e-6:
        return
    T = lib.reflection_matrix(B)
    assert np.allclose(T @ T, np.eye(3))
    assert np.allclose(T @ B[:, 0], B[:, 0]) and np.allclose(T @ B[:, 1], B[:, 1])  # the mirror stays


@settings(max_examples=30, deadline=None)
@given(basis=st.lists(vectors3, min_size=3, max_size=3), v=vectors3)
def test_from_basis_undoes_to_basis(basis, v):
    B = np.array(basis).T
    if lib.det(B) == 0:
        with pytest.raises(E.InputValueError, match="singular"):
            lib.to_basis(B, v)
        return
    assert np.allclose(lib.from_basis(B, lib.to_basis(B, v)), v)
    assert np.allclose(lib.transform_in_basis(lib.transform_in_basis(np.diag([1, 2, 3]), B), np.linalg.inv(B)),
                       np.diag([1, 2, 3]))


@settings(max_examples=30, deadline=None)
@given(columns=st.lists(vectors3, min_size=1, max_size=4))
def test_gram_schmidt_gives_orthonormal_columns(columns):
    A = np.array(columns, dtype=float).T
    E_ = lib.gram_schmidt(A)
    kept = E_[:, np.any(E_ != 0, axis=0)]
    assert kept.shape[1] == lib.dimensions(A) == np.linalg.matrix_rank(A)
    assert lib.is_orthonormal(kept) or kept.shape[1] == 0
    assert np.allclose(kept.T @ kept, np.eye(kept.shape[1]))
    if kept.shape[1]:  # the kept columns span the same space as A's
        assert np.linalg.matrix_rank(np.hstack([kept, A])) == kept.shape[1]


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 6), seed=st.integers(0, 10_000), d=st.sampled_from([0.0, 0.5, 0.85, 0.99]))
def test_pagerank_sums_to_100(n, seed, d):
    L = np.random.default_rng(seed).random((n, n)) + 0.01
    L /= L.sum(axis=0)
    ranks, iterations = lib.pagerank(L, d)
    assert math.isclose(ranks.sum(), 100) and iterations >= 1 and np.all(ranks >= 0)


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 10_000))
def test_power_iteration_agrees_with_eig(seed):
    A = np.random.default_rng(seed).random((4, 4))
    S = A + A.T + 4 * np.eye(4)  # symmetric with a dominant positive eigenvalue
    vector, value, _ = lib.power_iteration(S)
    values, vectors = lib.eig(S)
    assert np.isclose(value, values[0])
    assert np.allclose(np.abs(vector), np.abs(vectors[:, 0]), atol=1e-6)


# -- the course's micro-internet -----------------------------------------------------------------------

MICRO_INTERNET = np.array([
    [0, 1 / 2, 1 / 3, 0, 0, 0],
    [1 / 3, 0, 0, 0, 1 / 2, 0],
    [1 / 3, 1 / 2, 0, 1, 0, 1 / 2],
    [1 / 3, 0, 1 / 3, 0, 1 / 2, 1 / 2],
    [0, 0, 0, 0, 0, 0],
    [0, 0, 1 / 3, 0, 0, 0],
])
EXACT = 100 * np.array([12, 4, 30, 19, 0, 10]) / 75


@pytest.mark.parametrize("backend", BACKENDS)
def test_micro_internet_ranks_c_d_a_f_b_e(backend):
    with einlang.options(backend=backend):
        ranks, iterations = lib.pagerank(MICRO_INTERNET)
    order = "".join("ABCDEF"[k] for k in np.argsort(-ranks, kind="stable"))
    assert order == "CDAFBE"
    assert np.allclose(ranks, EXACT, atol=0.01) and math.isclose(ranks.sum(), 100)
    assert iterations > 1
    inside = einlang.Session(L=MICRO_INTERNET).run("pagerank(L, 1)", backend=backend)
    assert np.allclose(inside, ranks, rtol=0, atol=1e-9)


def test_micro_internet_exact_eigenvector():
    values, vectors = lib.eig(MICRO_INTERNET)
    assert np.isclose(values[0], 1)
    v = np.real(vectors[:, 0])
    assert np.allclose(100 * v / v.sum(), EXACT)
    # EXACT really is a fixed point of L: L r = r
    assert np.allclose(einlang.evaluate("L_ij r_j", L=MICRO_INTERNET, r=EXACT), EXACT)


def test_pagerank_damping_inside_einlang_and_python():
    ranks, _ = lib.pagerank(MICRO_INTERNET, d=0.85)
    assert np.allclose(einlang.Session(L=MICRO_INTERNET).run("pagerank(L, 0.85)"), ranks, rtol=0, atol=1e-9)
    assert np.argmax(ranks) == 2 and math.isclose(ranks.sum(), 100)
    assert ranks[4] == pytest.approx(100 * 0.15 / 6)  # page E: nobody links to it, only the damping


def test_algorithm_steps_are_einlang_a_learner_can_run():
    tables = [algorithms.GRAM_SCHMIDT_STEPS, algorithms.REFLECTION_STEPS, algorithms.POWER_STEPS,
              algorithms.PAGERANK_STEPS, images.IMAGE_STEPS]
    for table in tables:
        for step in table.values():
            einlang.compile(step)  # parses
    r = np.array([1.0, 0.0])
    assert np.allclose(einlang.evaluate(algorithms.POWER_STEPS["step"], M=np.array([[0, 1], [1, 0]]), r=r), [0, 1])
    M = einlang.evaluate(algorithms.PAGERANK_STEPS["damped link matrix"], d=0.5, L=np.eye(2), n=2.0, J=np.ones((2, 2)))
    assert np.allclose(M, [[3 / 4, 1 / 4], [1 / 4, 3 / 4]])


# -- images ------------------------------------------------------------------------------------------------


def test_sample_image_is_shipped_and_matches_its_drawing():
    path = importlib.resources.files("einlang.library").joinpath("data", images.SAMPLE_FILE)
    assert path.is_file()
    image = lib.sample_image()
    assert image.shape == (64, 64, 3) and image.dtype == np.float64
    assert 0 <= image.min() and image.max() <= 1
    assert np.array_equal(np.round(image * 255).astype(np.uint8), images.draw_sample_image())
    assert np.array_equal(run("sample_image()"), image)


@pytest.mark.parametrize("method", ["nearest", "bilinear"])
def test_quarter_turn_of_an_image_is_rot90(method):
    image = lib.sample_image()
    turned = lib.transform_image(lib.rotation(np.pi / 2), image, method)
    assert np.allclose(turned, np.rot90(image), atol=1e-9)  # anticlockwise, like the vectors
    mirrored = lib.transform_image(lib.reflection([1, 0]), image, method)
    assert np.allclose(mirrored, image[:, ::-1])


def test_transform_image_grey_and_scaling():
    grey = np.arange(16.0).reshape(4, 4)
    assert np.array_equal(lib.transform_image(np.eye(2), grey), grey)
    shrunk = lib.transform_image(lib.scaling(1 / 2, 1 / 2), grey + 1)  # every other pixel, black around
    assert np.array_equal(shrunk, [[0, 0, 0, 0], [0, 6, 8, 0], [0, 14, 16, 0], [0, 0, 0, 0]])
    smooth = lib.transform_image(lib.rotation(0.3), grey, "bilinear")
    assert smooth.shape == grey.shape and grey.min() <= smooth.max() <= grey.max()
    rgb8 = (lib.sample_image() * 255).astype(np.uint8)
    assert lib.transform_image(lib.rotation(1), rgb8).dtype == np.uint8
    assert np.array_equal(run("transform_image(rotation(1), sample_image(), 1)"),
                          lib.transform_image(lib.rotation(1), lib.sample_image(), "bilinear"))


# -- messages --------------------------------------------------------------------------------------------


def test_dot_of_sizes_3_and_4_names_both_arguments_and_sizes():
    s = einlang.Session(a=np.ones(3), b=np.ones(4))
    with pytest.raises(E.SizeMismatchError) as info:
        s.run("dot(a, b)")
    text = str(info.value)
    assert "index i is 3 in u (argument 1 of dot: a)" in text and "but 4 in v (argument 2 of dot: b)" in text
    assert "def dot(u, v) = u_i v_i" in text and "dot(a, b)\n" in text  # the definition and the call, with carets
    with pytest.raises(E.SizeMismatchError, match=r"3 in u .* 4 in v"):
        lib.dot([1, 2, 3], [1, 2, 3, 4])


ERRORS = [
    ("det([[1, 2, 3], [4, 5, 6]])", E.SizeMismatchError, "det(A) needs a square matrix, but A is a 2×3 matrix"),
    ("det([1, 2])", E.RankMismatchError, "A must be a matrix, but it is a vector of size 2"),
    ("inv([[1, 2], [2, 4]])", E.InputValueError, "A is singular"),
    ("solve([[1, 0], [0, 1]], [1, 2, 3])", E.SizeMismatchError, "A has 2 rows but b has 3 entries"),
    ("identity(0)", E.InputValueError, "positive whole number"),
    ("scaling([1, 2], 3)", E.RankMismatchError, "sx must be a number"),
    ("to_basis_orthogonal([[1, 1], [0, 1]], [1, 1])", E.InputValueError, "columns 1 and 2 of B are not orthogonal"),
    ("to_basis_orthogonal([[1, 0], [0, 0]], [1, 1])", E.InputValueError, "column 2 of B is zero"),
    ("to_basis([[1, 2], [2, 4]], [1, 1])", E.InputValueError, "singular"),
    ("pagerank([[1, 1], [0, 1]])", E.InputValueError, "column 2 of L sums to 2, not 1"),
    ("pagerank([[0, 1], [1, 0]], 2)", E.InputValueError, "damping d must be between 0 and 1"),
    ("eig(rotation(1))", E.InputValueError, "complex eigenvalues"),
    pytest.param("power_iteration(rotation(1))", E.InputValueError, "did not converge",  # iterates to its cap
                 marks=pytest.mark.slow, id="power_iteration(rotation(1))"),
    ("reflection_matrix([[1, 2], [1, 2]])", E.InputValueError, "not linearly independent"),
    ("transform_image(identity(3), [[1]])", E.SizeMismatchError, "T must be a 2×2 matrix"),
    ("transform_image(scaling(1, 0), [[1]])", E.InputValueError, "T is singular"),
    ("transform_image(identity(2), [1, 2])", E.RankMismatchError, "grey (height×width) or colour"),
    ("cross([1, 2], [3, 4])", E.SizeMismatchError, "Levi-Civita"),
    ("apply(identity(2), [1, 0])", E.RankMismatchError, "points"),
    ("dot([1, 2])", E.ArgumentCountError, "dot(u, v) takes 2 arguments but was given 1"),
]


@pytest.mark.parametrize(("text", "error", "words"), ERRORS, ids=[e.id if hasattr(e, "marks") else e[0] for e in ERRORS])
def test_mistakes_get_einlang_errors(text, error, words):
    with pytest.raises(error) as info:
        run(text)
    assert words in str(info.value)


def test_checks_run_before_anything_is_computed_and_point_at_the_call():
    s = einlang.Session(A=np.ones((2, 3)))
    with pytest.raises(E.SizeMismatchError) as info:
        s.run("x = 1 + det(A)")
    rendered = str(info.value)
    assert "at <input>:1:9" in rendered and "^^^^^^" in rendered and "note: in det" not in rendered
    assert "x" not in s


def test_value_errors_found_at_run_time_are_einlang_errors():
    s = einlang.Session(B=np.array([[1.0, 1.0], [0.0, 1.0]]), L=np.array([[0.5, 0.0], [0.5, 0.5]]))
    with pytest.raises(E.InputValueError, match="not orthogonal"):
        s.run("to_basis_orthogonal(B, [1, 1])")
    with pytest.raises(E.InputValueError, match="column 2 of L sums to 0.5"):
        s.run("pagerank(L)")
    with pytest.raises(E.InputValueError, match="identity.n. needs n written as a number"):
        einlang.Session(n=np.array(3)).run("identity(n)")


# -- the Python API --------------------------------------------------------------------------------------


def test_every_name_is_a_python_function():
    for name in lib.names():
        function = getattr(lib, name)
        assert callable(function) and function.__name__ == name and function.__doc__
    assert set(lib.names()) <= set(dir(lib))
    with pytest.raises(AttributeError, match="names"):
        lib.no_such_function  # noqa: B018


def test_python_api_results():
    assert lib.dot([1, 2, 3], [4, 5, 6]) == 32
    assert np.array_equal(lib.outer([1, 2], [3, 4]), [[3, 4], [6, 8]])
    assert np.array_equal(lib.identity(2), np.eye(2))
    assert lib.det([[1, 2], [3, 4]]) == -2
    assert lib.is_singular([[1, 2], [2, 4]]) is np.True_
    assert np.allclose(lib.scaling(2, 3), [[2, 0], [0, 3]])
    assert np.allclose(lib.rotation(np.pi), -np.eye(2))
    assert np.array_equal(lib.matvec([[1, 2], [3, 4]], [1, 1], backend="naive"), [3, 7])
    vector, value, iterations = lib.power_iteration([[2, 0], [0, 1]])
    assert np.allclose(vector, [1, 0]) and np.isclose(value, 2) and iterations >= 1
    values, vectors = lib.eig([[0, -1], [1, 0]])  # Python gets the complex ones
    assert np.allclose(sorted(values, key=lambda z: z.imag), [-1j, 1j]) and vectors.shape == (2, 2)
    with pytest.raises(E.ArgumentCountError):
        lib.dot([1, 2])
    with pytest.raises(E.ArgumentCountError):
        lib.det()
    with pytest.raises(E.InputValueError, match="method"):
        lib.transform_image(np.eye(2), np.ones((2, 2)), "cubic")
    with pytest.raises(E.InputValueError):
        lib.norm(["a", "b"])


def test_help_and_names():
    names = lib.names()
    assert list(names) == sorted(names) and len(names) == len(set(names))
    text = lib.help("pagerank")
    first, second = text.split("\n")
    assert first.startswith("pagerank(L, d, tol): the course's PageRank")
    assert second.strip().startswith("example: pagerank(")
    for name in names:
        description = lib.registry()[name].description
        assert description and "\n" not in description, f"{name} needs a one-line description"
        assert lib.help(name).startswith(f"{name}(")
    with pytest.raises(E.UnknownFunctionError):
        lib.help("nope")


def test_levi_civita_determinants_in_the_docs():
    A2, A3 = np.array([[1, 2], [3, 4]]), np.array([[2, 0, 1], [1, 3, 2], [1, 1, 2]])
    for backend in BACKENDS:
        assert einlang.evaluate("eps_ij eps_kl A_ik A_jl / 2", A=A2, backend=backend) == lib.det(A2) == -2
        assert einlang.evaluate("eps_ijk eps_lmn A_il A_jm A_kn / 6", A=A3, backend=backend) == lib.det(A3) == 6
