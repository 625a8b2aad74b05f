"""The attention row of ``python -m einlang.bench``: the one-liner on the opt backend against the same
computation written by hand with numpy (einsum + a stable softmax), in the same run.

>>> rows = attention_rows(1, shape=(1, 2, 4, 3))
>>> rows[0].name.startswith("attention"), rows[0].ratio > 0
(True, True)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

import einlang
from einlang.bench import Row
from einlang.timing import paired

LINE = "softmax_j(Q_{...id} K_{...jd} / sqrt(size(d))) V_{...jk} -> {...ik}"


def by_hand(Q: np.ndarray, K: np.ndarray, V: np.ndarray, optimize: bool) -> Callable[[], np.ndarray]:
    """Attention as a numpy user writes it: scores by einsum, the softmax stabilised by the row maximum."""

    def attention() -> np.ndarray:
        scores = np.einsum("...id,...jd->...ij", Q, K, optimize=optimize) / np.sqrt(Q.shape[-1])
        scores = scores - scores.max(axis=-1, keepdims=True)
        weights = np.exp(scores)
        weights /= weights.sum(axis=-1, keepdims=True)
        return np.einsum("...ij,...jk->...ik", weights, V, optimize=optimize)

    return attention


def attention_rows(repeat: int, shape: tuple[int, int, int, int] = (4, 8, 128, 64)) -> list[Row]:
    """Batched multi-head attention (batch, heads, sequence, width) against the faster of numpy.einsum
    without and with ``optimize=True``; the results agree to 1e-12 first."""
    rng = np.random.default_rng(7)
    Q, K, V = (rng.normal(size=shape) for _ in range(3))
    program = einlang.compile(LINE)
    ours = lambda: program(Q=Q, K=K, V=V)  # noqa: E731
    plain, optimised = by_hand(Q, K, V, False), by_hand(Q, K, V, True)
    np.testing.assert_allclose(ours(), plain(), rtol=0, atol=1e-12)
    t_plain, t_optimised = paired(plain, optimised, 3, repeat)
    reference, name = (plain, "np.einsum + softmax") if t_plain <= t_optimised else (
        optimised, "np.einsum(optimize=True) + softmax")
    t_ours, t_ref = paired(ours, reference, 3, repeat)
    ratio = t_ours / t_ref
    label = "attention one-liner, " + "×".join(map(str, shape))
    return [Row(label, t_ours, t_ref, name, ratio, "≤ 1.3×", ratio <= 1.3)]
