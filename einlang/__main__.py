"""``python -m einlang``: the same as the ``einlang`` command."""

from .cli import main

raise SystemExit(main())
