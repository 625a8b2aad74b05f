"""``einlang docs``: the documentation, wherever einlang is installed.

* In a checkout with the ``docs`` extra installed, ``einlang docs`` serves the site with ``mkdocs serve``
  (live, on http://127.0.0.1:8000/en/latest/).
* Else, when a built site is there (``mkdocs build`` writes ``site/``), it opens it in the browser.
* Else it prints where the documentation is: the site's URL and the pages shipped inside the package.

``einlang docs PAGE`` prints one page (``errors``, ``library``, ``tutorial``, …) as Markdown in the
terminal, from the copy shipped in the wheel; ``einlang docs --where`` prints the places without
starting anything.

>>> SITE_URL
'https://einlang.readthedocs.io/en/latest/'
>>> "library" in page_names() and "errors" in page_names()
True
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    import argparse
    from pathlib import Path

# The REPL's help and `einlang -h` read SITE_URL: this module is imported on every start, so pathlib,
# importlib.resources, subprocess and webbrowser (tens of ms together) are imported where they are used.
SITE_URL = "https://einlang.readthedocs.io/en/latest/"  # also project.urls' Documentation and mkdocs.yml's site_url
GENERATED = ("library",)  # pages the site makes from the code, not files in docs/


def checkout() -> Path:
    """The repository, when einlang runs from a checkout."""
    from pathlib import Path

    return Path(__file__).resolve().parents[1]


def pages_folder() -> Path | None:
    """The Markdown pages: shipped in the wheel as ``einlang/docs``, else a checkout's ``docs/``."""
    from importlib import resources
    from pathlib import Path

    packaged = resources.files("einlang").joinpath("docs")
    if packaged.is_dir():
        return Path(str(packaged))
    in_checkout = checkout() / "docs"
    return in_checkout if (in_checkout / "index.md").is_file() else None


def page_names() -> tuple[str, ...]:
    folder = pages_folder()
    on_disk = [p.stem for p in folder.glob("*.md")] if folder is not None else []
    return tuple(sorted(set(on_disk) | set(GENERATED)))


def page_text(name: str) -> str | None:
    """One page's Markdown (``library`` is generated from the library itself), or None."""
    name = name.removesuffix(".md")
    if name == "library":
        from .library.reference import markdown

        return markdown()
    folder = pages_folder()
    path = folder / f"{name}.md" if folder is not None else None
    return path.read_text(encoding="utf-8") if path is not None and path.is_file() else None


def _can_serve() -> bool:
    from importlib.util import find_spec

    return (checkout() / "mkdocs.yml").is_file() and find_spec("mkdocs") is not None and find_spec("material") is not None


def where(out: TextIO) -> None:
    print(f"online:  {SITE_URL}", file=out)
    folder = pages_folder()
    if folder is not None:
        print(f"pages:   {folder}  (einlang docs PAGE prints one: {', '.join(page_names())})", file=out)
    built = checkout() / "site" / "index.html"
    if built.is_file():
        print(f"built:   {built}", file=out)
    if _can_serve():
        print(f"serve:   einlang docs --serve  (mkdocs serve -f {checkout() / 'mkdocs.yml'})", file=out)
    elif (checkout() / "mkdocs.yml").is_file():
        print("serve:   pip install -e '.[docs]' first, then einlang docs --serve", file=out)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    parser = subparsers.add_parser(
        "docs",
        help="serve, open or show the documentation",
        description=f"Serve the docs site locally (mkdocs serve, in a checkout with the docs extra), open a built "
        f"site, or print where the documentation is. Online: {SITE_URL}",
    )
    parser.add_argument("page", nargs="?", metavar="PAGE", help="print this page as Markdown (e.g. errors, library, tutorial)")
    parser.add_argument("--where", action="store_true", help="print where the documentation is, and exit")
    parser.add_argument("--serve", action="store_true", help="serve the site with mkdocs (the default when possible)")
    parser.add_argument("--port", type=int, default=8000, help="port for --serve (default 8000)")
    return parser


def run(args: argparse.Namespace, out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """Returns the exit code: 0, or 2 for a page or a request that cannot be met."""
    if args.page is not None:
        text = page_text(args.page)
        if text is None:
            print(f"einlang docs: no page {args.page!r}; the pages are {', '.join(page_names())}", file=err)
            return 2
        print(text, end="", file=out)
        return 0
    if args.where:
        where(out)
        return 0
    if args.serve or _can_serve():
        if not _can_serve():
            print("einlang docs --serve needs a checkout and the docs extra: pip install -e '.[docs]'", file=err)
            where(err)
            return 2
        import subprocess
        from urllib.parse import urlsplit

        address = f"127.0.0.1:{args.port}"
        # mkdocs serves under site_url's path (/en/latest/)
        print(f"serving the docs on http://{address}{urlsplit(SITE_URL).path} (Ctrl-C stops)", file=out, flush=True)
        command = [sys.executable, "-m", "mkdocs", "serve", "-f", str(checkout() / "mkdocs.yml"), "-a", address]
        return subprocess.run(command, check=False).returncode
    import webbrowser

    built = checkout() / "site" / "index.html"
    if built.is_file() and webbrowser.open(built.as_uri()):
        print(f"opened {built}", file=out)
        return 0
    where(out)
    return 0
