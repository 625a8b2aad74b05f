"""``einlang.einsum``: a drop-in for ``numpy.einsum`` on every einlang backend.

It accepts numpy's equation strings (implicit and explicit mode, ``...``, upper- and lower-case
letters) and the interleaved form ``einsum(A, [0, 1], B, [1, 2], [0, 2])``, and gives numpy's results
(values, shape, dtype). Like numpy it broadcasts size-1 axes; ``strict=True`` refuses that instead.
Plans are cached per (equation, shapes, dtypes), so repeated calls cost little more than numpy's own.

>>> import numpy as np
>>> A, B = np.arange(6).reshape(2, 3), np.arange(12).reshape(3, 4)
>>> bool((einsum("ij,jk->ik", A, B) == A @ B).all())
True
>>> einsum("ii", np.eye(3))
np.float64(3.0)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import errors as E
from .calls import FastCalls, guarded, operand_key
from .catalog import REGISTRATIONS
from .config import get_options
from .dispatch import OPT_EINSUM_NAMES, einsum_library, library_einsum_operands, placeholders
from .errors import EinsumError
from .plan import EINSUM_LETTERS
from .program import BoundedCache, BoundProgram, as_array
from .semantics import batch, ir

__all__ = ["EinsumError", "einsum", "parse_equation"]  # EinsumError lives in errors.py, importable here as before

_VALID = frozenset(EINSUM_LETTERS)
_CACHE = BoundedCache(1024)
_FAST = FastCalls(1024)


def _interleaved(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``(A, [0, 1], B, [1, 2], [0, 2])`` -> ``("ab,bc->ac", [A, B])``."""
    operands, terms = [], []
    items = list(args)
    output = None
    if len(items) % 2 == 1:
        output = items.pop()
    for k in range(0, len(items), 2):
        operands.append(items[k])
        terms.append(_sublist(items[k + 1]))
    equation = ",".join(terms)
    if output is not None:
        equation += "->" + _sublist(output)
    return equation, operands


def _sublist(sub: Any) -> str:
    out = []
    try:
        entries = list(sub)
    except TypeError:
        raise E.InputTypeError(f"an interleaved einsum needs lists of axis numbers, not {type(sub).__name__}") from None
    for entry in entries:
        if entry is Ellipsis:
            out.append("...")
        elif not isinstance(entry, (int, np.integer)) or isinstance(entry, (bool, np.bool_)):
            raise E.InputTypeError(f"subscript {entry!r} in an interleaved einsum must be an integer in [0, 52) or ...")
        elif 0 <= entry < 52:
            out.append(EINSUM_LETTERS[int(entry)])
        else:
            raise EinsumError(f"subscript {entry!r} in an interleaved einsum is out of range: use integers in [0, 52)")
    return "".join(out)


def _split_term(term: str, where: str) -> list[str]:
    """``"a...b"`` -> ``["a", "...", "b"]``; anything else numpy refuses, we refuse with its position."""
    items: list[str] = []
    k = 0
    while k < len(term):
        if term.startswith("...", k):
            if "..." in items:
                raise EinsumError(f"{where} has more than one '...'")
            items.append("...")
            k += 3
        elif term[k] in _VALID:
            items.append(term[k])
            k += 1
        else:
            raise EinsumError(
                f"invalid subscript {term[k]!r} in {where}: einsum subscripts are letters a-z, A-Z and '...'"
            )
    return items


@dataclass(frozen=True, slots=True)
class EinsumLabels:
    """An equation read against operand shapes: each operand's axis labels, the output's, every size.

    Batch axes (``...``) get :mod:`einlang.semantics.batch`'s labels, counted from the right as numpy
    aligns them; a size-1 axis facing a larger one gets a private label, summed away (numpy's broadcasting).
    """

    operands: tuple[tuple[str, ...], ...]
    output: tuple[str, ...]
    sizes: dict[str, int]


