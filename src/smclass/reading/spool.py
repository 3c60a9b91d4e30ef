"""Temporary files: a file on disk for readers that need one (SQLite, Excel, Parquet seek or
open by path), and the one error every temporary write that fails becomes."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from smclass.errors import TemporaryFileError

_COPY = 1 << 20


@contextmanager
def temporary_writes(file: IO[bytes] | None = None) -> Iterator[None]:
    """Writes to a temporary file: a failure (a full TMPDIR) is one :class:`TemporaryFileError`.

    Only writes go in the block: an input that cannot be read is another error. ``file`` is
    closed on failure, so its unwritten buffer is not flushed again when it is collected,
    with a complaint of Python's own on stderr.
    """
    try:
        yield
    except OSError as exc:
        if file is not None:
            with contextlib.suppress(OSError, ValueError):
                file.close()
        raise TemporaryFileError(tempfile.gettempdir(), exc) from None


def temporary_file() -> IO[bytes]:
    """An anonymous temporary file, with a folder that cannot take one said as :func:`temporary_writes` says it."""
    with temporary_writes():
        return tempfile.TemporaryFile(prefix="smclass-")


def file_path(stream: IO[bytes] | None) -> str | None:
    """The path of the plain file behind ``stream``, if there is one (not stdin, not a pipe)."""
    raw = getattr(stream, "raw", None)
    name = getattr(stream, "name", None)
    if stream is None or not isinstance(raw, io.FileIO) or not isinstance(name, str):
        return None
    try:
        return name if os.path.samestat(os.fstat(raw.fileno()), os.stat(name)) and os.path.isfile(name) else None
    except OSError:
        return None


@contextmanager
def local_file(stream: IO[bytes], opened: IO[bytes] | None, suffix: str) -> Iterator[str]:
    """The path of the input: its own file when ``opened`` is a plain file, else a temporary copy of ``stream``.

    ``stream`` is the input as read (decompressed, from its first byte); ``opened`` the
    handle as it was opened, or None when the bytes are not the file's (gzip).
    """
    path = file_path(opened)
    if path is not None:
        yield path
        return
    with temporary_writes():
        holder = tempfile.TemporaryDirectory(prefix="smclass-")
    with holder as folder:
        copy = Path(folder) / f"input{suffix}"
        with temporary_writes():
            handle = copy.open("wb")
        with handle:
            # Read and write apart: a damaged input is the reader's error, a full disk this one.
            while chunk := stream.read(_COPY):
                with temporary_writes(handle):
                    handle.write(chunk)
            with temporary_writes(handle):
                handle.flush()
        yield str(copy)
