"""Tensors to and from files: ``x = load("x.npy")`` and ``save(x, "x.npy")`` in the REPL and in scripts.

>>> import tempfile, os
>>> path = os.path.join(tempfile.mkdtemp(), "v.csv")
>>> save_file(path, {"v": np.array([1.5, 2.0])})
>>> load_file(path)
{'v': array([1.5, 2. ])}
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import IO, TYPE_CHECKING

import numpy as np

from .. import errors as E
from ..config import get_options, raise_hint
from .script import CommandError

if TYPE_CHECKING:
    from pathlib import Path

SUFFIXES = (".npy", ".npz", ".csv")
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg")  # through einlang.images (Pillow)


def load_file(path: str, name: str | None = None) -> dict[str, np.ndarray]:
    """Arrays from a .npy, .npz or .csv file, by the names they bind to: ``name``, else the file's stem
    (.npy, .csv) or the names stored in the archive (.npz)."""
    import zipfile  # here, as pathlib: the REPL imports this module on every start
    from pathlib import Path

    file = Path(path).expanduser()
    suffix = file.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        from .. import images

        return {name or _identifier(file.stem): images.load(file)}
    if suffix not in SUFFIXES:
        raise CommandError(f"load: {path} is not a .npy, .npz, .csv, .png or .jpg file")
    try:
        if suffix == ".npy":
            with file.open("rb") as handle:
                _check_npy_header(handle, path)
            arrays = {name or _identifier(file.stem): np.load(file, allow_pickle=False)}
        elif suffix == ".csv":
            _check_size(file.stat().st_size * 8, path, "its numbers")  # at most one 8-byte number per byte
            arrays = {name or _identifier(file.stem): np.loadtxt(file, delimiter=",", ndmin=1)}
        else:
            arrays = _load_archive(file, path, name)
    except E.EinlangError:
        raise
    except OSError as exc:
        raise E.FileAccessError(f"load: cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, TypeError, EOFError, zipfile.BadZipFile) as exc:  # numpy's words for a damaged file
        raise E.FileAccessError(f"load: {path} is not a readable {suffix} file ({type(exc).__name__}: {exc})") from None
    for array_name in arrays:
        if not array_name.isidentifier():
            raise CommandError(f"load: {array_name!r} is not a valid tensor name; write  name = load(\"{path}\")")
    return arrays


def _check_size(nbytes: int, path: str, what: str) -> None:
    limit = get_options().memory_limit
    if nbytes > limit:
        raise E.MemoryLimitError(f"load: {path}: {what} would take {nbytes:,} bytes, above the memory limit of "
                                 f"{limit:,} bytes", hint=raise_hint("memory_limit"))


def _check_npy_header(handle: IO[bytes], path: str) -> None:
    """Read a .npy header (shape and dtype) and refuse an array above the memory limit before reading it:
    a crafted 100-byte header can ask for 74.5 GiB."""
    version = np.lib.format.read_magic(handle)
    read = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    shape, _, dtype = read(handle)
    _check_size(math.prod(shape) * dtype.itemsize, path, f"an array of shape {shape} and dtype {dtype}")


def _load_archive(file: Path, path: str, name: str | None) -> dict[str, np.ndarray]:
    import zipfile

    if not zipfile.is_zipfile(file):
        raise E.FileAccessError(f"load: {path} is not a .npz archive (a .npz file is a zip of .npy files)")
    with zipfile.ZipFile(file) as archive:
        for member in archive.namelist():
            if member.endswith(".npy"):
                with archive.open(member) as handle:
                    _check_npy_header(handle, f"{path}:{member}")
    with np.load(file, allow_pickle=False) as archive:
        stored = {key: archive[key] for key in archive.files}
    if name is None:
        return stored
    if len(stored) != 1:
        raise CommandError(
            f"load: {path} holds {len(stored)} arrays ({', '.join(stored)}); "
            f'write load("{path}") to bind each under its own name'
        )
    return {name: next(iter(stored.values()))}


def save_file(path: str, tensors: dict[str, np.ndarray]) -> None:
    """Write tensors to .npy (one), .npz (any number) or .csv (one, rank ≤ 2)."""
    from pathlib import Path

    file = Path(path).expanduser()
    suffix = file.suffix.lower()
    if not tensors:
        raise CommandError("save: nothing is bound")
    if suffix in IMAGE_SUFFIXES and len(tensors) == 1:
        from .. import images

        images.save(next(iter(tensors.values())), file)
        return
    if suffix not in SUFFIXES + IMAGE_SUFFIXES:
        raise CommandError(f"save: {path} must end in .npy, .npz, .csv (tensors) or .png, .jpg (images)")
    if suffix == ".npz":
        _write(path, lambda: np.savez(file, **tensors))
        return
    if len(tensors) != 1:
        raise CommandError(f'save: a {suffix} file holds one tensor: save(name, "{path}"), or use .npz')
    ((name, array),) = tensors.items()
    if suffix == ".npy":
        _write(path, lambda: np.save(file, array, allow_pickle=False))
    elif array.ndim > 2:
        raise CommandError(f"save: {name} has rank {array.ndim}; a .csv file holds rank 0, 1 or 2 — use .npy")
    else:
        number = "%.17g" if array.dtype.kind == "f" else "%s"  # %.17g: floats read back exactly
        _write(path, lambda: np.savetxt(file, np.atleast_1d(array), delimiter=",", fmt=number))


def _write(path: str, write: Callable[[], object]) -> None:
    try:
        write()
    except OSError as exc:
        raise E.FileAccessError(f"save: cannot write {path}: {exc.strerror or exc}") from None


def _identifier(stem: str) -> str:
    """A file's stem as a tensor name: ``my-data`` -> ``my_data``, ``2d`` -> ``t_2d``."""
    name = re.sub(r"\W", "_", stem)
    return name if name and not name[0].isdigit() else "t_" + name