def parse_equation(equation: str, shapes: Sequence[tuple[int, ...]], strict: bool = False) -> EinsumLabels:
    """Read a numpy equation against the operands' shapes.

    >>> parse_equation("...ij,jk", [(5, 2, 3), (3, 4)]).output
    ('…0', 'i', 'k')
    """
    lhs, rhs = _sides(equation)
    terms = lhs.split(",")
    if len(terms) != len(shapes):
        raise EinsumError(
            f"the equation {equation!r} has {len(terms)} operand term{'s' if len(terms) != 1 else ''} "
            f"but {len(shapes)} operand{'s were' if len(shapes) != 1 else ' was'} given"
        )
    labels = [_operand_labels(term, shape, k) for k, (term, shape) in enumerate(zip(terms, shapes))]
    batch_rank = max((sum(map(batch.is_batch, lab)) for lab in labels), default=0)
    sizes = _sizes(labels, shapes, strict)
    output = _implicit_output(labels, batch_rank) if rhs is None else _explicit_output(rhs, sizes, batch_rank)
    final = tuple(_broadcast(lab, shape, sizes, k) for k, (lab, shape) in enumerate(zip(labels, shapes)))
    return EinsumLabels(final, output, sizes)


def _sides(equation: str) -> tuple[str, str | None]:
    """The operands' side and the output's (``None`` in implicit mode), spaces removed."""
    if not isinstance(equation, str):
        raise E.InputTypeError(f"the einsum equation must be a str, not {type(equation).__name__}")
    eq = equation.replace(" ", "")
    if eq.count("->") > 1 or ("-" in eq.replace("->", "")) or (">" in eq.replace("->", "")):
        raise EinsumError(f"malformed einsum equation {equation!r}: use at most one '->'")
    lhs, arrow, rhs = eq.partition("->")
    return lhs, rhs if arrow else None


def _operand_labels(term: str, shape: tuple[int, ...], k: int) -> tuple[str, ...]:
    """One operand's axis labels, ``...`` expanded to as many batch labels as its shape has extra axes."""
    items = _split_term(term, f"operand {k} ('{term}')")
    named = len(items) - ("..." in items)
    if "..." not in items:
        if len(shape) != named:
            raise EinsumError(
                f"operand {k} has {len(shape)} dimension{'s' if len(shape) != 1 else ''} but its subscripts "
                f"'{term}' name {named}"
            )
        return tuple(items)
    if len(shape) < named:
        raise EinsumError(f"operand {k} has {len(shape)} dimensions but its subscripts '{term}' name {named}")
    at = items.index("...")
    return (*items[:at], *batch.batch_labels(len(shape) - named), *items[at + 1:])


def _sizes(labels: Sequence[tuple[str, ...]], shapes: Sequence[tuple[int, ...]], strict: bool) -> dict[str, int]:
    """Every label's size, with numpy's broadcasting of size-1 axes (refused when ``strict``)."""
    sizes: dict[str, int] = {}
    for k, (lab, shape) in enumerate(zip(labels, shapes)):
        for label, size in zip(lab, shape):
            known = sizes.get(label)
            if known is None or (known == 1 and not strict):
                sizes[label] = size
            elif size != known and (strict or size != 1):
                if strict and 1 in (known, size):
                    raise E.SizeMismatchError(f"index {_shown(label)} is {known} in one operand but {size} in operand "
                                              f"{k} (strict=True refuses size-1 broadcasting)")
                raise E.SizeMismatchError(
                    f"index {_shown(label)} is {known} in one operand but {size} in operand {k}: "
                    f"operands could not be broadcast together"
                )
    return sizes


def _implicit_output(labels: Sequence[tuple[str, ...]], batch_rank: int) -> tuple[str, ...]:
    """numpy's implicit output: the batch axes, then the letters that appear once, sorted."""
    counts: dict[str, int] = {}
    for label in (label for lab in labels for label in lab if not batch.is_batch(label)):
        counts[label] = counts.get(label, 0) + 1
    return batch.batch_labels(batch_rank) + tuple(sorted(label for label, c in counts.items() if c == 1))


