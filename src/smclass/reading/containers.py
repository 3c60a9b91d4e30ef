"""Inputs that hold many files: directories and zip archives (and the Slack exports inside them)."""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Iterator
from operator import attrgetter
from pathlib import Path
from typing import IO

from smclass.reading import sheets
from smclass.reading.platforms import instagram, slack
from smclass.reading.records import Record

StreamReader = Callable[[IO[bytes], str, "str | None"], Iterator[Record]]


def is_zip(path: Path) -> bool:
    """A zip of posts: an Excel workbook is a zip too, but a table of its own."""
    return zipfile.is_zipfile(path) and not sheets.is_workbook_path(path)


def read_zip(path: Path, input_format: str | None, read_stream: StreamReader) -> Iterator[Record]:
    with zipfile.ZipFile(path) as archive:
        infos = sorted((i for i in archive.infolist() if not i.is_dir() and not _skip_name(i.filename)), key=attrgetter("filename"))
        # Exports are often zipped with their folder as the first path part.
        prefix = _common_prefix([i.filename for i in infos])
        members = {i.filename[len(prefix) :]: i for i in infos}
        if slack.is_export(set(members)):
            yield from slack.records(sorted(members), lambda name: archive.read(members[name]), lambda name: f"{path}!{prefix}{name}")
            return
        if instagram.is_export(set(members)):
            locate = lambda name: f"{path}!{prefix}{name}"  # noqa: E731
            yield from instagram.read_export(sorted(members), lambda name: archive.open(members[name]), locate, read_stream, input_format)
            return
        for name, info in members.items():
            with archive.open(info) as member:
                yield from read_stream(member, f"{path}!{prefix}{name}", input_format)


def _common_prefix(names: list[str]) -> str:
    tops = {n.split("/", 1)[0] for n in names}
    if len(tops) == 1 and all("/" in n for n in names):
        return tops.pop() + "/"
    return ""


def read_directory(path: Path, input_format: str | None, read_stream: StreamReader) -> Iterator[Record]:
    files = sorted(p for p in path.rglob("*") if p.is_file() and not _skip_name(p.name))
    members = [p.relative_to(path).as_posix() for p in files]
    if slack.is_export(set(members)):
        yield from slack.records(members, lambda name: (path / name).read_bytes(), lambda name: str(path / name))
        return
    if instagram.is_export(set(members)):
        yield from instagram.read_export(
            members, lambda name: (path / name).open("rb"), lambda name: str(path / name), read_stream, input_format
        )
        return
    for child in files:
        with child.open("rb") as handle:
            yield from read_stream(handle, str(child), input_format)


def _skip_name(name: str) -> bool:
    base = name.rsplit("/", 1)[-1]
    return base.startswith(".") or base.lower().endswith((".md", ".txt.sig")) or base in slack.META_FILES - {"channels.json", "users.json"}
