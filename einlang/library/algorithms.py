"""The course's algorithms: Gram–Schmidt, reflection in a mirror, power iteration, PageRank, eigenvalues.

They loop, so they are written in Python; every step inside the loop is an einlang expression (the
``*_STEPS`` tables below), which a learner can print and run by hand in the REPL.

>>> import einlang
>>> ranks, iterations = einlang.library.pagerank([[0, 1], [1, 0]])
>>> ranks, iterations
(array([50., 50.]), 1)
>>> print(PAGERANK_STEPS["step"])
r_i = M_ij r_j
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import errors as E
from ..clock import check_time, evaluation
from ..config import get_options, raise_hint
from ..program import as_array, compile_cached
from ..records import record, replace
from ..semantics.callables import PyFunction
from . import _checks as C
from . import register_python

GRAM_SCHMIDT_TOLERANCE = 1e-14  # the course's: a column shorter than this after projection is dependent

GRAM_SCHMIDT_STEPS = {
    "remove the part along e": "v_i - (v_k e_k) e_i",
    "length": "sqrt(v_i v_i)",
    "normalise": "v_i / sqrt(v_k v_k)",
}
REFLECTION_STEPS = {"reflect in the mirror": "T_ik = E_ij s_j E_kj"}
POWER_STEPS = {
    "step": "w_i = M_ij r_j",
    "normalise": "w_i / sqrt(w_k w_k)",
    "change": "sqrt((w_i - r_i) (w_i - r_i))",
    "eigenvalue": "r_i M_ij r_j",
}
PAGERANK_STEPS = {
    "damped link matrix": "M_ij = d L_ij + (1 - d) / n J_ij",
    "step": "r_i = M_ij r_j",
    "change": "sqrt((r_i - s_i) (r_i - s_i))",
}


def _run(table: dict[str, str], step: str, **tensors: Any) -> Any:
    return compile_cached(table[step])(**tensors)


def _as_float(A: np.ndarray) -> np.ndarray:
    return np.asarray(A, dtype=np.float64) if A.dtype.kind != "c" else A


# -- Gram–Schmidt -------------------------------------------------------------------------------------


def gram_schmidt_columns(A: np.ndarray) -> np.ndarray:
    """Orthonormalise the columns of A in order; a column that depends on earlier ones becomes zero."""
    A = _as_float(np.asarray(A))
    E_ = np.zeros_like(A)
    for k in range(A.shape[1]):
        v = A[:, k]
        for j in range(k):
            e = E_[:, j]
            if e.any():
                v = _run(GRAM_SCHMIDT_STEPS, "remove the part along e", v=v, e=e)
        if _run(GRAM_SCHMIDT_STEPS, "length", v=v) > GRAM_SCHMIDT_TOLERANCE:
            E_[:, k] = _run(GRAM_SCHMIDT_STEPS, "normalise", v=v)
    return E_


def _matrix_infer(function: str):
    def infer(shapes, dtypes, constants):
        C.rank_is(function, "A", shapes[0], 2)
        return shapes[0], C.real_float(dtypes)

    return infer


register_python(PyFunction(
    "gram_schmidt", ("A",), gram_schmidt_columns, _matrix_infer("gram_schmidt"),
    "an orthonormal basis (as columns) from the columns of A, in order (columns(b1, b2) builds A from vectors): "
    "each column minus its projections on the earlier "
    "ones, normalised (a dependent column becomes a zero column)",
    "gram_schmidt([[3, 1], [4, 2]])  # [[3/5, -4/5], [4/5, 3/5]]",
))


def _dimensions(A: np.ndarray) -> int:
    E_ = gram_schmidt_columns(A)
    return int(np.count_nonzero(np.any(E_ != 0, axis=0)))


register_python(PyFunction(
    "dimensions", ("A",), _dimensions, C.matrix_to_number("dimensions", "A", np.int64),
    "the number of independent columns Gram–Schmidt finds in A (the dimension of the space they span)",
    "dimensions([[1, 2, 0], [1, 2, 1]])  # 2",
))


def _reflection_matrix(basis: np.ndarray) -> np.ndarray:
    E_ = gram_schmidt_columns(basis)
    n = E_.shape[1]
    if not np.all(np.any(E_ != 0, axis=0)):
        raise E.InputValueError(
            "reflection_matrix: the basis vectors are not linearly independent, so they do not define a mirror",
            hint="dimensions(basis) counts the independent ones",
        )
    signs = np.ones(n)
    signs[-1] = -1  # the last basis vector is the mirror's normal: it flips; the others span the mirror
    return _run(REFLECTION_STEPS, "reflect in the mirror", E=E_, s=signs)


def _reflection_matrix_infer(shapes, dtypes, constants):
    C.square("reflection_matrix", "basis", shapes[0])
    return shapes[0], C.real_float(dtypes)


register_python(PyFunction(
    "reflection_matrix", ("basis",), _reflection_matrix, _reflection_matrix_infer,
    "the reflection in the mirror spanned by all but the last basis vector (basis vectors as columns): "
    "E·diag(1, …, 1, −1)·Eᵀ with E = gram_schmidt(basis)",
    "reflection_matrix([[1, 0], [0, 1]])  # [[1, 0], [0, -1]]",
))


DEFAULT_MAX_ITER = 10_000


@record
class IterationCap:
    """How many iterations a call of ``function`` may run: ``max_iter``, or DEFAULT_MAX_ITER when not given,
    cut to ``library_iteration_limit``. ``asked`` is a ``max_iter`` above the limit (None otherwise): such a
    call runs until it converges or reaches the limit, and only reaching the limit is refused, so a
    ``max_iter`` of a million that converges in 50 iterations still returns.

    >>> cap = IterationCap.of("power_iteration", 10**6)
    >>> cap.count, cap.asked
    (10000, 1000000)
    """

    function: str
    count: int
    asked: int | None

    @classmethod
    def of(cls, function: str, max_iter: Any | None) -> IterationCap:
        limit = get_options().library_iteration_limit
        asked = DEFAULT_MAX_ITER if max_iter is None else _whole_iterations(function, max_iter)
        if max_iter is None or asked <= limit:
            return cls(function, max(min(asked, limit), 0), None)
        return cls(function, limit, asked)

    def not_converged(self, did_not: str, hint: str) -> E.EinlangError:
        """The error for a call that ran all its iterations: E504 when the limit cut them, else E404."""
        if self.asked is None:
            iterations = "iteration" if self.count == 1 else "iterations"
            return E.InputValueError(f"{self.function}: {did_not} in {self.count} {iterations}", hint=hint)
        return E.LibraryWorkLimitError(
            f"{self.function}: {did_not} within the library_iteration_limit of {self.count:,} iterations "
            f"(max_iter allows {self.asked:,})",
            hint=f"{hint}; if it converges later, " + raise_hint("library_iteration_limit"),
        )


def _whole_iterations(function: str, max_iter: Any) -> int:
    """``max_iter`` as a whole number (a fraction rounds down, as ``int`` does)."""
    value = float(max_iter)
    if not math.isfinite(value):
        raise E.InputValueError(f"{function}: max_iter must be a whole number of iterations, not {value}")
    if value < 1:  # "did not converge in 0 iterations" would blame the matrix for the argument
        raise E.InputValueError(f"{function}: max_iter must be at least 1, not {max_iter:g}",
                                hint="max_iter is how many iterations the call may run; leave it out for the default")
    return int(value)


def _given(max_iter: np.ndarray | None) -> float | None:
    """A ``max_iter`` argument an einlang call gave (None: not given, the default applies)."""
    return None if max_iter is None else C.number(max_iter, 0)


def _counted(cap: IterationCap) -> Iterator[int]:
    """1, 2, … ``cap.count``, checking the time limit after each iteration."""
    for iteration in range(1, cap.count + 1):
        yield iteration
        check_time(cap.function)


def _scalar_part(function: PyFunction, impl: Any, dtype: Any) -> PyFunction:
    """A number that a function also gives (an iteration count), checked as the function checks its arguments."""

    def infer(shapes, dtypes, constants):
        function.infer(shapes, dtypes, constants)
        return (), np.dtype(dtype)

    return replace(function, impl=impl, infer=infer)


# -- power iteration ----------------------------------------------------------------------------------


def power_iteration_full(M: Any, tol: float = 1e-10, max_iter: int | None = None) -> tuple[np.ndarray, float, int]:
    """The dominant eigenvector (unit length, largest entry positive), its eigenvalue and the iterations."""
    with evaluation():  # a call from Python starts the clock; inside an evaluation, its clock runs on
        return _power_iteration(_as_float(np.asarray(M)), tol, IterationCap.of("power_iteration", max_iter))


def _power_iteration(M: np.ndarray, tol: float, cap: IterationCap) -> tuple[np.ndarray, float, int]:
    n = M.shape[0]
    r = np.ones(n) / np.sqrt(n)
    for iteration in _counted(cap):
        w = _run(POWER_STEPS, "step", M=M, r=r)
        if not np.any(w):
            raise E.InputValueError("power_iteration: M sends the start vector to 0; it has no dominant eigenvector here")
        w = _run(POWER_STEPS, "normalise", w=w)
        # a negative eigenvalue flips the sign every step: compare up to sign
        change = min(_run(POWER_STEPS, "change", w=w, r=r), _run(POWER_STEPS, "change", w=-w, r=r))
        r = w
        if change <= tol:
            r = r if r[np.argmax(np.abs(r))] > 0 else -r
            return r, float(np.real(_run(POWER_STEPS, "eigenvalue", M=M, r=r))), iteration
    raise cap.not_converged(
        "did not converge",
        hint="power iteration needs one eigenvalue strictly larger in size than all the others "
        "(a rotation, for example, has none)",
    )


def _power_infer(shapes, dtypes, constants):
    n = C.square("power_iteration", "M", shapes[0])
    C.scalars("power_iteration", ("tol", "max_iter"), shapes[1:])
    return (n,), np.dtype(np.float64)


def _power_impl(M: np.ndarray, tol: np.ndarray | None = None, max_iter: np.ndarray | None = None) -> np.ndarray:
    return power_iteration_full(M, C.number(tol, 1e-10), _given(max_iter))[0]


def power_iteration(M: Any, tol: float = 1e-10, max_iter: int | None = None) -> tuple[np.ndarray, float, int]:
    """``(eigenvector, eigenvalue, iterations)`` for the dominant eigenvalue of M.

    >>> v, value, n = power_iteration([[2, 0], [0, 1]])
    >>> v.round(6).tolist(), round(value, 6)
    ([1.0, 0.0], 2.0)
    """
    M = as_array("M", M)
    _power_infer((M.shape, (), ()), (M.dtype,), (None, None, None))
    tol = C.python_number("power_iteration", "tol", tol)
    max_iter = None if max_iter is None else C.python_number("power_iteration", "max_iter", max_iter)
    return power_iteration_full(M, tol, max_iter)


def _power_value_impl(M: np.ndarray, tol: np.ndarray | None = None, max_iter: np.ndarray | None = None) -> float:
    return power_iteration_full(M, C.number(tol, 1e-10), _given(max_iter))[1]


def _power_count_impl(M: np.ndarray, tol: np.ndarray | None = None, max_iter: np.ndarray | None = None) -> int:
    return power_iteration_full(M, C.number(tol, 1e-10), _given(max_iter))[2]


_POWER = PyFunction(
    "power_iteration", ("M", "tol", "max_iter"), _power_impl, _power_infer,
    "the dominant eigenvector of M (unit length) by repeating r ← M r / |M r| until it changes by at most tol; "
    "v, l, n = power_iteration(M) also gives its eigenvalue l and the iteration count n",
    "power_iteration([[2, 0], [0, 1]])  # [1, 0]", min_args=1,
)
register_python(replace(_POWER, results=(
    ("v", _POWER), ("l", _scalar_part(_POWER, _power_value_impl, np.float64)),
    ("n", _scalar_part(_POWER, _power_count_impl, np.int64)),
)), python=power_iteration)


# -- PageRank -----------------------------------------------------------------------------------------


def _check_link_matrix(L: np.ndarray) -> None:
    if np.any(np.real(L) < 0):
        raise E.InputValueError("pagerank: L has a negative entry; its columns are probabilities")
    sums = np.sum(L, axis=0)
    for k, total in enumerate(sums):
        if abs(total - 1) > 1e-9:
            raise E.InputValueError(
                f"pagerank: column {k + 1} of L sums to {float(np.real(total)):g}, not 1",
                hint="column j of the link matrix holds the probabilities of leaving page j: each column sums to 1",
            )


def _check_damping(d: float) -> None:
    if not 0 <= d <= 1:
        raise E.InputValueError(f"pagerank: the damping d must be between 0 and 1, not {d:g}")


def pagerank_full(L: Any, d: float = 1.0, tol: float = 0.01, max_iter: int | None = None) -> tuple[np.ndarray, int]:
    """The course's PageRank: r = 100/n on every page, then r ← M r until |r_new − r| ≤ tol."""
    L = _as_float(np.asarray(L))
    _check_link_matrix(L)
    _check_damping(d)
    n = L.shape[0]
    cap = IterationCap.of("pagerank", max_iter)
    M = _run(PAGERANK_STEPS, "damped link matrix", d=float(d), L=L, n=float(n), J=np.ones((n, n)))
    r = np.full(n, 100.0 / n)
    with evaluation():  # a call from Python starts the clock; inside an evaluation, its clock runs on
        for iteration in _counted(cap):
            new = _run(PAGERANK_STEPS, "step", M=M, r=r)
            change = _run(PAGERANK_STEPS, "change", r=new, s=r)
            r = new
            if change <= tol:
                return r, iteration
    raise cap.not_converged("did not settle", hint="a damping d below 1 (the usual is 0.85) always settles")


