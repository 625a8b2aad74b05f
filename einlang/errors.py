"""Every mistake a user can make is an :class:`EinlangError` subclass.

Each error carries a stable ``code`` (see ``docs/errors.md``), a message that names the tensor, the index
and the sizes involved, and one or more spans.  ``str(err)`` renders the location, the message, the
source line(s) and a caret under every span involved::

    >>> from einlang.source import Source
    >>> src = Source("A_ij B_jk")
    >>> err = SizeMismatchError("index j is 4 in A but 5 in B", [src.span(3, 4), src.span(8, 9)])
    >>> print(err)
    error[E401] at <input>:1:4: index j is 4 in A but 5 in B
      1 | A_ij B_jk
        |    ^    ^

All einlang errors are also ``ValueError`` (or ``TypeError``), so code written against ``numpy.einsum``
keeps catching them.
"""

from __future__ import annotations

from collections.abc import Sequence

from .source import Span


class EinlangError(ValueError):
    """Root of every error einlang raises for a user mistake.

    >>> import einlang
    >>> try:
    ...     einlang.evaluate("A_ijk", A=[[1, 2], [3, 4]])
    ... except EinlangError as err:
    ...     print(err.code, err.span.line, err.span.column, isinstance(err, ValueError))  # column 5: the extra k
    E301 1 5 True
    """

    code = "E000"

    def __init__(
        self,
        message: str,
        spans: Sequence[Span] | Span | None = None,
        *,
        hint: str | None = None,
    ) -> None:
        if isinstance(spans, Span):
            spans = [spans]
        self.message = message
        self.spans: tuple[Span, ...] = tuple(s for s in (spans or ()) if s is not None)
        self.hint = hint
        self.context: list[tuple[str, Span | None]] = []
        super().__init__(message)

    @property
    def span(self) -> Span | None:
        """The primary position of the mistake (``None`` when it has no place in the text)."""
        return self.spans[0] if self.spans else None

    def add_context(self, note: str, span: Span | None) -> EinlangError:
        """Record where the failing code was reached from (a library call, say)."""
        self.context.append((note, span))
        return self

    def __str__(self) -> str:
        return render(self)

    def _repr_html_(self) -> str:
        """The rendered error for a notebook: the message in bold, the source lines and caret as they
        are (fixed-width), no traceback."""
        import html

        first, _, rest = render(self).partition("\n")
        style = "color:#b00020;font-weight:bold"
        return f"<pre class='einlang-error'><span style='{style}'>{html.escape(first)}</span>\n{html.escape(rest)}</pre>"

    def __reduce__(self):  # pickling keeps the rendered text (spans hold their source)
        return (_rebuild, (type(self), self.message, self.spans, self.hint))


def _rebuild(cls, message, spans, hint):
    return cls(message, spans, hint=hint)


def _caret_block(spans: Sequence[Span]) -> list[str]:
    """Render source lines with carets under each span, grouped by line, in source order."""
    lines: list[str] = []
    by_line: dict[tuple[int, int], list[Span]] = {}
    for span in spans:
        key = (id(span.source), span.line)
        by_line.setdefault(key, []).append(span)
    for spans_on_line in by_line.values():
        first = spans_on_line[0]
        source, line_no = first.source, first.line
        text = source.line_text(line_no)
        display = text.replace("\t", " ")
        if len(display) > 200:  # keep huge one-line programs readable
            lo = max(0, first.column - 60)
            display = ("…" if lo else "") + display[lo : lo + 160] + "…"
            offset = lo - (1 if lo else 0)
        else:
            offset = 0
        marks = [" "] * (len(display) + 1)
        for span in spans_on_line:
            col = span.column - 1 - offset
            line_start = span.start - (span.column - 1)
            line_end = line_start + len(text)
            width = max(1, min(span.end, line_end) - span.start)
            for k in range(col, min(col + width, len(marks))):
                if 0 <= k:
                    marks[k] = "^"
        gutter = str(line_no)
        lines.append(f"  {gutter} | {display}")
        lines.append(f"  {' ' * len(gutter)} | {''.join(marks).rstrip()}")
    return lines


def render(err: EinlangError) -> str:
    """Location, message, caret lines, hint and call context, as ``str(err)`` shows them."""
    where = f" at {err.span}" if err.span is not None else ""
    out = [f"error[{err.code}]{where}: {err.message}"]
    out.extend(_caret_block(err.spans))
    for note, span in err.context:
        out.append(f"  note: {note}" + (f" ({span})" if span is not None else ""))
        if span is not None:
            out.extend("  " + line for line in _caret_block([span]))
    if err.hint:
        out.append(f"  hint: {err.hint}")
    return "\n".join(out)


class EinsumError(EinlangError):
    """An equation or operands ``einlang.einsum`` refuses, as numpy.einsum would (still a ValueError)."""

    code = "E110"


