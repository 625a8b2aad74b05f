"""The ``einlang`` command as a subprocess: run, -c, piped stdin, demo, bench, exit codes."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from einlang import library

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow  # every test here starts the command as a subprocess


def einlang(*args: str, stdin: str | None = None, cwd: Path | None = None, code: str | None = None):
    env = dict(os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-c", code, *args] if code else [sys.executable, "-m", "einlang", *args]
    return subprocess.run(
        command, input=stdin if stdin is not None else "", capture_output=True, text=True, env=env,
        cwd=str(cwd or ROOT), timeout=120,
    )


def test_c_prints_expressions_with_labels_and_shape():
    result = einlang("-c", "A = [[1, 2], [3, 4]]; x = [1, 1]\nA_ij x_j\nx_i x_i")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "result_i  (2)\n[3 7]\nresult  (scalar)\n2\n"
    assert result.stderr == ""


def test_c_with_a_backend_and_helpers():
    result = einlang("--backend", "naive", "-c", "I = eye(3)\nv = arange(3)\nI_ij v_j")
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == ["result_i  (3)", "[0 1 2]"]  # whole numbers print as integers


def test_c_einlang_error_exits_1_with_the_rendered_error_on_stderr():
    result = einlang("-c", "A = [[1, 2], [3, 4]]\nA_ij B_jk\nA_ii")
    assert result.returncode == 1
    assert result.stdout == ""  # stops at the first error: A_ii did not run
    assert result.stderr.startswith("error[E201] at <command line>:2:6: B is not defined")
    assert "  2 | A_ij B_jk\n    |      ^" in result.stderr


def test_run_a_script_prints_bare_expressions_only(tmp_path):
    script = tmp_path / "prog.ein"
    script.write_text("# a script\nu = [1, 2, 2]\nnorm(u)\ndef twice(v)_i = 2 v_i\nw = twice(u)\nw_i\n")
    result = einlang("run", str(script))
    assert result.returncode == 0, result.stderr
    assert result.stdout == "result  (scalar)\n3\nresult_i  (3)\n[2 4 4]\n"


def test_run_accepts_the_backend_after_the_file(tmp_path):
    script = tmp_path / "b.ein"
    script.write_text(":backend\nx = [1, 2]\nx_i x_i\n")
    result = einlang("run", str(script), "--backend", "naive")
    assert result.returncode == 0, result.stderr
    assert re.search(r"^\* naive ", result.stdout, re.M) and result.stdout.endswith("result  (scalar)\n5\n")


def test_run_reports_errors_at_the_script_line(tmp_path):
    script = tmp_path / "bad.ein"
    script.write_text("x = [1, 2, 3]\n\ny = [1, 2]\nx_i y_i\n")
    result = einlang("run", str(script))
    assert result.returncode == 1
    assert f"error[E401] at {script}:4:" in result.stderr and "index i is 3 in x" in result.stderr


def test_run_with_load_save_and_commands(tmp_path):
    np.save(tmp_path / "data.npy", np.array([[2.0, 0.0], [0.0, 3.0]]))
    script = tmp_path / "s.ein"
    script.write_text('D = load("data.npy")\nd_i = D_ii\nsave(d, "diag.csv")\n:plan D_ij D_jk\nd_i\n')
    result = einlang("run", str(script), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "naive FLOPs" in result.stdout and result.stdout.endswith("result_i  (2)\n[2 3]\n")
    np.testing.assert_array_equal(np.loadtxt(tmp_path / "diag.csv", delimiter=","), [2.0, 3.0])


def test_bad_arguments_exit_2(tmp_path):
    assert einlang("--no-such-flag").returncode == 2
    assert einlang("--backend", "fast", "-c", "1").returncode == 2
    missing = einlang("run", str(tmp_path / "missing.ein"))
    assert missing.returncode == 2 and "cannot read" in missing.stderr
    both = einlang("-c", "1", "demo")
    assert both.returncode == 2 and "not both" in both.stderr
    assert einlang("bench", "A_ij", "--sizes", "0,5").returncode == 2
    assert einlang("bench", "A_ij", "--backends", "fast").returncode == 2


def test_version():
    result = einlang("--version")
    assert result.returncode == 0 and re.fullmatch(r"einlang \d+\.\d+\.\d+\n", result.stdout)


def test_piped_stdin_runs_statements_and_commands():
    text = "x = [1, 2,\n  3]\nx_i x_i\n:vars\nnope_i\nx_i\n"
    result = einlang(stdin=text)
    assert result.returncode == 1  # one statement failed; the rest still ran
    assert "result  (scalar)\n14\n" in result.stdout
    assert re.search(r"^x\s+3\s+int64$", result.stdout, re.M)
    assert result.stdout.endswith("result_i  (3)\n[1 2 3]\n")
    assert "error[E201]" in result.stderr and "nope" in result.stderr


def test_piped_stdin_success_exits_0():
    result = einlang(stdin="v = arange(4)\nv_i v_i\n")
    assert result.returncode == 0 and result.stdout.endswith("result  (scalar)\n14\n")


def _read_png(path):
    """The bytes of a PNG file as Pillow decodes them (a reader independent of einlang's writer)."""
    Image = pytest.importorskip("PIL.Image")
    with Image.open(path) as picture:
        assert picture.format == "PNG"
        return np.asarray(picture)


def test_demo_writes_decodable_before_and_after_pngs(tmp_path):
    out = tmp_path / "tour"
    result = einlang("demo", "--out", str(out), "--quick")
    assert result.returncode == 0, result.stdout + result.stderr
    for section in ("Vectors and projections", "change of basis", "transform applied to an image",
                    "loops shown", "Naive loops vs an optimised plan", "PageRank"):
        assert section in result.stdout
    assert str(out / "before.png") in result.stdout
    assert "def einlang_program" in result.stdout and "speedup over naive" in result.stdout
    assert "pages from most to least important: C, D, A, F, B, E" in result.stdout
    before, after = _read_png(out / "before.png"), _read_png(out / "after.png")
    assert before.shape == after.shape == (256, 256, 3) and before.dtype == np.uint8
    assert len(np.unique(before.reshape(-1, 3), axis=0)) > 5  # a picture, not a flat colour
    assert np.mean(np.any(before != after, axis=-1)) > 0.2  # the rotation moved many pixels
    # the before image is the shipped sample, enlarged 4×
    sample = np.round(library.sample_image() * 255).astype(np.uint8)
    np.testing.assert_array_equal(before[::4, ::4], sample)


def test_bench_prints_a_table_of_every_backend():
    result = einlang("bench", "A_ij B_jk", "--sizes", "4,8")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].startswith("bench: A_ij B_jk")
    assert lines[1].split() == ["n", "naive", "numpy", "opt"]
    rows = [line.split() for line in lines[3:5]]
    assert [row[0] for row in rows] == ["4", "8"]
    assert all(re.fullmatch(r"[\d.]+", row[k]) for row in rows for k in (1, 3, 5))