def _pagerank_infer(shapes, dtypes, constants):
    C.square("pagerank", "L", shapes[0])
    C.scalars("pagerank", ("d", "tol"), shapes[1:])
    L = C.constant_matrix(constants[0])
    if L is not None:
        _check_link_matrix(L)
    if len(constants) > 1 and constants[1] is not None:
        _check_damping(C.number(constants[1], 1.0))
    return (shapes[0][0],), np.dtype(np.float64)


def _pagerank_impl(L: np.ndarray, d: np.ndarray | None = None, tol: np.ndarray | None = None) -> np.ndarray:
    return pagerank_full(L, C.number(d, 1.0), C.number(tol, 0.01))[0]


def pagerank(L: Any, d: float = 1.0, tol: float = 0.01, max_iter: int | None = None) -> tuple[np.ndarray, int]:
    """``(ranks, iterations)``: the ranks sum to 100.

    >>> ranks, n = pagerank([[0, 1, 0], [0, 0, 1], [1, 0, 0]], d=0.5)
    >>> ranks.round(4).tolist(), n
    ([33.3333, 33.3333, 33.3333], 1)
    """
    L = as_array("L", L)
    _pagerank_infer((L.shape, (), ()), (L.dtype,), (None, None, None))
    d, tol = (C.python_number("pagerank", p, v) for p, v in (("d", d), ("tol", tol)))
    max_iter = None if max_iter is None else C.python_number("pagerank", "max_iter", max_iter)
    return pagerank_full(L, d, tol, max_iter)


