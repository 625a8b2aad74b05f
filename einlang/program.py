"""Compiled programs: parse once, check and plan once per set of shapes, run many times.

>>> import numpy as np, einlang
>>> prog = einlang.compile("A_ij B_jk")
>>> A, B = np.arange(6.0).reshape(2, 3), np.ones((3, 2))
>>> prog(A=A, B=B)
array([[ 3.,  3.],
       [12., 12.]])
>>> prog.to_einsum()
'ij,jk->ik'
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from . import errors as E
from .backends import Runner, as_runner, get_backend
from .backends.arrays import describe, library_of, placeholder
from .caches import CONSTANT_POOL, BoundedCache
from .calls import FastCalls, guarded, operand_key
from .catalog import REGISTRATIONS, FunctionSource, lookup
from .clock import evaluation
from .collector import paused
from .config import GLOBAL_OPTIONS, OPTIONS_IN_BLOCK, Options, get_options, raise_hint
from .dispatch import library_operands, placeholders, run_library
from .plan.paths import DEFAULT_PATH, PathChoice
from .records import replace
from .semantics import ir
from .semantics.describe import dims
from .syntax import ast
from .syntax.parser import parse

if TYPE_CHECKING:
    from .plan import Plan

# Compiling a program only parses it: the checker (semantics.lower), the planner and the integer bounds
# are imported by a program's first binding (a cache miss, never a warm call), so ``import einlang`` and
# ``einlang.compile`` do not load them (#14).

_NUMERIC_KINDS = frozenset("biufcO")
_options_in_block = OPTIONS_IN_BLOCK.get  # the per-call read of the options, bound once
# ``around(runner, backend)``: a context manager wrapped around one evaluation (the REPL's progress bar)
Around = Callable[[Runner, str], contextlib.AbstractContextManager[Any]]


def as_array(name: str, value: Any) -> np.ndarray:
    """A user's value as an array of numbers, or an error naming the tensor."""
    if isinstance(value, np.ndarray):
        array = value
    elif library_of(value) is not None:  # never copied to numpy behind the user's back (autograd, laziness)
        raise E.UnsupportedArrayLibraryError(
            f"{name} is a {describe(value)}, and this needs numpy arrays",
            hint="compiled programs, einlang.evaluate and einlang.einsum compute with it; here convert it first",
        )
    else:
        try:
            array = np.asarray(value)
        except (ValueError, TypeError) as exc:
            raise E.InputValueError(f"{name} is not a rectangular array of numbers ({exc})") from None
    if array.dtype.kind not in _NUMERIC_KINDS:
        raise E.InputValueError(
            f"{name} has dtype {array.dtype}: einlang computes with numbers (bool, int, float, complex, object)"
        )
    return array


def tensor_mapping(tensors: Any, kwargs: dict[str, Any]) -> dict[str, Any]:
    """``prog({"A": A}, B=B)``: merge the optional positional mapping into the keyword tensors."""
    if tensors is None:
        return kwargs
    if not isinstance(tensors, Mapping):
        raise E.InputTypeError(
            f"tensors are passed by name (prog(A=..., B=...)) or as a mapping, not as a {type(tensors).__name__}"
        )
    for name in tensors:
        if not isinstance(name, str):  # only a positional mapping can have them: keywords are always names
            raise E.InputTypeError(f"tensor names are strings, not {type(name).__name__} {name!r:.40}")
    return {**tensors, **kwargs}


def shape_placeholder(name: str, value: Any) -> np.ndarray:
    """For ``plan(A=(3, 4))``: a tuple of ints stands for an array of that shape (no memory used)."""
    if isinstance(value, tuple) and all(isinstance(n, (int, np.integer)) and n >= 0 for n in value):
        try:
            return np.lib.stride_tricks.as_strided(np.zeros(1), shape=tuple(int(n) for n in value), strides=(0,) * len(value))
        except (OverflowError, ValueError):  # a size past numpy's index range
            raise E.InputValueError(f"{name} has shape {value}: a size is too large for numpy to index") from None
    library = library_of(value)
    return as_array(name, value) if library is None else placeholder(value, library)


