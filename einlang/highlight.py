"""A Pygments lexer for einlang, used by the REPL and by documentation (```einlang code blocks).

Once einlang is installed, Pygments finds it by name through the ``pygments.lexers`` entry point:
``pygments.lexers.get_lexer_by_name("einlang")``.

>>> from pygments.token import Name
>>> tokens = list(EinlangLexer().get_tokens("C_ik = A_ij B_jk  # product"))
>>> tokens[0], tokens[1]
((Token.Name.Variable, 'C'), (Token.Name.Attribute, '_ik'))
>>> (Name.Function, "dot") in list(EinlangLexer().get_tokens("dot(u, v)"))
True
>>> list(EinlangLexer().get_tokens("max_{jk}(A_ijk)"))[:2]
[(Token.Name.Builtin, 'max'), (Token.Name.Attribute, '_{jk}')]
>>> list(EinlangLexer().get_tokens("diff(x_i x_i, x_k)"))[0]
(Token.Name.Builtin, 'diff')
"""

from __future__ import annotations

from pygments.lexer import RegexLexer, bygroups, words
from pygments.token import Comment, Keyword, Name, Number, Operator, Punctuation, String, Text, Whitespace

#: special tensors the checker knows by name (Kronecker delta, Levi-Civita)
SPECIAL = ("delta", "eps", "δ", "ε")
#: the reductions, written max_j(…) or max_{jk}(…) (einlang.syntax.ast.REDUCTION_SPELLINGS)
REDUCTIONS = ("sum", "Σ", "max", "min", "prod", "mean", "logsumexp", "softmax")
#: calls the checker itself reads (not library functions): size(d), diff(expr, x_k)
BUILTINS = ("size", "diff")


class EinlangLexer(RegexLexer):
    """einlang source: tensor names, their index subscripts, calls, numbers, comments, REPL commands."""

    name = "einlang"
    aliases = ["einlang", "ein"]
    filenames = ["*.ein"]
    mimetypes = ["text/x-einlang"]
    url = "https://github.com/einlang/einlang"

    tokens = {
        "root": [
            (r"\n", Whitespace),
            (r"[\t \f]+", Whitespace),
            (r"\\\n", Text),
            (r"##[^\n]*", String.Doc),  # library documentation comments
            (r"#[^\n]*", Comment.Single),
            (r"(?m)^:[A-Za-z]+", Keyword.Pseudo),  # REPL commands: :plan, :compare, ...
            (r"\bdef\b", Keyword),
            (r"->", Operator),
            (r"[=+\-*/]", Operator),
            (r"\.\.\.", Name.Builtin.Pseudo),
            (r"(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?[jJ]\b", Number.Float),
            (r"(\d+\.\d*|\.\d+)([eE][+-]?\d+)?|\d+[eE][+-]?\d+", Number.Float),
            (r"\d+", Number.Integer),
            (r"`[^`\n]+`", Name.Variable),
            (r"(?<=[)\]`])_[^\W\d_]*", Name.Attribute),  # f(x)_i, [..]_i, `name`_ij
            # reductions: the name, then the indices it runs over (max_j(…), softmax_{jk}(…)); size(d), diff(…)
            (words(REDUCTIONS, suffix=r"(_[^\W\d_]+|_\{[^}\n]*\})(?=\()"), bygroups(Name.Builtin, Name.Attribute)),
            (words(BUILTINS, prefix=r"\b", suffix=r"(?=\()"), Name.Builtin),
            (r"[^\W\d]\w*(?=\()", Name.Function),
            (words(SPECIAL, suffix=r"(?=_|\{|\b)"), Name.Builtin, "subscript"),
            # A_{i j}, W_{in,out}: braced indices
            (r"([^\W\d]\w*?)(_?\{[^}\n]*\})", bygroups(Name.Variable, Name.Attribute)),
            # A_ij: the tensor name, then its indices (split at the last underscore, as the checker does
            # when the head is bound)
            (r"([^\W\d]\w*?)(_[^\W\d_]+)(?![\w])", bygroups(Name.Variable, Name.Attribute)),
            (r"[^\W\d]\w*", Name.Variable),
            (r"[()\[\]{},;]", Punctuation),
            (r'"[^"\n]*"|\'[^\'\n]*\'', String),  # file names in load("x.npy") / save(x, "x.npy")
            (r".", Text),
        ],
        "subscript": [
            (r"_?\{[^}\n]*\}|_[^\W\d_]+", Name.Attribute, "#pop"),
            (r"", Text, "#pop"),
        ],
    }


def highlight_terminal(text: str) -> str:
    """``text`` coloured with ANSI codes for a terminal.

    >>> "\\x1b[" in highlight_terminal("A_ij B_jk")
    True
    """
    from pygments import highlight
    from pygments.formatters import TerminalFormatter

    return highlight(text, EinlangLexer(), TerminalFormatter())
