"""A Session: the tensors and definitions a REPL, a notebook or a Python caller has bound.

>>> s = Session()
>>> s.run("M = [[1, 2], [3, 4]]")
array([[1, 2],
       [3, 4]])
>>> s.run("N_ik = M_ij M_jk")
array([[ 7, 10],
       [15, 22]])
>>> s["N"][1, 1]
np.int64(22)
"""

from __future__ import annotations

import contextlib
import warnings
from collections import ChainMap
from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from . import errors as E
from .backends import Runner
from .catalog import lookup
from .clock import evaluation
from .config import LIMITS, Options, get_options, options, sandboxed
from .plan import Plan
from .program import BoundProgram, as_array
from .records import record
from .semantics import ir
from .semantics.callables import EinFunction
from .semantics.lower import SPECIAL_NAMES, Binding, Lowerer, Scope
from .syntax import ast
from .syntax.parser import parse


@record
class StatementResult:
    """What one statement did: the name it bound (if any), its value and index labels."""

    name: str | None
    value: Any
    labels: tuple[str, ...] | None
    kind: str  # "expression", "assignment" or "definition"
    text: str


SANDBOX_HINT = "a sandbox runs statements only: no files, no option changes, the built-in backends, lower limits"

SANDBOX_BACKENDS = ("opt", "numpy", "naive")
"""The backends a sandboxed session may switch to (the built-in ones, each bounded by the limits)."""

SANDBOX_LIMITS = Options(memory_limit=256 * 2**20, numpy_flop_limit=10**9, time_limit=5.0)
"""The most a sandboxed session's statements may use: each limit in force is lowered to this one."""


def _sandbox_options() -> dict[str, float]:
    current = get_options()
    return {name: min(getattr(current, name), getattr(SANDBOX_LIMITS, name)) for name in (*LIMITS, "time_limit")}


