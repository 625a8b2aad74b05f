"""Words for the checker's messages: suggestions, hints and how an expression is shown.

Only text is built here (and the errors whose text needs nothing but it); the rules that decide when
to raise live in the stages that apply them.

>>> suggest("alpah", ["alpha", "beta"])
'did you mean alpha?'
>>> convention_hint("j", {"i": [None], "j": [None, None, None], "k": [None]})
"say what you mean with an explicit output: '-> ik' sums over j, '-> ijk' keeps j (every index not in the output is summed)"
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from .. import errors as E
from ..source import Span
from ..syntax import ast
from . import batch
from .describe import example_indices, index_set, shape_words


def suggest(name: str, candidates: Sequence[str]) -> str | None:
    """``did you mean …?`` for up to three close names (or names that mean the same: ``len`` -> norm),
    or ``None``.

    >>> suggest("proj", ["scalar_proj", "vector_proj"])
    'did you mean scalar_proj or vector_proj?'
    """
    if name.lower() in SYNONYMS:
        return SYNONYMS[name.lower()]
    import difflib  # here: only a mistake needs it (#14, start-up)

    close = difflib.get_close_matches(name, list(candidates), n=3, cutoff=0.6)
    return "did you mean " + " or ".join(close) + "?" if close else None


#: what a learner may call a function by, from other languages and the board
SYNONYMS = {
    "proj": "did you mean scalar_proj or vector_proj?",
    "projection": "did you mean scalar_proj or vector_proj?",
    "project": "did you mean scalar_proj or vector_proj?",
    "len": "did you mean norm? (the length of a vector)",
    "length": "did you mean norm? (the length of a vector)",
    "magnitude": "did you mean norm? (the length of a vector)",
    "modulus": "did you mean norm? (the length of a vector)",
    "sum": "a repeated index is summed (x·y is x_i y_i); to add up the entries of v, write sum_i(v_i)",
    "total": "a repeated index is summed (x·y is x_i y_i); to add up the entries of v, write sum_i(v_i)",
    "max": "reduce over the index: max_i(v_i) is the largest entry of v (max_j(A_ij) of each row of A)",
    "min": "reduce over the index: min_i(v_i) is the smallest entry of v (min_j(A_ij) of each row of A)",
    "mean": "reduce over the index: mean_i(v_i) is the mean of v's entries (mean_j(A_ij) of each row of A)",
    "average": "reduce over the index: mean_i(v_i) is the mean of v's entries (mean_j(A_ij) of each row of A)",
    "prod": "reduce over the index: prod_i(v_i) is the product of v's entries",
    "product": "reduce over the index: prod_i(v_i) is the product of v's entries",
    "softmax": "reduce over the index: softmax_j(z_ij) normalises each row of z",
    "avg": "reduce over the index: mean_i(v_i) is the mean of v's entries (mean_j(A_ij) of each row of A)",
    "logsumexp": "reduce over the index: logsumexp_i(z_i) is log Σ_i exp(z_i), computed without overflow",
    "radians": "angles are in radians already: pi / 6 is 30°",
    "deg2rad": "angles are in radians already: pi / 6 is 30°",
    "inverse": "did you mean inv?",
    "determinant": "did you mean det?",
    "matrix_rank": "did you mean rank?",
    "eigvals": "did you mean eigenvalues?",
    "eigvecs": "did you mean eigenvectors?",
    "eigh": "did you mean eig, eigenvalues or eigenvectors?",
    "matmult": "did you mean matmul? (or A_ij B_jk)",
    "dot_product": "did you mean dot? (or u_i v_i)",
    "cross_product": "did you mean cross?",
    "ones": "did you mean ones_like? (a tensor of 1s shaped like another)",
    "eye": "did you mean identity?",
}


def sum_indices_hint(first: Any, other: Any, first_set: set[str]) -> str:
    """E305's hint; when one term is a number, why it is not spread along the indices, and the fix."""
    indexed, number = (first, other) if not other.labels else (other, first)
    if not number.labels and indexed.labels:
        labels = "".join(indexed.labels)
        name = indexed.display.split("_")[0] if indexed.display and "_" in indexed.display else "t"
        return (
            f"a number is not spread along {labels} on purpose (r_i - 1 is more often a missing index than a "
            f"wish to change every entry); to change every entry write {number.display or '1'} "
            f"ones_like({name})_{labels} for the number"
        )
    return "free indices are those that appear once in a term; add or remove indices so every term has the same set"


def display(e: Any) -> str:
    """An expression as the user wrote it (whitespace collapsed), cut to 40 characters."""
    span = getattr(e, "span", None)
    if span is None:
        return ""
    text = " ".join(span.text.split())
    return text if len(text) <= 40 else text[:37] + "…"


def shown_set(labels: Iterable[str]) -> str:
    """Free indices for a message: batch axes show as the '...' the user wrote, once."""
    labels = list(labels)
    names = sorted(x for x in labels if not batch.is_batch(x))
    return index_set((["..."] if any(batch.is_batch(x) for x in labels) else []) + names)


def convention_hint(label: str, occurrences: dict[str, list[Any]]) -> str:
    """A concrete explicit output for each reading of a product where ``label`` appears 3+ times."""
    once = sorted(x for x, spans in occurrences.items() if len(spans) == 1 and not batch.is_batch(x))

    def arrow(labels: list[str]) -> str:
        if not labels:
            return "->"
        return "-> " + ("".join(labels) if all(len(x) == 1 for x in labels) else "{" + ",".join(labels) + "}")

    return (
        f"say what you mean with an explicit output: '{arrow(once)}' sums over {label}, "
        f"'{arrow(sorted(once + [label]))}' keeps {label} (every index not in the output is summed)"
    )


def word_target_note(target: ast.Access, text: str, expr: ast.Expr) -> str:
    """Why ``my_xi = ...`` was read as ``my`` with indices (so the user sees how to bind the whole name)."""
    head, letters = target.name, [ref.name for ref in target.indices]
    used = sorted(set(letters) & ast.index_names(expr))
    if not used:
        return (
            f"{text} = ... is read as {head} with the indices {', '.join(letters)}, since the right side has free "
            f"indices; write {head}_... with those, or `{text}` = ... to bind the whole name"
        )
    return (
        f"{text} = ... is read as {head} with the indices {', '.join(letters)}, since {', '.join(used)} "
        f"{'is an index' if len(used) == 1 else 'are indices'} on the right side; write `{text}` = ... to bind "
        "the whole name"
    )


def bare_tensor(name: str, shape: tuple[int, ...], span: Span | None) -> E.BareTensorError:
    """A tensor of rank > 0 used without indices where a scalar is needed."""
    name = name or "this value"
    return E.BareTensorError(
        f"{name} is {shape_words(shape)}: write its indices, e.g. {name}_{example_indices(len(shape))}",
        span,
        hint="a name without indices is only allowed for scalars (rank 0)",
    )


def missing_from_term(err: E.OutputIndexError, term: ast.Expr) -> E.OutputIndexError:
    """An output index missing from one term of a sum, reported against that term."""
    return E.OutputIndexError(
        f"output index {err.index} does not appear in the term {display(term) or 'here'}: every term of a "
        "sum must have every output index",
        [*err.spans, *([term.span] if term.span is not None else [])],
        hint="einlang never broadcasts a term over an axis it does not have",
        index=err.index,
    )


def count_words(n: int, one: str, many: str) -> str:
    """``1 index``, ``2 indices``."""
    return f"{n} {one if n == 1 else many}"
