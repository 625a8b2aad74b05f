"""The ``einlang`` command: the REPL, ``run FILE.ein``, ``-c STATEMENTS``, ``demo``, ``bench`` and ``docs``.

Exit codes: 0 on success, 1 on an einlang error (rendered on stderr), 2 on bad arguments
(argparse's convention; also a script file that cannot be read, or ``bench --plot`` without
matplotlib), 130 when interrupted with Ctrl-C.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

from . import __version__
from . import errors as E
from .backends import available_backends

if TYPE_CHECKING:
    import argparse

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def build_parser() -> argparse.ArgumentParser:
    import argparse

    from . import bench_cli, docs_cli

    parser = argparse.ArgumentParser(
        prog="einlang",
        description="Einstein-summation expressions: checked, planned, evaluated. "
        "With no arguments: the interactive REPL (statements are read from stdin when it is not a terminal).",
        epilog=f"exit codes: 0 success, 1 einlang error, 2 bad arguments. "
        f"Docs: {docs_cli.SITE_URL} (or `einlang docs` to serve, open or show them locally)",
    )
    parser.add_argument("-c", metavar="STATEMENTS", dest="statements", help="run STATEMENTS; print the value of each expression")
    parser.add_argument("--backend", choices=available_backends(), help="the backend to evaluate on (default: opt)")
    parser.add_argument("--sandbox", action="store_true", default=False,
                        help="for untrusted statements: no files (load, save, :load, :save), no option changes, lower limits")
    parser.add_argument("--version", action="version", version=f"einlang {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    run = commands.add_parser("run", help="run a script (.ein) and print the value of each bare expression")
    run.add_argument("file", metavar="FILE.ein")
    # also accepted after the file name: `einlang run prog.ein --backend naive`
    run.add_argument("--backend", choices=available_backends(), default=argparse.SUPPRESS, help="the backend to evaluate on")
    run.add_argument("--sandbox", action="store_true", default=argparse.SUPPRESS, help="run an untrusted script (see einlang -h)")
    demo = commands.add_parser("demo", help="a guided tour on built-in data (writes before/after PNGs of an image transform)")
    demo.add_argument("--out", metavar="DIR", default="einlang-demo", help="folder for the PNG files (default: ./einlang-demo)")
    demo.add_argument("--quick", action="store_true", help=argparse.SUPPRESS)  # smaller comparison, for tests
    bench_cli.add_parser(commands)
    docs_cli.add_parser(commands)
    return parser


def run_statements(text: str, name: str, backend: str | None, sandbox: bool = False) -> int:
    """Run a script; print bare expressions' values on stdout, the first error on stderr (one message,
    never a traceback)."""
    from .repl import CommandError, Repl, ReplSession

    try:
        repl = Repl(ReplSession(backend, sandbox=sandbox), out=sys.stdout, err=sys.stderr, show_assignments=False)
    except E.EinlangError as err:
        print(str(err), file=sys.stderr)
        return EXIT_ERROR
    # stop at the first error: later statements usually depend on the failed one
    try:
        repl.run_script(text, name)
    except (E.EinlangError, CommandError) as err:
        repl.error(err)
        return EXIT_ERROR
    return EXIT_OK


def _common_start(argv: Sequence[str]) -> SimpleNamespace | None:
    """The arguments of the two commonest starts, ``einlang`` (the REPL) and ``einlang -c STATEMENTS``, read
    without building the argument parser: argparse and the bench and docs commands' modules cost as much
    as running a small statement (#14). Anything else (options, commands, ``-c`` text that looks like an
    option, which argparse refuses) goes through the parser."""
    argv = list(argv)
    if argv and not (len(argv) == 2 and argv[0] == "-c" and not argv[1].startswith("-")):
        return None
    return SimpleNamespace(statements=argv[1] if argv else None, command=None, backend=None, sandbox=False)


def main(argv: Sequence[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    args: argparse.Namespace | SimpleNamespace | None = _common_start(argv)
    if args is None:
        parser = build_parser()
        args = parser.parse_args(argv)
    try:
        if args.statements is not None:
            if args.command is not None:
                build_parser().error("give either -c STATEMENTS or a command, not both")
            return run_statements(args.statements, "<command line>", args.backend, args.sandbox)
        if args.command is None:
            from .repl import main as repl_main

            return repl_main(args.backend)
        if args.command == "run":
            from pathlib import Path  # here, not at the top: `einlang -c` and the REPL start without it

            try:
                text = Path(args.file).read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                print(f"einlang run: cannot read {args.file}: {getattr(exc, 'strerror', None) or exc}", file=sys.stderr)
                return EXIT_USAGE
            return run_statements(text, args.file, args.backend, args.sandbox)
        if args.command == "demo":
            from pathlib import Path

            from .demo import run_demo

            return run_demo(Path(args.out), quick=args.quick)
        if args.command == "docs":
            from . import docs_cli

            return docs_cli.run(args)
        if args.command == "bench":
            from . import bench_cli

            try:
                return bench_cli.run(args)
            except E.EinlangError as err:
                print(str(err), file=sys.stderr)
                return EXIT_ERROR
    except KeyboardInterrupt:
        print("\ninterrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    build_parser().error(f"unknown command {args.command}")  # pragma: no cover - argparse rejects it first


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