def _pagerank_count_impl(L: np.ndarray, d: np.ndarray | None = None, tol: np.ndarray | None = None) -> int:
    return pagerank_full(L, C.number(d, 1.0), C.number(tol, 0.01))[1]


_PAGERANK = PyFunction(
    "pagerank", ("L", "d", "tol"), _pagerank_impl, _pagerank_infer,
    "the course's PageRank of link matrix L (column j: the probabilities of leaving page j), damping d (default 1): "
    "r ← (d L + (1−d)/n J) r from 100/n per page until it changes by at most tol (default 0.01); "
    "r, n = pagerank(L, d) also gives the iteration count n",
    "pagerank([[0, 1], [1, 0]], d=0.85)  # [50, 50]", min_args=1,
)
register_python(replace(_PAGERANK, results=(("r", _PAGERANK), ("n", _scalar_part(_PAGERANK, _pagerank_count_impl, np.int64)))),
                python=pagerank)


# -- eigenvalues --------------------------------------------------------------------------------------


def eigen(A: Any) -> tuple[np.ndarray, np.ndarray]:
    """numpy's eigenvalues and eigenvectors (columns), sorted by eigenvalue, largest first."""
    A = np.asarray(A)
    values, vectors = np.linalg.eig(_as_float(A))
    order = np.lexsort((-np.imag(values), -np.real(values)))
    values, vectors = values[order], vectors[:, order]
    if np.all(np.imag(values) == 0) and A.dtype.kind != "c":
        values, vectors = np.real(values), np.real(vectors)
    return values, vectors


