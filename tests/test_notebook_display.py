"""Rich display in a real Jupyter kernel (nbclient + ipykernel): LaTeX for a compiled program and for a
small %einlang result (with its indices and shape; text for a large one), HTML for a plan, a Session and an
error, a PNG for show(image), formulas for symbolic entries, and no traceback for a Python-API mistake."""

from __future__ import annotations

import importlib.util

import pytest

pytestmark = pytest.mark.slow

CELLS = [
    "import einlang, numpy as np\n%load_ext einlang.notebook",
    'einlang.compile("C_ki = A_ij B_jk")',
    'einlang.Session(A=np.ones((2, 3)), x=[1, 2, 3]).plan("A_ij x_j")',
    "s = einlang.Session(A=np.ones((2, 3)), x=[1, 2, 3])\ns",
    'einlang.evaluate("A_ij B_jk +")',
    "from einlang.images import show\nshow(einlang.library.sample_image())",
    "1 + 1",
    "A = np.array([[1.0, 2.0], [3.0, 4.0]])\n%einlang A_ij [1, 1]_j",
    "%%einlang\nC_ki = A_ij A_jk\nC_ki -> ik",
    "B = np.ones((10, 10))\n%einlang B_ij",
    "y = %einlang A_ij [1, 0]_j\ntype(y).__mro__[-2].__name__, (y * 2).tolist()",
]
SYMBOLIC = ['from einlang.symbolic import symbols\nθ, = symbols("θ")\n%einlang rotation(θ)']
HAS_SYMPY = importlib.util.find_spec("sympy") is not None


@pytest.fixture(scope="module")
def outputs() -> list:
    return _run(CELLS + (SYMBOLIC if HAS_SYMPY else []))


def _run(cells: list[str]) -> list:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("PIL")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True)
    client.execute()
    return [cell.outputs for cell in notebook.cells]


def _data(outputs: list) -> dict:
    merged: dict = {}
    for output in outputs:
        merged.update(output.get("data", {}))
    return merged


def test_rich_display_in_a_real_kernel(outputs):
    program = _data(outputs[1])
    assert program["text/latex"] == "$$\\begin{aligned}C_{ki} = \\sum_{j} A_{ij} B_{jk}\\end{aligned}$$"
    assert "<pre class='einlang-plan'>" in _data(outputs[2])["text/html"]
    session = _data(outputs[3])["text/html"]
    assert "<td><code>A</code></td><td>2×3</td><td>float64</td>" in session
    error = outputs[4]
    assert not any(o.get("output_type") == "error" for o in error), "a traceback was shown"
    shown = _data(error)
    assert "error[E101]" in shown["text/html"] and "^" in shown["text/plain"]
    assert "Traceback" not in shown["text/plain"]
    assert _data(outputs[5])["image/png"]  # base64 PNG
    assert _data(outputs[6])["text/plain"] == "2"  # the kernel is still fine


def test_einlang_results_are_latex_matrices_with_indices_and_shape(outputs):
    vector = _data(outputs[7])
    assert vector["text/latex"] == "$$\\begin{bmatrix}3 \\\\ 7\\end{bmatrix}_{i} \\qquad 2$$"
    assert vector["text/plain"] == "array([3., 7.])"  # still an ordinary array underneath
    matrix = _data(outputs[8])["text/latex"]
    assert matrix == "$$\\begin{bmatrix}7 & 10 \\\\ 15 & 22\\end{bmatrix}_{ik} \\qquad 2\\times 2$$"
    large = _data(outputs[9])
    assert "text/latex" not in large and large["text/plain"].startswith("array([[1., 1.")
    assert _data(outputs[10])["text/plain"] == "('ndarray', [2.0, 6.0])"  # y works as a numpy array


def test_symbolic_results_show_the_formulas(outputs):
    pytest.importorskip("sympy", reason="symbolic entries need the symbolic extra (sympy)")
    shown = _data(outputs[11])
    assert "\\cos{\\left(θ \\right)}" in shown["text/latex"] and "- \\sin{\\left(θ \\right)}" in shown["text/latex"]
    assert "cos(θ)" in shown["text/plain"]