def _explicit_output(rhs: str, sizes: dict[str, int], batch_rank: int) -> tuple[str, ...]:
    items = _split_term(rhs, "the output")
    output: list[str] = []
    for item in items:
        if item == "...":
            output.extend(batch.batch_labels(batch_rank))
        elif item in output:
            raise E.RepeatedOutputIndexError(f"output subscript {item!r} appears more than once")
        elif item not in sizes:
            raise E.OutputIndexError(f"output subscript {item!r} does not appear in any input")
        else:
            output.append(item)
    if batch_rank and "..." not in items:
        raise EinsumError(
            "output has more dimensions than subscripts given in einstein sum, but no '...' ellipsis "
            "provided to broadcast the extra dimensions"
        )
    return tuple(output)


def _broadcast(labels: tuple[str, ...], shape: tuple[int, ...], sizes: dict[str, int], k: int) -> tuple[str, ...]:
    """A size-1 axis facing a larger one gets a label of its own (entered in ``sizes``), summed away."""
    out = []
    for axis, (label, size) in enumerate(zip(labels, shape)):
        if size == 1 and sizes[label] != 1:
            label = f"{label}{batch.PRIVATE}{k}{batch.PRIVATE}{axis}"
            sizes[label] = 1
        out.append(label)
    return tuple(out)


def _shown(label: str) -> str:
    return "'...'" if label.startswith(batch.PREFIX) else repr(label)


def build_program(equation: str, arrays: Sequence[np.ndarray], strict: bool = False,
                  dtype: np.dtype | None = None) -> ir.LoweredProgram:
    """The einsum as einlang IR: one :class:`~einlang.semantics.ir.Contract` over the operands.

    ``dtype`` overrides the result dtype (the naive backend computes wrapping integers exactly, as
    Python ints, and wraps them afterwards).
    """
    parsed = parse_equation(equation, [a.shape for a in arrays], strict)
    inputs = tuple(ir.Input(f"operand{k}", a.shape, a.dtype) for k, a in enumerate(arrays))
    operands = tuple(ir.Operand(node, lab, f"operand{k}") for k, (node, lab) in enumerate(zip(inputs, parsed.operands)))
    if dtype is None:
        dtype = _result_dtype(arrays)
    shape = tuple(parsed.sizes[label] for label in parsed.output)
    node = ir.Contract(operands, parsed.output, 1, shape, dtype, dict(parsed.sizes))
    return ir.LoweredProgram(inputs, (*inputs, node), node, parsed.output)


_ORDERS = ("C", "F", "A", "K")
_CASTINGS = ("no", "equiv", "safe", "same_kind", "unsafe")


def _split_arguments(args: Sequence[Any]) -> tuple[str, list[Any]]:
    """``("ij,jk", A, B)`` or the interleaved ``(A, [0, 1], B, [1, 2])`` -> equation and operands."""
    if not args:
        raise EinsumError("einsum() needs an equation and at least one operand: einsum('ij,jk', A, B)")
    first = args[0]
    if isinstance(first, bytes):  # numpy accepts a bytes equation
        try:
            first = first.decode("ascii")
        except UnicodeDecodeError:
            raise EinsumError(f"the einsum equation {first!r} is not ASCII") from None
    if isinstance(first, str):
        return first, list(args[1:])
    if len(args) < 2:
        raise EinsumError("einsum() needs an equation, or operands each followed by its list of axis numbers")
    return _interleaved(args)


def _wrap_integers(values: Any, dtype: np.dtype) -> np.ndarray:
    """Exact Python integers -> the fixed-width integers numpy's einsum gives (two's complement).

    Sums and products commute with reduction modulo 2**bits, so wrapping the exact result once gives
    exactly what numpy's wrapping arithmetic gives, whatever order it summed in.
    """
    exact = np.asarray(values, dtype=object)
    modulus = 1 << (8 * dtype.itemsize)
    if dtype.kind == "i":
        half = modulus >> 1
        exact = (exact + half) % modulus - half
    else:
        exact = exact % modulus
    return np.asarray(exact, dtype=object).astype(dtype)  # a 0-d object array's arithmetic gives a bare int


