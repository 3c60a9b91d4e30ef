"""Reading a model file without trusting it: every size is checked before anything is read.

A model file is a zip of ``.npy`` arrays with known names. The file is read only when it
is small enough to be a model; the zip's list of members is checked (names, encryption,
compression, declared sizes) before one byte is inflated; each array's header is checked
(a plain type, a shape that fits the declared size) before its data is read. Anything
else is refused with a :class:`~smclass.errors.ModelError` naming the file.
"""

from __future__ import annotations

import io
import math
import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO

import numpy as np

from smclass.errors import ModelError
from smclass.model.scorer import ARRAYS

# The default model is under 2 MB; a model of ten million n-grams would be under 1 GB.
MAX_MODEL_BYTES = 2 * 1024**3
# The JSON card and settings: a few kilobytes in practice.
MAX_META_BYTES = 16 * 1024**2
# An accurate model adds its encoder block and, prefixed, the arrays of its cascade's fast model.
MEMBERS = ("meta", *ARRAYS, "encoder_coef", "encoder_mean", *(f"fast_{name}" for name in ARRAYS), "seen_texts")
_COMPRESSIONS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)


def read_model_bytes(target: Path) -> bytes:
    """The bytes of a model file, refusing early what cannot be one (a device, a huge file)."""
    try:
        handle = open(target, "rb")  # noqa: SIM115 - closed below
    except FileNotFoundError:
        raise ModelError(f"{target}: model file not found") from None
    except IsADirectoryError:
        raise ModelError(f"{target}: is a directory, not a model file") from None
    except OSError as exc:
        raise ModelError(f"{target}: cannot read model file ({exc.strerror})") from None
    with handle:
        try:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise ModelError(f"{target}: is a directory, not a model file")
            if stat.S_ISREG(info.st_mode) and info.st_size > MAX_MODEL_BYTES:
                raise ModelError(f"{target}: {info.st_size:,} bytes, more than a model file may hold ({MAX_MODEL_BYTES:,})")
            # Enough to tell a zip from anything else (/dev/zero, a pickle) before reading on.
            head = handle.read(4)
            if not head.startswith(b"PK"):
                return head
            data = head + handle.read(MAX_MODEL_BYTES + 1 - len(head))
        except OSError as exc:
            raise ModelError(f"{target}: cannot read model file ({exc.strerror})") from None
    if len(data) > MAX_MODEL_BYTES:
        raise ModelError(f"{target}: more than {MAX_MODEL_BYTES:,} bytes, more than a model file may hold")
    return data


def read_arrays(data: bytes, target: Path) -> dict[str, np.ndarray]:
    """The arrays of a model file (``meta`` among them), each checked before it is read."""
    if len(data) > MAX_MODEL_BYTES:
        raise ModelError(f"{target}: more than {MAX_MODEL_BYTES:,} bytes, more than a model file may hold")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise ModelError(f"{target}: damaged model file ({exc})") from None
    if any(info.filename == "schema.json" for info in infos):
        raise ModelError(f"{target}: a model in the skops format of smclass before 0.2: retrain it with 'smclass train'")
    if not infos:
        raise ModelError(f"{target}: not a smclass model file (the archive holds nothing)")
    _check_members(infos, target)
    arrays: dict[str, np.ndarray] = {}
    for info in infos:
        name = info.filename[: -len(".npy")]
        try:
            with archive.open(info) as member:
                arrays[name] = _read_array(member, info, target)
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, RuntimeError, NotImplementedError) as exc:
            raise ModelError(f"{target}: damaged model file ({info.filename}: {exc})") from None
    return arrays


def holds_a_model(path: Path) -> bool:
    """Whether a file is a zip of a model's members, card included: what ``train --out`` may write over."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile):
        return False
    return "meta.npy" in names and all(map(_known_member, names))


def _known_member(name: str) -> bool:
    """Whether ``name`` is one of the arrays a model file holds."""
    return name.endswith(".npy") and name[: -len(".npy")] in MEMBERS


def _check_members(infos: list[zipfile.ZipInfo], target: Path) -> None:
    """Refuse the archive from its list alone: nothing has been inflated yet."""
    seen: set[str] = set()
    total = 0
    for info in infos:
        name = info.filename
        if not _known_member(name):
            raise ModelError(f"{target}: not a smclass model file (unexpected member {name!r})")
        if name in seen:
            raise ModelError(f"{target}: damaged model file (member {name!r} appears twice)")
        seen.add(name)
        if info.flag_bits & 0x1:
            raise ModelError(f"{target}: refused: member {name!r} is encrypted")
        if info.compress_type not in _COMPRESSIONS:
            raise ModelError(f"{target}: refused: member {name!r} uses compression method {info.compress_type}, not one smclass writes")
        cap = MAX_META_BYTES if name == "meta.npy" else MAX_MODEL_BYTES
        if info.file_size > cap:
            raise ModelError(f"{target}: refused: member {name!r} declares {info.file_size:,} bytes, more than a model may hold ({cap:,})")
        total += info.file_size
    if total > MAX_MODEL_BYTES:
        raise ModelError(f"{target}: refused: its members declare {total:,} bytes in all, more than a model may hold ({MAX_MODEL_BYTES:,})")
    if "meta.npy" not in seen:
        # Known now, from the list: without its card no archive is a model, however much its members inflate to.
        raise ModelError(f"{target}: not a smclass model file")


def _read_array(member: IO[bytes], info: zipfile.ZipInfo, target: Path) -> np.ndarray:
    """One ``.npy`` member: its header checked against its declared size before its data is read."""
    name = info.filename
    try:
        version = np.lib.format.read_magic(member)
    except ValueError:
        # np.load would hand back such a member as raw bytes (a pickle, say): never.
        raise ModelError(f"{target}: refused: member {name!r} is not a plain array") from None
    if version == (1, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_1_0(member)
    elif version == (2, 0):
        shape, fortran_order, dtype = np.lib.format.read_array_header_2_0(member)
    else:
        raise ModelError(f"{target}: damaged model file (member {name!r} is an array of format {version})")
    if dtype.hasobject:
        raise ModelError(f"{target}: refused: the file holds Python objects, which loading could run")
    size = math.prod(shape) * dtype.itemsize
    if size != info.file_size - member.tell():
        raise ModelError(
            f"{target}: damaged model file (member {name!r} declares a shape of {shape}, "
            f"{size:,} bytes, but holds {info.file_size - member.tell():,})"
        )
    data = member.read(size)
    if len(data) != size:
        raise ModelError(f"{target}: damaged model file (member {name!r} is cut short)")
    if size == 0:
        return np.zeros(shape, dtype=dtype)
    array: np.ndarray = np.frombuffer(data, dtype=dtype).reshape(shape, order="F" if fortran_order else "C")
    return array
