"""Inputs that hold many files: directories and zip archives (what they hold is decided in :mod:`smclass.reading.folders`)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading import folders, sheets
from smclass.reading.records import Record

StreamReader = Callable[..., Iterator[Record]]
Guard = Callable[[IO[bytes], zipfile.ZipInfo], IO[bytes]]


def is_zip(path: Path) -> bool:
    """A zip of posts: an Excel workbook is a zip too, but a table of its own.

    Only a regular file is looked at: the zip test reopens and seeks, which on a device
    (/dev/zero) never ends and on a FIFO would take bytes from the one reader.
    """
    return path.is_file() and zipfile.is_zipfile(path) and not sheets.is_workbook_path(path)


def read_zip(path: Path, reading: Any, read_stream: StreamReader, guarded: Guard, shown: str | None = None) -> Iterator[Record]:
    """Every member in name order; a damaged member ends with an error record, and the next member is read.

    ``shown`` names the archive in results when ``path`` is a copy of it (a zip read from a stream).
    A zip inside it is refused (``read_stream`` opens none by default): a zip that holds itself would never end.
    """
    shown = shown if shown is not None else str(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"damaged zip archive ({exc})", source=shown) from None
    with archive:
        infos = [i for i in archive.infolist() if not i.is_dir() and not folders.skipped(i.filename)]
        # Exports are often zipped with their folder as the first path part.
        prefix = _common_prefix([i.filename for i in infos])
        by_name = {i.filename[len(prefix) :]: i for i in infos}
        held = folders.contents(by_name)
        if not held.files:
            reading.notify(f"{shown}: holds no files to read")

        def locate(name: str) -> str:
            return f"{shown}!{prefix}{name}"

        if held.export is not None:
            yield from folders.read_export(held, lambda name: archive.open(by_name[name]), locate, read_stream, reading)
            return
        for name in held.files:
            source = locate(name)
            info = by_name[name]
            try:
                member = archive.open(info)
            except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError, ValueError) as exc:
                yield Record({}, source, None, 1, None, InputError(f"cannot open this zip member ({exc})", source=source))
                continue
            with member:
                yield from read_stream(guarded(member, info), source, reading=reading)


def _common_prefix(names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def read_directory(path: Path, reading: Any, read_stream: StreamReader) -> Iterator[Record]:
    held = folders.contents(folders.local_names(path))
    if not held.files:
        reading.notify(f"{path}: holds no files to read")
    yield from folders.read(held, lambda name: (path / name).open("rb"), lambda name: str(path / name), read_stream, reading)