def _no_value(inputs: Any) -> None:
    """The runner of a program with no value (only definitions): it returns None."""
    return None


def _scalar(call: Callable[[Sequence[Any]], Any]) -> Callable[[Sequence[Any]], Any]:
    """A runner whose 0-d array results come out as numbers, as numpy.einsum gives them."""

    def run(inputs: Sequence[Any]) -> Any:
        value = call(inputs)
        return value[()] if isinstance(value, np.ndarray) else value

    return run


def _unaliased(call: Callable[[Sequence[Any]], Any], lowered: ir.LoweredProgram) -> Callable[[Sequence[Any]], Any]:
    """A runner whose results never share memory with the program's constants (``[[1, 2], [3, 4]]_ji`` is a
    view of a constant the cached program keeps: changing it would change every later result). Only
    programs with array constants pay for the check; the others keep their runner as it is."""
    constants = [node.value for node in lowered.nodes if isinstance(node, ir.Constant) and node.shape]
    if not constants:
        return call

    def run(inputs: Sequence[Any]) -> Any:
        value = call(inputs)
        if isinstance(value, np.ndarray) and any(np.may_share_memory(value, c) for c in constants):
            return value.copy()
        return value

    return run


def backend_name(backend: str | None, options: Options) -> str:
    """The backend a call runs on: the one asked for, else the naive one for exact fractions (its Python
    loops), else the default."""
    return backend or ("naive" if options.exact else options.backend)


