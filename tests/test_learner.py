"""Issue 10's problems, re-tried as a learner wrote them: each gives the right answer or a message that
leads to it."""

from __future__ import annotations

import numpy as np
import pytest

import einlang
from einlang import errors as E
from einlang import library as lib
from einlang.session import Session

# -- problem 2: basis vectors written as rows --------------------------------------------------------


def test_columns_builds_the_basis_the_course_means():
    s = Session()
    s.run("b1 = [2, 1]; b2 = [-2, 4]")
    assert np.allclose(s.run("to_basis(columns(b1, b2), [5, -1])"), [1.8, -0.7])
    assert s.run("columns(b1, b2)").tolist() == [[2, -2], [1, 4]]
    assert lib.columns([1, 2, 3], [4, 5, 6], [7, 8, 9]).tolist() == [[1, 4, 7], [2, 5, 8], [3, 6, 9]]


def test_basis_vectors_in_rows_are_refused_with_the_fix():
    s = Session()
    s.run("b1 = [2, 1]; b2 = [-2, 4]; B = [b1, b2]")
    for call in ("to_basis(B, [5, -1])", "to_basis([b1, b2], [5, -1])", "from_basis(B, [1, 1])"):
        with pytest.raises(E.InputValueError) as info:
            s.run(call)
        assert "puts b1, b2 in its rows" in info.value.message
        assert "columns(b1, b2)" in info.value.hint
    s.run("B = columns(b1, b2)")  # rebinding forgets the rows
    assert np.allclose(s.run("to_basis(B, [5, -1])"), [1.8, -0.7])


def test_rows_that_are_also_the_columns_are_not_refused():
    s = Session()
    s.run("b1 = [1, 2]; b2 = [2, 1]; B = [b1, b2]")  # symmetric: the same basis either way
    assert np.allclose(s.run("to_basis(B, [3, 3])"), [1, 1])


def test_a_session_definition_of_the_same_name_is_not_checked():
    s = Session()
    s.run("b1 = [2, 1]; b2 = [-2, 4]; def to_basis(B, v)_i = B_ij v_j")
    assert s.run("to_basis([b1, b2], [1, 0])").tolist() == [2, -2]


def test_orthogonal_check_notices_orthogonal_rows():
    with pytest.raises(E.InputValueError) as info:
        einlang.evaluate("to_basis_orthogonal([[2, 1], [-2, 4]], [5, -1])")
    assert "columns 1 and 2 of B are not orthogonal" in info.value.message
    assert "the rows of B are orthogonal" in info.value.message
    assert "columns(b1, b2" in info.value.hint
    with pytest.raises(E.InputValueError) as info:  # neither rows nor columns: the usual advice
        einlang.evaluate("to_basis_orthogonal([[1, 1], [1, 0]], [1, 1])")
    assert "rows" not in info.value.message and "gram_schmidt" in info.value.hint


@pytest.mark.parametrize("name", ["from_basis", "to_basis", "to_basis_orthogonal", "transform_in_basis", "gram",
                                  "orthogonal", "is_orthonormal", "gram_schmidt", "linearly_independent", "columns"])
def test_functions_reading_basis_vectors_from_columns_say_so(name):
    assert "column" in lib.help(name)


# -- problem 4: eigenvectors from the language -------------------------------------------------------


def test_eigenvalues_and_eigenvectors_match():
    s = Session()
    s.run("A = [[4, 1], [2, 3]]; V = eigenvectors(A); l = eigenvalues(A)")
    assert np.allclose(s["l"], [5, 2])
    assert np.allclose(s.run("R_ik = A_ij V_jk - l_k V_ik"), 0)
    assert np.allclose(np.linalg.norm(s["V"], axis=0), 1)
    values, vectors = np.linalg.eig(s["A"])
    for k, value in enumerate(s["l"]):  # each column is numpy's eigenvector for that eigenvalue, up to sign
        expected = vectors[:, np.argmin(abs(values - value))]
        assert np.isclose(abs(expected @ s["V"][:, k]), 1)
    assert np.allclose(lib.eigenvectors([[4, 1], [2, 3]]), s["V"])
    assert np.allclose(lib.eigenvalues([[4, 1], [2, 3]]), [5, 2])


