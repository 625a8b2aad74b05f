"""Generated programs on every backend against a numpy reference computed from the value rule
(docs/guarantees.md, "Values and dtypes") — never through einlang.

Each program is drawn from a seeded generator: products of up to six operands with repeated (diagonal)
and summed indices, number factors, division by numbers and by tensors, nested elementwise functions,
parenthesised sums, δ and ε, explicit outputs, seven dtypes, size-0 and size-1 axes and strided views;
then batch (``...``) products with broadcasting, and exact Fractions. The reference evaluates the same
tree with ``numpy.einsum(optimize=False)``, numpy's ufuncs and weak Python numbers. All three backends
must give the reference's dtype and its values (floats to a tolerance that suits their precision).

``EINLANG_VALUE_PROGRAMS=100000 python -m pytest tests/test_value_differential.py`` runs a longer hunt
(and ``EINLANG_VALUE_SEED`` starts it elsewhere); the suite runs 2,400 programs and 1,200 einsum calls.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np
import pytest

import einlang

PROGRAMS = int(os.environ.get("EINLANG_VALUE_PROGRAMS", "2400"))
SEED = int(os.environ.get("EINLANG_VALUE_SEED", "0"))
CHUNK = 200
DTYPES = [np.dtype(t) for t in (bool, np.int8, np.uint8, np.int64, np.float32, np.float64, np.complex128)]
BACKENDS = einlang.backends()
LETTERS = "ijklmn"
# functions that stay finite on the generator's values, so no result depends on the order of operations
FUNCTIONS = ["abs", "square", "sin", "cos", "tanh", "arctan", "conj", "real", "imag", "floor", "ceil", "sign", "exp"]
REAL_ONLY = {"floor", "ceil"}

pytestmark = pytest.mark.slow


# -- the program tree ----------------------------------------------------------------------------


@dataclass
class Access:
    name: str
    labels: str

    def text(self) -> str:
        return f"{self.name}_{self.labels}" if self.labels else self.name


@dataclass
class Symbol:  # delta_ij or eps_ijk
    kind: str
    labels: str

    def text(self) -> str:
        return f"{self.kind}_{self.labels}"


@dataclass
class Number:
    value: int | float | complex

    def text(self) -> str:
        text = repr(self.value) if not isinstance(self.value, complex) else f"{self.value.imag!r}j"
        return f"({text})" if text.startswith("-") else text


@dataclass
class Call:
    function: str
    arg: Product

    def text(self) -> str:
        return f"{self.function}({self.arg.text()})"


@dataclass
class Sum:
    terms: list[tuple[int, Product]]  # (sign, term)

    def text(self) -> str:
        parts = [("- " if sign < 0 else "+ " if k else "") + term.text() for k, (sign, term) in enumerate(self.terms)]
        return "(" + " ".join(parts) + ")"


@dataclass
class Product:
    factors: list
    divisors: list = field(default_factory=list)  # Number or Access
    output: str | None = None  # explicit output

    def text(self) -> str:
        out = " ".join(f.text() for f in self.factors) or "1"
        for d in self.divisors:
            out += " / " + d.text()
        return out + (f" -> {self.output}" if self.output is not None else "")


# -- the reference: the rule, in numpy -------------------------------------------------------------


def levi_civita(n: int) -> np.ndarray:
    out = np.zeros((n,) * n, dtype=np.int64)
    for perm in itertools.permutations(range(n)):
        out[perm] = np.linalg.det(np.eye(n)[list(perm)]).round()
    return out


def labels_of(node) -> str:
    """The free labels of a closed unit, in einlang's implicit order (alphabetical)."""
    if isinstance(node, (Access, Symbol)):
        return node.labels
    if isinstance(node, Call):
        return labels_of(node.arg)
    if isinstance(node, Sum):
        return labels_of(node.terms[0][1])
    counts: dict[str, int] = {}
    for f in node.factors + [d for d in node.divisors if isinstance(d, Access)]:
        for label in labels_of(f) if not isinstance(f, Number) else "":
            counts[label] = counts.get(label, 0) + 1
    if node.output is not None:
        return node.output
    return "".join(sorted(label for label, n in counts.items() if n == 1))