def _eig_infer(shapes, dtypes, constants):
    C.square("eig", "A", shapes[0])
    return (shapes[0][0],), C.real_float(dtypes)


def _eig_impl(A: np.ndarray) -> np.ndarray:
    values, _ = eigen(A)
    if values.dtype.kind == "c" and A.dtype.kind != "c":
        shown = ", ".join(f"{v:.4g}" for v in np.round(values, 12) + 0)
        raise E.InputValueError(
            f"eig: A has complex eigenvalues ({shown}), so no real direction is only stretched by it",
            hint="a rotation turns every vector, for example; einlang.library.eig(A) from Python returns the "
            "complex eigenvalues",
        )
    return values


def eig(A: Any) -> tuple[np.ndarray, np.ndarray]:
    """``(eigenvalues, eigenvectors)``, largest eigenvalue first; eigenvector k is column k.

    >>> values, vectors = eig([[2, 0], [0, 3]])
    >>> values.tolist(), vectors.tolist()
    ([3.0, 2.0], [[0.0, 1.0], [1.0, 0.0]])
    """
    A = as_array("A", A)
    _eig_infer((A.shape,), (A.dtype,), (None,))
    return eigen(A)




def eigenvalues(A: Any) -> np.ndarray:
    """The eigenvalues of A, largest first (complex ones too, from Python).

    >>> eigenvalues([[2, 1], [1, 2]]).round(6).tolist()
    [3.0, 1.0]
    """
    return eig(A)[0]