class ContractionPathError(EinsumError, RuntimeError):
    """An explicit contraction path (``optimize=['einsum_path', …]``) that names a missing operand or
    leaves operands uncontracted; also a ``RuntimeError``, as numpy's refusal is."""

    code = "E410"


class UnknownPathAlgorithmError(EinsumError, KeyError):
    """``optimize=`` names no path algorithm opt_einsum has; also a ``KeyError``, as opt_einsum's is."""

    code = "E411"


class IntegerOverflowError(EinlangError, ArithmeticError):
    """An integer sum or product of a program that could pass its dtype's range, refused before it runs
    rather than wrapped around (``einlang.einsum``, numpy's drop-in, wraps as numpy does)."""

    code = "E412"


# --- syntax --------------------------------------------------------------------------------------


class EinlangSyntaxError(EinlangError):
    """The text is not einlang. ``incomplete`` is true when more input could complete it (REPL)."""

    code = "E101"

    def __init__(self, message, spans=None, *, hint=None, incomplete: bool = False):
        super().__init__(message, spans, hint=hint)
        self.incomplete = incomplete


class InvalidIndexError(EinlangSyntaxError):
    """An index that is not a letter-name (``A_1``, ``A_{i-j}``)."""

    code = "E102"


# --- names ---------------------------------------------------------------------------------------


class NameResolutionError(EinlangError):
    """A name that does not denote anything, or denotes two things."""

    code = "E200"


class UndefinedNameError(NameResolutionError):
    """A name that nothing is bound to (``Ab_ij`` when only ``A`` exists); suggests close names."""

    code = "E201"


class AmbiguousNameError(NameResolutionError):
    """A word that reads two ways (``x_i`` when both ``x`` and ``x_i`` are bound)."""

    code = "E202"


class ReservedNameError(NameResolutionError):
    """Binding a name einlang reserves (``delta``, ``eps``, a built-in function)."""

    code = "E203"


class UnknownFunctionError(NameResolutionError):
    """A call to a function that is not defined (``sqr(x_i)``); suggests close names."""

    code = "E204"


class ArgumentCountError(EinlangError, TypeError):
    """A call with too many or too few arguments (also a ``TypeError``, as in Python)."""

    code = "E205"


class KeywordArgumentError(EinlangError, TypeError):
    """A keyword argument that names no parameter of the function (``pagerank(L, damping=0.5)``), a
    parameter given twice, or a positional argument after a keyword one; suggests the close parameter name."""

    code = "E230"


class UnpackingError(EinlangError):
    """Several names left of ``=`` for a call that does not give that many results (``a, b = dot(u, v)``)."""

    code = "E231"


class RecursionLimitError(EinlangError):
    """Calls nested too deep: a definition that calls itself."""

    code = "E206"


# --- indices and the Einstein convention ---------------------------------------------------------


class IndexRuleError(EinlangError):
    """Indices used against the rules of the convention."""

    code = "E300"


class RankMismatchError(IndexRuleError):
    """A tensor given a number of indices other than its rank (``A_ijk`` on a matrix)."""

    code = "E301"


class ConventionError(IndexRuleError):
    """An index three or more times in one product with no explicit output."""

    code = "E302"


class OutputIndexError(IndexRuleError):
    """An output index that the right side never uses (``C_iz = A_ij``); ``index`` names it when one
    index is to blame (a sum reports it against the term that lacks it)."""

    code = "E303"

    def __init__(self, message, spans=None, *, hint=None, index: str | None = None):
        super().__init__(message, spans, hint=hint)
        self.index = index


class RepeatedOutputIndexError(IndexRuleError):
    """An output index written twice (``C_ii = ...``)."""

    code = "E304"


class FreeIndexMismatchError(IndexRuleError):
    """Terms of a sum with different free indices (``A_ij x_j + v_j``)."""

    code = "E305"


class BareTensorError(IndexRuleError):
    """A non-scalar name used without indices inside an expression (``A B``)."""

    code = "E306"


class NotAnEinsumError(IndexRuleError):
    """``to_einsum()`` on a program that is not a single product of tensors."""

    code = "E307"


class ReductionIndexError(IndexRuleError):
    """A reduction over an index that is not free in its argument (``max_k(A_ij)``, or ``max_j(A_ij x_j)``
    where the convention already sums j)."""

    code = "E210"


class RepeatedReductionIndexError(IndexRuleError):
    """An index written twice under one reduction (``max_{jj}(A_ij)``)."""

    code = "E211"


class ReductionFormError(IndexRuleError):
    """A reduction written other than ``kind_j(expr)``: more than one argument, or indices after the ')'."""

    code = "E214"


# --- sizes and values ----------------------------------------------------------------------------


class ShapeError(EinlangError):
    """Sizes that do not fit together."""

    code = "E400"


class SizeMismatchError(ShapeError):
    """One index with two sizes (j is 4 in A but 5 in B): einlang never broadcasts silently."""

    code = "E401"


class SizeInferenceError(ShapeError):
    """A size nothing determines (``delta_ij`` alone)."""

    code = "E402"