class Reference:
    def __init__(self, tensors: dict[str, np.ndarray], sizes: dict[str, int]) -> None:
        self.tensors, self.sizes = tensors, sizes

    def value(self, node):
        """(array, labels) of a closed unit."""
        if isinstance(node, Access):
            return self.tensors[node.name], node.labels
        if isinstance(node, Call):
            inner, labels = self.value(node.arg)
            return getattr(np, {"abs": "absolute", "conj": "conjugate"}.get(node.function, node.function))(inner), labels
        if isinstance(node, Sum):
            out = labels_of(node)
            total = None
            for sign, term in node.terms:
                arr, labels = self.value(term)
                arr = np.asarray(arr).transpose([labels.index(x) for x in out]) if labels else arr
                total = arr if total is None else (total + arr if sign > 0 else total - arr)
            return total, out
        return self.product(node)

    def product(self, node: Product):
        coef = None  # None: no number written; numbers stay Python numbers (weak scalars)
        operands = []  # [(array or symbol, labels)]
        for f in node.factors:
            if isinstance(f, Number):
                coef = f.value if coef is None else coef * f.value
            elif isinstance(f, Symbol):
                operands.append((f, f.labels))
            else:
                operands.append(self.value(f))
        for d in node.divisors:
            if isinstance(d, Number):
                c = 1 if coef is None else coef
                coef = Fraction(c) / d.value if isinstance(c, (int, Fraction)) and isinstance(d.value, int) else c / d.value
            else:
                arr, labels = self.value(d)
                operands.append((np.true_divide(1, arr), labels))
        out = labels_of(node)
        operands = self.without_deltas(operands, set(out))
        tensors = [np.asarray(a).dtype for a, _ in operands if not isinstance(a, Symbol)]
        inner = np.result_type(*tensors) if tensors else np.dtype(np.int64)
        if inner == bool and any(isinstance(a, Symbol) and a.kind == "eps" for a, _ in operands):
            inner = np.dtype(np.int64)
        arrays = []
        for a, labels in operands:
            if isinstance(a, Symbol):
                n = self.sizes[labels[0]]
                a = (np.eye(n, dtype=np.int64) if a.kind == "delta" else levi_civita(len(labels))).astype(inner)
            arrays.append(a)
        equation = ",".join(labels for _, labels in operands) + "->" + out
        result = np.einsum(equation, *arrays, optimize=False)
        if coef is not None:
            weak = float(coef) if isinstance(coef, Fraction) and inner != object else coef
            result = result * weak
        return result, out

    @staticmethod
    def without_deltas(operands, out: set[str]):
        """δ removed by renaming an index the result does not keep and another factor uses."""
        operands = list(operands)
        changed = True
        while changed:
            changed = False
            for p, (a, labels) in enumerate(operands):
                if not (isinstance(a, Symbol) and a.kind == "delta") or labels[0] == labels[1]:
                    continue
                others = [q for q in range(len(operands)) if q != p]
                for keep, drop in ((labels[0], labels[1]), (labels[1], labels[0])):
                    if drop not in out and any(drop in operands[q][1] for q in others):
                        operands = [(x, ls.replace(drop, keep)) for q, (x, ls) in enumerate(operands) if q != p]
                        changed = True
                        break
                if changed:
                    break
        return operands


# -- the generator -------------------------------------------------------------------------------


