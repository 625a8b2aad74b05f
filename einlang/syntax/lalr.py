"""The grammar's LALR(1) tables, driven in one pass that lexes, parses and builds the syntax tree.

lark builds the tables from ``grammar/einlang.lark`` (see :mod:`.tables`); this module reads them once per
process into plain dictionaries and runs them: the contextual lexer (one compiled alternation per parser
state, lark's own terminal order), the newline rule of :mod:`.lexer`, the shift/reduce loop, and at each
reduce the builder's method for the rule, so no parse tree is made and walked again. Positions are
character offsets (a token's start and end, a node's from its first to its last token), turned into lines
and columns only when a message shows them.

Why not lark's own loop with ``transformer=`` (which also builds at each reduce): per token it makes a
``Token`` (eight attributes), counts lines, runs a post-lexer generator, looks rules up by a hash of their
expansion and wraps each callback in filters (that overhead was most of a parse, 7 µs a token), and its
position propagation reaches only ``Tree`` results, so built nodes would have no spans. Here a token is
one small tuple and a reduce a list slice and one call. Where this loop refuses a text (a character no
terminal matches, a token the table has no action for), lark's own lexer or parser is run at that place on
the same state stack (:func:`lark_error`) and its exception :mod:`.translate` turns into the message: so
the errors stay exactly lark's, without parsing a long text twice. What is read from lark are
attributes of its parser objects (the parse table, each state's lexer, the rules' shapes), no private
names; tests/test_parse_oracle.py checks this loop against lark's parser on generated texts.

>>> tables().start_state in tables().actions
True
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, NamedTuple

from ..records import record
from .lexer import NewlineRule
from .tables import runtime


class Token(NamedTuple):
    """One token: where it starts and ends in the text, the text, and its terminal's name."""

    start: int
    end: int
    text: str
    kind: str


class Refused(Exception):
    """The text is not in the language: where the loop stopped, for :func:`lark_error` to say why.

    ``states``: the parser's state stack then; ``kind``: the terminal of the token it could not take
    (``"$END"`` at the end), ``None`` when no terminal of the state matches at ``start``.
    """

    def __init__(self, states: list[int], kind: str | None, start: int, end: int) -> None:
        super().__init__(kind, start)
        self.states, self.kind, self.start, self.end = states, kind, start, end


@record
class Rule:
    """How a reduce by one grammar rule builds its value from the values of its ``size`` symbols.

    ``include``: (index, splice, placeholders before it) for each child kept, as lark shapes trees
    (anonymous tokens dropped, ``_rule`` children spliced in, ``None`` where an ``[optional]`` is absent),
    and ``trailing`` placeholders after them; ``pick``: the indices kept, when that is all there is to it;
    ``expand_single``: a ``?rule``, whose one child is its value; ``unit``: such a rule of one symbol (the
    value stays, only the state changes); ``single``: a rule of one symbol with a method (``atom: WORD ->
    word``), built in place on the stacks; ``build``: the builder's method named after the rule (or its
    alias), ``None`` for the lists that parents read (``args``, ``items`` ...).
    """

    origin: str
    size: int
    include: tuple[tuple[int, bool, int], ...]
    trailing: int
    pick: tuple[int, ...] | None
    expand_single: bool
    unit: bool
    single: bool
    build: Callable[..., Any] | None


class StateLexer(NamedTuple):
    """The terminals acceptable in one parser state as one compiled alternation (lark's order); a tuple,
    unpacked into the parse loop's locals after each shift."""

    match: Callable[..., Any]
    ignore: frozenset[str]
    keywords: dict[str, Callable[[str], str | None]]  # WORD -> DEF when the word is "def" (lark's "unless")


@record
class Tables:
    """The parse table (state -> terminal or rule name -> action: ``>= 0`` shift/goto, ``< 0`` reduce by
    rule ``~action``), the rules, and the lexer of each state."""

    actions: dict[int, dict[str, int]]
    rules: tuple[Rule, ...]
    lexers: dict[int, StateLexer]
    start_state: int
    end_state: int
    silent: frozenset[str]  # terminals that every rule drops from its children ("(", "+", ",")
    blank: Callable[..., Any]  # the ignored terminal of blanks (WS_INLINE), matched on its own
    blank_first: frozenset[str]  # characters it starts with: no other terminal does (tests/test_parser.py)


def _shape(rule: Any, methods: dict[str, Callable[..., Any]]) -> Rule:
    """lark's tree shaping of one rule (``maybe_create_child_filter`` in lark's parse_tree_builder)."""
    expansion = rule.expansion
    flags = rule.options.empty_indices
    if flags:  # one flag per symbol of the full rule, True where an [optional] symbol is absent
        counts = [len(ones) for ones in "".join("1" if f else "0" for f in flags).split("0")]
    else:
        counts = [0] * (len(expansion) + 1)
    include, pending = [], 0
    for k, symbol in enumerate(expansion):
        pending += counts[k]
        if not (symbol.is_term and symbol.filter_out):
            include.append((k, not symbol.is_term and symbol.name.startswith("_"), pending))
            pending = 0
    pending += counts[len(expansion)]
    name = rule.alias or rule.options.template_source or rule.origin.name
    expand_single = bool(rule.options.expand1 and not rule.alias)
    simple = not pending and not any(splice or before for _, splice, before in include)
    pick = tuple(k for k, _, _ in include) if simple else None
    unit = expand_single and pick is not None and len(pick) == 1 and len(expansion) == 1
    build = methods.get(name)
    single = not expand_single and pick == (0,) and len(expansion) == 1 and build is not None
    return Rule(rule.origin.name, len(expansion), tuple(include), pending, pick, expand_single, unit, single, build)