def test_bench_einlang_error_exits_1():
    result = einlang("bench", "A_ij B_jk +", "--sizes", "3")
    assert result.returncode == 1 and result.stderr.startswith("error[E1")


def test_bench_plot_writes_a_decodable_png(tmp_path):
    pytest.importorskip("matplotlib")
    plot = tmp_path / "bench.png"
    result = einlang("bench", "x_i y_i", "--sizes", "10,100", "--plot", str(plot))
    assert result.returncode == 0, result.stderr
    assert f"plot written to {plot}" in result.stdout
    image = _read_png(plot)
    assert image.ndim == 3 and image.shape[0] > 100 and image.shape[1] > 100
    assert len(np.unique(image.reshape(-1, image.shape[2]), axis=0)) > 10  # axes, lines, text


def test_bench_plot_without_matplotlib_says_how_to_install(tmp_path):
    code = "import sys; sys.modules['matplotlib'] = None; from einlang.cli import main; sys.exit(main(sys.argv[1:]))"
    result = einlang("bench", "x_i y_i", "--sizes", "3", "--plot", str(tmp_path / "p.png"), code=code)
    assert result.returncode == 2
    assert "pip install 'einlang[plot]'" in result.stderr
    assert not (tmp_path / "p.png").exists() and result.stdout == ""
