"""Rich display in a real Jupyter kernel (nbclient + ipykernel): LaTeX for a compiled program, HTML for a
plan, a Session and an error, a PNG for show(image), and no traceback for a Python-API mistake."""

from __future__ import annotations

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
]


def _run() -> list:
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    pytest.importorskip("PIL")
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in CELLS])
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", allow_errors=True)
    client.execute()
    return [cell.outputs for cell in notebook.cells]


def _data(outputs: list) -> dict:
    merged: dict = {}
    for output in outputs:
        merged.update(output.get("data", {}))
    return merged


def test_rich_display_in_a_real_kernel():
    outputs = _run()
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