def _state_lexer(lexer: Any) -> StateLexer:
    scanner = lexer.scanner  # built by lark: its terminals in lark's order, with "def"-like strings folded
    pattern = "|".join(f"(?P<{t.name}>{t.pattern.to_regexp()})" for t in scanner.terminals)
    keywords = {name: callback.scanner.fullmatch for name, callback in lexer.callback.items()}
    return StateLexer(lexer.re.compile(pattern, lexer.g_regex_flags).match, frozenset(lexer.ignore_types), keywords)


class _Lexers(dict):
    """State -> its :class:`StateLexer`, made when a parse first reaches the state (states sharing lark's
    lexer share it): compiling every state's alternation up front, with lark's scanners behind them, was
    most of a new process's first compile; a small program reaches a few of them (#14, start-up)."""

    def __init__(self, lark_lexers: dict[int, Any]) -> None:
        super().__init__()
        self._lark = lark_lexers
        self._made: dict[int, StateLexer] = {}

    def __missing__(self, state: int) -> StateLexer:
        lexer = self._lark[state]
        made = self._made.get(id(lexer))
        if made is None:
            made = self._made[id(lexer)] = _state_lexer(lexer)
        self[state] = made  # found by the parse loop's plain lookup from now on
        return made


@functools.cache
def tables() -> Tables:
    """The tables of the process's parser (see :func:`.tables.runtime`), read once."""
    from .builder import Builder

    front = runtime().parser.parser  # lark's ParsingFrontend: the LALR parser and the contextual lexer
    table = front.parser.parser.parse_table
    contextual = front.lexer.lexer  # inside the connector to the post-lexer
    methods = {name: value for name, value in vars(Builder).items() if not name.startswith("_") and callable(value)}
    rule_ids: dict[Any, int] = {}
    rules: list[Rule] = []
    actions: dict[int, dict[str, int]] = {}
    for state, row in table.states.items():
        encoded = actions[state] = {}
        for symbol, (action, arg) in row.items():
            if str(action) in ("Shift", "0"):  # lark's Shift action; the stand-alone module's is 0
                encoded[symbol] = arg
                continue
            if arg not in rule_ids:
                rule_ids[arg] = len(rules)
                rules.append(_shape(arg, methods))
            encoded[symbol] = ~rule_ids[arg]
    lexers = _Lexers(contextual.lexers)
    symbols = [symbol for rule in runtime().parser.rules for symbol in rule.expansion if symbol.is_term]
    silent = frozenset(s.name for s in symbols) - {s.name for s in symbols if not s.filter_out}
    return Tables(actions, tuple(rules), lexers, table.start_states["start"], table.end_states["start"], silent,
                  *_blank(contextual.root_lexer))


def _blank(lexer: Any) -> tuple[Callable[..., Any], frozenset[str]]:
    """The ignored terminal that reads a space, and the (ASCII) characters it can start with.

    Every state's lexer ignores it, and no other terminal can start with those characters, so where one
    is next, lark's lexer would read a run of it whatever the state: the loop skips the run at once
    instead of asking the state's alternation (a tenth of the time of a product written ``s s s …``).
    """
    blanks = [t for t in lexer.terminals if t.name in lexer.ignore_types and lexer.re.fullmatch(t.pattern.to_regexp(), " ")]
    if len(blanks) != 1:  # pragma: no cover - a grammar with no such terminal (or two): nothing skipped
        return (lambda text, pos: None), frozenset()
    pattern = lexer.re.compile(blanks[0].pattern.to_regexp(), lexer.g_regex_flags)
    return pattern.match, frozenset(c for c in map(chr, range(128)) if pattern.fullmatch(c))


def _children(rule: Rule, raw: list) -> list:
    """The values a rule's method receives, from the values of all its symbols (see :class:`Rule`)."""
    kept: list = []
    for index, splice, placeholders in rule.include:
        if placeholders:
            kept += [None] * placeholders
        if splice:
            if kept:
                kept += raw[index]
            else:  # a list rule's own earlier items: extended in place, not copied (linear, as lark does)
                kept = raw[index]
        else:
            kept.append(raw[index])
    if rule.trailing:
        kept += [None] * rule.trailing
    return kept


