"""Rendered errors for representative mistakes, compared with golden files in tests/golden/.

Run with ``EINLANG_UPDATE_GOLDEN=1`` to rewrite the files after a deliberate change to a message; then
read every changed file: each must name the tensor, the index and the sizes, with the caret under the culprit.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

import einlang
from einlang.errors import EinlangError

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("EINLANG_UPDATE_GOLDEN") == "1"

A = np.ones((3, 4))
B = np.ones((5, 2))
M = np.ones((3, 3))
v = np.ones(3)
x = np.ones(4)

# (golden file stem, program, tensors)
MISTAKES = [
    ("syntax_incomplete_sum", "C_ik = A_ij B_jk +", {}),
    ("syntax_unclosed_paren", "(A_ij + B_ij", {}),
    ("syntax_power", "x_i ^ 2", {}),
    ("syntax_stray_paren_second_line", "y_i = A_ij x_j\nz_i = y_i)", {}),
    ("syntax_number_index", "A_{i 1}", {}),
    ("undefined_name_did_you_mean", "Alpha x_i", dict(alpha=2.0, x=x)),
    ("undefined_name_in_word", "A_ij Bb_jk", dict(A=A, B=B)),
    ("rank_mismatch", "A_ijk v_k", dict(A=A, v=v)),
    ("size_mismatch", "A_ij B_jk", dict(A=A, B=B)),
    ("size_mismatch_in_sum", "A_ij + A_ji", dict(A=A)),
    ("free_index_mismatch", "A_ij x_j + v_j", dict(A=A, x=x, v=v)),
    ("output_index_absent", "C_ki = A_ij", dict(A=A)),
    ("output_index_repeated", "A_ij -> ii", dict(A=A)),
    ("convention_three_times", "M_ij v_i v_i", dict(M=M, v=v)),
    ("unknown_function", "nrom(v)", dict(v=v)),
    ("argument_count", "dot(v)", dict(v=v)),
    ("bare_matrix", "2 A + 1", dict(A=A)),
    ("delta_size_unknown", "delta_ij + 1", {}),
    ("ambiguous_word", "x_i v_i", dict(x=v, x_i=v, v=v)),
    ("error_inside_library_call", "matmul(A, B)_ik", dict(A=A, B=B)),
    ("eps_size", "eps_ijk v_j x_k", dict(v=v, x=x)),
    ("ragged_array", "[[1, 2], [3]]", {}),
    ("diff_target_not_a_tensor", "diff(x_i x_i, 2)", dict(x=x)),
    ("diff_index_clash", "diff(A_ij x_j, x_i)", dict(A=A, x=x)),
    ("diff_not_differentiable", "diff(floor(x_i) x_i, x_k)", dict(x=x)),
    ("diff_through_python_function", "diff(det(M), M_kl)", dict(M=M)),
    ("diff_too_large", "def e(v) = exp(v_i v_i)\ndef f(v) = e(v) e(v) e(v) e(v) e(v)\n"
     "def g(v) = f(v) f(v) f(v) f(v) f(v)\ndef h(v) = g(v) g(v) g(v) g(v) g(v) g(v)\ndiff(h(x), x_k)", dict(x=x)),
    ("basis_in_rows_orthogonal", "to_basis_orthogonal([[2, 1], [-2, 4]], [5, -1])", {}),
    ("reduction_index_summed_inside", "max_j(A_ij B_jk)", dict(A=A, B=np.ones((4, 2)))),
    ("reduction_index_absent", "softmax_k(A_ij)", dict(A=A)),
    ("reduction_index_repeated", "max_{jj}(A_ij)", dict(A=A)),
    ("reduction_empty_max", "max_j(E_ij)", dict(E=np.ones((3, 0)))),
    ("size_of_bound_index", "sum_i(v_i) / size(i)", dict(v=v)),
    ("reduction_subscript_after", "max_j(A_ij)_i", dict(A=A)),
]


def _rendered(program: str, tensors: dict) -> str:
    with pytest.raises(EinlangError) as info:
        einlang.evaluate(program, **tensors)
    return str(info.value) + "\n"


@pytest.mark.parametrize("stem, program, tensors", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_rendered_error_matches_golden(stem, program, tensors):
    rendered = _rendered(program, tensors)
    path = GOLDEN / f"{stem}.txt"
    if UPDATE:
        GOLDEN.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
    assert path.exists(), f"missing golden file {path.name}: run with EINLANG_UPDATE_GOLDEN=1"
    assert rendered == path.read_text(encoding="utf-8")


def test_no_orphan_golden_files():
    stems = {m[0] for m in MISTAKES}
    orphans = sorted(p.name for p in GOLDEN.glob("*.txt") if p.stem not in stems)
    assert not orphans, f"golden files without a test: {orphans}"


@pytest.mark.parametrize("stem, program, tensors", MISTAKES, ids=[m[0] for m in MISTAKES])
def test_every_rendering_has_location_source_and_caret(stem, program, tensors):
    lines = _rendered(program, tensors).splitlines()
    assert lines[0].startswith("error[E") and " at " in lines[0]
    assert any(line.lstrip().startswith(tuple("123456789")) and " | " in line for line in lines)
    assert any(set(line.split("|", 1)[1].strip()) == {"^"} or set(line.split("|", 1)[1].strip()) == {"^", " "}
               for line in lines if "|" in line)
