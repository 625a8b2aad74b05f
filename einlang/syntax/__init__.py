"""Text to syntax tree: the grammar, the parser and the printer. lark is used here only."""

from .parser import build_parser, parse

__all__ = ["build_parser", "parse"]
