"""Image files and image display: ``load("photo.png")``, ``save(image, "out.png")``, ``show(image)``.

PNG and JPEG, grey or colour, through Pillow (``pip install 'einlang[images]'``). An image is an array
as the library's ``sample_image()`` and ``transform_image`` use it: height×width (grey) or
height×width×3 (RGB; ×4 with transparency), values from 0 (black) to 1 (white). ``save`` also takes
whole numbers 0…255. In a notebook, ``show(image)`` displays it inline (a PNG display).

>>> import io, numpy as np
>>> grey = np.array([[0.0, 0.5], [1.0, 0.25]])
>>> buffer = io.BytesIO()
>>> save(grey, buffer, format="png")
>>> _ = buffer.seek(0)
>>> load(buffer).round(2)
array([[0.  , 0.5 ],
       [1.  , 0.25]])
>>> show(grey)
<image 2×2 grey>
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from . import errors as E
from .semantics.describe import shape_words

INSTALL_HINT = "pip install 'einlang[images]'   (or: pip install pillow)"
FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG"}
CHANNELS = {2: "grey", 3: "RGB", 4: "RGBA"}  # rank 2, or the size of the last axis
Target = str | Path | IO[bytes]
JPEG_QUALITY = 95  # Pillow's default of 75 blurs the sharp edges of a transformed picture visibly


def _pillow() -> Any:
    try:
        from PIL import Image
    except ImportError:
        raise E.InputValueError("reading and writing PNG and JPEG files needs Pillow", hint=INSTALL_HINT) from None
    return Image


def _format(target: Target, format: str | None, verb: str) -> str:  # noqa: A002 - Pillow's word
    if format is not None:
        key = "." + format.lower().lstrip(".")
    else:
        key = Path(str(getattr(target, "name", target))).suffix.lower()
    if key not in FORMATS:
        raise E.InputValueError(f"{verb}: {target} is not a .png, .jpg or .jpeg file")
    return FORMATS[key]


def load(source: Target, *, format: str | None = None) -> np.ndarray:  # noqa: A002
    """A PNG or JPEG file as an array of values 0…1: height×width (grey) or height×width×3 (colour),
    ×4 when it has transparency."""
    Image = _pillow()
    if isinstance(source, (str, Path)) or format is not None:  # an open file: Pillow reads its format
        _format(source, format, "load")
    try:
        with Image.open(source) as picture:
            picture.load()
            mode = _mode_for(picture)
            pixels = np.asarray(picture.convert(mode))
    except FileNotFoundError:
        raise E.InputValueError(f"load: there is no file {source}") from None
    except OSError as exc:  # Pillow's UnidentifiedImageError is an OSError too
        raise E.InputValueError(f"load: cannot read {source} as an image ({exc})") from None
    return pixels.astype(np.float64) / 255.0


def _mode_for(picture: Any) -> str:
    """Grey stays grey, anything with transparency keeps it, everything else becomes RGB."""
    if picture.mode in ("1", "L", "I", "I;16", "F"):
        return "L"
    if picture.mode in ("LA", "RGBA", "PA") or "transparency" in picture.info:
        return "RGBA"
    return "RGB"


def to_uint8(image: Any, verb: str = "save") -> np.ndarray:
    """An image array as bytes 0…255: floats are read as 0…1 (clipped), whole numbers as 0…255.

    >>> to_uint8(np.array([[0.0, 1.0, 2.0]])).tolist()
    [[0, 255, 255]]
    """
    array = np.asarray(image)
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 3, 4)) or 0 in array.shape:
        raise E.RankMismatchError(
            f"{verb}: an image is height×width (grey) or height×width×3 (colour), but this is {shape_words(array.shape)}"
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if array.dtype.kind == "b":
        return array.astype(np.uint8) * 255
    if array.dtype.kind in "iu":
        return np.clip(array, 0, 255).astype(np.uint8)
    if array.dtype.kind == "f" or array.dtype == object:
        values = np.asarray(array, dtype=np.float64)
        if not np.all(np.isfinite(values)):
            raise E.InputValueError(f"{verb}: the image holds inf or nan, which is no colour")
        return np.round(np.clip(values, 0.0, 1.0) * 255).astype(np.uint8)
    raise E.InputTypeError(f"{verb}: an image holds numbers, not {array.dtype}")


def save(image: Any, target: Target, *, format: str | None = None) -> None:  # noqa: A002
    """Write an image array (values 0…1, or whole numbers 0…255) as PNG or JPEG, by the file's ending."""
    kind = _format(target, format, "save")
    pixels = to_uint8(image)
    if kind == "JPEG" and pixels.ndim == 3 and pixels.shape[2] == 4:
        raise E.InputValueError("save: a JPEG file has no transparency: drop the 4th channel, or save as .png")
    Image = _pillow()
    try:
        extra = {"quality": JPEG_QUALITY} if kind == "JPEG" else {}
        Image.fromarray(pixels).save(target, format=kind, **extra)
    except OSError as exc:
        raise E.InputValueError(f"save: cannot write {target}: {exc.strerror or exc}") from None


def png_bytes(image: Any) -> bytes:
    """The PNG encoding of an image array (what a notebook displays)."""
    buffer = io.BytesIO()
    save(image, buffer, format="png")
    return buffer.getvalue()


@dataclass(frozen=True)
class ImageView:
    """An image array shown as a picture: a notebook displays it through ``_repr_png_``."""

    pixels: np.ndarray

    def _repr_png_(self) -> bytes:
        return png_bytes(self.pixels)

    def __repr__(self) -> str:
        kind = CHANNELS[2 if self.pixels.ndim == 2 else self.pixels.shape[2]]
        return f"<image {self.pixels.shape[0]}×{self.pixels.shape[1]} {kind}>"


def show(image: Any) -> ImageView:
    """An image array as a picture: a notebook displays the result of ``show(image)`` under the cell (a
    PNG); ``IPython.display.display(show(image))`` shows one in the middle of a cell.

    The array is checked and converted first, so a mistake is reported here, not by the notebook.
    """
    return ImageView(to_uint8(image, "show"))