class EmptyReductionError(ShapeError):
    """``max``, ``min`` or ``mean`` over an index of size 0: there is no value to give."""

    code = "E212"


class IndexSizeError(SizeInferenceError):
    """``size(d)`` where d is not an index of the product around it (or not an index at all)."""

    code = "E213"


class RaggedArrayError(ShapeError):
    """An array literal whose rows differ in length or shape."""

    code = "E403"


class InputValueError(EinlangError):
    """A value given to einlang that is not a tensor of numbers."""

    code = "E404"


# what numpy raises for values it cannot compute with (NaN in eig, Fractions mixed with complex, …)
COMPUTE_ERRORS = (ArithmeticError, TypeError, ValueError)


def cannot_compute(exc: Exception, who: str = "") -> InputValueError:
    """The error for a computation numpy refused (``who`` names the function, for Python callers).

    Callers write ``except EinlangError: raise`` first, then ``except COMPUTE_ERRORS``, so einlang's own
    errors (also ValueErrors) pass through unchanged.

    >>> cannot_compute(ZeroDivisionError("division by zero"), "f").message
    'f: cannot compute with these values: division by zero'
    """
    return InputValueError(f"{who}{': ' if who else ''}cannot compute with these values: {exc}")


def with_note(exc: BaseException, who: str = "") -> BaseException:
    """``exc`` as it is (its own type, for the caller's ``except``), with a note that einlang was computing
    with an object array's entries when it was raised (Python 3.11+ shows notes under the traceback).

    >>> with_note(TypeError("unsupported operand"), "einsum").__notes__
    ['raised by the entries of an object array while einlang computed einsum']
    """
    if hasattr(exc, "add_note"):
        exc.add_note(f"raised by the entries of an object array while einlang computed {who or 'with them'}")
    return exc


class InputTypeError(EinlangError, TypeError):
    """A value of the wrong Python type given to einlang (also a ``TypeError``)."""

    code = "E405"


class FileAccessError(EinlangError):
    """A file that cannot be read or written (``load``, ``save``, ``:load``, ``:save``): missing, not the
    format its name says, damaged, or not UTF-8 text."""

    code = "E407"


class UnsupportedDtypeError(EinlangError, TypeError):
    """An operation numpy refuses for a dtype (``floor`` of complex numbers, ``sign`` of booleans,
    subtracting booleans); the message names the function or operator and the dtype. Also a ``TypeError``."""

    code = "E406"


# --- resources -----------------------------------------------------------------------------------


class ResourceLimitError(EinlangError):
    """Work or memory above a configured limit, refused before it starts."""

    code = "E500"


class NaiveIterationLimitError(ResourceLimitError):
    """The naive backend's loops would exceed ``naive_iteration_limit``."""

    code = "E501"


class MemoryLimitError(ResourceLimitError):
    """An array the plan needs would exceed ``memory_limit``; refused before allocating."""

    code = "E502"


class ComplexityLimitError(ResourceLimitError):
    """Work above a configured limit (a source too long, a numpy-backend product too costly, definitions
    inlined past ``inline_limit``)."""

    code = "E503"


class LibraryWorkLimitError(ResourceLimitError):
    """A library function would work past its limit: iterations past ``library_iteration_limit``, exact
    row reduction past ``exact_elimination_limit``."""

    code = "E504"


class TimeLimitError(ResourceLimitError):
    """An evaluation ran past ``time_limit`` seconds (checked between iterations where nothing else bounds work)."""

    code = "E505"


class SandboxError(EinlangError):
    """Something a sandboxed session does not allow: reading or writing files, changing options, a backend
    other than the built-in ones."""

    code = "E700"


class ShadowWarning(UserWarning):
    """A definition in your own code has the name of a library function: your code calls yours, the
    library's own definitions keep calling the library's."""


# --- backends ------------------------------------------------------------------------------------


class BackendError(EinlangError):
    code = "E600"


class UnknownBackendError(BackendError):
    """A backend name that is not registered; the message lists those that are."""

    code = "E601"


class UnsupportedByBackendError(BackendError):
    """A valid program the chosen backend cannot run (numpy.einsum's 52 letters)."""

    code = "E602"


class DuplicateBackendError(BackendError):
    """``register_backend`` with a name already taken, without ``replace=True``."""

    code = "E603"


class ArrayLibraryMixError(BackendError):
    """Operands from two different array libraries other than numpy (a torch tensor and a JAX array)."""

    code = "E604"


class DeviceMixError(BackendError):
    """Operands of one array library on different devices (a CPU tensor and a CUDA tensor)."""

    code = "E605"


class UnsupportedArrayLibraryError(BackendError):
    """A backend or a Python-written library function that cannot compute with this library's arrays."""

    code = "E606"


from .derivative_errors import *  # noqa: E402, F403 - diff's E220-E224, apart to keep this module under 500 lines

__all__ = [name for name, value in globals().items() if isinstance(value, type) and issubclass(value, EinlangError)]