_EIGENVALUES = register_python(PyFunction(
    "eigenvalues", ("A",), _eig_impl, _eig_infer,
    "the eigenvalues of A, largest first (the λ with A v = λ v for some v ≠ 0); eigenvectors(A) gives the matching v",
    "eigenvalues([[2, 1], [1, 2]])  # [3, 1]",
), python=eigenvalues)


def _eigenvectors_infer(shapes, dtypes, constants):
    n = C.square("eigenvectors", "A", shapes[0])
    return (n, n), C.real_float(dtypes)


def _eigenvectors_impl(A: np.ndarray) -> np.ndarray:
    _eig_impl(A)  # the same refusal of complex eigenvalues, with the same message
    return _signed(eigen(A)[1])


def _signed(vectors: np.ndarray) -> np.ndarray:
    """Each eigenvector (column) with its largest entry positive: numpy's sign is arbitrary, a learner's is not."""
    biggest = np.argmax(np.abs(vectors), axis=0)
    signs = np.sign(np.real(vectors[biggest, np.arange(vectors.shape[1])]))
    return vectors * np.where(signs == 0, 1, signs)


def eigenvectors(A: Any) -> np.ndarray:
    """The eigenvectors of A as columns (unit length, largest entry positive), column k for eigenvalue k.

    >>> eigenvectors([[2, 0], [0, 3]]).tolist()
    [[0.0, 1.0], [1.0, 0.0]]
    """
    return _signed(eig(A)[1])


_EIGENVECTORS = register_python(PyFunction(
    "eigenvectors", ("A",), _eigenvectors_impl, _eigenvectors_infer,
    "the eigenvectors of A as the columns of a matrix (unit length, largest entry positive): column k goes with "
    "eigenvalues(A)_k: with V = eigenvectors(A) and l = eigenvalues(A), R_ik = A_ij V_jk - l_k V_ik is 0",
    "eigenvectors([[2, 0], [0, 3]])  # [[0, 1], [1, 0]]",
), python=eigenvectors)


register_python(PyFunction(
    "eig", ("A",), _eig_impl, _eig_infer,
    "the eigenvalues of A, largest first; vals, vecs = eig(A) also gives the eigenvectors, as columns "
    "(the same as eigenvalues(A) and eigenvectors(A))",
    "eig([[2, 1], [1, 2]])  # [3, 1]",
    results=(("vals", _EIGENVALUES), ("vecs", _EIGENVECTORS)),
), python=eig)
