"""Each third-party library stays in its layer (so a change of parser or path search touches one place).

The scan reads every module's imports, including those inside functions.
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
    "prompt_toolkit": ("repl.py",),
    "pygments": ("highlight.py", "repl.py"),
    "matplotlib": ("bench_cli.py",),
}
STANDALONE = ("source.py", "errors.py")  # every stage uses these: no third-party imports at all


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