class BoundProgram:
    """A program checked against particular shapes and dtypes: its IR, plan and backend runners.

    :meth:`run` is the one way every caller (compiled programs, sessions, ``einlang.einsum``, the
    library's Python functions) runs a program.

    >>> prog = Program("x_i x_i")
    >>> bound = prog.bind({"x": np.array([3.0, 4.0])})
    >>> bound.run([np.array([1.0, 2.0])], "naive"), bound.runner("naive").iterations
    (np.float64(5.0), 2)
    """

    def __init__(self, lowered: ir.LoweredProgram, path: PathChoice = DEFAULT_PATH, integer_bound: bool = True) -> None:
        self.lowered = lowered
        self.path = path  # how the plan chooses each product's contraction path (einlang.einsum's optimize=)
        self.integer_bound = integer_bound  # refuse integer sums that could wrap (einlang.einsum wraps, as numpy)
        self.input_names = tuple(node.name for node in lowered.inputs)
        self._plan: Plan | None = None
        self._runners: dict[str, Runner] = {}
        self._lock = threading.Lock()
        self.scalar_result = lowered.result.shape == ()
        self.constant_bytes = sum(node.value.nbytes for node in lowered.nodes if isinstance(node, ir.Constant))
        self.library: Any = None  # the ArrayLibrary of torch/JAX/CuPy/dask operands; None for numpy

    @property
    def plan(self) -> Plan:
        if self._plan is None:
            from .plan import build_plan

            self._plan = build_plan(self.lowered, self.path)
        return self._plan

    @property
    def memory_needed(self) -> dict[str, int]:
        """Bytes of the largest array each prepared backend creates."""
        return {name: runner.memory_needed for name, runner in self._runners.items()}

    def check_memory(self, backend: str = "opt") -> int:
        """Refuse, before any allocation, a plan whose result or intermediates exceed the memory limit;
        return the bytes of the largest array ``backend`` creates."""
        limit = get_options().memory_limit
        plan = self.plan
        name, shape, elements, span = plan.largest_array(backend)
        nbytes = elements * plan.itemsize
        if nbytes > limit:
            raise E.MemoryLimitError(
                f"the largest array this needs, {name} ({dims(shape)}), has {elements:,} elements = {nbytes:,} bytes, "
                f"above the memory limit of {limit:,} bytes",
                span,
                hint=f"contract in another order, use smaller tensors, or {raise_hint('memory_limit')}",
            )
        held = getattr(get_backend(backend), "memory_needed", None)  # naive: more than its largest array
        return nbytes if held is None else max(nbytes, held(self.lowered, limit))

    def explain(self) -> str:
        """The naive backend's loop program, then the plan the opt backend follows."""
        from .backends.naive import generate

        generated = generate(self.lowered)
        return (
            "# naive backend: every index combination, as the convention reads\n"
            + generated.source
            + f"# {generated.iterations:,} loop iterations\n\n"
            + "opt backend plan:\n"
            + str(self.plan)
        )

    def runner(self, backend: str) -> Runner:
        """The runner for ``backend``, prepared once (after the memory check) and then reused."""
        runner = self._runners.get(backend)
        if runner is not None:
            return runner
        impl = get_backend(backend)
        if not self.lowered.has_value:
            return self._runners.setdefault(backend, Runner(_no_value))
        with self._lock:
            runner = self._runners.get(backend)
            if runner is None:
                from .int_bounds import integer_guard

                with paused():  # the plan and the kernels only grow while they are built (einlang.collector)
                    needed = self.check_memory(backend)
                    runner = as_runner(impl.prepare(self.lowered, self.plan))
                call = _scalar(runner.call) if self.scalar_result else runner.call
                call = _unaliased(call, self.lowered)
                guard = integer_guard(self.lowered, self.plan.opt_flops, self._exact_runner) if self.integer_bound else None
                if guard is not None:  # no silent wrong integers: refuse sums that could wrap (E412)
                    runner, call = replace(runner, direct=None), guard.around(call)
                runner = self._runners[backend] = replace(runner, call=call, memory_needed=needed)
        return runner

    def _exact_runner(self) -> Callable[[Sequence[Any]], Any] | None:
        """The ``opt`` kernels over the program with Python integers (None: it cannot be computed so)."""
        from .int_bounds import exact_program
        from .plan import build_plan

        exact = exact_program(self.lowered)
        return None if exact is None else as_runner(get_backend("opt").prepare(exact, build_plan(exact))).call

    def run(self, inputs: Sequence[Any], backend: str | None = None, *, around: Around | None = None,
            options: Options | None = None, who: str = "") -> Any:
        """Run on ``inputs`` (in ``input_names`` order) with ``backend`` (default: the option in force).

        Every call compares the runner's memory need with the limit in force, and numpy's refusals
        (``ArithmeticError``, ``TypeError``, ``ValueError``) become :class:`~einlang.errors.InputValueError`.
        ``around(runner, backend)``, when given, is a context manager entered for the call (the REPL's
        progress bar). ``options`` saves a second read of the options when the caller has them; ``who``
        names the function a Python caller called, in the message.
        """
        options = options or get_options()
        if self.library is not None:  # torch, JAX, CuPy, dask: their library computes (no exact fractions)
            return run_library(self, inputs, backend or options.backend, options, who)
        name = backend_name(backend, options)
        runner = self._runners.get(name) or self.runner(name)
        if runner.memory_needed > options.memory_limit:  # a lower limit set after the runner was made
            self.check_memory(name)
        if around is None:
            return guarded(runner.call, inputs, who=who)
        with around(runner, name):
            return guarded(runner.call, inputs, who=who)