def test_eigenvectors_of_a_rotation_are_refused_in_the_language():
    with pytest.raises(E.InputValueError, match="complex eigenvalues"):
        einlang.evaluate("eigenvectors(rotation(1))")


# -- problem 3: the image exercise ---------------------------------------------------------------------

images = pytest.importorskip("einlang.images")


@pytest.mark.parametrize("shape", [(5, 7), (5, 7, 3), (5, 7, 4)], ids=["grey", "rgb", "rgba"])
def test_png_round_trip_is_exact(tmp_path, shape):
    pytest.importorskip("PIL")
    pixels = np.random.default_rng(0).integers(0, 256, size=shape)
    images.save(pixels, tmp_path / "x.png")
    assert np.array_equal(np.round(images.load(tmp_path / "x.png") * 255), pixels)


@pytest.mark.parametrize("shape, ending", [((16, 16), ".jpg"), ((16, 16, 3), ".jpeg")])
def test_jpeg_round_trip_is_close(tmp_path, shape, ending):
    pytest.importorskip("PIL")
    y, x = np.mgrid[0:16, 0:16] / 15
    smooth = (x + y) / 2 if len(shape) == 2 else np.stack([x, y, (x + y) / 2], axis=-1)
    images.save(smooth, tmp_path / f"x{ending}")
    back = images.load(tmp_path / f"x{ending}")
    assert back.shape == shape and np.abs(back - smooth).mean() < 0.02  # JPEG is lossy, but not by much
    assert np.abs(back - smooth).max() < 0.1


def test_the_image_exercise_load_rotate_30_degrees_save(tmp_path):
    pytest.importorskip("PIL")
    images.save(lib.sample_image(), tmp_path / "photo.png")
    s = Session()
    s["photo"] = images.load(tmp_path / "photo.png")
    turned = s.run("turned = transform_image(rotation(pi / 6), photo)")
    images.save(turned, tmp_path / "rotated.png")
    back = images.load(tmp_path / "rotated.png")
    assert back.shape == (64, 64, 3)
    assert np.allclose(back, lib.transform_image(lib.rotation(np.pi / 6), lib.sample_image()), atol=0.5 / 255)
    centre = s["photo"][32, 32]
    assert np.allclose(back[32, 32], centre, atol=1 / 255)  # about the centre: the middle stays put
    assert np.mean(np.any(np.abs(back - s["photo"]) > 0.1, axis=-1)) > 0.1  # and much else moved


def test_image_file_mistakes_are_einlang_errors(tmp_path, monkeypatch):
    pytest.importorskip("PIL")
    with pytest.raises(E.InputValueError, match="is not a .png, .jpg or .jpeg file"):
        images.save(np.zeros((2, 2)), tmp_path / "x.gif")
    with pytest.raises(E.InputValueError, match="there is no file"):
        images.load(tmp_path / "missing.png")
    (tmp_path / "junk.png").write_bytes(b"not a picture")
    with pytest.raises(E.InputValueError, match="cannot read"):
        images.load(tmp_path / "junk.png")
    with pytest.raises(E.RankMismatchError, match="height×width"):
        images.save(np.zeros(3), tmp_path / "x.png")
    with pytest.raises(E.InputValueError, match="inf or nan"):
        images.save(np.full((2, 2), np.nan), tmp_path / "x.png")
    with pytest.raises(E.InputValueError, match="no transparency"):
        images.save(np.zeros((2, 2, 4)), tmp_path / "x.jpg")
    monkeypatch.setitem(__import__("sys").modules, "PIL", None)
    with pytest.raises(E.InputValueError) as info:
        images.save(np.zeros((2, 2)), tmp_path / "x.png")
    assert "einlang[images]" in info.value.hint


def test_show_gives_a_png_display():
    pytest.importorskip("PIL")
    from PIL import Image

    view = images.show(lib.sample_image())
    assert repr(view) == "<image 64×64 RGB>"
    import io

    with Image.open(io.BytesIO(view._repr_png_())) as picture:
        assert picture.format == "PNG" and picture.size == (64, 64)
    with pytest.raises(E.RankMismatchError):
        images.show(np.zeros(4))