class Session:
    """Bound tensors and definitions, and the backend to run on.

    ``Session(backend="naive", A=array)`` starts with ``A`` bound; ``s.run(text)`` runs statements and
    returns the value of the last one; ``s["A"]`` reads a tensor and ``s["A"] = array`` binds one.

    >>> s = Session(x=[3, 4])
    >>> s.run("n = sqrt(x_i x_i)")
    np.float64(5.0)
    >>> s.names(), "n" in s
    (('x', 'n'), True)
    """

    def __init__(self, backend: str | None = None, *, helpers: Mapping[str, Any] | None = None, sandbox: bool = False,
                 **tensors: Any) -> None:
        if sandbox and backend not in (None, *SANDBOX_BACKENDS):
            raise E.SandboxError(f"the backend {backend} is not allowed in a sandbox", hint=SANDBOX_HINT)
        self.backend = backend
        # a sandbox runs statements only, within SANDBOX_LIMITS: front ends refuse files and option changes
        self.sandbox = sandbox
        # functions bound beneath the library's (a front end's conveniences, such as the REPL's rand):
        # a library function of the same name wins, and reset() brings them back
        self.helpers: dict[str, Any] = dict(helpers or {})
        self._tensors: dict[str, np.ndarray] = {}
        self._library = lookup(None)  # the default functions (the standard library), looked up per statement
        self._defined: dict[str, EinFunction] = {}  # this session's own definitions
        self.history: list[str] = []  # source of each statement that ran without error
        self.definitions: dict[str, str] = {}
        self._stacked: dict[str, tuple[str, ...]] = {}  # B -> (b1, b2) after B = [b1, b2]: basis vectors as rows
        for name, value in tensors.items():
            self[name] = value

    # -- mapping of tensors -----------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._tensors[name]
        except KeyError:
            raise E.UndefinedNameError(f"{name} is not bound in this session") from None

    def __setitem__(self, name: str, value: Any) -> None:
        if not isinstance(name, str) or not name.isidentifier():
            raise E.InputValueError(f"{name!r} is not a valid tensor name")
        if name in SPECIAL_NAMES:
            raise E.ReservedNameError(f"{name} is reserved for a special tensor; bind your tensor to another name")
        array = as_array(name, value)
        # copy on bind: a binding never shares memory with another one (B = A_ji is a view of A in numpy;
        # changing s["B"] must not change A). The check reads only array bounds, not the data.
        if any(np.may_share_memory(array, other) for key, other in self._tensors.items() if key != name):
            array = array.copy()
        self._tensors[name] = array

    def __delitem__(self, name: str) -> None:
        if name not in self._tensors:
            raise E.UndefinedNameError(f"{name} is not bound in this session")
        del self._tensors[name]

    def __contains__(self, name: object) -> bool:
        return name in self._tensors

    def __iter__(self) -> Iterator[str]:
        return iter(self._tensors)

    def names(self) -> tuple[str, ...]:
        """The bound tensors' names, in the order they were bound."""
        return tuple(self._tensors)

    @property
    def tensors(self) -> Mapping[str, np.ndarray]:
        return dict(self._tensors)

    @property
    def functions(self) -> ChainMap[str, Any]:
        """Every function a statement can call: helpers, beneath the library, beneath this session's
        definitions (a fresh table each time, so functions registered later are seen; the library is
        only loaded when a name is looked up in it)."""
        return ChainMap({}, self._defined, self._library(), self.helpers)

    def _repr_html_(self) -> str:
        """A notebook shows the bindings as a table: name, shape, dtype."""
        import html

        rows = "".join(
            f"<tr><td><code>{html.escape(name)}</code></td><td>{'×'.join(map(str, a.shape)) or 'scalar'}</td>"
            f"<td>{html.escape(str(a.dtype))}</td></tr>"
            for name, a in self._tensors.items()
        )
        defined = ", ".join(html.escape(name) for name in self.definitions)
        note = f"<p>definitions: {defined}</p>" if defined else ""
        return f"<table><tr><th>name</th><th>shape</th><th>dtype</th></tr>{rows}</table>{note}"

    def reset(self) -> None:
        """Forget every tensor and every definition made in this session.

        >>> s = Session(A=[[1]])
        >>> s.reset()
        >>> s.names()
        ()
        """
        self._tensors.clear()
        self._defined.clear()
        self.history.clear()
        self.definitions.clear()

    def undefine(self, name: str) -> None:
        """Remove a definition made in this session; a library function or helper it shadowed returns.

        >>> s = Session()
        >>> s.run("def dot(u, v) = 2 u_i v_i")
        >>> s.undefine("dot")
        >>> s.run("dot([1, 2], [3, 4])")
        np.int64(11)
        """
        if name not in self.definitions:
            raise E.UndefinedNameError(f"{name} is not defined in this session")
        del self.definitions[name]
        del self._defined[name]

    # -- running ----------------------------------------------------------------------------------
    def _scope(self) -> Scope:
        tensors = {
            name: Binding(ir.Input(name, array.shape, array.dtype), name) for name, array in self._tensors.items()
        }
        return Scope(tensors, self.functions)

    def _lower_statement(self, stmt: ast.Statement) -> tuple[str | None, Any, Scope]:
        scope = self._scope()
        lowerer = Lowerer(scope)
        name, value = lowerer.statement(stmt)
        return name, value, scope

    def execute(self, text: str, name: str = "<input>", backend: str | None = None) -> list[StatementResult]:
        """Run every statement of ``text``; return what each did. Stops at the first error, keeping
        what the statements before it bound.

        >>> [(r.kind, r.name, r.labels) for r in Session().execute("v = [1, 2]; v_i v_j")]
        [('assignment', 'v', None), ('expression', None, ('i', 'j'))]
        """
        return list(self.execute_each(text, name, backend))

    def execute_each(self, text: str, name: str = "<input>", backend: str | None = None) -> Iterator[StatementResult]:
        """Like :meth:`execute`, but yields what each statement did as soon as it has run (a front end
        prints a result before the next statement starts). The whole text is parsed first: a syntax
        error anywhere stops it before anything runs."""
        program = parse(text, name)
        for stmt in program.statements:
            yield self._execute_statement(stmt, backend)

    def refuse_in_sandbox(self, what: str) -> None:
        """Raise :class:`~einlang.errors.SandboxError` for ``what`` (a file or an option change) in a sandbox.

        >>> Session(sandbox=True).refuse_in_sandbox(":load")
        Traceback (most recent call last):
        ...
        einlang.errors.SandboxError: error[E700]: :load is not allowed in a sandbox
          hint: a sandbox runs statements only: no files, no option changes, the built-in backends, lower limits
        """
        if self.sandbox:
            raise E.SandboxError(f"{what} is not allowed in a sandbox", hint=SANDBOX_HINT)

    def limits(self) -> contextlib.AbstractContextManager[Any]:
        """The limits this session's work runs under: a sandbox's, or the options in force."""
        if not self.sandbox:
            return contextlib.nullcontext()
        stack = contextlib.ExitStack()  # its limits, and hints that say they cannot be raised
        stack.enter_context(options(**_sandbox_options()))
        stack.enter_context(sandboxed())
        return stack

    def _execute_statement(self, stmt: ast.Statement, backend: str | None) -> StatementResult:
        if self.sandbox and backend not in (None, *SANDBOX_BACKENDS):
            self.refuse_in_sandbox(f"the backend {backend}")
        with self.limits(), evaluation():  # the statement's clock: checking it, running it
            return self._execute_one(stmt, backend)

    def _execute_one(self, stmt: ast.Statement, backend: str | None) -> StatementResult:
        text = stmt.span.text if stmt.span is not None else ""
        if isinstance(stmt, ast.Definition):
            Lowerer(Scope({}, self.functions)).statement(stmt)
            if stmt.name in self._library() and stmt.name not in self._defined:
                warnings.warn(f"def {stmt.name} shadows the library function {stmt.name} in your own statements; "
                              f"the library's functions keep calling theirs (undefine('{stmt.name}') brings it back)",
                              E.ShadowWarning, stacklevel=4)
            self._defined[stmt.name] = EinFunction(stmt, stmt.span.source if stmt.span else None)
            self.definitions[stmt.name] = text
            self.history.append(text)
            return StatementResult(stmt.name, None, None, "definition", text)
        stacked = self._check_rows(stmt)
        bound_name, value, scope = self._lower_statement(stmt)
        lowered = _lowered(scope, value)
        result = self._run(lowered, backend)
        if bound_name is not None:
            self[bound_name] = result if isinstance(result, np.ndarray) else np.asarray(result)
            self._stacked.pop(bound_name, None)
            if stacked is not None:
                self._stacked[bound_name] = stacked
            kind = "assignment"
        else:
            kind = "expression"
        self.history.append(text)
        return StatementResult(bound_name, result, value.labels, kind, text)

    def _check_rows(self, stmt: ast.Statement) -> tuple[str, ...] | None:
        """Refuse basis vectors written as rows to a library function that reads columns (see
        :mod:`einlang.library._rows`); the vectors an assignment ``B = [b1, b2]`` stacks, to remember."""
        from .library import _rows

        called = {node.function for node in ast.walk(stmt) if isinstance(node, ast.Call)} & _rows.COLUMN_BASES.keys()
        table = self._library() if called else {}  # a statement calling none of them need not load the library
        library = frozenset(name for name in called if name in table and name not in self._defined)
        return _rows.check_statement(stmt, self._tensors, self._stacked, library)

    def evaluating(self, run: Runner, backend: str) -> contextlib.AbstractContextManager[None]:
        """A hook around each evaluation (``run`` is the backend's :class:`~einlang.backends.Runner`;
        ``run.iterations`` counts a naive one's loops): the REPL shows a progress bar here. Does nothing
        by default."""
        return contextlib.nullcontext()

    def _run(self, lowered: ir.LoweredProgram, backend: str | None) -> Any:
        inputs = [self._tensors[node.name] for node in lowered.inputs]
        return BoundProgram(lowered).run(inputs, backend or self.backend, around=self.evaluating)

    def run(self, text: str, backend: str | None = None) -> Any:
        """Run statements; return the value of the last one (``None`` for a definition).

        >>> Session().run("def dot2(u, v) = u_i v_i; dot2([1, 2], [3, 4])")
        np.int64(11)
        """
        results = self.execute(text, backend=backend)
        return results[-1].value if results else None

    def bound(self, text: str) -> BoundProgram:
        """The checked, planned form of one expression against this session's tensors."""
        program = parse(text)
        statements = [s for s in program.statements if not isinstance(s, ast.Definition)]
        if len(statements) != 1:
            raise E.EinlangSyntaxError("give exactly one expression")
        with self.limits():
            _, value, scope = self._lower_statement(statements[0])
        return BoundProgram(_lowered(scope, value))

    def plan(self, text: str) -> Plan:
        """The contraction plan of an expression over this session's tensors.

        >>> Session(A=[[1, 2], [3, 4]], x=[1, 1]).plan("A_ij A_jk x_k").opt_flops
        16
        """
        return self.bound(text).plan

    def explain(self, text: str) -> str:
        """The naive loop program for an expression, then its plan.

        >>> print(Session(x=[1, 2]).explain("x_i x_i").partition("opt backend plan")[0].strip())
        # naive backend: every index combination, as the convention reads
        def einlang_program(x):
            # T1 = Σ_i x_i x_i
            acc = 0
            for i in range(2):
                acc += x[i] * x[i]
            T1 = acc
            return T1
        # 2 loop iterations
        """
        return self.bound(text).explain()


def _lowered(scope: Scope, value: Any) -> ir.LoweredProgram:
    node = value.node
    nodes = ir.topological_order(node)
    inputs = tuple(n for n in nodes if isinstance(n, ir.Input))
    return ir.LoweredProgram(inputs, nodes, node, value.labels)