class Generator:
    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)
        self.sizes = {x: int(self.rng.choice([0, 1, 2, 2, 3, 3])) for x in LETTERS}
        self.tensors: dict[str, np.ndarray] = {}
        self.dtypes = list(self.rng.choice(DTYPES, size=int(self.rng.integers(1, 4))))

    def pick(self, seq):
        return seq[int(self.rng.integers(len(seq)))]

    def array(self, labels: str, nonzero: bool = False) -> np.ndarray:
        dtype = self.pick(self.dtypes)
        shape = tuple(self.sizes[x] for x in labels)
        lo = 0 if dtype.kind in "ub" else -2
        values = self.rng.integers(lo, 3, size=shape)
        if nonzero:
            values = np.where(values == 0, 1, values)
        if dtype.kind == "c":
            values = values + 1j * self.rng.integers(-2, 3, size=shape)
        elif dtype.kind == "f":
            values = values + self.rng.choice([0, 0.5, 0.25], size=shape)
        arr = values.astype(dtype)
        view = self.rng.integers(4)
        if view == 1 and arr.ndim >= 2:  # a transposed (Fortran-order) view
            arr = np.ascontiguousarray(arr.T).T
        elif view == 2 and arr.ndim >= 1:  # every other element of a bigger array
            arr = np.repeat(arr, 2, axis=-1)[..., ::2]
        return arr

    def access(self, labels: str, nonzero: bool = False) -> Access:
        name = "ABCDFGHPQRSUVW"[len(self.tensors) % 14] + (str(len(self.tensors) // 14) if len(self.tensors) >= 14 else "")
        self.tensors[name] = self.array(labels, nonzero)
        return Access(name, labels)

    def product(self, free: str, depth: int, operands: int) -> Product:
        """A product whose free (once-appearing) labels are exactly ``free``."""
        summed = [x for x in LETTERS if x not in free][: int(self.rng.integers(0, 3))]
        pool = list(free) + summed * 2
        self.rng.shuffle(pool)
        count = max(1, min(operands, len(pool) or 1))
        groups: list[list[str]] = [[] for _ in range(count)]
        for k, label in enumerate(pool):
            groups[k % count if k < count else int(self.rng.integers(count))].append(label)
        factors: list = []
        for group in groups:
            labels = "".join(group)
            if len(set(labels)) < len(labels):  # a label twice in one factor: a diagonal, fine for tensors
                factors.append(self.access(labels))
                continue
            factors.append(self.factor(labels, depth))
        product = Product(factors)
        roll = self.rng.random()
        if roll < 0.25:
            product.factors.insert(int(self.rng.integers(len(factors) + 1)), Number(self.pick([2, -1, 3, 0.5, 1, 2j])))
        elif roll < 0.4:
            product.divisors.append(Number(self.pick([2, 4, 1, 0.5])))
        elif roll < 0.5 and depth < 2:
            divisor = self.access(self.pick(list(free)) if free else "", nonzero=True)
            divisor.labels = ""  # a scalar divisor keeps the free labels unchanged
            self.tensors[divisor.name] = self.tensors[divisor.name].reshape(-1)[:1].reshape(()) if \
                self.tensors[divisor.name].size else np.ones((), self.tensors[divisor.name].dtype)
            product.divisors.append(divisor)
        if self.rng.random() < 0.15 and depth < 2:
            self.add_delta(product, free)
        return product

    def add_delta(self, product: Product, free: str) -> None:
        """δ_ab with b renamed into one factor's label a (so the product's value is unchanged in meaning)."""
        candidates = [f for f in product.factors if isinstance(f, Access) and f.labels]
        if not candidates:
            return
        f = self.pick(candidates)
        a = self.pick(list(f.labels))
        spare = [x for x in LETTERS if x not in labels_of(product) and self.sizes[x] == self.sizes[a]
                 and all(x not in labels_of(g) for g in product.factors if not isinstance(g, Number))]
        if not spare or f.labels.count(a) > 1:
            return
        b = spare[0]
        f.labels = f.labels.replace(a, b)
        product.factors.append(Symbol("delta", a + b if self.rng.random() < 0.5 else b + a))

    def factor(self, labels: str, depth: int):
        roll = self.rng.random()
        if depth < 2 and roll < 0.15 and labels:
            function = self.pick(FUNCTIONS)
            inner = self.product(labels, depth + 1, 2)
            if function in REAL_ONLY and any(self.tensors[n].dtype.kind == "c" for n in self._names(inner)):
                function = "abs"
            if function == "exp":
                inner = Product([Call("sin", inner)])  # keep exp's argument small
            return Call(function, inner)
        if depth < 2 and roll < 0.25 and labels:
            first = self.product(labels, depth + 1, 2)
            second = self.product("".join(self.rng.permutation(list(labels))), depth + 1, 2)
            sign = -1 if self.rng.random() < 0.4 else 1
            if sign < 0 and any(self.tensors[n].dtype == bool for n in self._names(first) | self._names(second)):
                sign = 1  # numpy refuses - of booleans (tested in test_values.py)
            return Sum([(1, first), (sign, second)])
        if roll < 0.3 and len(labels) >= 2 and len(set(labels)) == len(labels) and len(labels) <= 3 \
                and all(self.sizes[x] == len(labels) for x in labels):
            return Symbol("eps", labels)
        return self.access(labels)

    def _names(self, node) -> set[str]:
        if isinstance(node, Access):
            return {node.name}
        if isinstance(node, Call):
            return self._names(node.arg)
        if isinstance(node, Sum):
            return set().union(*(self._names(t) for _, t in node.terms))
        if isinstance(node, Product):
            return set().union(set(), *(self._names(f) for f in node.factors + node.divisors))
        return set()

    def program(self) -> Product:
        free = "".join(self.rng.choice(list(LETTERS[:4]), size=int(self.rng.integers(0, 3)), replace=False))
        top = self.product(free, 0, int(self.rng.integers(1, 7)))
        if free and self.rng.random() < 0.3:
            top.output = "".join(self.rng.permutation(sorted(free)))
        return top


def program_tolerance(tensors: dict[str, np.ndarray], source: str) -> float:
    """Float tolerance of a program: its least precise arithmetic (a function of int8, uint8 or bool
    values computes in float16; float32 inputs in float32)."""
    kinds = {t.dtype for t in tensors.values()}
    if "(" in source and kinds & {np.dtype(bool), np.dtype(np.int8), np.dtype(np.uint8)}:
        return 2e-2
    if np.dtype(np.float32) in kinds:
        return 1e-4
    return 1e-10


def assert_matches(got, expected, context: str, tol: float = 0.0) -> None:
    got_arr, exp_arr = np.asarray(got), np.asarray(expected)
    assert got_arr.dtype == exp_arr.dtype, f"dtype {got_arr.dtype} != {exp_arr.dtype}\n{context}"
    assert got_arr.shape == exp_arr.shape, f"shape {got_arr.shape} != {exp_arr.shape}\n{context}"
    if exp_arr.dtype == object:
        assert got_arr.tolist() == exp_arr.tolist(), context
    elif exp_arr.dtype.kind in "fc":
        tol = max(tol, {np.dtype(np.float16): 2e-2, np.dtype(np.float32): 1e-4, np.dtype(np.complex64): 1e-4}
                  .get(exp_arr.dtype, 1e-10))
        finite = np.abs(exp_arr[np.isfinite(exp_arr)]) if exp_arr.size else np.zeros(0)
        scale = max(1.0, float(finite.max())) if finite.size else 1.0
        np.testing.assert_allclose(got_arr, exp_arr, rtol=tol, atol=tol * scale, equal_nan=True, err_msg=context)
    else:
        np.testing.assert_array_equal(got_arr, exp_arr, err_msg=context)


def check_program(seed: int) -> None:
    gen = Generator(seed)
    program = gen.program()
    source = program.text()
    with np.errstate(all="ignore"):
        try:
            expected, _ = Reference(gen.tensors, gen.sizes).value(program)
        except (OverflowError, TypeError):  # numpy refuses (-1 times a uint8 product): so must einlang
            for backend in BACKENDS:
                with pytest.raises(einlang.EinlangError, match=r"E406"):
                    einlang.evaluate(source, backend=backend, **gen.tensors)
            return
        exact = exact_reference(gen, program, expected)
        for backend in BACKENDS:
            context = f"seed {seed}, backend {backend}: {source}\n" + "\n".join(
                f"  {k} = {v!r}" for k, v in gen.tensors.items())
            try:
                got = einlang.evaluate(source, backend=backend, **gen.tensors)
            except einlang.errors.IntegerOverflowError as err:  # refused: only where numpy's integers wrapped
                assert exact is not NO_WRAP, f"{context}\nnumpy's integers did not wrap, yet\n{err}"
                continue
            except einlang.EinlangError as err:
                raise AssertionError(f"{context}\n{err}") from None
            if exact is NO_WRAP:
                assert_matches(got, expected, context, program_tolerance(gen.tensors, source))
            elif exact is not None:  # einlang computed exactly where numpy wrapped (#12)
                assert_matches(got, exact, context, program_tolerance(gen.tensors, source))


NO_WRAP = object()


def exact_reference(gen: Generator, program: Any, expected: Any) -> Any:
    """The reference computed in int64 (the generated entries are small: nothing wraps there), in
    ``expected``'s dtype: ``NO_WRAP`` when it agrees with numpy's (no narrow integer wrapped), ``None`` when
    it cannot be computed or does not fit that dtype."""
    if not any(v.dtype.kind in "iu" and v.itemsize < 8 for v in gen.tensors.values()):
        return NO_WRAP
    wide = {k: v.astype(np.int64) if v.dtype.kind in "iu" else v for k, v in gen.tensors.items()}
    dtype = np.asarray(expected).dtype
    try:
        value = np.asarray(Reference(wide, gen.sizes).value(program)[0])
    except (ArithmeticError, TypeError, ValueError):
        return None
    if dtype.kind in "iu" and value.size and not (np.iinfo(dtype).min <= value.min() <= value.max() <= np.iinfo(dtype).max):
        return None
    exact = value.astype(dtype)
    same = np.allclose(exact, expected, equal_nan=True) if dtype.kind in "fc" else np.array_equal(exact, expected)
    return NO_WRAP if same else exact


@pytest.mark.parametrize("start", range(SEED, SEED + PROGRAMS, CHUNK))
def test_generated_programs_follow_the_rule_on_every_backend(start):
    for seed in range(start, min(start + CHUNK, SEED + PROGRAMS)):
        check_program(seed)


# -- batch products and Fractions, written in einlang ----------------------------------------------


def einlang_text(equation: str, seed: int) -> str | None:
    """The einsum equation as an einlang product over A, B, C, D (``None`` where the convention reads it
    differently: an index three times with no explicit output, or an empty explicit output)."""
    lhs, _, out = equation.partition("->")
    terms = lhs.split(",")
    factors = []
    for name, term in zip("ABCD", terms):
        labels = term.replace("...", "")
        factors.append(name + (f"_{{...{labels}}}" if "..." in term else f"_{labels}" if labels else ""))
    text = " ".join(factors) + (" / 2" if seed % 3 == 0 else "")
    if "->" not in equation:
        return None if any(lhs.count(x) > 2 for x in "abcdef") else text
    if out in ("", "..."):
        return None
    return text + " -> " + ("{" + out + "}" if "..." in out else out)


def check_batch_or_fraction_program(seed: int) -> None:
    equation, operands = random_einsum(seed, batches=0.6, fractions=0.4)
    text = einlang_text(equation, seed)
    if text is None:
        return
    tensors = dict(zip("ABCD", operands))
    with np.errstate(all="ignore"):
        try:
            expected = np.einsum(equation, *operands, optimize=False)
        except (ValueError, TypeError):
            return  # numpy's refusals: test_einsum_matches_numpy_einsum_on_every_backend
        if any(a.dtype == object for a in operands):
            expected = np.asarray(expected, dtype=object)  # a rank-0 object result is the bare object
        if seed % 3 == 0:
            expected = expected * (Fraction(1, 2) if expected.dtype == object else 0.5)
        for backend in BACKENDS:
            got = einlang.evaluate(text, backend=backend, **tensors)
            tol = 1e-4 if any(a.dtype == np.float32 for a in operands) else 0.0
            assert_matches(got, expected, f"seed {seed}: {text} ({equation}) on {backend}", tol)


@pytest.mark.parametrize("start", range(SEED, SEED + PROGRAMS // 2, CHUNK))
def test_batch_products_and_fractions_follow_the_rule_on_every_backend(start):
    for seed in range(start, min(start + CHUNK, SEED + PROGRAMS // 2)):
        check_batch_or_fraction_program(seed)


# -- einlang.einsum against numpy.einsum -----------------------------------------------------------

EINSUMS = int(os.environ.get("EINLANG_VALUE_EINSUMS", str(PROGRAMS // 2)))


def random_einsum(seed: int, batches: float = 0.2, fractions: float = 0.1) -> tuple[str, list[np.ndarray]]:
    """An equation of 1-4 operands over a-f (diagonals, sums, outer products, '...', explicit or implicit
    output) with operands of the seven dtypes or Fractions, some of them strided views."""
    gen = Generator(seed)
    rng = gen.rng
    letters = "abcdef"
    sizes = {x: int(rng.choice([0, 1, 2, 3, 3])) for x in letters}
    gen.sizes.update(sizes)
    fractions = rng.random() < fractions
    batch = tuple(int(rng.choice([1, 2, 3])) for _ in range(int(rng.integers(0, 3)))) if rng.random() < batches else None
    terms, operands = [], []
    for _ in range(int(rng.integers(1, 5))):
        labels = "".join(rng.choice(list(letters), size=int(rng.integers(0, 4))))
        arr = gen.array(labels)
        if fractions:
            arr = np.array([Fraction(int(v), int(rng.integers(1, 4))) for v in arr.reshape(-1).real.astype(int)]
                           + [Fraction(0)], dtype=object)[:-1].reshape(arr.shape)
        term = labels
        if batch is not None:
            own = tuple(b if rng.random() < 0.7 else 1 for b in batch[int(rng.integers(len(batch) + 1)):])
            arr = np.broadcast_to(arr.reshape((1,) * len(own) + arr.shape), own + arr.shape).copy()
            term = "..." + labels
        terms.append(term)
        operands.append(arr)
    equation = ",".join(terms)
    if rng.random() < 0.5:
        counts = {x: equation.count(x) for x in letters if x in equation}
        kept = [x for x in counts if rng.random() < 0.5]
        equation += "->" + ("..." if batch is not None else "") + "".join(rng.permutation(kept)) if kept else "->"
        if batch is not None and equation.endswith("->"):
            equation += "..."
    return equation, operands


def check_einsum(seed: int) -> None:
    equation, operands = random_einsum(seed)
    context = f"seed {seed}: einsum({equation!r}, " + ", ".join(f"{a.dtype}{a.shape}" for a in operands) + ")"
    with np.errstate(all="ignore"):
        try:
            expected = np.einsum(equation, *operands)
        except (ValueError, TypeError) as numpy_error:
            for backend in BACKENDS:
                with pytest.raises(einlang.EinlangError) as info:
                    einlang.einsum(equation, *operands, backend=backend)
                assert isinstance(info.value, type(numpy_error)), context
            return
        for backend in BACKENDS:
            got = einlang.einsum(equation, *operands, backend=backend)
            assert type(got) is type(expected), f"{type(got)} != {type(expected)}\n{context} on {backend}"
            assert_matches(got, expected, f"{context} on {backend}",
                           1e-4 if any(a.dtype == np.float32 for a in operands) else 0.0)


@pytest.mark.parametrize("start", range(SEED, SEED + EINSUMS, CHUNK))
def test_einsum_matches_numpy_einsum_on_every_backend(start):
    for seed in range(start, min(start + CHUNK, SEED + EINSUMS)):
        check_einsum(seed)
