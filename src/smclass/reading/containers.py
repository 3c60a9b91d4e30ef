"""Inputs that hold many files: directories and zip archives (and the Slack exports inside them)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import IO, Any

from smclass.errors import InputError
from smclass.reading import sheets
from smclass.reading.platforms import instagram, slack
from smclass.reading.records import Record

StreamReader = Callable[..., Iterator[Record]]
Guard = Callable[[IO[bytes], zipfile.ZipInfo], IO[bytes]]


def is_zip(path: Path) -> bool:
    """A zip of posts: an Excel workbook is a zip too, but a table of its own.

    Only a regular file is looked at: the zip test reopens and seeks, which on a device
    (/dev/zero) never ends and on a FIFO would take bytes from the one reader.
    """
    return path.is_file() and zipfile.is_zipfile(path) and not sheets.is_workbook_path(path)


def read_zip(path: Path, reading: Any, read_stream: StreamReader, guarded: Guard) -> Iterator[Record]:
    """Every member in name order; a damaged member ends with an error record, and the next member is read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise InputError(f"damaged zip archive ({exc})", source=str(path)) from None
    with archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir() and not _skip_name(i.filename)), key=attrgetter("filename"))
        # Exports are often zipped with their folder as the first path part.
        prefix = _common_prefix([i.filename for i in infos])
        members = {i.filename[len(prefix) :]: i for i in infos}
        if not members:
            reading.notify(f"{path}: holds no files to read")
        if slack.is_export(set(members)):
            yield from slack.records(sorted(members), lambda name: archive.read(members[name]), lambda name: f"{path}!{prefix}{name}")
            return
        if instagram.is_export(set(members)):
            locate = lambda name: f"{path}!{prefix}{name}"  # noqa: E731
            read = _reading_with(read_stream, reading)
            yield from instagram.read_export(sorted(members), lambda name: archive.open(members[name]), locate, read, reading.input_format)
            return
        for name, info in members.items():
            source = f"{path}!{prefix}{name}"
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
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _skip_name(p.name))
    members = [p.relative_to(path).as_posix() for p in files]
    if not members:
        reading.notify(f"{path}: holds no files to read")
    if slack.is_export(set(members)):
        yield from slack.records(members, lambda name: (path / name).read_bytes(), lambda name: str(path / name))
        return
    if instagram.is_export(set(members)):
        read = _reading_with(read_stream, reading)
        opener = lambda name: (path / name).open("rb")  # noqa: E731
        yield from instagram.read_export(members, opener, lambda name: str(path / name), read, reading.input_format)
        return
    for child in files:
        with child.open("rb") as handle:
            yield from read_stream(handle, str(child), reading=reading)


def _reading_with(read_stream: StreamReader, reading: Any) -> Callable[[IO[bytes], str, str | None], Iterator[Record]]:
    """``read_stream`` as the Instagram export reader calls it, with the rest of the options bound."""

    def read(stream: IO[bytes], source: str, input_format: str | None) -> Iterator[Record]:
        return read_stream(stream, source, reading=reading)

    return read


def _skip_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base.lower().endswith((".md", ".txt.sig")) or base in slack.META_FILES - {"channels.json", "users.json"}