class Program:
    """A parsed einlang program. Call it with tensors; plans are cached per shapes.

    ``prog(A=A, B=B)``, ``prog({"A": A}, backend="naive")``, ``prog.plan(A=(3, 4), B=(4, 5))``.

    >>> prog = Program("y_i = M_ij x_j")
    >>> prog({"M": [[1, 2], [3, 4]]}, x=[1, 1], backend="naive")
    array([3, 7])
    """

    def __init__(self, text: str, name: str = "<input>",
                 functions: Mapping[str, Any] | FunctionSource | None = None) -> None:
        self.text = text
        self.ast: ast.Program = parse(text, name)
        # looked up at each binding, so functions registered after compiling are seen
        self._functions = lookup(functions)
        self._bound = BoundedCache(64)
        self._calls = FastCalls(64)
        self._lookup = self._calls.lookup

    def __repr__(self) -> str:
        return f"einlang.compile({self.text!r})"

    def _repr_latex_(self) -> str:  # a notebook typesets the program, its Einstein sums explicit
        from .latex import latex

        return f"$$\\begin{{aligned}}{latex(self.text)}\\end{{aligned}}$$"

    @property
    def functions(self) -> Mapping[str, Any]:
        """The functions this program can call: its caller's, else the default (the standard library)."""
        return self._functions()

    # -- binding ----------------------------------------------------------------------------------
    def bind(self, tensors: Mapping[str, Any], library: Any = None) -> BoundProgram:
        """Check the program against these tensors' shapes (cached) and return the bound program.
        With another array ``library``'s operands (torch, JAX, CuPy, dask) only shapes and dtypes are read."""
        values = {name: as_array(name, value) for name, value in tensors.items()} if library is None else tensors
        functions = self.functions  # first: loading the library registers its functions
        key = (REGISTRATIONS.value, get_options().exact, tuple(values),
               tuple([(type(a), a.shape, a.dtype) for a in values.values()]))
        bound = self._bound.get(key)
        if bound is None:
            from .semantics.lower import Scope, lower_program

            scope = Scope.from_arrays(values if library is None else placeholders(library, values), functions)
            with paused():  # the IR only grows while it is built (einlang.collector)
                bound = BoundProgram(lower_program(self.ast, scope))
            bound.library = library
            if CONSTANT_POOL.admit(bound):
                self._bound.put(key, bound)
        return bound

    def __call__(self, tensors: Mapping[str, Any] | None = None, /, *, backend: str | None = None, **kwargs: Any) -> Any:
        key = kernel = None
        if tensors is None:
            try:  # the key: names, array types, shapes, dtypes (see einlang.calls). One and two tensors are
                # spelled out because building the key is most of what a warm call costs beyond the kernel.
                if len(kwargs) == 2:
                    a, b = kwargs
                    x, y = kwargs[a], kwargs[b]
                    key = (backend, a, b, x.__class__, x.shape, x.dtype, y.__class__, y.shape, y.dtype)
                    fast = self._lookup(key)
                    if fast is not None and fast.options is (_options_in_block() or GLOBAL_OPTIONS[0]):
                        kernel = fast.kernel
                        return kernel(x, y)
                elif len(kwargs) == 1:
                    (a,) = kwargs
                    x = kwargs[a]
                    key = (backend, a, x.__class__, x.shape, x.dtype)
                    fast = self._lookup(key)
                    if fast is not None and fast.options is (_options_in_block() or GLOBAL_OPTIONS[0]):
                        kernel = fast.kernel
                        return kernel(x)
                else:
                    key = (backend, *kwargs, *map(operand_key, kwargs.values()))
                    fast = self._lookup(key)
                    if fast is not None and fast.options is (_options_in_block() or GLOBAL_OPTIONS[0]):
                        kernel = fast.kernel
                        return kernel(*kwargs.values())
            except E.EinlangError:
                raise
            except Exception as exc:  # inline, not calls.guarded(): one Python frame fewer
                if kernel is None and isinstance(exc, (AttributeError, TypeError)):
                    key = None  # lists, Python numbers: no key, the whole way
                elif isinstance(exc, E.COMPUTE_ERRORS):
                    raise E.cannot_compute(exc) from None
                else:
                    raise
        else:
            kwargs = tensor_mapping(tensors, kwargs)
        return self._first_call(kwargs, backend, key)

    def _first_call(self, kwargs: dict[str, Any], backend: str | None, key: Any) -> Any:
        """A call with new names, shapes, dtypes or array types (or under new options): bind, run, and
        record under ``key`` what the next such call reuses."""
        values = list(kwargs.values())
        with evaluation():  # the clock of the call: checking (which may run library functions) and running
            result, bound = self._bind_and_run(kwargs, values, backend)
        # numpy operands only (other libraries dispatch), and no big constants: the constant pool bounds those
        options = get_options()
        if key is not None and bound.library is None and CONSTANT_POOL.small(bound):
            names = list(kwargs)
            positions = [names.index(name) for name in bound.input_names]
            self._calls.record(key, bound.runner(backend_name(backend, options)), positions, values, options)
        return result

    def _bind_and_run(self, kwargs: dict[str, Any], values: list[Any], backend: str | None) -> tuple[Any, BoundProgram]:
        try:
            # the type is in the key: a JAX array and a numpy array of one shape and dtype run differently
            bound_key = (REGISTRATIONS.value, get_options().exact, tuple(kwargs),
                         tuple([(type(v), v.shape, v.dtype) for v in values]))
            bound = self._bound.get(bound_key)
        except AttributeError:  # lists, Python numbers: convert first
            bound = None
        if bound is None:  # torch, JAX, CuPy, dask operands (numpy ones join them), else numpy arrays
            library, kwargs = library_operands(kwargs, as_array) or (None, {n: as_array(n, v) for n, v in kwargs.items()})
            bound = self.bind(kwargs, library)
        return bound.run([kwargs[name] for name in bound.input_names], backend, options=get_options()), bound

    # -- inspection -------------------------------------------------------------------------------
    def _bind_shapes(self, tensors: Mapping[str, Any] | None, kwargs: dict[str, Any]) -> BoundProgram:
        """Bind to arrays, or to shapes given as tuples (no memory used), for the inspection methods."""
        kwargs = tensor_mapping(tensors, kwargs)
        return self.bind({n: shape_placeholder(n, v) for n, v in kwargs.items()})

    def plan(self, tensors: Mapping[str, Any] | None = None, /, **kwargs: Any) -> Plan:
        """The contraction plan for these tensors (arrays, or shapes given as tuples).

        >>> Program("A_ij B_jk").plan(A=(2, 3), B=(3, 4)).opt_flops  # 2·3·4 products and as many additions
        48
        """
        return self._bind_shapes(tensors, kwargs).plan

    def explain(self, tensors: Mapping[str, Any] | None = None, /, **kwargs: Any) -> str:
        """The naive backend's loop program for these shapes, then the plan the opt backend follows.

        >>> print(Program("A_ii").explain(A=(3, 3)).partition("opt backend plan")[0].strip())
        # naive backend: every index combination, as the convention reads
        def einlang_program(A):
            # T1 = Σ_i A_ii
            acc = 0
            for i in range(3):
                acc += A[i][i]
            T1 = acc
            return T1
        # 3 loop iterations
        """
        return self._bind_shapes(tensors, kwargs).explain()

    def result_indices(self, tensors: Mapping[str, Any] | None = None, /, **kwargs: Any) -> tuple[str, ...] | None:
        """The index each axis of the result carries, in order (``None`` for an unindexed value).

        With an implicit output the order is alphabetical (numpy's rule), which is easy to forget:
        this says it, for the given tensors (arrays or shapes).

        >>> Program("B_ki A_ij").result_indices(A=(2, 3), B=(4, 2))
        ('j', 'k')
        >>> Program("C_kj = B_ki A_ij").result_indices(A=(2, 3), B=(4, 2))
        ('k', 'j')
        """
        return self._bind_shapes(tensors, kwargs).lowered.labels

    def to_einsum(self) -> str:
        """The equivalent ``numpy.einsum`` equation, for a program that is one product of tensors.

        >>> Program("C_ki = A_ij B_jk").to_einsum()
        'ij,jk->ki'
        """
        from .einsum_text import to_einsum

        return to_einsum(self.ast)


# bounded in source characters too: a program's syntax tree and the constants of its bindings grow
# with its text (100 distinct programs with 8 MB literals kept 811 MB in 512 entries)
_PROGRAMS = BoundedCache(512, max_weight=2_000_000, weigh=lambda program: len(program.text))


def compile_cached(text: str, functions: FunctionSource | None = None) -> Program:
    """``einlang.compile`` with a bounded cache keyed by the source text (and the functions' source)."""
    key = text if functions is None else (text, functions)
    try:
        return _PROGRAMS.item(key)  # evaluate() comes here on every call: a hit is one lookup
    except (KeyError, TypeError):
        return _PROGRAMS.put(key, Program(text, functions=functions))