# -- problem 1: numbers as a learner reads them ------------------------------------------------------

from einlang.display import format_value  # noqa: E402


def test_rounding_noise_prints_as_zero_and_whole_numbers_as_integers():
    s = Session()
    assert format_value(s.run("quarter = arccos(0); rotation(quarter)")) == "[[ 0 -1]\n [ 1  0]]"
    assert format_value(s.run("power_iteration([[1, 0], [0, -3]])")) == "[0 1]"
    assert format_value(s.run("rotation(quarter / 3)")) == "[[ 0.866 -0.5  ]\n [ 0.5    0.866]]"
    assert format_value(np.array([1e-13, 1.0])) == "[0 1]"  # below 1e-12 of the largest: noise
    assert format_value(np.array([1e-13, 2e-13])) == "[0 0]"  # rounded to 4 decimals
    assert format_value(np.array([1, 2])) == "[1 2]" and format_value(np.array([True, False])) == "[ True False]"
    assert format_value(np.float64(np.nan)) == "nan" and format_value(np.array([np.inf, 1.5])) == "[inf 1.5]"
    assert format_value(np.array([1j * 6e-17 + 1, 2])) == "[1.+0.j 2.+0.j]"


def test_precision_option():
    with einlang.options(precision=2):
        assert format_value(np.array([1 / 3, 2 / 3])) == "[0.33 0.67]"
    assert format_value(np.array([1 / 3]), precision=6) == "[0.333333]"
    for bad in (-1, 18, 2.5, True):
        with pytest.raises(E.InputValueError, match="precision"):
            einlang.set_options(precision=bad)


def test_large_arrays_show_their_corners():
    text = format_value(np.arange(100.0))
    assert "..." in text and text.startswith("[ 0  1  2") and text.endswith("97 98 99]")


# -- exact mode ------------------------------------------------------------------------------------


def test_exact_mode_gives_fractions():
    with einlang.options(exact=True):
        s = Session()
        inverse = s.run("inv([[1, 2], [3, 4]])")
        assert inverse.dtype == object and format_value(inverse) == "[[  -2    1]\n [ 3/2 -1/2]]"
        assert s.run("[1/3, 0.1]_i [3, 10]_i") == 2  # 1/3·3 + 1/10·10, exactly
        assert format_value(einlang.evaluate("1/3 + 1/6")) == "1/2"
    assert einlang.evaluate("1/3 + 1/6") == pytest.approx(0.5)  # the option leaves no trace
    assert einlang.evaluate("inv([[1, 2], [3, 4]])").dtype == np.float64
    with pytest.raises(E.InputValueError, match="exact must be True or False"):
        einlang.set_options(exact="on")


def test_exact_inverse_agrees_with_numpy():
    rng = np.random.default_rng(1)
    for _ in range(20):
        A = rng.integers(-5, 6, size=(3, 3))
        if round(np.linalg.det(A)) == 0:
            continue
        exact = lib.inv(A.astype(object))
        assert np.allclose(exact.astype(float), np.linalg.inv(A))
        assert all(x == y for x, y in zip((A.astype(object) @ exact).flat, np.eye(3).flat))


# -- problem 1 and 3 in the REPL ---------------------------------------------------------------------

def _repl():
    """A REPL whose ``run(text)`` returns what that line printed (test_repl's helpers, reused)."""
    from tests.test_repl import make_repl, run

    repl, out = make_repl()
    return lambda text: run(repl, out, text)


def test_repl_prints_rotation_and_power_iteration_cleanly_and_sets_precision():
    run = _repl()
    run("quarter = arccos(0)")
    assert run("rotation(quarter)").endswith("[[ 0 -1]\n [ 1  0]]\n")
    assert run("power_iteration([[1, 0], [0, -3]])").endswith("[0 1]\n")
    try:
        assert "precision              2 decimals" in run(":set precision 2")
        assert run("rotation(quarter / 3)").endswith("[[ 0.87 -0.5 ]\n [ 0.5   0.87]]\n")
    finally:
        einlang.set_options(precision=4)


