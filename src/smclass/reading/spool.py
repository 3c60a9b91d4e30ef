"""A file on disk for readers that need one (SQLite, Excel, Parquet seek or open by path)."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO


def _file_path(stream: IO[bytes] | None) -> str | None:
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
    path = _file_path(opened)
    if path is not None:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="smclass-") as folder:
        copy = Path(folder) / f"input{suffix}"
        with copy.open("wb") as handle:
            shutil.copyfileobj(stream, handle)
        yield str(copy)
