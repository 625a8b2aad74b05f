"""The docs site (mkdocs.yml): its generated pages cover the code, every page is in the navigation, and
(with the ``docs`` extra installed) the whole site builds in strict mode, so a broken link fails here
as it does in CI.
"""

from __future__ import annotations

import importlib.util
import inspect
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

import einlang
import einlang.library as lib
from einlang.library import reference
from einlang.semantics.callables import EinFunction

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"


def _hooks():
    spec = importlib.util.spec_from_file_location("mkdocs_hooks", ROOT / "mkdocs_hooks.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_library_page_has_an_entry_for_every_library_function():
    page = reference.markdown()
    headings = re.findall(r"^### `(\w+)`$", page, re.M)
    assert sorted(headings) == sorted(lib.names())
    for name in lib.names():
        function = lib.registry()[name]
        assert function.description in page, name
        assert f"[`{name}`](#{name})" in page, f"{name} is missing from its section's table"
        if isinstance(function, EinFunction):  # the definition itself, as written in the .ein file
            assert f"def {reference.signature(name)}\n" in page, name


def test_library_page_carries_the_python_docstrings():
    page = reference.markdown()
    for name, python in lib._PYTHON_API.items():
        first_line = inspect.cleandoc(python.__doc__ or "").splitlines()[0]
        assert f"`einlang.library.{name}{inspect.signature(python)}` returns {first_line}" in page


def test_api_page_has_a_section_for_every_public_name():
    page = _hooks().api_markdown()
    headings = re.findall(r"^## `einlang\.([\w.]+)`$", page, re.M)
    more = [f"{module.removeprefix('einlang.')}.{name}" for module, names in _hooks().MORE for name in names]
    assert headings == list(einlang.__all__) + more
    assert inspect.cleandoc(einlang.Session.run.__doc__).splitlines()[0] in page
    assert ":class:" not in page and "```python\n>>> " in page  # roles rewritten, doctests fenced


def test_every_page_is_in_the_navigation():
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    nav = re.findall(r"^  - [^:\n]+: (\S+)$", config, re.M) + re.findall(r"^      - (\S+)$", config, re.M)
    on_disk = sorted(p.relative_to(DOCS).as_posix() for p in [*DOCS.rglob("*.md"), *DOCS.rglob("*.ipynb")])
    generated = ["api.md", "library.md"]
    assert sorted(nav) == sorted(on_disk + generated)
    assert not set(generated) & set(on_disk), "a generated page must not also be a file in docs/"


@pytest.mark.slow  # a subprocess
def test_site_builds_in_strict_mode(tmp_path):
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"}, timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    library = (tmp_path / "library" / "index.html").read_text(encoding="utf-8")
    assert 'id="pagerank"' in library and 'id="dot"' in library
    assert (tmp_path / "api" / "index.html").exists()
    notebook = (tmp_path / "notebooks" / "03-matrices-and-transforms" / "index.html").read_text(encoding="utf-8")
    assert "data:image/png;base64," in notebook  # the stored outputs are shown, pictures included


def _site_url() -> str:
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    match = re.search(r"^site_url: (\S+)$", config, re.M)
    assert match is not None
    return match.group(1)


def test_readme_links_are_absolute_and_reach_site_pages():
    """The README is also the package's PyPI page, where a relative link leads nowhere."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)]+)\)", readme)
    assert links and all(link.startswith("https://") for link in links), links
    site = _site_url()
    for link in links:
        if link.startswith(site):
            page = link.removeprefix(site).strip("/") or "index"
            assert any((DOCS / f"{page}{suffix}").exists() for suffix in (".md", ".ipynb")) or page in ("api", "library"), link
    assert f"**{site}**" in readme
    assert "pip install -e '.[docs]' && mkdocs build --strict" in readme
    assert "pip install -e '.[docs]' && NO_MKDOCS_2_WARNING=1 mkdocs build --strict" in (ROOT / ".ci" / "run").read_text()


def test_project_urls_name_the_site():
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")  # (tomllib is Python 3.11+)
    assert f'\n[project.urls]\nDocumentation = "{_site_url()}"\n' in pyproject


# -- einlang docs ---------------------------------------------------------------------------------


def _einlang(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "einlang", *args], capture_output=True, text=True, timeout=120, cwd=ROOT)


@pytest.mark.slow  # a subprocess
def test_help_points_to_the_site_and_to_einlang_docs():
    from einlang.docs_cli import SITE_URL

    assert SITE_URL == _site_url()
    shown = " ".join(_einlang("--help").stdout.split())  # argparse wraps the epilog
    assert f"Docs: {SITE_URL}" in shown and "`einlang docs`" in shown
    assert "serve, open or show the documentation" in shown


@pytest.mark.slow  # a subprocess
def test_einlang_docs_prints_a_page_and_says_where_the_rest_are():
    errors = _einlang("docs", "errors")
    assert errors.returncode == 0 and errors.stdout == (DOCS / "errors.md").read_text(encoding="utf-8")
    library = _einlang("docs", "library.md")
    assert library.returncode == 0 and library.stdout == reference.markdown()
    unknown = _einlang("docs", "erorrs")
    assert unknown.returncode == 2 and "no page 'erorrs'; the pages are backends, errors," in unknown.stderr
    where = _einlang("docs", "--where").stdout
    assert f"online:  {_site_url()}" in where and f"pages:   {DOCS}" in where


def test_the_wheel_ships_the_pages():
    """``einlang docs PAGE`` reads ``einlang/docs`` in an installed copy: the wheel maps docs/ there."""
    pyproject = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    force_include = pyproject.split("[tool.hatch.build.targets.wheel.force-include]", 1)[1].split("\n[", 1)[0]
    assert '\n"docs" = "einlang/docs"\n' in force_include


@pytest.mark.slow  # a subprocess
def test_einlang_docs_serves_the_site(tmp_path):
    """A real ``mkdocs serve`` on a free loopback port, asked for the generated library page."""
    pytest.importorskip("mkdocs")
    pytest.importorskip("material")
    import socket
    import time
    import urllib.request

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "-m", "einlang", "docs", "--serve", "--port", str(port)], cwd=tmp_path,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},
                              start_new_session=True)  # its own process group: mkdocs is stopped with it
    base = f"http://127.0.0.1:{port}/en/latest/"
    try:
        deadline, page = time.monotonic() + 120, None
        while page is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"{base}library/", timeout=5) as answer:
                    page = answer.read().decode("utf-8")
            except OSError:
                time.sleep(0.5)
        assert page is not None, f"mkdocs serve did not answer (exit {server.poll()})"
        assert 'id="pagerank"' in page
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        output = server.communicate(timeout=30)[0].decode("utf-8", "replace")
    assert f"serving the docs on {base} (Ctrl-C stops)" in output


def test_repl_help_points_to_the_site_and_to_einlang_docs():
    from einlang.repl.help import help_text

    for topic in ("", "docs"):
        assert f"Docs: {_site_url()}" in help_text(topic) and "`einlang docs`" in help_text(topic)
