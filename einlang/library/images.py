"""Transforming images with 2×2 matrices, and a small sample image shipped with the package.

``transform_image(T, image)`` maps every output pixel back through T⁻¹ to the pixel it came from
(inverse mapping, so the result has no holes), about the image's centre, with x to the right and y up:
``rotation(theta)`` turns the picture anticlockwise, as it turns vectors.

>>> import einlang, numpy as np
>>> image = np.array([[1, 2], [3, 4]])
>>> einlang.library.transform_image(einlang.library.reflection([1, 0]), image)  # mirror left-right
array([[2, 1],
       [4, 3]])
>>> einlang.library.sample_image().shape
(64, 64, 3)
"""

from __future__ import annotations

from importlib import resources
from typing import Any

import numpy as np

from .. import errors as E
from ..program import as_array, compile_cached
from ..semantics.callables import PyFunction
from ..semantics.describe import shape_words
from . import _checks as C
from . import register_python

SAMPLE_SIZE = 64
SAMPLE_FILE = "sample_image.npy"

IMAGE_STEPS = {"where each pixel comes from": "Q_in = Tinv_ij P_jn"}


def _check_image(shape: tuple[int, ...]) -> None:
    if len(shape) not in (2, 3) or 0 in shape:
        raise E.RankMismatchError(
            f"transform_image: image must be grey (height×width) or colour (height×width×channels), "
            f"but it is {shape_words(shape)}"
        )


def _transform_infer(shapes, dtypes, constants):
    C.square("transform_image", "T", shapes[0])
    if shapes[0][0] != 2:
        n = shapes[0][0]
        raise E.SizeMismatchError(f"transform_image: T must be a 2×2 matrix (it acts on the plane), not {n}×{n}")
    _check_image(tuple(shapes[1]))
    for param, dtype in zip(("T", "image"), dtypes):
        if dtype.kind == "c":  # a plane transform and pixel values are real: dropping imaginary parts would be silent
            raise E.InputValueError(f"transform_image: {param} must be real, but it holds complex numbers")
    if len(shapes) > 2:
        C.scalars("transform_image", ("smooth",), shapes[2:])
    T = C.constant_matrix(constants[0])
    if T is not None:
        _check_invertible(T)
    return shapes[1], dtypes[1] if dtypes[1].kind in "biuf" else np.dtype(np.float64)


def _check_invertible(T: np.ndarray) -> None:
    if np.linalg.matrix_rank(np.asarray(T, dtype=np.float64)) < 2:
        raise E.InputValueError(
            "transform_image: T is singular (it squashes the plane onto a line), so a pixel cannot be traced back",
        )


def transform(T: Any, image: Any, bilinear: bool = False) -> np.ndarray:
    """Resample ``image`` so that it shows T applied about the centre (nearest or bilinear sampling)."""
    T = np.asarray(T, dtype=np.float64)
    image = np.asarray(image)
    _check_invertible(T)
    h, w = image.shape[:2]
    cy, cx = (h - 1) / 2, (w - 1) / 2
    rows, cols = np.mgrid[0:h, 0:w]
    points = np.stack([cols.ravel() - cx, cy - rows.ravel()])  # one (x, y) column per output pixel
    source = compile_cached(IMAGE_STEPS["where each pixel comes from"])(Tinv=np.linalg.inv(T), P=points)
    x = source[0] + cx
    y = cy - source[1]
    pixels = image.reshape(h * w, -1).astype(np.float64)
    if bilinear:
        out = _bilinear(pixels, x, y, h, w)
    else:
        # round halves up (np.round would round them to even, which shifts alternate pixels differently)
        r, c = np.floor(y + 0.5).astype(int), np.floor(x + 0.5).astype(int)
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        out = np.zeros((h * w, pixels.shape[1]))
        out[inside] = pixels[r[inside] * w + c[inside]]
    out = out.reshape(image.shape)
    if image.dtype.kind in "biu":
        return np.round(out).astype(image.dtype)
    return out.astype(image.dtype if image.dtype.kind == "f" else np.float64)