def test_repl_exact_mode_prints_the_inverse_as_fractions():
    run = _repl()
    try:
        assert "exact                  on" in run(":set exact on")
        assert run("inv([[1, 2], [3, 4]])").endswith("[[  -2    1]\n [ 3/2 -1/2]]\n")
        assert "usage: :set exact on" in run(":set exact maybe")
    finally:
        einlang.set_options(exact=False)
    assert "exact" not in run("inv([[1, 2], [3, 4]])") and run("inv([[1, 2], [3, 4]])").endswith("[ 1.5 -0.5]]\n")


def test_the_image_exercise_in_the_repl(tmp_path):
    pytest.importorskip("PIL")
    images.save(lib.sample_image(), tmp_path / "photo.png")
    run = _repl()
    assert "error" not in run(f'photo = load("{tmp_path / "photo.png"}")')
    run("turned = transform_image(rotation(pi / 6), photo)")
    assert "error" not in run(f'save(turned, "{tmp_path / "rotated.jpg"}")')
    back = images.load(tmp_path / "rotated.jpg")
    expected = lib.transform_image(lib.rotation(np.pi / 6), lib.sample_image())
    assert back.shape == (64, 64, 3) and np.abs(back - expected).mean() < 0.03


# -- problems 6 and 7: names a learner tries, and what E305 says ------------------------------------


@pytest.mark.parametrize("call, wanted", [
    ("proj([3, 4], [1, 0])", "scalar_proj or vector_proj"), ("projection([3, 4], [1, 0])", "scalar_proj"),
    ("len([3, 4])", "norm"), ("radians(30)", "pi / 6"), ("sum([1, 2])", "sum_i(v_i)"), ("nrom([3, 4])", "norm"),
    ("max([1, 2])", "max_i(v_i)"), ("mean([1, 2])", "mean_i(v_i)"),
])
def test_unknown_names_get_synonyms_and_spelling(call, wanted):
    with pytest.raises(E.UnknownFunctionError) as info:
        einlang.evaluate(call)
    assert wanted in info.value.hint


def test_a_number_in_an_indexed_sum_explains_and_the_fix_works():
    s = Session(r=[2, 4, 6])
    with pytest.raises(E.FreeIndexMismatchError) as info:
        s.run("r_i - 1")
    assert "not spread along i on purpose" in info.value.hint
    fix = info.value.hint.rsplit("write ", 1)[1].removesuffix(" for the number")
    assert s.run(f"r_i - {fix}").tolist() == [1, 3, 5]


def test_help_covers_constants_and_full_descriptions():
    from einlang.repl.help import help_text

    assert "3.14159" in help_text("pi") and "radians" in help_text("π")
    listing = help_text("functions")
    assert "Constants: pi, tau" in listing
    # the whole description, not cut at the first ';'
    assert lib.registry()["eig"].description in listing and "vals, vecs = eig(A) also gives the eigenvectors" in listing
    assert "columns(b1, b2, …)" in listing


def test_a_library_function_used_wrongly_points_at_the_users_call():
    s = Session(A=[[1, 2], [3, 4]])
    with pytest.raises(E.RankMismatchError) as info:
        s.run("norm(A)")
    rendered = str(info.value)
    assert info.value.span.source.name == "<input>" and "argument 1 of norm: A" in info.value.message
    assert "einlang/library" not in rendered and "write v_ij" not in rendered
    assert "norm(v): the modulus" in info.value.hint


def test_latex_command_in_the_repl():
    run = _repl()
    assert run(":latex C_ki = A_ij B_jk").strip() == "C_{ki} = \\sum_{j} A_{ij} B_{jk}"


def test_the_fixes_that_unknown_sum_max_and_mean_suggest_work_as_written():
    v = np.array([1.0, 5.0, 3.0])
    assert einlang.evaluate("sum_i(v_i)", v=v) == 9 and einlang.evaluate("max_i(v_i)", v=v) == 5
    assert einlang.evaluate("mean_i(v_i)", v=v) == 3
    with pytest.raises(E.KeywordArgumentError, match="max_j.* is a reduction"):
        einlang.evaluate("max_j(x=v_j)", v=v)