def _check_keywords(out: Any, order: Any, casting: Any) -> None:
    if order not in _ORDERS:
        raise EinsumError(f"order must be one of 'C', 'F', 'A' or 'K', not {order!r}")
    if casting not in _CASTINGS:
        raise EinsumError(f"casting must be one of {', '.join(map(repr, _CASTINGS))}, not {casting!r}")
    if out is not None and not isinstance(out, np.ndarray):
        raise E.InputTypeError(f"out= must be a numpy array, not {type(out).__name__}")


def _convert(arrays: list[np.ndarray], dtype: Any, casting: str) -> list[np.ndarray]:
    try:
        target = np.dtype(dtype)
    except TypeError:
        raise E.InputTypeError(f"dtype={dtype!r} is not a numpy data type") from None
    converted = []
    for k, a in enumerate(arrays):
        if not np.can_cast(a.dtype, target, casting=casting):
            raise E.InputTypeError(f"operand {k} has dtype {a.dtype}, which cannot become {target} under casting={casting!r}",
                                   hint="pass casting='unsafe' to convert anyway, as numpy.einsum does")
        converted.append(a.astype(target, copy=False))
    return converted


def einsum(*args: Any, backend: str | None = None, optimize: Any = False, dtype: Any = None, out: Any = None,
           order: str = "K", casting: str = "safe", strict: bool = False) -> Any:
    """Evaluate an einsum equation like ``numpy.einsum``, on any einlang backend.

    ``optimize`` is accepted for compatibility (the ``opt`` backend always optimises the path;
    ``numpy`` never does). torch, JAX, CuPy and dask operands are computed by their own library;
    ``backend`` also takes opt_einsum's names: ``"auto"`` (the operands decide), ``"torch"``, ``"jax"``,
    ``"cupy"``, ``"dask"`` (that library computes; numpy operands join it), ``"numpy"`` (numpy computes:
    einlang's numpy backend). ``dtype``/``casting`` convert the operands first, as numpy does; ``out``
    receives the result (cast under ``casting``, as numpy does). Integer results wrap around on every
    backend exactly as numpy's do.

    >>> import numpy as np
    >>> x = np.full(3, 100, dtype=np.int8)
    >>> einsum("i,i", x, x, backend="naive"), np.einsum("i,i", x, x)
    (np.int8(48), np.int8(48))
    >>> einsum(np.ones((2, 3)), [0, 1], [1])
    array([2., 2., 2.])
    """
    if out is None and dtype is None and order == "K" and casting == "safe":
        try:  # a repeated call: one lookup, then the kernel (see einlang.calls)
            fast = _FAST.lookup((args[0], strict, backend, *map(operand_key, args[1:])))
        except (AttributeError, TypeError, IndexError):
            fast = None
        if fast is not None and fast.options is get_options():
            return guarded(fast.kernel, *args[1:])
    return _einsum(args, backend, dtype, out, order, casting, strict)


