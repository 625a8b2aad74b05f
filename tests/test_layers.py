"""Layers only point down, and each third-party library stays in its layer (so a change of parser or
path search touches one place).

The internal order: foundation modules (source, errors, functions, dtypes, catalog, config, timing) -> syntax ->
semantics -> plan -> backends -> program (with the einsum drop-in) -> library -> session -> the package's
top (``einlang/__init__``: the public API, which wires the library in as the default functions) -> front
ends (the REPL, the CLI, the benchmarks, the notebook display: clients of the public API).
A module may import its own layer and the layers below, never one above. The scan reads every module's
imports, including those inside functions.
"""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "einlang"

# library -> the modules (paths relative to einlang/) allowed to import it
ALLOWED = {
    "lark": ("syntax/",),
    "opt_einsum": ("plan/", "bench.py"),  # bench.py measures einlang against opt_einsum
    "IPython": ("notebook.py",),
    "prompt_toolkit": ("repl/",),
    "pygments": ("highlight.py", "repl/"),
    "matplotlib": ("bench_cli.py",),
    "PIL": ("images.py",),
    "sympy": ("symbolic.py",),  # symbolic entries: the optional extra, imported only when a symbol is met
    # array libraries: recognised and called in one module; the benchmark measures against them
    "torch": ("backends/arrays.py", "bench_arrays.py"),
    "jax": ("backends/arrays.py", "bench_arrays.py"),
    "dask": ("backends/arrays.py", "bench_arrays.py"),
    "distributed": ("bench_arrays.py",),
    "cupy": ("backends/arrays.py",),
}
# every stage uses these: no third-party imports at all
STANDALONE = ("source.py", "errors.py", "derivative_errors.py", "records.py")


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split(".")[0])
    return roots


MODULES = sorted(PACKAGE.rglob("*.py"))

# bottom to top: a module may import from its own layer and those before it
LAYERS = (
    # dtypes.py: the value rule, read by the checker (semantics) and every backend
    # records.py: how the syntax tree's and the checked program's node classes are made
    ("foundation", ("records.py", "collector.py", "source.py", "errors.py", "derivative_errors.py", "symbolic.py",
                    "functions.py", "dtypes.py",
                    "catalog.py", "config.py", "clock.py", "timing.py")),
    ("syntax", ("syntax/", "latex.py")),  # latex.py: a second printer of the syntax tree
    ("semantics", ("semantics/",)),
    ("plan", ("plan/",)),
    ("backends", ("backends/",)),
    ("program", ("program.py", "caches.py", "int_bounds.py", "calls.py", "einsum_compat.py", "einsum_parse.py",
                 "einsum_keywords.py", "einsum_text.py", "display.py", "dispatch.py", "derivatives.py")),
    ("library", ("library/", "images.py")),
    ("session", ("session.py",)),
    ("package", ("__init__.py",)),  # the public API; it wires the library in as the default functions
    ("front ends", ("repl.py", "repl/", "cli.py", "bench_cli.py", "bench.py", "bench_startup.py", "bench_arrays.py",
                    "bench_reductions.py", "demo.py", "highlight.py", "notebook.py", "__main__.py", "docs_cli.py")),
)


def layer_of(relative: str) -> int:
    for rank, (_, members) in enumerate(LAYERS):
        if any(relative == m or (m.endswith("/") and relative.startswith(m)) for m in members):
            return rank
    raise AssertionError(f"{relative} is in no layer: add it to LAYERS in tests/test_layers.py")


def resolve(parts: list[str], package: Path = PACKAGE) -> str:
    """``["backends", "Runner"]`` (from ``from . import Runner`` in backends/) -> ``"backends/__init__.py"``."""
    for k in range(len(parts), 0, -1):
        candidate = package.joinpath(*parts[:k])
        if candidate.with_suffix(".py").is_file():
            return candidate.with_suffix(".py").relative_to(package).as_posix()
        if candidate.is_dir():
            return (candidate / "__init__.py").relative_to(package).as_posix()
    return "__init__.py"  # ``from . import x`` at the top: the package itself


def internal_imports(path: Path, package: Path = PACKAGE) -> set[str]:
    """The einlang modules ``path`` imports (as paths relative to the package), wherever the import sits."""
    folder = path.relative_to(package).parent.parts
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = list(folder[: len(folder) - (node.level - 1)])
            module = base + (node.module.split(".") if node.module else [])
            names = [[]] if node.module else [[alias.name] for alias in node.names]
            found.update(resolve(module + name, package) for name in names)
        else:
            modules = [node.module] if isinstance(node, ast.ImportFrom) and node.module else [
                alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            found.update(resolve(m.split(".")[1:], package) for m in modules if m.split(".")[0] == "einlang")
    return found


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_imports_only_point_down(path):
    relative = path.relative_to(PACKAGE).as_posix()
    rank = layer_of(relative)
    for target in internal_imports(path):
        assert layer_of(target) <= rank, (
            f"{relative} ({LAYERS[rank][0]}) imports {target} ({LAYERS[layer_of(target)][0]}), a layer above it"
        )


def test_the_layer_scan_resolves_relative_and_late_imports(tmp_path):
    (tmp_path / "backends").mkdir()
    (tmp_path / "backends" / "__init__.py").write_text("", encoding="utf-8")
    (tmp_path / "config.py").write_text("", encoding="utf-8")
    (tmp_path / "session.py").write_text("", encoding="utf-8")
    module = tmp_path / "backends" / "naive.py"
    module.write_text("from . import Runner\nfrom ..config import x\n\n\ndef late():\n"
                      "    import einlang.config\n    from .. import session\n", encoding="utf-8")
    assert internal_imports(module, tmp_path) == {"backends/__init__.py", "config.py", "session.py"}


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(PACKAGE)))
def test_third_party_libraries_stay_in_their_layer(path):
    relative = path.relative_to(PACKAGE).as_posix()
    for library in imported_roots(path) & set(ALLOWED):
        assert relative.startswith(ALLOWED[library]), f"{relative} imports {library}; only {ALLOWED[library]} may"


@pytest.mark.parametrize("name", STANDALONE)
def test_foundation_modules_import_only_the_standard_library(name):
    import sys

    roots = imported_roots(PACKAGE / name) - {"__future__"}
    assert all(root in sys.stdlib_module_names for root in roots), roots


def test_the_scan_sees_imports_inside_functions(tmp_path):
    module = tmp_path / "module.py"
    module.write_text("import os\nfrom . import sibling\n\n\ndef late():\n    from lark.lexer import Token\n"
                      "    import opt_einsum as oe\n", encoding="utf-8")
    assert imported_roots(module) == {"os", "lark", "opt_einsum"}  # relative imports are the package's own