def _bilinear(pixels: np.ndarray, x: np.ndarray, y: np.ndarray, h: int, w: int) -> np.ndarray:
    x0, y0 = np.floor(x).astype(int), np.floor(y).astype(int)
    fx, fy = x - x0, y - y0
    out = np.zeros((x.size, pixels.shape[1]))
    for dy, dx, weight in ((0, 0, (1 - fx) * (1 - fy)), (0, 1, fx * (1 - fy)), (1, 0, (1 - fx) * fy), (1, 1, fx * fy)):
        r, c = y0 + dy, x0 + dx
        inside = (r >= 0) & (r < h) & (c >= 0) & (c < w)
        out[inside] += weight[inside, None] * pixels[r[inside] * w + c[inside]]
    return out


def _transform_impl(T: np.ndarray, image: np.ndarray, smooth: np.ndarray | None = None) -> np.ndarray:
    return transform(T, image, bool(C.number(smooth, 0.0)))


def transform_image(T: Any, image: Any, method: str = "nearest") -> np.ndarray:
    """``T`` applied to ``image`` about its centre; ``method`` is ``"nearest"`` or ``"bilinear"``."""
    if method not in ("nearest", "bilinear"):
        raise E.InputValueError(f"transform_image: method must be 'nearest' or 'bilinear', not {method!r}")
    T, image = as_array("T", T), as_array("image", image)
    _transform_infer((T.shape, image.shape), (T.dtype, image.dtype), (None, None))
    return transform(T, image, method == "bilinear")


register_python(PyFunction(
    "transform_image", ("T", "image", "smooth"), _transform_impl, _transform_infer,
    "apply a 2×2 transform to a grey or colour image about its centre (x right, y up); smooth=1 samples "
    "bilinearly, else the nearest pixel",
    "transform_image(reflection([1, 0]), [[1, 2], [3, 4]])  # [[2, 1], [4, 3]]", min_args=2,
), python=transform_image)


# -- the sample image ---------------------------------------------------------------------------------


def draw_sample_image(size: int = SAMPLE_SIZE) -> np.ndarray:
    """A small picture that shows which way it was turned: sun top left, house right, grass below."""
    y, x = np.mgrid[0:size, 0:size] / (size - 1)
    image = np.empty((size, size, 3))
    image[...] = np.stack([0.35 + 0.3 * y, 0.6 + 0.25 * y, np.ones_like(y)], axis=-1)  # sky, paler near the ground
    image[y > 0.75] = (0.2, 0.65, 0.2)  # grass
    image[(x - 0.2) ** 2 + (y - 0.2) ** 2 < 0.012] = (1.0, 0.85, 0.1)  # sun
    house = (x > 0.55) & (x < 0.85) & (y > 0.5) & (y <= 0.75)
    image[house] = (0.8, 0.15, 0.1)
    roof = (y > 0.3) & (y <= 0.5) & (np.abs(x - 0.7) < (y - 0.3) * 0.85)
    image[roof] = (0.35, 0.2, 0.1)
    image[(x > 0.66) & (x < 0.74) & (y > 0.62) & (y <= 0.75)] = (0.3, 0.2, 0.1)  # door
    return np.round(image * 255).astype(np.uint8)


def _load_sample() -> np.ndarray:
    with resources.files(__package__).joinpath("data", SAMPLE_FILE).open("rb") as handle:
        return np.load(handle)


def _sample_infer(shapes, dtypes, constants):
    return (SAMPLE_SIZE, SAMPLE_SIZE, 3), np.dtype(np.float64)


def _sample_impl() -> np.ndarray:
    return _load_sample() / 255.0


register_python(PyFunction(
    "sample_image", (), _sample_impl, _sample_infer,
    "a 64×64 colour picture shipped with einlang (height×width×RGB, values 0 to 1): sun top left, house right",
    "sample_image()",
))