def _einsum(args: tuple[Any, ...], backend: str | None, dtype: Any, out: Any, order: str, casting: str,
            strict: bool) -> Any:
    """A call the fast path has not seen: parse, convert, check, plan, run, and record it."""
    try:
        fast_key = (args[0], strict, backend, *map(operand_key, args[1:])) if isinstance(args[0], str) else None
    except (AttributeError, IndexError):  # no arguments, lists, Python numbers: no fast path
        fast_key = None
    equation, operands = _split_arguments(args)
    _check_keywords(out, order, casting)
    if backend in OPT_EINSUM_NAMES or any(type(op) is not np.ndarray for op in operands):
        library, backend = einsum_library(operands, backend)
        if library is not None:
            if dtype is not None or out is not None:
                raise E.UnsupportedArrayLibraryError(
                    f"dtype= and out= are numpy's; with {library.module} operands, cast them with {library.name} first"
                )
            return _library_einsum(equation, library_einsum_operands(library, operands, as_array), library, backend, strict)
    arrays = [as_array(f"operand {k}", op) for k, op in enumerate(operands)]
    if dtype is not None:
        arrays = _convert(arrays, dtype, casting)
    elif out is not None and arrays:
        # numpy computes in the common type of the operands and ``out`` (int8 inputs, int64 out: no wrap)
        common = np.result_type(*[a.dtype for a in arrays], out.dtype)
        if any(a.dtype != common for a in arrays) and common.kind in "biufc":
            arrays = [a.astype(common) for a in arrays]
    options = get_options()
    name = backend or options.backend
    key = (REGISTRATIONS.value, equation, strict, name, tuple([(a.shape, a.dtype) for a in arrays]))
    entry = _CACHE.get(key) or _CACHE.put(key, _prepare(equation, arrays, strict, name))
    if out is not None:
        _check_out(out, entry.shape, entry.wrap_to or _result_dtype(arrays), casting)
    result = entry.bound.run(arrays, name, options=options)
    wrap_to = entry.wrap_to
    if wrap_to is None and out is None and dtype is None and fast_key is not None:
        _FAST.record(fast_key, entry.bound.runner(name), range(len(arrays)), args[1:], options)
    if wrap_to is not None:
        result = _wrap_integers(result, wrap_to)
        if result.shape == ():
            result = result[()]
    if out is not None:
        np.copyto(out, result, casting="unsafe")  # castability was checked above, under the caller's rule
        return out
    return result


def _library_einsum(equation: str, operands: list[Any], library: Any, backend: str | None, strict: bool) -> Any:
    """An einsum over torch, JAX, CuPy or dask operands: checked and planned on their shapes and dtypes,
    computed by their library."""
    options = get_options()
    name = backend or options.backend
    key = (REGISTRATIONS.value, equation, strict, name, tuple([(type(a), a.shape, a.dtype) for a in operands]))
    entry = _CACHE.get(key)
    if entry is None:
        shaped = list(placeholders(library, {str(k): a for k, a in enumerate(operands)}).values())
        bound = BoundProgram(build_program(equation, shaped, strict))
        bound.library = library
        entry = _CACHE.put(key, CachedEinsum(bound, None, bound.lowered.result.shape))
    return entry.bound.run(operands, name, options=options)


@dataclass(frozen=True, slots=True)
class CachedEinsum:
    """One equation bound to shapes, dtypes and a backend: what a repeated call reuses."""

    bound: BoundProgram
    wrap_to: np.dtype | None  # the naive backend computes integers exactly; they wrap to this dtype after
    shape: tuple[int, ...]  # the result's, for checking out=


def _prepare(equation: str, arrays: Sequence[np.ndarray], strict: bool, backend: str) -> CachedEinsum:
    """Check and plan an equation for these operands, and prepare ``backend``'s runner."""
    result_dtype = _result_dtype(arrays)
    wraps = backend == "naive" and result_dtype.kind in "iu"
    bound = BoundProgram(build_program(equation, arrays, strict, np.dtype(object) if wraps else None))
    bound.runner(backend)  # the memory check and the backend's refusals come before any cache entry
    return CachedEinsum(bound, result_dtype if wraps else None, bound.lowered.result.shape)


def _result_dtype(arrays: Sequence[np.ndarray]) -> np.dtype:
    return np.result_type(*[a.dtype for a in arrays]) if arrays else np.dtype(float)


def _check_out(out: np.ndarray, shape: tuple[int, ...], dtype: np.dtype, casting: str) -> None:
    if out.shape != shape:
        raise EinsumError(f"out= has shape {out.shape} but the result has shape {shape}")
    if not np.can_cast(dtype, out.dtype, casting=casting):
        raise E.InputTypeError(f"the result has dtype {dtype}, which cannot be written to out= of dtype {out.dtype} "
                               f"under casting={casting!r}")
    if not out.flags.writeable:
        raise EinsumError("out= is read-only")
