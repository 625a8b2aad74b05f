"""``einlang demo``: a guided tour on built-in data, shown as a REPL session a reader can retype.

Vectors and projections, a basis change, a rotation applied to the sample image (before/after PNGs
written to a folder), Einstein summation with its loops shown, naive vs optimised on a contraction
chain, and PageRank of the course's six-page micro-internet.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import TextIO

import numpy as np

from . import library
from .images import INSTALL_HINT
from .images import save as save_image
from .repl import PROMPT, Repl, ReplSession

MICRO_INTERNET = (
    "L = [[0, 1/2, 1/3, 0, 0, 0],\n"
    "     [1/3, 0, 0, 0, 1/2, 0],\n"
    "     [1/3, 1/2, 0, 1, 0, 1/2],\n"
    "     [1/3, 0, 1/3, 0, 1/2, 1/2],\n"
    "     [0, 0, 0, 0, 0, 0],\n"
    "     [0, 0, 1/3, 0, 0, 0]]"
)
PAGES = "ABCDEF"
IMAGE_SCALE = 4  # the 64×64 sample is small: each pixel becomes a 4×4 block in the PNGs


class Tour:
    """Prints headings and notes, and types REPL lines into a session (echoed after the prompt)."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.repl = Repl(ReplSession(), out=out, err=out)

    def heading(self, number: int, title: str) -> None:
        self.say(f"\n── {number}. {title} " + "─" * max(0, 60 - len(title)))

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def type(self, line: str, show: bool = True) -> None:
        """Run ``line`` as if typed at the prompt; ``show=False`` keeps a big assignment quiet."""
        echo = line.replace("\n", "\n" + " " * len(PROMPT))
        self.say(f"{PROMPT}{echo}")
        self.repl.show_assignments = show
        self.repl.handle(line)


def enlarge(image: np.ndarray, factor: int) -> np.ndarray:
    """Each pixel as a factor×factor block (nearest neighbour), so a small image is visible."""
    return np.repeat(np.repeat(np.asarray(image), factor, axis=0), factor, axis=1)


def _vectors(tour: Tour) -> None:
    tour.heading(1, "Vectors and projections")
    tour.say("A repeated index is summed: u_i v_i is the dot product.")
    tour.type("u = [3, 4]")
    tour.type("v = [2, 1]")
    tour.type("u_i v_i")
    tour.type("sqrt(u_i u_i)       # the length |u|")
    tour.type("(u_j v_j / (v_k v_k)) v_i   # the projection of u onto v")
    tour.type("vector_proj(u, v)   # the same, from the library")


def _basis(tour: Tour) -> None:
    tour.heading(2, "A change of basis")
    tour.say("The columns of B are the new basis vectors b1 = (1, 1) and b2 = (1, -1).")
    tour.type("B = [[1, 1], [1, -1]]")
    tour.type("c = to_basis(B, u)  # u in the new basis")
    tour.type("B_ik c_k            # and back: c1 b1 + c2 b2 is u again")


def _image(tour: Tour, folder: Path) -> None:
    tour.heading(3, "A transform applied to an image")
    tour.type("image = sample_image()", show=False)
    tour.type("T = rotation(arccos(0) / 3)   # π/6: 30° anticlockwise")
    tour.type("T_ij [1, 0]_j       # where the x axis goes")
    tour.type("after = transform_image(T, image)", show=False)
    session = tour.repl.session
    if "image" not in session or "after" not in session:
        return
    if importlib.util.find_spec("PIL") is None:  # pictures are an extra: the tour goes on without them
        tour.say(f"(to write the pictures as PNG files: {INSTALL_HINT})")
        return
    try:
        folder.mkdir(parents=True, exist_ok=True)
        before_png, after_png = folder / "before.png", folder / "after.png"
        save_image(enlarge(session["image"], IMAGE_SCALE), before_png)
        save_image(enlarge(session["after"], IMAGE_SCALE), after_png)
    except (OSError, ValueError) as exc:
        tour.repl.error(exc)
    else:
        tour.say(f"wrote {before_png} and {after_png}: the sample image, then rotated by T")


def _loops(tour: Tour) -> None:
    tour.heading(4, "Einstein summation, with its loops shown")
    tour.say(":explain prints the Python loops the naive backend runs — the convention, spelled out.")
    tour.type("A = [[1, 2, 3], [4, 5, 6]]")
    tour.type("M = [[1, 0], [0, 1], [1, 1]]")
    tour.type(":explain A_ij M_jk")
    tour.type("A_ij M_jk")


def _chain(tour: Tour, n: int) -> None:
    tour.heading(5, "Naive loops vs an optimised plan")
    tour.say(f"A chain of three {n}×{n} matrices and a vector. Written as one product, the naive backend loops over")
    tour.say(f"i, j, k, l together ({n}⁴ = {n**4:,} iterations); the opt backend multiplies right to left, as a person would.")
    for name in "PQR":
        tour.type(f"{name} = rand({n}, {n})", show=False)
    tour.type(f"w = rand({n})", show=False)
    tour.type(":plan P_ij Q_jk R_kl w_l")
    tour.type(":compare P_ij Q_jk R_kl w_l")


def _pagerank(tour: Tour) -> None:
    tour.heading(6, "PageRank of the course's micro-internet")
    tour.say("Column j of L holds the probabilities of following a link from page j (pages A to F).")
    tour.type(MICRO_INTERNET, show=False)
    tour.type("r = pagerank(L, 1)")
    tour.type("L_ij r_j - r_i      # r is an eigenvector of L with eigenvalue 1 (up to the tolerance)")
    session = tour.repl.session
    if "r" in session:
        ranks = np.asarray(session["r"], dtype=float)
        order = ", ".join(PAGES[k] for k in np.argsort(-ranks, kind="stable"))
        tour.say(f"pages from most to least important: {order}")
        _, iterations = library.pagerank(session["L"], 1.0)  # the Python form also returns the step count
        tour.say(f"(the power iteration took {iterations} steps from 100/6 on every page)")


def run_demo(folder: Path, quick: bool = False, out: TextIO | None = None) -> int:
    """Run the tour; write the PNGs into ``folder``. 0 on success, 1 if any step failed."""
    tour = Tour(out if out is not None else sys.stdout)
    tour.say("einlang demo — every line after 'ein>' is what you would type in the REPL (run: einlang)")
    _vectors(tour)
    _basis(tour)
    _image(tour, folder)
    _loops(tour)
    _chain(tour, 20 if quick else 50)
    _pagerank(tour)
    tour.say("\nNext: run `einlang` for the REPL (:help lists the commands), or `einlang docs` for the documentation.")
    if tour.repl.errors:
        tour.say(f"\n{tour.repl.errors} step(s) of the demo failed (see above)")
        return 1
    return 0
