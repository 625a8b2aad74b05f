"""A minimal PNG writer and reader (zlib + struct, no image library needed).

The demo writes the sample image before and after a transform with :func:`write_png`; the tests read
images back with :func:`read_png` (it decodes 8-bit grey, grey+alpha, RGB and RGBA, non-interlaced:
what this writer and matplotlib produce).

>>> import io, numpy as np
>>> image = np.array([[0, 128], [255, 64]], dtype=np.uint8)
>>> buffer = io.BytesIO()
>>> write_png(buffer, image)
>>> buffer.seek(0)
0
>>> read_png(buffer)
array([[  0, 128],
       [255,  64]], dtype=uint8)
"""

from __future__ import annotations

import struct
import zlib
from pathlib import Path
from typing import IO

import numpy as np

SIGNATURE = b"\x89PNG\r\n\x1a\n"
_CHANNELS_BY_COLOUR_TYPE = {0: 1, 4: 2, 2: 3, 6: 4}
_COLOUR_TYPE_BY_CHANNELS = {v: k for k, v in _CHANNELS_BY_COLOUR_TYPE.items()}


def to_uint8(image: np.ndarray) -> np.ndarray:
    """Floats are read as intensities in [0, 1] (clipped); integers as 0..255 (clipped)."""
    array = np.asarray(image)
    if array.dtype.kind == "f":
        array = np.round(np.clip(np.nan_to_num(array), 0.0, 1.0) * 255.0)
    elif array.dtype.kind not in "iub":
        raise ValueError(f"cannot write an image of dtype {array.dtype}")
    return np.clip(array, 0, 255).astype(np.uint8)


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def encode_png(image: np.ndarray) -> bytes:
    """PNG bytes for an ``H×W`` grey or ``H×W×C`` (C = 1..4) image."""
    pixels = to_uint8(image)
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    if pixels.ndim != 3 or pixels.shape[2] not in _COLOUR_TYPE_BY_CHANNELS or 0 in pixels.shape[:2]:
        raise ValueError(f"an image must be H×W or H×W×(1..4) and non-empty, not {pixels.shape}")
    height, width, channels = pixels.shape
    header = struct.pack(">IIBBBBB", width, height, 8, _COLOUR_TYPE_BY_CHANNELS[channels], 0, 0, 0)
    rows = pixels.reshape(height, width * channels)
    # filter type 0 (None) on every row: simple, and zlib still compresses flat areas well
    raw = np.hstack([np.zeros((height, 1), dtype=np.uint8), rows]).tobytes()
    return SIGNATURE + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(raw, 9)) + _chunk(b"IEND", b"")


def write_png(target: str | Path | IO[bytes], image: np.ndarray) -> None:
    """Write an image to a path or binary file object."""
    data = encode_png(image)
    if hasattr(target, "write"):
        target.write(data)  # type: ignore[union-attr]
    else:
        Path(target).write_bytes(data)


def _chunks(data: bytes):
    if not data.startswith(SIGNATURE):
        raise ValueError("not a PNG file (bad signature)")
    pos = len(SIGNATURE)
    while pos < len(data):
        if pos + 8 > len(data):
            raise ValueError("truncated PNG chunk header")
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind = data[pos + 4 : pos + 8]
        body = data[pos + 8 : pos + 8 + length]
        crc_bytes = data[pos + 8 + length : pos + 12 + length]
        if len(body) != length or len(crc_bytes) != 4:
            raise ValueError(f"truncated PNG chunk {kind!r}")
        if struct.unpack(">I", crc_bytes)[0] != zlib.crc32(kind + body) & 0xFFFFFFFF:
            raise ValueError(f"bad CRC in PNG chunk {kind!r}")
        yield kind, body
        pos += 12 + length


def _unfilter(raw: bytes, height: int, stride: int, bpp: int) -> np.ndarray:
    """Undo the per-row PNG filters (None, Sub, Up, Average, Paeth)."""
    if len(raw) != height * (stride + 1):
        raise ValueError(f"PNG image data has {len(raw)} bytes, expected {height * (stride + 1)}")
    rows = np.frombuffer(raw, dtype=np.uint8).reshape(height, stride + 1)
    out = np.zeros((height, stride), dtype=np.uint8)
    previous = np.zeros(stride, dtype=np.int32)
    for y in range(height):
        kind, line = int(rows[y, 0]), rows[y, 1:].astype(np.int32)
        if kind == 0:
            current = line
        elif kind == 2:  # Up: vectorises
            current = (line + previous) & 0xFF
        elif kind == 1:  # Sub: a running sum per channel
            current = (np.cumsum(line.reshape(-1, bpp), axis=0).reshape(-1)) & 0xFF
        elif kind in (3, 4):  # Average and Paeth depend on the byte just decoded: a loop (on lists: fast)
            cur, up = line.tolist(), previous.tolist()
            for x in range(stride):
                left = cur[x - bpp] if x >= bpp else 0
                if kind == 3:
                    predictor = (left + up[x]) >> 1
                else:
                    upper_left = up[x - bpp] if x >= bpp else 0
                    p = left + up[x] - upper_left
                    pa, pb, pc = abs(p - left), abs(p - up[x]), abs(p - upper_left)
                    predictor = left if pa <= pb and pa <= pc else (up[x] if pb <= pc else upper_left)
                cur[x] = (cur[x] + predictor) & 0xFF
            current = np.array(cur, dtype=np.int32)
        else:
            raise ValueError(f"unknown PNG filter type {kind} in row {y}")
        out[y] = current
        previous = current.astype(np.int32)
    return out


def decode_png(data: bytes) -> np.ndarray:
    """Pixels of an 8-bit non-interlaced PNG: ``H×W`` for grey, else ``H×W×C``."""
    header = None
    compressed = bytearray()
    for kind, body in _chunks(data):
        if kind == b"IHDR":
            header = struct.unpack(">IIBBBBB", body)
        elif kind == b"IDAT":
            compressed += body
        elif kind == b"IEND":
            break
    if header is None:
        raise ValueError("PNG without an IHDR chunk")
    width, height, depth, colour, _, _, interlace = header
    if depth != 8 or colour not in _CHANNELS_BY_COLOUR_TYPE or interlace:
        raise ValueError(f"unsupported PNG (bit depth {depth}, colour type {colour}, interlace {interlace})")
    channels = _CHANNELS_BY_COLOUR_TYPE[colour]
    pixels = _unfilter(zlib.decompress(bytes(compressed)), height, width * channels, channels)
    pixels = pixels.reshape(height, width, channels)
    return pixels[:, :, 0] if channels == 1 else pixels


def read_png(source: str | Path | IO[bytes]) -> np.ndarray:
    """Read a PNG from a path or binary file object."""
    data = source.read() if hasattr(source, "read") else Path(source).read_bytes()  # type: ignore[union-attr]
    return decode_png(data)
