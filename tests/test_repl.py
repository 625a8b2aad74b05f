"""The REPL: in-process (Repl on text streams) and through a real pseudo-terminal (pexpect)."""

from __future__ import annotations

import doctest
import io
import os
import re
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import einlang
from einlang import repl as repl_module
from einlang.highlight import EinlangLexer
from einlang.repl import ProgressBar, Repl, ReplSession, needs_more_input, split_script

ROOT = Path(__file__).resolve().parents[1]


def make_repl(**kwargs) -> tuple[Repl, io.StringIO]:
    out = io.StringIO()
    return Repl(out=out, err=out, **kwargs), out


def run(repl: Repl, out: io.StringIO, text: str) -> str:
    start = out.tell()
    repl.handle(text)
    out.seek(start)
    produced = out.read()
    out.seek(0, io.SEEK_END)
    return produced


# -- in process ---------------------------------------------------------------------------------------
def test_module_doctests():
    # the package's overview example (pytest's --doctest-modules runs each module's examples too)
    failures, tests = doctest.testmod(repl_module, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert tests > 0 and failures == 0


def test_evaluation_prints_labels_shape_and_value_and_binds_underscore():
    repl, out = make_repl()
    run(repl, out, "A = [[1, 2], [3, 4]]\nB = [[0, 1], [1, 0], [1, 1]]")
    text = run(repl, out, "B_ij A_jk")
    header, *body = text.splitlines()
    assert header == "result_ik  (3×2)"
    expected = np.array([[0, 1], [1, 0], [1, 1]]) @ np.array([[1, 2], [3, 4]])
    np.testing.assert_array_equal(repl.session["_"], expected)
    assert "\n".join(body) == str(expected)
    # _ is usable in the next statement
    assert run(repl, out, "__ij __ij").splitlines() == ["result  (scalar)", str((expected**2).sum())]


def test_assignment_with_explicit_output_shows_its_labels():
    repl, out = make_repl()
    run(repl, out, "A = [[1, 2, 3], [4, 5, 6]]")
    assert run(repl, out, "C_ji = A_ij").splitlines()[0] == "C_ji  (3×2)"
    np.testing.assert_array_equal(repl.session["C"], np.array([[1, 4], [2, 5], [3, 6]]))


def test_binding_helpers_make_the_asked_shapes_and_values():
    repl, out = make_repl()
    run(repl, out, "x = rand(3)\nR = rand(3, 4)\nI = eye(3)\nv = arange(6)\nw = arange(2, 5)")
    s = repl.session
    assert s["x"].shape == (3,) and s["R"].shape == (3, 4)
    assert np.all((s["R"] >= 0) & (s["R"] < 1)) and len(np.unique(s["R"])) > 1
    np.testing.assert_array_equal(s["I"], np.eye(3))
    np.testing.assert_array_equal(s["v"], np.arange(6))
    np.testing.assert_array_equal(s["w"], [2, 3, 4])
    # helpers work inside expressions, on every backend
    for backend in einlang.backends():
        run(repl, out, f":backend {backend}")
        np.testing.assert_allclose(s.run("eye(3)_ij R_jk"), s["R"])


def test_helper_sizes_must_be_literal_whole_numbers():
    repl, out = make_repl()
    run(repl, out, "n = 3")
    text = run(repl, out, "x = rand(n)")
    assert "error[E" in text and "rand: argument 1 must be a whole number" in text
    assert "whole number" in run(repl, out, "y = rand(2.5)")
    assert "x" not in repl.session and "y" not in repl.session


def test_helpers_survive_reset():
    repl, out = make_repl()
    run(repl, out, "x = rand(2)")
    assert "session reset" in run(repl, out, ":reset")
    assert "x" not in repl.session
    run(repl, out, "y = eye(2)")
    np.testing.assert_array_equal(repl.session["y"], np.eye(2))


def test_an_error_keeps_the_session_and_the_next_statement_runs():
    repl, out = make_repl()
    run(repl, out, "A = [[1, 2], [3, 4]]\nx = [1, 2, 3]")
    text = run(repl, out, "A_ij x_j")
    assert "error[E401]" in text and "^" in text and "index j is 2 in A" in text
    assert repl.errors == 1
    assert run(repl, out, "A_ij A_jk").startswith("result_ik  (2×2)")
    np.testing.assert_array_equal(repl.session["A"], [[1, 2], [3, 4]])


def test_an_internal_bug_is_reported_and_the_session_survives(monkeypatch):
    repl, out = make_repl()
    run(repl, out, "x = [1, 2]")

    def broken(stmt, backend):
        raise RuntimeError("boom")

    monkeypatch.setattr(repl.session, "_execute_statement", broken)
    assert "internal error (please report it): RuntimeError: boom" in run(repl, out, "x_i x_i")
    monkeypatch.undo()
    assert run(repl, out, "x_i x_i").splitlines() == ["result  (scalar)", "5"]


def test_errors_in_a_script_point_at_the_script_line(tmp_path):
    script = tmp_path / "s.ein"
    script.write_text("a = [1, 2]\nsave(a, \"%s\")\n:vars\nb = a_i c_i\n" % (tmp_path / "a.npy"))
    repl, out = make_repl()
    text = run(repl, out, f":load {script}")
    assert f"error[E201] at {script}:4:" in text
    assert "a" in repl.session and (tmp_path / "a.npy").exists()


def test_split_script_keeps_line_numbers_and_bracketed_colons():
    pieces = split_script('x = [1,\n:2]\nsave(x, "x.npy")\n:vars\ny = 1')
    assert [kind for kind, _ in pieces] == ["einlang", "save", "command", "einlang"]
    assert pieces[0][1].split("\n")[:2] == ["x = [1,", ":2]"]
    assert pieces[3][1].split("\n") == ["", "", "", "", "y = 1"]


@pytest.mark.parametrize(
    "text, more",
    [
        ("A = [[1, 2],", True),
        ("x_i x_i +", True),
        ("C_ik =", True),
        ("def f(u, v) =", True),
        ("sqrt(x_i", True),
        ("A_ij B_jk \\", True),
        ("A_ij B_jk", False),
        ("A_ij )", False),  # a real error: submit it and show the error
        (":plan A_ij", False),
        ('x = load("x.npy")', False),
        ("", False),
    ],
)
def test_needs_more_input(text, more):
    assert needs_more_input(text) is more


@pytest.mark.parametrize("suffix", [".npy", ".npz", ".csv"])
def test_save_and_load_round_trip(tmp_path, suffix):
    repl, out = make_repl()
    run(repl, out, "M = [[1.5, 2], [3, 4.25]]")
    path = tmp_path / f"m{suffix}"
    assert f"saved M to {path}" in run(repl, out, f'save(M, "{path}")')
    text = run(repl, out, f'N = load("{path}")')
    assert text.startswith("N  (2×2)  float64")
    np.testing.assert_array_equal(repl.session["N"], repl.session["M"])
    run(repl, out, f'load("{path}")')  # without a name: the stem (or, for .npz, the stored name)
    np.testing.assert_array_equal(repl.session["m" if suffix != ".npz" else "M"], repl.session["M"])


def test_load_errors_are_reported_not_raised(tmp_path):
    repl, out = make_repl()
    assert "cannot read" in run(repl, out, f'x = load("{tmp_path / "missing.npy"}")')
    assert "x is not bound" in run(repl, out, f'save(x, "{tmp_path / "x.npy"}")')  # the failed load bound nothing
    run(repl, out, "x = [1, 2]")
    assert "must end in .npy, .npz, .csv (tensors) or .png, .jpg (images)" in run(repl, out, f'save(x, "{tmp_path / "x.txt"}")')
    assert not (tmp_path / "x.txt").exists()
    run(repl, out, "T = rand(2, 2, 2)")
    assert "rank 3" in run(repl, out, f'save(T, "{tmp_path / "t.csv"}")')


def test_vars_del_and_definitions():
    repl, out = make_repl()
    run(repl, out, "A = [[1, 2], [3, 4]]\ndef sq(u) = u_i u_i")
    listing = run(repl, out, ":vars")
    assert re.search(r"^A\s+2×2\s+int64$", listing, re.M) and "def sq(u) = u_i u_i" in listing
    assert run(repl, out, "sq([3, 4])").splitlines()[1] == "25"
    run(repl, out, ":del A sq")
    assert "A" not in repl.session and "sq" not in repl.session.functions
    assert "E201" in run(repl, out, ":del A")


def test_deleting_a_definition_brings_back_the_helper_or_library_function_it_shadowed():
    repl, out = make_repl()
    run(repl, out, "def eye(M) = M_ii\ndef dot(u, v) = u_i u_i v_j v_j")
    run(repl, out, ":del eye dot")
    run(repl, out, "I = eye(2)")
    np.testing.assert_array_equal(repl.session["I"], np.eye(2))
    assert run(repl, out, "dot([1, 2], [3, 4])").splitlines()[1] == "11"


def test_backend_command_switches_and_rejects_unknown_names():
    repl, out = make_repl()
    text = run(repl, out, ":backend naive")
    assert re.search(r"^\* naive", text, re.M) and repl.session.current_backend == "naive"
    assert "unknown backend 'fast'" in run(repl, out, ":backend fast")
    assert repl.session.current_backend == "naive"


def test_plan_and_explain_show_the_session_plan():
    repl, out = make_repl()
    run(repl, out, "A = rand(10, 20)\nB = rand(20, 30)\nv = rand(30)")
    text = run(repl, out, ":plan A_ij B_jk v_k")
    assert text.strip() == str(repl.session.plan("A_ij B_jk v_k")).strip()
    assert "naive FLOPs" in text
    explained = run(repl, out, ":explain A_ij B_jk v_k")
    assert "def einlang_program(A, B, v):" in explained and "for j in range(20)" in explained
    assert "usage: :plan EXPR" in run(repl, out, ":plan")


def test_compare_times_every_backend_and_checks_agreement():
    repl, out = make_repl()
    run(repl, out, "A = rand(8, 9)\nB = rand(9, 7)")
    text = run(repl, out, ":compare A_ij B_jk")
    lines = text.splitlines()
    assert lines[0].split() == ["backend", "time", "speedup", "over", "naive", "result"]
    rows = {line.split()[0]: line for line in lines[2:]}
    assert set(rows) == set(einlang.backends())
    assert "reference" in rows["naive"] and "agrees" in rows["numpy"] and "agrees" in rows["opt"]
    assert re.search(r"\d[\d.,]*×", rows["opt"])


def test_compare_skips_naive_over_its_limit():
    repl, out = make_repl()
    run(repl, out, "A = rand(30, 30)")
    with einlang.options(naive_iteration_limit=1000):
        text = run(repl, out, ":compare A_ij A_jk")
    naive = next(line for line in text.splitlines() if line.startswith("naive"))
    assert "skipped" in naive and "27,000 loop iterations" in naive
    assert "n/a" in next(line for line in text.splitlines() if line.startswith("opt"))


def test_time_reports_the_current_backend():
    repl, out = make_repl()
    run(repl, out, "x = rand(50)\n:backend numpy")
    assert re.fullmatch(r"numpy: [\d.]+ (ns|µs|ms|s) per evaluation \(median of repeats\)\n", run(repl, out, ":time x_i x_i"))


def test_save_and_load_a_session_script(tmp_path):
    repl, out = make_repl()
    run(repl, out, "A = [[1, 2], [3, 4]]\ndef tr(M) = M_ii\nt = tr(A)\nA_ij A_ji")
    path = tmp_path / "session.ein"
    assert "saved 4 statements" in run(repl, out, f":save {path}")
    fresh, fresh_out = make_repl()
    text = run(fresh, fresh_out, f":load {path}")
    assert f"loaded {path}: bound A, t" in text
    assert fresh.session["t"] == 5 and "tr" in fresh.session.definitions
    # the bare expression in the script printed its value (every index repeated: a scalar)
    assert "result  (scalar)\n29\n" in text


def test_help_commands_and_functions():
    repl, out = make_repl()
    general = run(repl, out, ":help")
    for command in (":plan", ":compare", ":backend", ":vars", ":load"):
        assert command in general
    assert run(repl, out, ":help dot").startswith(einlang.library.help("dot"))
    assert run(repl, out, ":help compare").startswith(":compare EXPR")
    assert "rand" in run(repl, out, ":help rand")
    assert "no help for 'nosuch'" in run(repl, out, ":help nosuch")
    assert "did you mean :plan" in run(repl, out, ":plna A_ij")


def test_every_command_is_in_the_table_with_usage_help_and_aliases():
    repl, out = make_repl()
    general = run(repl, out, ":help")
    for word, command in repl_module.COMMANDS.items():
        assert command.usage.startswith(word) and command.usage in general and callable(command.handler)
        assert run(repl, out, f":help {word[1:]}").startswith(command.usage)
    assert run(repl, out, ":?").startswith(repl_module.SYNTAX_HELP.splitlines()[0])  # an alias of :help
    assert "usage: :plan EXPR" in run(repl, out, ":plan")
    assert "; :help lists them" in run(repl, out, ":zzzzzz")
    assert repl.handle(":q") is False and repl.quit


def test_a_script_that_loads_itself_stops_with_a_message(tmp_path):
    script = tmp_path / "self.ein"
    script.write_text(f"x = [1]\n:load {script}\n", encoding="utf-8")
    repl, out = make_repl()
    assert "nested more than 8 deep" in run(repl, out, f":load {script}")
    assert repl.load_depth == 0 and repl.session["x"].tolist() == [1]  # the depth is unwound after the error


def test_set_changes_the_naive_limit():
    repl, out = make_repl()
    before = einlang.get_options().naive_iteration_limit
    try:
        assert re.search(r"naive_iteration_limit +1,000,000,000", run(repl, out, ":set naive_iteration_limit 1e9"))
        assert einlang.get_options().naive_iteration_limit == 10**9
    finally:
        einlang.set_options(naive_iteration_limit=before)


def test_progress_bar_only_for_long_naive_runs():
    stream = io.StringIO()
    session = ReplSession(backend="naive", progress=ProgressBar(stream, rate=1e4, threshold=0.05))
    session["A"] = np.random.default_rng(0).random((100, 100))
    np.testing.assert_allclose(session.run("A_ij A_jk"), session["A"] @ session["A"])
    shown = stream.getvalue()
    assert "naive [" in shown and "1,000,000 loop iterations" in shown and shown.endswith("\r")
    # after one measured run the rate is learned: the same program is no longer "long"
    learned = session.progress.rate
    assert learned > 1e4
    stream.truncate(0), stream.seek(0)
    session.run("A_ij A_jk", backend="opt")
    assert stream.getvalue() == ""


class _Terminal(io.StringIO):
    """One terminal line: ``\\r`` returns to its start, later characters overwrite earlier ones."""

    def screen(self) -> str:
        line: list[str] = []
        cursor = 0
        for ch in self.getvalue():
            if ch == "\r":
                cursor = 0
                continue
            line[cursor:cursor + 1] = [ch]
            cursor += 1
        return "".join(line)


def test_ctrl_c_during_the_progress_bar_leaves_a_blank_line():
    """The bar fits the terminal with room for the ^C the terminal echoes, and is erased whole."""
    terminal = _Terminal()
    bar = ProgressBar(terminal, rate=1.0, threshold=0.0, columns=60)
    with pytest.raises(KeyboardInterrupt), bar(9_999_999):  # "about 166667 min": longer than 60 columns
        deadline = time.monotonic() + 5
        while "naive [" not in terminal.getvalue() and time.monotonic() < deadline:
            time.sleep(0.01)
        terminal.write("^C")  # what the terminal echoes at the cursor when Ctrl-C is pressed
        raise KeyboardInterrupt
    drawn = [part for part in terminal.getvalue().split("\r") if part.startswith("naive [")]
    assert drawn and all(len(part.removesuffix("^C")) <= 60 - 3 for part in drawn)
    assert terminal.screen().strip() == ""


def test_completion_words_cover_tensors_functions_and_helpers():
    session = ReplSession()
    session["velocity"] = np.zeros(3)
    words = repl_module.completion_words(session)
    assert words["velocity"] == "tensor 3"
    assert words["dot"] == "library" and words["rand"] == "helper" and words["sqrt"] == "elementwise"


def test_the_full_repl_needs_no_extra():
    """`pip install einlang` gives the full REPL: prompt_toolkit and Pygments are plain dependencies."""
    from importlib.metadata import requires

    names = [re.split(r"[\s<>=!~\[;]", r)[0] for r in requires("einlang") if "extra ==" not in r]
    plain = {re.sub(r"[-_.]+", "-", name).lower() for name in names}  # PEP 503: prompt_toolkit == prompt-toolkit
    assert {"prompt-toolkit", "pygments"} <= plain


def test_lexer_colours_names_indices_and_commands():
    tokens = [(str(kind), text) for kind, text in EinlangLexer().get_tokens(":compare bear_basis_ij x_j") if text.strip()]
    assert tokens[0] == ("Token.Keyword.Pseudo", ":compare")
    assert tokens[1:3] == [("Token.Name.Variable", "bear_basis"), ("Token.Name.Attribute", "_ij")]


# -- through a pseudo-terminal ------------------------------------------------------------------------
pexpect = pytest.importorskip("pexpect")
pytest.importorskip("prompt_toolkit")


def spawn(tmp_path: Path, history: Path | None = None, code: str | None = None):
    env = dict(os.environ)
    env.update(
        EINLANG_HISTORY=str(history or tmp_path / "history"),
        PROMPT_TOOLKIT_NO_CPR="1",  # pexpect does not answer cursor-position queries
        TERM="xterm",
        PYTHONPATH=str(ROOT) + os.pathsep + env.get("PYTHONPATH", ""),
    )
    args = ["-c", code] if code else ["-m", "einlang"]
    child = pexpect.spawn(sys.executable, args, env=env, cwd=str(tmp_path), encoding="utf-8", timeout=15,
                          dimensions=(40, 200))
    child.expect("ein>")
    return child


def enter(child, text: str) -> None:
    child.send(text + "\r")


def quit_(child, ctrl_d: bool = False) -> None:
    if ctrl_d:
        # Ctrl-D typed before prompt_toolkit has put the terminal in raw mode would be eaten by the tty
        # driver (cooked mode): give the prompt a moment
        time.sleep(0.5)
        child.sendeof()
    else:
        enter(child, ":quit")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0


@pytest.mark.slow
def test_pty_bind_evaluate_plan_compare_and_error(tmp_path):
    child = spawn(tmp_path)
    enter(child, "A = [[1, 2],")  # an open bracket continues on the next line
    child.expect(r"\.\.\.")
    enter(child, "     [3, 4]]")
    child.expect(r"A  \(2×2\)")
    child.expect("ein>")
    enter(child, "A_ij A_jk")
    child.expect(r"result_ik  \(2×2\)\r\n\[\[ 7 10\]\r\n \[15 22\]\]")
    child.expect("ein>")
    enter(child, ":plan A_ij A_jk A_kl")
    child.expect("naive FLOPs: +48")
    child.expect("ein>")
    enter(child, ":compare A_ij A_jk")
    child.expect(r"opt +\S+ \S+ +[\d.,]+× +agrees")
    child.expect("ein>")
    enter(child, "A_ij x_j")
    child.expect(r"error\[E201\]")
    child.expect("x is not defined")
    child.expect("ein>")
    enter(child, "x = [1, 1]")
    child.expect("ein>")
    enter(child, "A_ij x_j")
    child.expect(r"result_i  \(2\)\r\n\[3 7\]")
    child.expect("ein>")
    quit_(child, ctrl_d=True)


@pytest.mark.slow
def test_pty_tab_completes_a_bound_name(tmp_path):
    child = spawn(tmp_path)
    enter(child, "velocity = [1, 2, 3]")
    child.expect("ein>")
    child.send("velo\t")
    time.sleep(0.5)
    child.send("_i velo\t")
    time.sleep(0.5)
    enter(child, "_i")
    child.expect(r"result  \(scalar\)\r\n14\r\n")
    child.expect("ein>")
    child.send(":comp\t")
    time.sleep(0.5)
    enter(child, " velocity_i velocity_i")
    child.expect("speedup over naive")
    child.expect("ein>")
    quit_(child)


@pytest.mark.slow
def test_pty_ctrl_c_interrupts_a_long_naive_run_and_keeps_state(tmp_path):
    child = spawn(tmp_path)
    enter(child, ":set naive_iteration_limit 1e13")
    child.expect("ein>")
    enter(child, ":backend naive")
    child.expect("ein>")
    enter(child, "X = rand(300, 300)")
    child.expect("ein>")
    started = time.monotonic()
    enter(child, "X_ij X_jk X_kl")  # 8.1e9 naive loop iterations: minutes
    child.expect(r"naive \[.*8,100,000,000 loop iterations")  # the progress bar
    child.sendintr()
    child.expect("interrupted")
    child.expect("ein>")
    assert time.monotonic() - started < 10
    enter(child, ":vars")
    child.expect(r"X +300×300 +float64")
    child.expect("ein>")
    enter(child, "X_ij - X_ji")  # the session still works
    child.expect(r"result_ij  \(300×300\)")
    child.expect("ein>")
    quit_(child)


@pytest.mark.slow
def test_pty_history_persists_across_restarts(tmp_path):
    history = tmp_path / "hist"
    child = spawn(tmp_path, history)
    enter(child, "remembered = [4, 5]")
    child.expect("ein>")
    quit_(child, ctrl_d=True)  # not :quit, which would be the last history entry
    assert "remembered = [4, 5]" in history.read_text()
    child = spawn(tmp_path, history)
    child.send("\x1b[A")  # up arrow: the previous session's statement
    time.sleep(0.5)
    enter(child, "")
    child.expect(r"remembered  \(2\)\r\n\[4 5\]")
    child.expect("ein>")
    quit_(child)


@pytest.mark.slow
def test_pty_without_prompt_toolkit_falls_back_to_input(tmp_path):
    code = "import sys; sys.modules['prompt_toolkit'] = None; from einlang.cli import main; sys.exit(main([]))"
    child = spawn(tmp_path, code=code)
    assert "prompt_toolkit could not be imported" in child.before and "einlang[repl]" not in child.before
    enter(child, "v = [1, 2,")
    child.expect(r"\.\.\.")
    enter(child, "3]")
    child.expect(r"v  \(3\)")
    child.expect("ein>")
    enter(child, "v_i v_i")
    child.expect(r"result  \(scalar\)\r\n14")
    quit_(child)
