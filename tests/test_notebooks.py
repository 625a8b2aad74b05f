"""The tutorial notebooks (docs/notebooks/*.ipynb, one per course module) run as stored.

Each notebook is executed from top to bottom by nbclient on a real Jupyter kernel (ipykernel), and every
code cell's outputs are compared with the outputs stored in the file: streams by their text, results
and displays by each text form (``text/plain``, ``text/latex``, ``text/html``, …) and by which image
forms they have (an image's bytes depend on the Pillow/matplotlib version, so only its presence
counts). Volatile parts are normalised: execution counts, memory addresses, terminal colour codes,
trailing spaces. A cell that raises fails the test (a notebook shows mistakes through einlang's
rendered messages, never through a traceback).

After an intended change of what einlang prints, re-run the notebooks and store their outputs, then
review the diff::

    python tests/test_notebooks.py --update
"""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any

import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parent.parent / "docs" / "notebooks").glob("*.ipynb"))
COURSE_MODULES = ["vectors", "projections-and-basis", "matrices-and-transforms", "einstein-summation-and-gram-schmidt",
                  "eigenvectors-and-pagerank"]
_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")


def _text(value: Any) -> str:
    text = "".join(value) if isinstance(value, list) else str(value)
    text = _ADDRESS.sub("0x…", _ANSI.sub("", text))
    return "\n".join(line.rstrip() for line in text.rstrip("\n").splitlines())


def normalised(output: dict[str, Any]) -> tuple:
    """What of one cell output must stay the same from run to run."""
    kind = output["output_type"]
    if kind == "stream":
        return (kind, output["name"], _text(output["text"]))
    if kind == "error":
        return (kind, output["ename"], _text(output["evalue"]))
    forms = tuple(sorted(
        (mime, "<image>" if mime.startswith("image/") else _text(data)) for mime, data in output.get("data", {}).items()
    ))
    return ("result" if kind == "execute_result" else "display", forms)


def _merged(outputs: list[dict[str, Any]]) -> list[tuple]:
    """Normalised outputs; consecutive writes to one stream count as one (the kernel may split them)."""
    merged: list[tuple] = []
    for output in map(normalised, outputs):
        if merged and output[0] == "stream" and merged[-1][:2] == output[:2]:
            # a split write's last piece may be the bare newline: the join must not leave it behind
            merged[-1] = (*output[:2], (merged[-1][2] + "\n" + output[2]).rstrip("\n"))
        else:
            merged.append(output)
    return merged


def execute(path: Path, workdir: Path) -> Any:
    """The notebook at ``path``, run top to bottom in ``workdir`` on a fresh python3 kernel."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    notebook = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(notebook, timeout=300, kernel_name="python3", record_timing=False,
                                     resources={"metadata": {"path": str(workdir)}})
    client.execute()
    return notebook


def test_one_notebook_per_course_module():
    assert [re.sub(r"^\d\d-", "", p.stem) for p in NOTEBOOKS] == COURSE_MODULES
    assert [p.stem[:2] for p in NOTEBOOKS] == ["01", "02", "03", "04", "05"]


def test_stored_notebooks_hold_their_outputs():
    """The files are stored executed (the site shows them as they are): every code cell ran and
    at least most of them show something."""
    nbformat = pytest.importorskip("nbformat")
    for path in NOTEBOOKS:
        notebook = nbformat.read(path, as_version=4)
        code = [cell for cell in notebook.cells if cell.cell_type == "code"]
        unexecuted = f"{path.name} is stored unexecuted: python tests/test_notebooks.py --update"
        assert all(cell.execution_count for cell in code), unexecuted
        assert [cell.execution_count for cell in code] == list(range(1, len(code) + 1)), path.name
        assert sum(bool(cell.outputs) for cell in code) > len(code) // 2, path.name


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_prints_what_it_stores(path, tmp_path):
    nbformat = pytest.importorskip("nbformat")
    stored = nbformat.read(path, as_version=4)
    ran = execute(path, tmp_path)
    for before, after in zip(stored.cells, ran.cells):
        if before.cell_type != "code":
            continue
        expected, got = _merged(before.outputs), _merged(after.outputs)
        assert got == expected, (
            f"{path.name}, cell {before.id}:\n{before.source}\n\nstored: {expected}\n\nnow:    {got}\n\n"
            "if the change is intended: python tests/test_notebooks.py --update"
        )


def run_cells(sources: list[str], workdir: Path) -> list[list[dict[str, Any]]]:
    """Each source as a code cell of a fresh notebook, run on a real kernel: the outputs of each cell."""
    nbformat = pytest.importorskip("nbformat")
    path = workdir / "cells.ipynb"
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    nbformat.write(notebook, path)
    return [cell.outputs for cell in execute(path, workdir).cells]


@pytest.mark.slow
def test_a_kernel_shows_pictures_as_png_and_mistakes_without_a_traceback(tmp_path):
    picture, mistake = run_cells([
        "import numpy as np\nfrom einlang.images import show\n%load_ext einlang.notebook\nshow(np.eye(3))",
        "A = np.ones((2, 3))\n%einlang A_ij A_ij A_ij",
    ], tmp_path)
    assert [output["output_type"] for output in picture] == ["execute_result"]
    assert picture[0]["data"]["image/png"] and picture[0]["data"]["text/plain"] == "<image 3×3 grey>"
    assert [(output["output_type"], output.get("name")) for output in mistake] == [("stream", "stderr")]
    assert mistake[0]["text"].startswith("error[E3") and "Traceback" not in mistake[0]["text"]


def update() -> None:
    """Execute every notebook and store it with its outputs."""
    import tempfile

    import nbformat

    for path in NOTEBOOKS:
        with tempfile.TemporaryDirectory() as workdir:
            notebook = execute(path, Path(workdir))
        nbformat.write(notebook, path)
        print(f"{path.name}: executed and stored")


if __name__ == "__main__":  # python tests/test_notebooks.py --update
    if sys.argv[1:] != ["--update"]:
        sys.exit(__doc__)
    update()