def parse(text: str, builder: Any) -> Any:
    """Lex, parse and build ``text`` with ``builder`` (``None``: only check it is in the language).

    Raises :class:`Refused` where lark would raise, and whatever a builder method raises.
    """
    t = tables()
    actions, rules, lexers, end_state, silent = t.actions, t.rules, t.lexers, t.end_state, t.silent
    blank, blank_first = t.blank, t.blank_first
    states: list[int] = [t.start_state]
    values: list = []
    spans: list = []  # (start, end) of each value (a token is its own), None for an empty rule's
    newlines, watch, previous = NewlineRule(), NewlineRule.WATCH, None
    make = tuple.__new__  # Token(...) without NamedTuple's keyword-argument handling: a third of the cost
    match, ignore, keywords = lexers[t.start_state]  # the lexer changes with the state, so after each shift
    pos, size = 0, len(text)
    while True:
        if pos < size and text[pos] in blank_first:  # exactly what the state's lexer would read and ignore
            pos = blank(text, pos).end()
        if pos < size:
            found = match(text, pos)
            if found is None:
                raise Refused(states, None, pos, pos)
            kind, end = found.lastgroup, found.end()
            if kind in ignore or (kind in watch and not newlines.keep(kind, pos, previous)):
                pos = end
                continue
            if kind in keywords:
                kind = keywords[kind](text[pos:end]) or kind
            # a token no rule keeps ("(", "+", ","): only its place matters (the span of its rule's node)
            token = (pos, end) if kind in silent else make(Token, (pos, end, text[pos:end], kind))
            previous, pos = kind, end
        else:
            token, kind = None, "$END"
        state = states[-1]
        while True:  # reduce until the token can be shifted
            action = actions[state].get(kind)
            if action is None:
                raise Refused(states, kind, *(token[:2] if token else (0, 0)))
            if action >= 0:
                states.append(action)
                values.append(token)
                spans.append(token)
                match, ignore, keywords = lexers[action]
                break
            rule = rules[~action]
            if rule.unit:  # the value stays: only the state changes
                state = states[-1] = actions[states[-2]][rule.origin]
            elif rule.single and builder is not None:  # one child, built in place (its span is the child's)
                values[-1] = rule.build(builder, spans[-1], values[-1])
                state = states[-1] = actions[states[-2]][rule.origin]
            else:
                _reduce(rule, states, values, spans, builder)
                state = actions[states[-1]][rule.origin]
                states.append(state)
            if token is None and state == end_state:
                return values[-1]


def _reduce(rule: Rule, states: list, values: list, spans: list, builder: Any) -> None:
    """Replace the rule's symbols on the stacks by its value."""
    n = rule.size
    if n:
        raw = values[-n:]
        first, last = spans[-n], spans[-1]
        if first is not None and last is not None:
            span = (first[0], last[1])
        else:  # an empty rule among the children: lark skips it too
            found = [s for s in spans[-n:] if s is not None]
            span = (found[0][0], found[-1][1]) if found else None
        del states[-n:], values[-n:], spans[-n:]
    else:
        raw, span = [], None
    spans.append(span)
    if builder is None:
        values.append(None)
        return
    pick = rule.pick
    kept = _children(rule, raw) if pick is None else raw if len(pick) == n else [raw[k] for k in pick]
    if rule.build is None or (rule.expand_single and len(kept) == 1):
        values.append(kept[0] if rule.expand_single and len(kept) == 1 else kept)
    else:
        values.append(rule.build(builder, span, *kept))


def lark_error(text: str, refused: Refused) -> Exception | None:
    """The exception lark's parser raises for ``text``, made from the state where the loop stopped: lark's
    contextual lexer run at that place, or lark's parser fed that token, on the same state stack (both
    reach it the same way), with the interactive parser lark attaches (its ``accepts``).

    ``None`` when the runtime is lark itself (no cached module; its classes live in submodules): then the
    text is parsed again by lark. That also works, at the cost of a second whole parse of a long text.
    """
    lark = runtime().lark
    names = ("InteractiveParser", "ParserState", "ParseConf", "LexerState", "LexerThread", "TextSlice", "Token")
    if not all(hasattr(lark, name) for name in names):
        return None
    front = runtime().parser.parser
    states = refused.states
    state = lark.ParserState(lark.ParseConf(front.parser.parser.parse_table, {}, "start"), None, list(states),
                             [None] * (len(states) - 1))
    try:
        if refused.kind is None:
            at = lark.LexerState(lark.TextSlice(text, 0, len(text)))
            at.line_ctr.char_pos = refused.start  # offsets are all the message reads
            next(front.lexer.lexer.lex(at, state))
        elif refused.kind == "$END":
            state.feed_token(lark.Token("$END", "", 0, 1, 1), True)
        else:
            state.feed_token(lark.Token(refused.kind, text[refused.start : refused.end], refused.start))
    except lark.UnexpectedInput as exc:
        exc.interactive_parser = lark.InteractiveParser(front.parser.parser, state, lark.LexerThread(front.lexer, None))
        return exc
    except EOFError:  # pragma: no cover - lark's lexer ran off the end: let its own parse say it
        return None
    return None  # pragma: no cover - lark took what the loop refused: parsed again, which says so
