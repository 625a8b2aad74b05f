"""Start-up: the parser tables come from a per-user cache that always matches the grammar, and
``import einlang`` leaves out what parsing and running a program do not need."""

from __future__ import annotations

import os
import subprocess
import sys

import lark
import pytest

from einlang import bench_startup
from einlang.syntax import grammar, tables

CORPUS = [
    "A_ij B_jk C_kl v_l",
    "C_ki = A_ij B_jk\nx_i x_i -> ",
    "def f(A, B)_ik = A_ij B_jk\nf(A, B)_{ik} `my_x`_k / (2 * alpha)",
    "[[1, -2.5], [3j, 4]]_ij y_j + delta_ij - sqrt(W_{in,out} x_{in,})",
]


@pytest.fixture
def cache_dir(tmp_path, monkeypatch):
    directory = tmp_path / "cache"
    monkeypatch.setenv("EINLANG_CACHE_DIR", str(directory))
    return directory


def _fresh() -> lark.Lark:
    return tables.build_parser.__wrapped__(False)  # past the once-per-process cache


def _same_parser(a: lark.Lark, b: lark.Lark) -> None:
    assert sorted(map(str, a.rules)) == sorted(map(str, b.rules))
    assert sorted((t.name, t.pattern.value) for t in a.terminals) == sorted((t.name, t.pattern.value) for t in b.terminals)
    for text in CORPUS:
        assert a.parse(text + "\n") == b.parse(text + "\n"), text


def test_cached_tables_match_the_grammar(cache_dir):
    first = _fresh()  # builds from the grammar and writes the cache
    files = list(cache_dir.iterdir())
    assert len(files) == 1 and files[0].name == f"parser-{tables.cache_key(grammar.grammar_text())}.lark"
    assert oct(files[0].stat().st_mode & 0o777) == oct(0o600) and oct(cache_dir.stat().st_mode & 0o777) == oct(0o700)
    loaded = _fresh()  # from the cache file
    _same_parser(loaded, first)
    _same_parser(loaded, tables.build_parser(strict=True))  # strict: straight from the grammar, checked


def test_the_cache_key_follows_the_grammar_and_lark():
    text = grammar.grammar_text()
    assert tables.cache_key(text) == tables.cache_key(text)
    assert tables.cache_key(text) != tables.cache_key(text + "\n// edited")


def test_a_corrupt_or_foreign_cache_file_is_never_trusted(cache_dir):
    _fresh()
    (path,) = cache_dir.iterdir()
    path.write_bytes(b"not a pickle at all\n")
    _same_parser(_fresh(), tables.build_parser(strict=True))  # lark checks the hash line: rebuilt
    path.chmod(0o666)  # writable by others: could have been planted
    assert tables.cache_file(grammar.grammar_text()) is None
    _same_parser(_fresh(), tables.build_parser(strict=True))


def test_no_usable_cache_directory_still_parses(tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    monkeypatch.setenv("EINLANG_CACHE_DIR", str(blocker / "cache"))  # cannot be created
    assert tables.cache_dir() is None
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o777)
    shared.chmod(0o777)  # world-writable (like /tmp): never read a pickle from it
    monkeypatch.setenv("EINLANG_CACHE_DIR", str(shared))
    assert tables.cache_dir() is None
    _same_parser(_fresh(), tables.build_parser(strict=True))


def test_a_read_only_cache_is_read_and_not_written(cache_dir, monkeypatch):
    _fresh()
    (path,) = cache_dir.iterdir()
    before = path.stat().st_mtime_ns

    real_open = lark.lark.FS.open

    def read_only(name, mode="r", **kwargs):
        if "w" in mode:
            raise PermissionError(f"read-only file system: {name}")
        return real_open(name, mode, **kwargs)

    monkeypatch.setattr(lark.lark.FS, "open", read_only)
    _same_parser(_fresh(), tables.build_parser(strict=True))  # loaded from the cache, nothing written
    assert path.stat().st_mtime_ns == before
    path.unlink()
    _same_parser(_fresh(), tables.build_parser(strict=True))  # built in memory; the failed write is harmless
    assert not path.exists()


def test_the_startup_benchmark_reports_ratios_against_the_targets():
    best = {"import numpy": 0.2, "numpy + opt_einsum one-liner": 0.25, "import einlang": 0.28,
            "first compile in a new process": 0.004, "einlang -c": 0.6, "REPL shows its prompt": 0.45}
    rows = bench_startup.rows(best)
    assert [(r.name, r.ok) for r in rows] == [("import einlang", True), ("first compile in a new process", True),
                                               ("einlang -c", False), ("REPL shows its prompt", True)]
    assert rows[0].ratio == pytest.approx(1.4)
    text = bench_startup.report(rows, best)
    assert "1.40×" in text and "2.40×" in text and "[MISS]" in text and "4 ms" in text


@pytest.mark.slow
def test_import_einlang_leaves_out_what_running_does_not_need():
    code = ("import sys, einlang; heavy = ['lark', 'einlang.einsum_compat', 'einlang.library', 'IPython', "
            "'prompt_toolkit', 'pygments', 'matplotlib', 'PIL']; print([m for m in heavy if m in sys.modules])")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env).stdout
    assert out.strip() == "[]"
    code = "import einlang; print(einlang.evaluate('A_ii', A=[[1, 2], [3, 4]]), einlang.einsum('ii', [[1, 0], [0, 2]]))"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == ["5", "3"]


@pytest.mark.slow
def test_the_library_loads_only_when_a_program_calls_a_function():
    code = ("import sys, einlang; s = einlang.Session(); s.execute('v = [1, 2]; v_i v_i'); "
            "print(einlang.evaluate('A_ij B_jk', A=[[1]], B=[[2]]).item(), 'einlang.library.linalg' in sys.modules); "
            "print(einlang.evaluate('dot(u, u)', u=[3, 4]), 'einlang.library.linalg' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["2", "False", "25", "True"]
